import { checkLua, type LuaSyntaxVerdict } from "../lua/expression.js";

/**
 * mod_firewall's `$(…)` code substitution, reproduced on the text its `meta` function scans, and
 * a verdict on the Lua it generates. `meta` runs `gsub("$(%b())", …)` over a `%q`-quoted string
 * — the argument alone for most handlers, but the whole generated call for LOG — so an unclosed
 * `$(` in a LOG message balances against the `)` of the generated `…");` and swallows it. Each
 * match is un-backslashed (`\\(.)` → the character) and pasted as `"..tostring(CODE).."`;
 * `$<…>` expressions are substituted after that, over the result.
 *
 * Where each handler calls meta, and what it scans (prosody-modules 2023-02):
 * - LOG: `(session.log or log)(%q, '%%s', %q);` — the level and the message, as one statement line;
 * - ADD TO: `list_NAME:add(meta(%q of the value));`
 * - FROM EXACTLY / TO EXACTLY: `from == metaq(arg)` / `to == metaq(arg)` in the rule's `if (…)`;
 * - FROM ADMIN OF / TO ADMIN OF: `is_admin(bare_from, metaq(host))`;
 * - INSPECT with `$=`, `$/=`, `$~=`: the value, in `stanza:find(…) == V`, `:find(V, 1, true)`, `:match(V)`;
 * - LIMIT `name on …`: `not multi_throttle_NAME:poll_on(V, 1)`;
 * - CHECK LIST: `list_NAME:contains(V) == true`.
 */

/**
 * LOG's argument as mod_firewall splits it: a `[level]` prefix (default `info`) and one space after
 * it are taken off; the message is the rest, `offset` characters into the argument.
 */
export function logArgument(argument: string): { level: string; message: string; offset: number } {
  const prefix = /^\[([A-Za-z]+)\] ?/.exec(argument);
  return { level: prefix?.[1] ?? "info", message: prefix ? argument.slice(prefix[0].length) : argument, offset: prefix?.[0].length ?? 0 };
}

/** Where an argument's text is substituted: LOG scans its whole line, the others the quoted argument. */
export type MetaSite = "LOG" | "ADD TO" | "FROM EXACTLY" | "TO EXACTLY" | "FROM ADMIN OF" | "TO ADMIN OF" | "INSPECT" | "LIMIT" | "CHECK LIST";

/** One `$(…)` that meta substitutes. */
export interface CodeSubstitution {
  /** 0-based offset of the `$` in the argument. */
  readonly at: number;
  /** Characters of the argument the match covers (to the argument's end when it runs past it). */
  readonly length: number;
  /** The Lua code between the parentheses, as pasted (backslashes removed as meta removes them). */
  readonly code: string;
  /** The match ran past the argument, into the generated code after it (an unclosed `$(` in LOG). */
  readonly runsPast: boolean;
}

/** What mod_firewall makes of an argument's `$(…)`, and whether the generated Lua compiles. */
export interface CodeSubstitutionResult {
  readonly substitutions: readonly CodeSubstitution[];
  /** The generated Lua that is checked (the substituted argument in its handler's code). */
  readonly lua: string;
  readonly verdict: LuaSyntaxVerdict;
  /** When the verdict is invalid: the substitution to blame, and what is wrong, in words. */
  readonly problem?: { readonly substitution: CodeSubstitution; readonly message: string };
}

/**
 * Lua 5.4's `string.format("%q", s)`, with the offset in `s` of each character of the result
 * (-1 for the quotes and added backslashes).
 */
function quote(s: string, origin: number): { text: string; map: number[] } {
  let text = '"';
  const map = [-1];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    let piece: string;
    if (c === '"' || c === "\\" || c === "\n") piece = `\\${c}`;
    else if (c === "\r") piece = "\\r";
    else if (c === "\0") piece = /[0-9]/.test(s[i + 1] ?? "") ? "\\000" : "\\0";
    else if (code < 32 || code === 127) piece = /[0-9]/.test(s[i + 1] ?? "") ? `\\${String(code).padStart(3, "0")}` : `\\${code}`;
    else piece = c;
    text += piece;
    for (let k = 0; k < piece.length; k++) map.push(k === piece.length - 1 ? origin + i : -1);
  }
  text += '"';
  map.push(-1);
  return { text, map };
}

/** Lua's `%b()` from an opening bracket at `start`: the index just past its match, or -1. */
export function balancedEnd(s: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === open) depth++;
    else if (s[i] === close && --depth === 0) return i + 1;
  }
  return -1;
}

/** The generated code around the argument, with `@` where meta's result goes (LOG: around the quoted message). */
const contexts: Readonly<Record<Exclude<MetaSite, "LOG">, { readonly form: "expression" | "call statement"; readonly code: string }>> = {
  "ADD TO": { form: "call statement", code: "list_l:add(@);" },
  "FROM EXACTLY": { form: "expression", code: "(from == @)" },
  "TO EXACTLY": { form: "expression", code: "(to == @)" },
  "FROM ADMIN OF": { form: "expression", code: "(is_admin(bare_from, @))" },
  "TO ADMIN OF": { form: "expression", code: "(is_admin(bare_to, @))" },
  INSPECT: { form: "expression", code: '(stanza:find("q") == @)' },
  LIMIT: { form: "expression", code: "(not multi_throttle_r:poll_on(@, 1))" },
  "CHECK LIST": { form: "expression", code: "(list_l:contains(@) == true)" },
};

/**
 * The `$(…)` substitutions of one argument (for LOG, the message after its `[level] ` prefix,
 * with `level` the level read from it) and the verdict on the Lua mod_firewall generates.
 * Without any `$(…)` match the generated Lua always compiles, and the verdict is valid.
 */
export function substituteCode(site: MetaSite, argument: string, level = "info"): CodeSubstitutionResult {
  const quoted = quote(argument, 0);
  let scanned: string;
  let map: number[];
  if (site === "LOG") {
    const head = `(session.log or log)(${quote(level, 0).text}, '%s', `;
    scanned = `${head}${quoted.text});`;
    map = [...new Array<number>(head.length).fill(-1), ...quoted.map, -1, -1];
  } else {
    scanned = quoted.text;
    map = quoted.map;
  }
  // gsub("$(%b())"): left to right, each match replaced, the scan going on after it.
  const substitutions: CodeSubstitution[] = [];
  let out = "";
  let i = 0;
  while (i < scanned.length) {
    const end = scanned[i] === "$" && scanned[i + 1] === "(" ? balancedEnd(scanned, i + 1, "(", ")") : -1;
    if (end < 0) {
      out += scanned[i];
      i++;
      continue;
    }
    const expr = scanned.slice(i + 1, end).replace(/\\([\s\S])/g, "$1");
    const at = map[i]!;
    // Only LOG's line has a ')' after the argument: the match then ends in the generated code.
    const runsPast = map[end - 1]! < 0;
    substitutions.push({ at, length: (runsPast ? argument.length : map[end - 1]! + 1) - at, code: expr.slice(1, -1), runsPast });
    out += `"..tostring(${expr}).."`;
    i = end;
  }
  if (substitutions.length === 0) return { substitutions, lua: scanned, verdict: { kind: "valid" } };
  // gsub("$(%b<>)"), then the empty strings trimmed at both ends.
  let lua = substituteStanzaExpressions(out);
  lua = lua.replace(/^""\.\./, "").replace(/\.\.""$/, "");
  const ctx = site === "LOG" ? { form: "call statement" as const, code: "@" } : contexts[site];
  const checked = ctx.code.replace("@", () => lua);
  const verdict = checkLua(checked, { form: ctx.form, context: "piece" });
  if (verdict.kind !== "invalid") return { substitutions, lua: checked, verdict };
  const alone = (s: CodeSubstitution): LuaSyntaxVerdict => checkLua(`(${s.code})`);
  const blamed = substitutions.find((s) => s.runsPast) ?? substitutions.find((s) => alone(s).kind === "invalid") ?? substitutions[0]!;
  const shown = argument.slice(blamed.at, blamed.at + blamed.length);
  const own = alone(blamed);
  const message = blamed.runsPast
    ? `${shown} has no closing parenthesis in its line: mod_firewall's code substitution takes the ')' of the generated '…");' as its end, and the Lua does not compile (${verdict.message})`
    : own.kind === "invalid"
      ? `the code ${shown} is not a Lua expression (${own.message}): mod_firewall pastes it into the generated Lua, which does not compile`
      : `the code ${shown} runs out of the generated string: mod_firewall's Lua for this line does not compile (${verdict.message})`;
  return { substitutions, lua: checked, verdict, problem: { substitution: blamed, message } };
}

/** meta's second pass, `gsub("$(%b<>)")`, with a stand-in of the same syntax for each expression's code. */
function substituteStanzaExpressions(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const end = s[i] === "$" && s[i + 1] === "<" ? balancedEnd(s, i + 1, "<", ">") : -1;
    if (end < 0) {
      out += s[i];
      i++;
      continue;
    }
    out += '"..tostring(stanza_value or "<undefined>").."';
    i = end;
  }
  return out;
}
