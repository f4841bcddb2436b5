import { CannotSimulate, compileError, helperFrom, helperTo, sessionOf, type EventContext } from "./context.js";
import { balancedEnd, substituteCode, type MetaSite } from "../pfw/code-substitution.js";
import { bareJid, splitJid, XmlElement } from "./xml.js";

/**
 * mod_firewall's expressions in arguments: `$(lua)` code and `$<path|fn…>` stanza lookups, read
 * the way its `meta` function reads them (code first, then stanza expressions; balanced
 * brackets; a missing value becomes `<undefined>`; the `||"default"` form never works).
 */
export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "code"; readonly code: string }
  | {
      readonly kind: "stanza";
      readonly path: string;
      readonly functions: readonly string[];
      /** How the path is looked up, decided when the argument is read: an attribute (`@name`), a child's text (`name#`), or `find`. */
      readonly lookup: { readonly kind: "attr"; readonly name: string } | { readonly kind: "childText"; readonly name: string } | { readonly kind: "find" };
    };

export type Template = readonly TemplatePart[];

const jidFunctions = new Set(["bare", "node", "host", "resource"]);

function splitOn(parts: TemplatePart[], marker: string, open: string, close: string, make: (inner: string) => TemplatePart): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const part of parts) {
    if (part.kind !== "text") {
      out.push(part);
      continue;
    }
    let text = part.text;
    let buffer = "";
    for (;;) {
      const at = text.indexOf(marker);
      if (at < 0) break;
      const end = balancedEnd(text, at + 1, open, close);
      if (end < 0) {
        buffer += text.slice(0, at + 1);
        text = text.slice(at + 1);
        continue;
      }
      buffer += text.slice(0, at);
      if (buffer) out.push({ kind: "text", text: buffer });
      buffer = "";
      out.push(make(text.slice(at + 2, end - 1)));
      text = text.slice(end);
    }
    buffer += text;
    if (buffer) out.push({ kind: "text", text: buffer });
  }
  return out;
}

/**
 * Parses an argument where expressions are substituted; throws for an unknown function (a load
 * error). `site` is the handler that substitutes it: the `$(…)` code is what mod_firewall's meta
 * finds in the text it scans there (for LOG, the whole generated line; `level` is LOG's level).
 */
export function parseTemplate(text: string, site: MetaSite, level?: string): Template {
  let withCode: TemplatePart[] = [{ kind: "text", text }];
  if (text.includes("$(")) {
    withCode = [];
    let at = 0;
    for (const s of substituteCode(site, text, level).substitutions) {
      if (s.at > at) withCode.push({ kind: "text", text: text.slice(at, s.at) });
      withCode.push({ kind: "code", code: s.code });
      at = s.at + s.length;
    }
    if (at < text.length) withCode.push({ kind: "text", text: text.slice(at) });
  }
  return splitOn(withCode, "$<", "<", ">", (inner) => {
    const chain = /\|[A-Za-z0-9|]+$/.exec(inner);
    const path = chain ? inner.slice(0, chain.index) : inner;
    const functions = chain ? chain[0].split("|").filter((f) => f !== "") : [];
    for (const f of functions) if (!jidFunctions.has(f)) throw new Error(`unknown function: ${f}`);
    const lookup = path.startsWith("@") ? { kind: "attr" as const, name: path.slice(1) } : /^[A-Za-z0-9]+#$/.test(path) ? { kind: "childText" as const, name: path.slice(0, -1) } : { kind: "find" as const };
    return { kind: "stanza", path, functions, lookup };
  });
}

/**
 * Prosody's error when the `$(…)` code of an argument makes its chain's Lua fail to compile (the
 * chain is then skipped), or undefined.
 */
export function codeChainError(text: string, site: MetaSite, level?: string): string | undefined {
  if (!text.includes("$(")) return undefined;
  const problem = substituteCode(site, text, level).problem;
  return problem ? compileError(problem.message) : undefined;
}

export function hasExpressions(t: Template): boolean {
  return t.some((p) => p.kind !== "text");
}

/** Evaluates a template against an event, as the generated Lua would. */
export function evaluateTemplate(t: Template, ctx: EventContext): string {
  if (t.length === 1) return evaluatePart(t[0]!, ctx);
  let out = "";
  for (const p of t) out += evaluatePart(p, ctx);
  return out;
}

function evaluatePart(p: TemplatePart, ctx: EventContext): string {
  return p.kind === "text" ? p.text : p.kind === "code" ? evaluateCode(p.code, ctx) : evaluateStanzaExpression(p, ctx);
}

function evaluateStanzaExpression(part: Extract<TemplatePart, { kind: "stanza" }>, ctx: EventContext): string {
  const lookup = part.lookup;
  let value: string | XmlElement | undefined;
  if (lookup.kind === "attr") value = lookup.name === "to" ? helperTo(ctx) : lookup.name === "from" ? helperFrom(ctx) : ctx.stanza.attr[lookup.name];
  else if (lookup.kind === "childText") value = ctx.stanza.getChildText(lookup.name);
  else value = ctx.stanza.find(part.path);
  for (const f of part.functions) {
    const text = value === undefined ? undefined : value.toString();
    if (f === "bare") value = bareJid(text);
    else {
      const [node, host, resource] = splitJid(text);
      value = f === "node" ? node : f === "host" ? host : resource;
    }
  }
  return value === undefined ? "<undefined>" : value.toString();
}

/** The code expressions the simulator understands; anything else cannot be simulated. */
function evaluateCode(code: string, ctx: EventContext): string {
  const c = code.trim();
  const known: Record<string, () => string | undefined> = {
    "session.host": () => {
      const s = sessionOf(ctx);
      return s.type === "c2s" ? s.host : s.type === "local" ? s.host : undefined;
    },
    "session.type": () => {
      const s = sessionOf(ctx);
      return s.type === "c2s" ? "c2s" : s.type === "s2s" ? "s2sin" : "local";
    },
    "session.full_jid": () => sessionOf(ctx).fullJid,
    "session.username": () => splitJid(sessionOf(ctx).fullJid)[0],
    "session.resource": () => splitJid(sessionOf(ctx).fullJid)[2],
    "stanza.name": () => ctx.stanza.name,
    "current_host": () => ctx.host,
  };
  const attr = /^stanza\.attr\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(c) ?? /^stanza\.attr\[["']([^"']+)["']\]$/.exec(c);
  if (attr) return String(ctx.stanza.attr[attr[1]!] ?? "nil");
  const f = known[c];
  if (!f) throw new CannotSimulate(`the code expression $(${code}) runs arbitrary Lua inside the server; the simulator supports only ${[...Object.keys(known), "stanza.attr.NAME"].join(", ")}`);
  return f() ?? "nil";
}
