import type * as ast from "../syntax/ast.js";
import type { Span } from "../diag/span.js";
import type { CheckContext } from "./context.js";
import type { Formula, Literal } from "./model.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { stanzaKinds, allStanzaTypes } from "../vocab/stanza-kinds.js";
import { predicates } from "./predicates.js";
import { describeValue, literalString, refText, renderExpression } from "./values.js";
import { validatePath } from "./paths.js";
import { comparedWhy, splitJid, validateJid } from "./jids.js";
import { luaPatternText } from "./declarations.js";
import { unsafeReason } from "./text-safety.js";
import { translateDays, translateTimes } from "./day-time.js";
import { useSymbol } from "./symbols.js";
import { patternError as luaPatternErrorOf } from "../lua/string-functions.js";

/** Translates a `when` condition into a formula over mod_firewall conditions; undefined after errors. */
export function translateCondition(ctx: CheckContext, cond: ast.Condition): Formula | undefined {
  switch (cond.kind) {
    case "and":
    case "or": {
      const operands = cond.operands.map((c) => translateCondition(ctx, c));
      if (!operands.every((o) => o !== undefined)) return undefined;
      if (cond.kind === "and") return { kind: "and", operands: operands as Formula[] };
      const merged = mergeAlternatives(operands as Formula[], cond.span);
      return merged.length === 1 ? merged[0] : { kind: "or", operands: merged };
    }
    case "not": {
      const operand = translateCondition(ctx, cond.operand);
      return operand && { kind: "not", operand };
    }
    case "compare":
      return negateIf(cond.operator === "!=", translateCompare(ctx, cond));
    case "in":
      return negateIf(cond.negated, translateIn(ctx, cond));
    case "in-group": {
      const which = cond.subject.text;
      if (which !== "from" && which !== "to") {
        ctx.report("SFW203", cond.subject.span, { message: "only from and to can be tested for group membership" });
        return undefined;
      }
      const group = literalString(ctx, cond.group, "a group name");
      if (!group) return undefined;
      ctx.require({ kind: "module", text: "groups", reason: `'${which} in group' asks mod_groups (set groups_file too)` });
      return negateIf(cond.negated, lit(which === "from" ? "FROM GROUP" : "TO GROUP", group.text, cond.span));
    }
    case "predicate":
      return translatePredicate(ctx, cond);
    case "exceeds": {
      const sym = useSymbol(ctx, cond.rate, "rate");
      if (!sym) return undefined;
      let argument = cond.rate.text;
      if (cond.per) {
        const key = renderExpression(ctx, cond.per);
        if (!key) return undefined;
        argument += ` on ${key.text}`;
      }
      return { ...lit("LIMIT", argument, cond.span), sideEffect: true };
    }
    case "marked": {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(cond.mark.text)) {
        ctx.report("SFW205", cond.mark.span, { name: cond.mark.text, what: "mark", why: "mark names start with a letter and contain only letters, digits and '_'" });
        return undefined;
      }
      let argument = cond.mark.text;
      if (cond.within) {
        const seconds = Math.round(cond.within.seconds);
        if (seconds < 1) {
          ctx.report("SFW218", cond.within.span, { message: "'within' needs at least 1s" });
          return undefined;
        }
        argument += ` (${seconds}s)`;
      }
      if (cond.scope === "user") requireUserMarks(ctx, cond.span);
      return lit(cond.scope === "origin" ? "ORIGIN MARKED" : "USER MARKED", argument, cond.span);
    }
    case "scan": {
      const search = useSymbol(ctx, cond.search, "search");
      const pattern = useSymbol(ctx, cond.pattern, "pattern");
      const list = useSymbol(ctx, cond.list, "list");
      if (!search || !pattern || !list) return undefined;
      return lit("SCAN", `${search.name} for ${pattern.name} in ${list.name}`, cond.span);
    }
    case "count": {
      const pattern = useSymbol(ctx, cond.pattern, "pattern");
      const search = useSymbol(ctx, cond.search, "search");
      if (!pattern || !search) return undefined;
      if (!Number.isInteger(cond.value.value) || cond.value.value < 0) {
        ctx.report("SFW203", cond.value.span, { message: "count compares with a whole number" });
        return undefined;
      }
      return lit("COUNT", `${pattern.name} in ${search.name} ${cond.operator} ${cond.value.value}`, cond.span);
    }
    case "has": {
      const path = pathText(ctx, cond.path, "exists");
      return path === undefined ? undefined : lit("INSPECT", path, cond.span);
    }
  }
}

function lit(name: string, argument: string | undefined, span: Span): Literal {
  return { kind: "literal", name, argument, span, sideEffect: false };
}

function negateIf(negate: boolean, f: Formula | undefined): Formula | undefined {
  return f && negate ? { kind: "not", operand: f } : f;
}

/** User marks (tested or set) on 0.12: an option to turn on, said once per file, where they are first used. */
export function requireUserMarks(ctx: CheckContext, span: Span): void {
  if (ctx.target !== "0.12") return;
  const option = "firewall_experimental_user_marks = true";
  if (!ctx.requirements.has(option)) ctx.report("SFW405", span, { message: `user marks need '${option}' in prosody.cfg.lua on this target` });
  ctx.require({ kind: "option", text: option, reason: "user marks are off by default in this mod_firewall" });
}

/** The text of a path for INSPECT/compare: a path literal, a search name, or body/subject/thread. */
function pathText(ctx: CheckContext, value: ast.Value, use: "value" | "exists"): string | undefined {
  if (value.kind === "prefixed" && value.prefix === "path") {
    if (value.accessors.length > 0) {
      ctx.report("SFW203", value.accessors[0]!.span, { message: "JID parts of a path cannot be compared directly; compare the path's text" });
      return undefined;
    }
    return validatePath(ctx, value.value, value.valueSpan, use) ? value.value : undefined;
  }
  if (value.kind === "ref" && value.parts.length === 1) {
    const name = value.parts[0]!.text;
    const sym = ctx.symbols.get(name);
    if (sym?.kind === "search") {
      ctx.used.add(name);
      const decl = sym.decl as ast.SearchDecl;
      if (decl.path.kind !== "prefixed") return undefined;
      return validatePath(ctx, decl.path.value, value.span, use) ? decl.path.value : undefined;
    }
    if (name === "body" || name === "subject" || name === "thread") return `${name}#`;
    if (name === "id") return "@id";
  }
  ctx.report("SFW203", value.span, { message: `expected a stanza path (path"…", a search, body, subject, thread or id), not a ${describeValue(value)}` });
  return undefined;
}

const jidSides = new Set(["from", "to"]);

function translateCompare(ctx: CheckContext, cond: ast.CompareAtom): Formula | undefined {
  const left = refText(cond.left);
  const op = cond.operator;
  if (left === "kind" || left === "type") {
    if (op !== "==" && op !== "!=") {
      ctx.report("SFW203", cond.operatorSpan, { message: `${left} is compared with == or !=, not ${op}` });
      return undefined;
    }
    return enumLiteral(ctx, left, [cond.right], cond.span);
  }
  if (left !== undefined && cond.left.kind === "ref" && jidSides.has(cond.left.parts[0]!.text)) {
    return translateJidCompare(ctx, cond);
  }
  // Anything else must be stanza content: INSPECT.
  const path = pathText(ctx, cond.left, "value");
  if (path === undefined) return undefined;
  if (op === "matches") {
    const pattern = patternValue(ctx, cond.right);
    return pattern === undefined ? undefined : lit("INSPECT", `${path}~=${pattern}`, cond.span);
  }
  const operator = op === "contains" ? "/=" : "=";
  // A string is compared as written: without the `$` operator mod_firewall substitutes nothing,
  // so `$(` in it is plain text (a payload worth blocking), not an expression.
  if (cond.right.kind === "string") {
    // `INSPECT: body#=` compares with the empty string: only a wholly empty argument is read as none.
    if (cond.right.value === "") return lit("INSPECT", `${path}${operator}`, cond.span);
    const literal = literalString(ctx, cond.right, "a comparison");
    return literal && lit("INSPECT", `${path}${operator}${literal.text}`, cond.span);
  }
  const value = renderExpression(ctx, cond.right);
  if (!value) return undefined;
  return lit("INSPECT", `${path}$${operator}${value.text}`, cond.span);
}

/** A Lua pattern given inline (lua"…") or by a pattern declaration's name. */
function patternValue(ctx: CheckContext, value: ast.Value): string | undefined {
  if (value.kind === "ref" && value.parts.length === 1) {
    const sym = useSymbol(ctx, value.parts[0]!, "pattern");
    if (!sym) return undefined;
    const decl = sym.decl as ast.PatternDecl;
    return decl.pattern.kind === "prefixed" ? decl.pattern.value : undefined;
  }
  const text = luaPatternText(ctx, value);
  if (text === undefined) return undefined;
  const why = unsafeReason(text, "argument");
  if (why) {
    ctx.report("SFW213", value.span, { why });
    return undefined;
  }
  return text;
}

/**
 * `kind == message or kind == presence` is `kind in [message, presence]`: one `KIND: message|presence`
 * line where the first of them stood, instead of a rule (or a helper chain) for each. TYPE likewise.
 */
function mergeAlternatives(operands: readonly Formula[], span: Span): Formula[] {
  const out: Formula[] = [];
  const at = new Map<string, number>();
  for (const o of operands) {
    if (o.kind !== "literal" || (o.name !== "KIND" && o.name !== "TYPE") || o.argument === undefined) {
      out.push(o);
      continue;
    }
    const i = at.get(o.name);
    if (i === undefined) {
      at.set(o.name, out.length);
      out.push(o);
      continue;
    }
    const first = out[i] as Literal;
    const values = [...new Set([...first.argument!.split("|"), ...o.argument.split("|")])];
    out[i] = lit(o.name, values.join("|"), span);
  }
  return out;
}

/** `kind == message`, `type in [chat, normal]` → KIND / TYPE. */
function enumLiteral(ctx: CheckContext, which: "kind" | "type", items: readonly ast.Value[], span: Span): Formula | undefined {
  const allowed = which === "kind" ? stanzaKinds : allStanzaTypes;
  const values: string[] = [];
  for (const item of items) {
    const name = item.kind === "ref" && item.parts.length === 1 ? item.parts[0]!.text : undefined;
    if (name === undefined) {
      ctx.report("SFW203", item.span, { message: `expected a stanza ${which} such as ${allowed.slice(0, 3).join(", ")}, not a ${describeValue(item)}` });
      return undefined;
    }
    if (!allowed.includes(name)) {
      const s = didYouMean(name, allowed);
      ctx.report("SFW201", item.span, { what: `stanza ${which}`, name }, { hint: s ? `did you mean '${s}'?` : `stanza ${which}s: ${allowed.join(", ")}` });
      return undefined;
    }
    if (!values.includes(name)) values.push(name);
  }
  if (values.length === 0) {
    ctx.report("SFW203", span, { message: `an empty list of ${which}s never matches` });
    return undefined;
  }
  return lit(which === "kind" ? "KIND" : "TYPE", values.join("|"), span);
}

/** `from == "a@b"` (FROM EXACTLY), `from matches jid"…"` (FROM), `from.host == "d"`, … */
function translateJidCompare(ctx: CheckContext, cond: ast.CompareAtom): Formula | undefined {
  const ref = cond.left as ast.RefValue;
  const side = ref.parts[0]!.text as "from" | "to";
  const SIDE = side.toUpperCase();
  const part = ref.parts[1]?.text;
  if (ref.parts.length > 2 || (part !== undefined && !["bare", "host", "node", "resource"].includes(part))) {
    const bad = ref.parts[ref.parts.length > 2 ? 2 : 1]!;
    ctx.report("SFW201", bad.span, { what: "JID part", name: bad.text }, { hint: "JID parts are bare, node, host and resource" });
    return undefined;
  }
  if (cond.operator === "contains") {
    ctx.report("SFW203", cond.operatorSpan, { message: `${refText(ref)} is compared with ==, != or matches jid"…", not contains` });
    return undefined;
  }
  if (cond.operator === "matches") {
    if (part !== undefined) {
      ctx.report("SFW203", cond.left.span, { message: `match the whole address: ${side} matches jid"…" (parts in the pattern may be <*>, <glob> or <<lua pattern>>)` });
      return undefined;
    }
    if (cond.right.kind !== "prefixed" || cond.right.prefix !== "jid") {
      ctx.report("SFW203", cond.right.span, { message: `${side} matches a JID pattern: jid"node@host/resource" with <*>, <glob> or <<lua pattern>> parts` });
      return undefined;
    }
    const pattern = validateJidPattern(ctx, cond.right);
    return pattern === undefined ? undefined : lit(SIDE, pattern, cond.span);
  }
  // == and != (the caller negates for !=).
  if (part === undefined) {
    const value = renderExpression(ctx, cond.right);
    if (!value) return undefined;
    if (cond.right.kind === "string" && !validateJid(ctx, cond.right.value, cond.right.span, "any")) return undefined;
    return lit(`${SIDE} EXACTLY`, value.text, cond.span);
  }
  if (cond.right.kind !== "string") {
    ctx.report("SFW203", cond.right.span, { message: `${side}.${part} can only be compared with a literal string; compare whole addresses with ${side} == …` });
    return undefined;
  }
  const text = cond.right.value;
  const shape = part === "host" ? "domain" : part === "bare" ? "bare" : "any";
  if (part === "node" || part === "resource") {
    if (text.length === 0 || /[\s@/<>]/.test(text)) {
      ctx.report("SFW211", cond.right.span, { text, why: `not a valid ${part}` });
      return undefined;
    }
    if (part === "node" && text !== text.toLowerCase()) ctx.report("SFW212", cond.right.span, { text, normal: text.toLowerCase(), why: comparedWhy });
  } else if (!validateJid(ctx, text, cond.right.span, shape)) {
    return undefined;
  }
  switch (part) {
    case "bare":
      // FROM: node@host compares node and host and ignores the resource: exactly the bare JID.
      return lit(SIDE, text, cond.span);
    case "host":
      // FROM: host requires no node; <*>@host requires one: together, any address on that host.
      return { kind: "or", operands: [lit(SIDE, text, cond.span), lit(SIDE, `<*>@${text}`, cond.span)] };
    case "node":
      return lit(SIDE, `${text}@<*>`, cond.span);
    default:
      return { kind: "or", operands: [lit(SIDE, `<*>/${text}`, cond.span), lit(SIDE, `<*>@<*>/${text}`, cond.span)] };
  }
}

/** Validates jid"…" pattern syntax: each part plain, <*>, <glob> or <<lua pattern>>. */
function validateJidPattern(ctx: CheckContext, lit: ast.PrefixedLit): string | undefined {
  const text = lit.value;
  const why = unsafeReason(text, "argument");
  if (why) {
    ctx.report("SFW213", lit.valueSpan, { why });
    return undefined;
  }
  const { node, domain, resource } = splitJid(text);
  for (const [partName, value] of [["node", node], ["host", domain], ["resource", resource]] as const) {
    if (value === undefined) continue;
    if (value.length === 0) {
      ctx.report("SFW211", lit.valueSpan, { text, why: `the ${partName} part is empty` });
      return undefined;
    }
    const luaPart = /^<<(.*)>>$/.exec(value);
    if (luaPart) {
      const error = luaPatternErrorOf(luaPart[1]!);
      if (error) {
        ctx.report("SFW207", lit.valueSpan, { error: `${error} (in the ${partName} part)` });
        return undefined;
      }
    } else if (value.startsWith("<") !== value.endsWith(">") || /[<>]/.test(value.slice(1, -1))) {
      ctx.report("SFW211", lit.valueSpan, { text, why: `the ${partName} part must be plain text, <*>, <glob> or <<lua pattern>>` });
      return undefined;
    } else if (!value.startsWith("<") && value !== value.toLowerCase() && partName !== "resource") {
      ctx.report("SFW212", lit.valueSpan, { text, normal: text.toLowerCase(), why: comparedWhy });
    }
  }
  if (lit.accessors.length > 0) {
    ctx.report("SFW203", lit.accessors[0]!.span, { message: "a JID pattern has no parts to select" });
    return undefined;
  }
  return text;
}

function translateIn(ctx: CheckContext, cond: ast.InAtom): Formula | undefined {
  const left = refText(cond.left);
  const right = cond.right;
  if (left === "kind" || left === "type") {
    if (right.kind !== "list-literal") {
      ctx.report("SFW203", right.span, { message: `${left} in […] takes a list literal` });
      return undefined;
    }
    return enumLiteral(ctx, left, right.items, cond.span);
  }
  if (left === "day") return translateDays(ctx, right, cond.span);
  if (left === "time") return translateTimes(ctx, right, cond.span);
  if (right.kind === "list-literal") {
    // x in ["a", "b"] → x == "a" or x == "b"
    const operands: Formula[] = [];
    for (const item of right.items) {
      const f = translateCompare(ctx, { kind: "compare", span: cond.span, left: cond.left, operator: "==", operatorSpan: cond.span, right: item });
      if (!f) return undefined;
      operands.push(f);
    }
    if (operands.length === 0) {
      ctx.report("SFW203", right.span, { message: "an empty list never matches" });
      return undefined;
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  }
  if (right.kind === "ref" && right.parts.length === 1) {
    const name = right.parts[0]!;
    const sym = ctx.symbols.get(name.text);
    if (sym?.kind === "zone" || name.text === "local") {
      ctx.report("SFW203", cond.span, { message: "zones are tested with entering/leaving, not in" }, { hint: `'entering ${name.text}' (recipient in the zone, sender not) or 'leaving ${name.text}'` });
      return undefined;
    }
    // Both sides are checked before giving up, so that a misspelt list and a misspelt JID part show in one run.
    const list = useSymbol(ctx, name, "list");
    const value = renderExpression(ctx, cond.left);
    if (!list || !value) return undefined;
    checkElementType(ctx, list.elementType, value.type, cond.left.span, list.name);
    return lit("CHECK LIST", `${list.name} contains ${value.text}`, cond.span);
  }
  ctx.report("SFW203", right.span, { message: `expected a list literal […] or a list name after 'in', not a ${describeValue(right)}` });
  return undefined;
}

const compatible: Readonly<Record<string, readonly string[]>> = {
  domain: ["domain"],
  jid: ["jid", "bare-jid"],
  string: ["string", "node", "resource", "jid", "bare-jid", "domain"],
};

function checkElementType(ctx: CheckContext, elementType: string | undefined, valueType: string, span: Span, list: string): void {
  if (!elementType) return;
  if (!compatible[elementType]?.includes(valueType)) {
    const hint = elementType === "domain" ? "use .host" : elementType === "jid" ? "use the address or .bare" : undefined;
    ctx.report("SFW203", span, { message: `list '${list}' holds ${elementType}s, but this value is a ${valueType.replace("-", " ")}` }, hint ? { hint } : {});
  }
}

function translatePredicate(ctx: CheckContext, cond: ast.PredicateAtom): Formula | undefined {
  const name = cond.name.text;
  const info = predicates[name];
  if (!info) {
    const s = didYouMean(name, Object.keys(predicates));
    ctx.report("SFW201", cond.name.span, { what: "condition", name }, s ? { hint: `did you mean '${s}'?` } : {});
    return undefined;
  }
  const arg = cond.argument;
  const expectNone = (): boolean => {
    if (arg) ctx.report("SFW206", arg.span, { name, expected: "no argument" });
    return !arg;
  };
  switch (info.argument) {
    case "none":
      return expectNone() ? lit(info.condition, undefined, cond.span) : undefined;
    case "string":
    case "optional-string": {
      if (!arg) {
        if (info.argument === "optional-string") return lit(info.condition, undefined, cond.span);
        ctx.report("SFW206", cond.span, { name, expected: "a string argument" });
        return undefined;
      }
      const s = literalString(ctx, arg, `'${name}'`);
      return s && lit(info.condition, s.text, cond.span);
    }
    case "zone": {
      if (!arg || arg.kind !== "ref" || arg.parts.length !== 1) {
        ctx.report("SFW206", (arg ?? cond).span, { name, expected: "a zone name or local" });
        return undefined;
      }
      const zoneName = arg.parts[0]!;
      if (zoneName.text === "local") return lit(info.condition, "$local", cond.span);
      const zone = useSymbol(ctx, zoneName, "zone");
      return zone && lit(info.condition, zone.name, cond.span);
    }
    case "groups": {
      if (!arg || arg.kind !== "list-literal" || arg.items.length === 0) {
        ctx.report("SFW206", (arg ?? cond).span, { name, expected: "a list of group names, e.g. [\"staff\", \"guests\"]" });
        return undefined;
      }
      const operands: Formula[] = [];
      for (const item of arg.items) {
        const g = literalString(ctx, item, "a group name");
        if (!g) return undefined;
        if (g.text.length < 2 || /[,\s]/.test(g.text)) {
          ctx.report("SFW203", item.span, { message: "mod_firewall ignores group names shorter than 2 characters and splits at commas and spaces" });
          return undefined;
        }
        // One CROSSING GROUPS per group: with several groups in one line mod_firewall's generated
        // code has an operator-precedence bug; separate conditions give the documented meaning.
        operands.push(lit(info.condition, g.text, item.span));
      }
      ctx.require({ kind: "module", text: "groups", reason: "'crossing_groups' asks mod_groups (set groups_file too)" });
      return operands.length === 1 ? operands[0] : { kind: "and", operands };
    }
    case "host-or-star": {
      if (!arg) {
        ctx.report("SFW206", cond.span, { name, expected: "a host or *" });
        return undefined;
      }
      if (arg.kind === "star") return lit(info.condition, "*", cond.span);
      const v = renderExpression(ctx, arg);
      if (!v) return undefined;
      // mod_firewall's FROM/TO ADMIN OF call `metaq(host)` without a dependency table, so a JID
      // function in `$<…|host>` fails with "function not supported here: host" (the script is not loaded).
      const part = jidFunctionIn(arg);
      if (part) {
        ctx.report("SFW222", part.span, { part: part.text, where: `'${name}'` }, { hint: `write the host as text, or ${name.startsWith("from") ? "from_admin" : "to_admin"} for the host the stanza is handled on (in deliver, the recipient's host)` });
        return undefined;
      }
      if (arg.kind === "string" && !validateJid(ctx, arg.value, arg.span, "domain")) return undefined;
      return lit(info.condition, v.text, cond.span);
    }
  }
}

/** The first JID accessor (`.host` of `to.host`, of a search or of a `path"…"`) a value applies, if any. */
function jidFunctionIn(value: ast.Value): ast.Name | undefined {
  switch (value.kind) {
    case "ref":
      return value.parts[1];
    case "prefixed":
      return value.accessors[0];
    case "concat":
      for (const p of value.parts) {
        const found = jidFunctionIn(p);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}
