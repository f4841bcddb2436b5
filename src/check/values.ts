import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./context.js";
import { hasTrailingWhitespace, unsafeReason } from "./text-safety.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { validatePath } from "./paths.js";
import { checkLuaExpression } from "../lua/expression.js";

/** What a value expression denotes, for type checks (`from.host in set<jid>` is a mistake). */
export type ValueType = "jid" | "bare-jid" | "domain" | "node" | "resource" | "string";

/** The JID accessors mod_firewall's expressions support, with the type of their result. */
export const jidAccessors: Readonly<Record<string, ValueType>> = {
  bare: "bare-jid",
  host: "domain",
  node: "node",
  resource: "resource",
};

/** Stanza values that can be used in expressions, with the `$<…>` path they read. */
const builtinValues: Readonly<Record<string, { path: string; type: ValueType; jid: boolean }>> = {
  from: { path: "@from", type: "jid", jid: true },
  to: { path: "@to", type: "jid", jid: true },
  type: { path: "@type", type: "string", jid: false },
  id: { path: "@id", type: "string", jid: false },
  body: { path: "body#", type: "string", jid: false },
  subject: { path: "subject#", type: "string", jid: false },
  thread: { path: "thread#", type: "string", jid: false },
};

/** Names usable as values in expressions, for "did you mean". */
export const builtinValueNames: readonly string[] = Object.keys(builtinValues);

/** A value rendered as mod_firewall expression text, with its type. */
export interface Rendered {
  readonly text: string;
  readonly type: ValueType;
  readonly unsafe: boolean;
}

/**
 * Renders a value for an argument where mod_firewall substitutes expressions (LOG, TO EXACTLY,
 * CHECK LIST, ADD TO, LIMIT … on, INSPECT `$=`). Reports problems; undefined when invalid.
 */
export function renderExpression(ctx: CheckContext, value: ast.Value): Rendered | undefined {
  switch (value.kind) {
    case "string": {
      const why = unsafeReason(value.value, "expression-argument");
      // Emptiness is judged on the whole argument, not on a part of a concatenation.
      if (why && value.value.length > 0) {
        ctx.report("SFW213", value.span, { why });
        return undefined;
      }
      return { text: value.value, type: "string", unsafe: false };
    }
    case "number":
      return { text: value.text, type: "string", unsafe: false };
    case "ref":
      return renderRef(ctx, value);
    case "prefixed":
      return renderPrefixed(ctx, value);
    case "concat": {
      const parts = value.parts.map((p) => renderExpression(ctx, p));
      if (parts.some((p) => p === undefined)) return undefined;
      return { text: parts.map((p) => p!.text).join(""), type: "string", unsafe: parts.some((p) => p!.unsafe) };
    }
    default:
      ctx.report("SFW203", value.span, { message: `a ${describeValue(value)} cannot be used as text here` });
      return undefined;
  }
}

function renderRef(ctx: CheckContext, ref: ast.RefValue): Rendered | undefined {
  const [head, ...rest] = ref.parts;
  if (!head) return undefined;
  const sym = ctx.symbols.get(head.text);
  let path: string;
  let type: ValueType;
  let jid: boolean;
  if (sym && sym.kind === "search") {
    ctx.used.add(sym.name);
    const decl = sym.decl as ast.SearchDecl;
    if (decl.path.kind !== "prefixed") return undefined;
    path = decl.path.value;
    type = "string";
    jid = false;
  } else {
    const builtin = builtinValues[head.text];
    if (!builtin) {
      const suggestion = didYouMean(head.text, [...builtinValueNames, ...[...ctx.symbols.values()].filter((s) => s.kind === "search").map((s) => s.name)]);
      ctx.report("SFW201", head.span, { what: "value", name: head.text }, suggestion ? { hint: `did you mean '${suggestion}'?` } : {});
      return undefined;
    }
    ({ path, type, jid } = builtin);
  }
  const functions: string[] = [];
  for (const part of rest) {
    const accessorType = jidAccessors[part.text];
    if (!accessorType) {
      const suggestion = didYouMean(part.text, Object.keys(jidAccessors));
      ctx.report("SFW201", part.span, { what: "JID part", name: part.text }, { hint: suggestion ? `did you mean '${suggestion}'?` : "JID parts are bare, node, host and resource" });
      return undefined;
    }
    if (!jid && functions.length === 0) {
      // mod_firewall applies bare/host/… to any text; allowed, but a JID part of a body is odd.
      jid = true;
    }
    functions.push(part.text);
    type = accessorType;
  }
  return { text: `$<${path}${functions.map((f) => `|${f}`).join("")}>`, type, unsafe: false };
}

function renderPrefixed(ctx: CheckContext, lit: ast.PrefixedLit): Rendered | undefined {
  if (lit.prefix === "unsafe_lua") {
    const why = balancedParensProblem(lit.value);
    if (why) {
      ctx.report("SFW220", lit.valueSpan, { why });
      return undefined;
    }
    if (/[\n\r]/.test(lit.value) || /\\\s*$/.test(lit.value)) {
      ctx.report("SFW213", lit.valueSpan, { why: "code must be on one line and cannot end with a backslash" });
      return undefined;
    }
    // mod_firewall pastes the code as `"..tostring((CODE)).."`: in parentheses, so it must be one expression.
    const lua = checkLuaExpression(`(${lit.value})`);
    if (lua.kind === "invalid") {
      ctx.report("SFW223", lit.valueSpan, { lua: lua.message, code: lit.value });
      return undefined;
    }
    ctx.report("SFW221", lit.span, {});
    return { text: `$(${lit.value})`, type: "string", unsafe: true };
  }
  if (lit.prefix === "path") {
    if (!validatePath(ctx, lit.value, lit.valueSpan, "value")) return undefined;
    if (/[<>|]/.test(lit.value)) {
      ctx.report("SFW214", lit.valueSpan, { text: lit.value, why: "'<', '>' and '|' cannot appear in a path used as a value" });
      return undefined;
    }
    let type: ValueType = "string";
    const functions: string[] = [];
    for (const acc of lit.accessors) {
      const t = jidAccessors[acc.text];
      if (!t) {
        ctx.report("SFW201", acc.span, { what: "JID part", name: acc.text }, { hint: "JID parts are bare, node, host and resource" });
        return undefined;
      }
      functions.push(acc.text);
      type = t;
    }
    return { text: `$<${lit.value}${functions.map((f) => `|${f}`).join("")}>`, type, unsafe: false };
  }
  ctx.report("SFW203", lit.span, { message: `a ${lit.prefix}"…" literal cannot be used as text here` });
  return undefined;
}

/** Why `$(…)` around this code would not be balanced the way mod_firewall's `%b()` scan needs. */
function balancedParensProblem(code: string): string | undefined {
  let depth = 0;
  for (const ch of code) {
    if (ch === "(") depth++;
    else if (ch === ")") {
      depth--;
      if (depth < 0) return "a ')' closes the expression early";
    }
  }
  return depth === 0 ? undefined : "an unclosed '(' swallows the rest of the line";
}

/**
 * A literal text argument (where mod_firewall substitutes nothing): a plain string.
 * `where` names the place for the message when the value is not a plain string. `endsLine`: the
 * text ends its `.pfw` line (every argument does, but a bounce text in parentheses), where
 * mod_firewall's line trimming would drop trailing whitespace — and `contains "buy "` would
 * match "buyer".
 */
export function literalString(ctx: CheckContext, value: ast.Value, where: string, endsLine = true): { text: string; span: ast.Value["span"] } | undefined {
  if (value.kind === "string") {
    const why = unsafeReason(value.value, "argument") ?? (endsLine && hasTrailingWhitespace(value.value) ? "it ends with whitespace, which mod_firewall's line trimming would drop" : undefined);
    if (why) {
      ctx.report("SFW213", value.span, { why });
      return undefined;
    }
    return { text: value.value, span: value.span };
  }
  if (value.kind === "concat" || (value.kind === "ref" && builtinValues[value.parts[0]?.text ?? ""]) || (value.kind === "prefixed" && value.prefix === "unsafe_lua")) {
    ctx.report("SFW216", value.span, { where });
    return undefined;
  }
  ctx.report("SFW203", value.span, { message: `${where} takes a string, not a ${describeValue(value)}` });
  return undefined;
}

/** A short description of a value's syntactic form for messages. */
export function describeValue(value: ast.Value): string {
  switch (value.kind) {
    case "ref":
      return `name '${value.parts.map((p) => p.text).join(".")}'`;
    case "string":
      return "string";
    case "number":
      return "number";
    case "duration":
      return "duration";
    case "time":
      return "time of day";
    case "prefixed":
      return `${value.prefix}"…" literal`;
    case "list-literal":
      return "list";
    case "range":
      return "range";
    case "star":
      return "'*'";
    case "concat":
      return "joined text";
  }
}

/** The dotted name of a ref value (`from.host`), or undefined for other values. */
export function refText(value: ast.Value): string | undefined {
  return value.kind === "ref" ? value.parts.map((p) => p.text).join(".") : undefined;
}
