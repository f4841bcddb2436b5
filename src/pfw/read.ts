import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { didYouMean } from "../diag/did-you-mean.js";
import type { Position, Span } from "../diag/span.js";
import { pfwActionsByKey } from "../vocab/pfw-actions.js";
import { pfwConditionsByKey } from "../vocab/pfw-conditions.js";
import { defaultTarget, targetDescriptions, type TargetVersion } from "../vocab/targets.js";
import { pfwDefinitionTypes, type PfwAction, type PfwChain, type PfwCondition, type PfwDefinition, type PfwDefinitionType, type PfwRule, type PfwScript } from "./model.js";

/**
 * Reads a `.pfw` script exactly as mod_firewall's parser does (line trimming, `\` joins,
 * comment lines, blank lines ending rules, `::chain`, `%DEF`, action and condition lines, the
 * swallowed line after an action), but reports every problem instead of stopping at the first.
 * Argument errors that only the handlers detect are found by `checkPfwLoad` (src/sim/load-check.ts).
 */

export interface ReadResult {
  readonly script: PfwScript;
  readonly diagnostics: Diagnostic[];
}

/** A logical line: the trimmed text and where each of its characters came from. */
interface LogicalLine {
  readonly text: string;
  /** Physical line number mod_firewall reports (the last one of a joined group). */
  readonly line: number;
  readonly pieces: readonly { readonly at: number; readonly start: Position }[];
}

const luaSpace = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Common mistakes, with what to write instead. */
const conditionHints: Readonly<Record<string, string>> = {
  BODY: "to test the body, write 'INSPECT: body#/=text' (contains), 'INSPECT: body#=text' (equals) or 'INSPECT: body#~=lua pattern'",
  BODY_CONTAINS: "write 'INSPECT: body#/=text'",
  CONTAINS: "write 'INSPECT: path#/=text'",
  MATCHES: "write 'INSPECT: path#~=lua pattern'",
  NOT: "a second NOT is not removed: write the condition once, with one NOT",
};

export function readPfw(text: string, file: string, options: { target?: TargetVersion } = {}): ReadResult {
  const target = options.target ?? defaultTarget;
  const diagnostics: Diagnostic[] = [];
  const definitions: PfwDefinition[] = [];
  const chains = new Map<string, PfwRule[]>([["deliver", []]]);
  const spanOf = (l: LogicalLine, from: number, to: number): Span => ({ file, start: positionIn(l, from), end: positionIn(l, Math.max(from, to)) });

  let chain = "deliver";
  let state: "rules" | "actions" | undefined;
  let rule: { conditions: PfwCondition[]; actions: PfwAction[]; start: Position; end: Position; chain: string; stored: number; twice: boolean } | undefined;
  const storedRules: { ref: NonNullable<typeof rule>; chain: string }[] = [];

  const newRule = (l: LogicalLine): NonNullable<typeof rule> => {
    const r = { conditions: [], actions: [], start: positionIn(l, 0), end: positionIn(l, l.text.length), chain, stored: 1, twice: false };
    storedRules.push({ ref: r, chain });
    return r;
  };

  for (const l of logicalLines(text, file, diagnostics)) {
    const line = l.text;
    if (line === "") {
      if (state === "rules") diagnostics.push(diag("SFW503", spanOf(l, 0, 0)));
      state = undefined;
      continue;
    }
    if (line.startsWith("#") || line.startsWith(";")) continue;
    if (!state && line.startsWith("::")) {
      chain = line.replace(/^::[ \t\n\v\f\r]*/, "");
      if (!chains.has(chain) && !["preroute", "deliver", "deliver_remote"].includes(chain) && !chain.startsWith("user/")) {
        const guess = didYouMean(chain, ["preroute", "deliver", "deliver_remote"]);
        diagnostics.push(diag("SFW504", spanOf(l, 0, line.length), { name: chain }, { hint: guess ? `did you mean '::${guess}'? (custom chains start with user/)` : "custom chains start with user/" }));
      }
      if (!chains.has(chain)) chains.set(chain, []);
      continue;
    }
    if (!state && line.startsWith("%")) {
      const def = readDefinition(l, file, diagnostics, spanOf);
      if (def) definitions.push(def);
      continue;
    }
    const actionName = /^[A-Za-z0-9_ ]+[.=]/.exec(line);
    if (actionName) {
      if (state === undefined) rule = newRule(l);
      state = "actions";
      const name = /^[A-Za-z0-9_ ]+/.exec(line)![0].toUpperCase().replace(/ /g, "_");
      const eq = /=(.+)$/s.exec(line);
      const argument = eq ? eq[1] : undefined;
      const argAt = eq ? line.indexOf("=") + 1 : line.length;
      const span = spanOf(l, 0, line.length);
      if (!checkAction(name, l, argument, argAt, target, diagnostics, spanOf)) {
        rule!.end = span.end;
        continue;
      }
      rule!.actions.push({ name: name.replace(/_/g, " "), argument, span });
      rule!.end = span.end;
      continue;
    }
    if (state === "actions") {
      // mod_firewall's parser drops this line and appends the current rule to the chain again.
      const r = rule!;
      r.stored++;
      r.twice = true;
      storedRules.push({ ref: r, chain: r.chain });
      diagnostics.push(diag(r.conditions.length > 0 ? "SFW509" : "SFW510", spanOf(l, 0, line.length), {}, { hint: "put a blank line between rules" }));
      state = undefined;
      rule = undefined;
      continue;
    }
    if (!state) {
      state = "rules";
      rule = newRule(l);
    }
    const condition = readCondition(l, target, diagnostics, spanOf);
    if (condition) rule!.conditions.push(condition);
    rule!.end = positionIn(l, line.length);
  }
  if (state === "rules" && rule) diagnostics.push(diag("SFW512", { file, start: rule.start, end: rule.end }));

  for (const { ref, chain: c } of storedRules) {
    const built: PfwRule = { span: { file, start: ref.start, end: ref.end }, conditions: ref.conditions, actions: ref.actions, ...(ref.twice ? { storedTwice: true } : {}) };
    chains.get(c)!.push(built);
  }
  const script: PfwScript = { file, definitions, chains: [...chains].map(([name, rules]): PfwChain => ({ name, rules })) };
  return { script, diagnostics };
}

/** Splits into logical lines the way mod_firewall's loop does (trim, then `\` continuation). */
function logicalLines(text: string, file: string, diagnostics: Diagnostic[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split("\n");
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop();
  let offset = 0;
  let hold: { text: string; pieces: { at: number; start: Position }[]; firstLine: number; comment: boolean } | undefined;
  physical.forEach((raw, i) => {
    const lineNo = i + 1;
    const lead = /^[ \t\n\v\f\r]*/.exec(raw)![0].length;
    const trimmed = raw.replace(luaSpace, "");
    const start: Position = { offset: offset + lead, line: lineNo, column: lead + 1 };
    offset += raw.length + 1;
    if (hold && !trimmed.endsWith("\\")) {
      const joined = { text: hold.text + trimmed, line: lineNo, pieces: [...hold.pieces, { at: hold.text.length, start }] };
      diagnostics.push(diag("SFW511", { file, start: hold.pieces[0]!.start, end: { ...start, column: start.column + trimmed.length, offset: start.offset + trimmed.length } }, { what: hold.comment ? ", inside a comment: this line is commented out too" : "" }, { severity: hold.comment ? "warning" : "info" }));
      hold = undefined;
      out.push(joined);
      return;
    }
    if (trimmed.endsWith("\\")) {
      const piece = { at: hold?.text.length ?? 0, start };
      hold = { text: (hold?.text ?? "") + trimmed.slice(0, -1), pieces: [...(hold?.pieces ?? []), piece], firstLine: hold?.firstLine ?? lineNo, comment: hold?.comment ?? /^[#;]/.test(trimmed) };
      return;
    }
    out.push({ text: trimmed, line: lineNo, pieces: [{ at: 0, start }] });
  });
  // A line still held at the end of the file is lost, as in mod_firewall.
  return out;
}

function positionIn(l: LogicalLine, index: number): Position {
  let piece = l.pieces[0]!;
  for (const p of l.pieces) if (p.at <= index) piece = p;
  const delta = index - piece.at;
  return { offset: piece.start.offset + delta, line: piece.start.line, column: piece.start.column + delta };
}

type SpanOf = (l: LogicalLine, from: number, to: number) => Span;

function readDefinition(l: LogicalLine, file: string, diagnostics: Diagnostic[], spanOf: SpanOf): PfwDefinition | undefined {
  const line = l.text;
  const head = /^%[ \t\n\v\f\r]*([A-Za-z0-9_]+) +([^ :]+)/.exec(line);
  const typeMatch = /^%[ \t\n\v\f\r]*([A-Za-z0-9_]+)/.exec(line);
  const what = typeMatch?.[1];
  if (!what || !(pfwDefinitionTypes as readonly string[]).includes(what)) {
    const guess = what ? didYouMean(what, pfwDefinitionTypes) : undefined;
    diagnostics.push(diag("SFW505", spanOf(l, 0, line.length), { message: `definition of unknown object: ${what ?? "(nothing)"}` }, guess ? { hint: `did you mean '%${guess}'?` } : { hint: "definitions are %ZONE, %RATE, %LIST, %PATTERN and %SEARCH" }));
    return undefined;
  }
  const name = head?.[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    diagnostics.push(diag("SFW505", spanOf(l, 0, line.length), { message: `invalid ${what} name` }, { hint: "names start with a letter and contain letters, digits and _; one space between the type and the name" }));
    return undefined;
  }
  const colon = /: ?(.*)$/s.exec(line);
  if (!colon) {
    diagnostics.push(diag("SFW505", spanOf(l, 0, line.length), { message: "no value given for definition" }, { hint: `write %${what} ${name}: value` }));
    return undefined;
  }
  return { type: what as PfwDefinitionType, name, value: stripSlashes(colon[1]!), span: spanOf(l, 0, line.length) };
}

const escapes: Readonly<Record<string, string>> = { a: "\u0007", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/** mod_firewall's `stripslashes`: `\n`, `\t`, … decoded; any other `\x` kept as written. */
export function stripSlashes(s: string): string {
  return s.replace(/\\([\s\S])/g, (whole, c: string) => escapes[c] ?? whole);
}

function readCondition(l: LogicalLine, target: TargetVersion, diagnostics: Diagnostic[], spanOf: SpanOf): PfwCondition | undefined {
  const line = l.text;
  let name = /^[^:=.?]*/.exec(line)![0];
  let negated = false;
  const not = /(?<![A-Za-z0-9])NOT(?![A-Za-z0-9])/.exec(name);
  if (not) {
    name = (name.slice(0, not.index) + name.slice(not.index + 3)).replace(luaSpace, "");
    negated = true;
  }
  const key = name.replace(/ /g, "_");
  const nameEnd = /^[^:=.?]*/.exec(line)![0].length;
  const argMatch = /:[ \t\n\v\f\r]?(.+)$/s.exec(line);
  const argument = argMatch?.[1];
  const span = spanOf(l, 0, line.length);
  const info = pfwConditionsByKey.get(key);
  if (!info) {
    const actionLike = pfwActionsByKey.get(key.toUpperCase());
    const guess = didYouMean(key, [...pfwConditionsByKey.keys()])?.replace(/_/g, " ");
    const hint = conditionHints[key.toUpperCase()] ?? (actionLike ? `${actionLike.name} is an action: write ${actionLike.name}${actionLike.argument === "none" ? "." : "=…"}` : guess ? `did you mean '${guess}'?` : undefined);
    diagnostics.push(diag("SFW501", spanOf(l, 0, nameEnd), { name: name.replace(/_/g, " ") }, hint ? { hint } : {}));
    return undefined;
  }
  checkAvailability(`the condition ${info.name}`, info.availability[target], target, spanOf(l, 0, nameEnd), diagnostics);
  if (argument !== undefined) {
    const argAt = line.length - argument.length;
    if (/^[ \t\n\v\f\r]/.test(argument)) diagnostics.push(diag("SFW516", spanOf(l, argAt - 1, argAt + 1)));
    checkCommentChars(l, argument, line.length - argument.length, diagnostics, spanOf);
  }
  return { name: info.name, negated, argument, span };
}

function checkAction(name: string, l: LogicalLine, argument: string | undefined, argAt: number, target: TargetVersion, diagnostics: Diagnostic[], spanOf: SpanOf): boolean {
  const info = pfwActionsByKey.get(name);
  const nameEnd = /^[A-Za-z0-9_ ]+/.exec(l.text)![0].length;
  if (!info) {
    const guess = didYouMean(name, [...pfwActionsByKey.keys()])?.replace(/_/g, " ");
    const conditionLike = pfwConditionsByKey.get(name);
    const hint = name.endsWith("_") ? "no space is allowed before '.' or '='" : conditionLike ? `${conditionLike.name} is a condition: write ${conditionLike.name}: …` : guess ? `did you mean '${guess}'?` : undefined;
    diagnostics.push(diag("SFW502", spanOf(l, 0, nameEnd), { name: name.replace(/_/g, " ") }, hint ? { hint } : {}));
    return false;
  }
  checkAvailability(`the action ${info.name}`, info.availability[target], target, spanOf(l, 0, nameEnd), diagnostics);
  if (argument !== undefined) {
    if (/^[ \t]/.test(argument) && info.name !== "LOG") diagnostics.push(diag("SFW516", spanOf(l, argAt, argAt + 1)));
    checkCommentChars(l, argument, argAt, diagnostics, spanOf);
  }
  return true;
}

function checkAvailability(what: string, availability: { kind: string; why?: string }, target: TargetVersion, span: Span, diagnostics: Diagnostic[]): void {
  if (availability.kind === "missing") diagnostics.push(diag("SFW514", span, { what, target: targetDescriptions[target] }));
  else if (availability.kind === "broken") diagnostics.push(diag("SFW515", span, { what, target: targetDescriptions[target], why: availability.why ?? "" }));
}

/** `#` or `;` after white space inside an argument looks like a trailing comment but is not one. */
function checkCommentChars(l: LogicalLine, argument: string, at: number, diagnostics: Diagnostic[], spanOf: SpanOf): void {
  const m = /\s([#;])/.exec(argument);
  if (m) diagnostics.push(diag("SFW513", spanOf(l, at + m.index + 1, at + m.index + 2), { char: m[1]! }, { severity: "info" }));
}
