import type { CstElement, CstNode, IToken } from "chevrotain";
import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { CompactSpan, type Position, type Span } from "../diag/span.js";
import type * as ast from "./ast.js";
import { decodeString } from "./strings.js";

/**
 * Turns Chevrotain's CST into the AST, one top-level item at a time (so each item's CST can be
 * dropped at once). Where error recovery left a node incomplete, the builder leaves the node out
 * (the syntax error is already reported) instead of inventing parts.
 */
export class AstBuilder {
  private readonly b: Builder;
  private readonly items: ast.TopItem[] = [];

  constructor(
    private readonly file: string,
    report: (d: Diagnostic) => void,
  ) {
    this.b = new Builder(file, report);
  }

  /** A whole item, parsed with the `file` rule. */
  addItems(cst: CstNode): void {
    this.items.push(...nodes(cst, "item").map((n) => this.b.item(n)).filter(isDefined));
  }

  /** A chain parsed as its header (with the closing brace); its rules are added one by one with the returned function. */
  addChain(header: CstNode): (rule: CstNode) => void {
    const built = nodes(header, "item").map((n) => this.b.item(n)).filter(isDefined);
    if (built.length === 1 && built[0]!.kind === "chain") {
      const rules: ast.RuleDecl[] = [];
      this.items.push({ ...built[0]!, rules });
      return (cst) => {
        const rule = this.b.rule(cst);
        if (rule) rules.push(rule);
      };
    }
    this.items.push(...built);
    return () => undefined;
  }

  finish(text: string): ast.SfwFile {
    return { kind: "file", span: { file: this.file, start: { offset: 0, line: 1, column: 1 }, end: endOfText(text) }, items: this.items };
  }
}

function endOfText(text: string): Position {
  const lines = text.split("\n");
  return { offset: text.length, line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

function isToken(e: CstElement): e is IToken {
  return "image" in e;
}

function tokens(node: CstNode, key: string): IToken[] {
  return (node.children[key] ?? []).filter(isToken).filter((t) => !t.isInsertedInRecovery && !Number.isNaN(t.startOffset));
}

const none: readonly CstElement[] = [];

function token(node: CstNode, key: string, index = 0): IToken | undefined {
  // The common case (no recovery) without building arrays: this runs for every token of the file.
  let seen = 0;
  for (const e of node.children[key] ?? none) {
    if (!isToken(e) || e.isInsertedInRecovery || Number.isNaN(e.startOffset)) continue;
    if (seen++ === index) return e;
  }
  return undefined;
}

function nodes(node: CstNode, key: string): CstNode[] {
  return (node.children[key] ?? none).filter((e): e is CstNode => !isToken(e));
}

function child(node: CstNode, key: string, index = 0): CstNode | undefined {
  let seen = 0;
  for (const e of node.children[key] ?? none) {
    if (isToken(e)) continue;
    if (seen++ === index) return e;
  }
  return undefined;
}

/** The first child token or node of a CST node with any of the keys, in source order. */
function allTokensOf(node: CstNode): IToken[] {
  const out: IToken[] = [];
  for (const list of Object.values(node.children)) {
    for (const e of list) {
      if (isToken(e)) {
        if (!e.isInsertedInRecovery && !Number.isNaN(e.startOffset)) out.push(e);
      } else out.push(...allTokensOf(e));
    }
  }
  return out;
}

class Builder {
  constructor(
    private readonly file: string,
    private readonly report: (d: Diagnostic) => void,
  ) {}

  // ------------------------------------------------------------------ spans

  tokenSpan(t: IToken): Span {
    return new CompactSpan(this.file, t.startOffset, t.startLine ?? 1, t.startColumn ?? 1, (t.endOffset ?? t.startOffset) + 1, t.endLine ?? t.startLine ?? 1, (t.endColumn ?? t.startColumn ?? 1) + 1);
  }

  nodeSpan(node: CstNode): Span | undefined {
    const loc = node.location;
    // Chevrotain tracks node locations; only nodes touched by error recovery need the slow path.
    if (loc && !node.recoveredNode && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset) && loc.startLine !== undefined && loc.endColumn !== undefined) {
      return new CompactSpan(this.file, loc.startOffset, loc.startLine, loc.startColumn ?? 1, loc.endOffset! + 1, loc.endLine ?? loc.startLine, loc.endColumn + 1);
    }
    const all = allTokensOf(node);
    if (all.length === 0) return undefined;
    let first = all[0]!;
    let last = all[0]!;
    for (const t of all) {
      if (t.startOffset < first.startOffset) first = t;
      if (t.startOffset > last.startOffset) last = t;
    }
    const a = this.tokenSpan(first);
    const z = this.tokenSpan(last);
    return { file: this.file, start: a.start, end: z.end };
  }

  name(t: IToken | undefined): ast.Name | undefined {
    return t ? { kind: "name", text: t.image, span: this.tokenSpan(t) } : undefined;
  }

  // ------------------------------------------------------------------ top level

  item(node: CstNode): ast.TopItem | undefined {
    const [key, inner] = Object.entries(node.children)[0] ?? [];
    const n = inner?.[0];
    if (!key || !n || isToken(n)) return undefined;
    switch (key) {
      case "targetDecl":
        return this.target(n);
      case "zoneDecl":
        return this.zone(n);
      case "listDecl":
        return this.list(n);
      case "rateDecl":
        return this.rate(n);
      case "patternDecl":
        return this.patternOrSearch(n, "pattern");
      case "searchDecl":
        return this.patternOrSearch(n, "search");
      case "chainDecl":
        return this.chain(n);
    }
    return undefined;
  }

  target(node: CstNode): ast.TargetDecl | undefined {
    const span = this.nodeSpan(node);
    const product = this.name(token(node, "product"));
    const version = this.stringLit(token(node, "version"));
    if (!span || !product || !version) return undefined;
    return { kind: "target", span, product, version };
  }

  zone(node: CstNode): ast.ZoneDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    const list = child(node, "listLiteral");
    const literal = list ? this.listLiteral(list) : undefined;
    if (!span || !name || !literal) return undefined;
    const members: ast.StringLit[] = [];
    for (const item of literal.items) {
      if (item.kind === "string") members.push(item);
      else this.report(diag("SFW102", item.span, { expected: "a string (a host or JID)", found: describeValue(item) }));
    }
    return { kind: "zone", span, name, members };
  }

  list(node: CstNode): ast.ListDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    const typeNode = child(node, "typeRef");
    const type = typeNode ? this.typeRef(typeNode) : undefined;
    const sourceNode = child(node, "listSource");
    const source = sourceNode ? this.listSource(sourceNode) : undefined;
    if (!span || !name || !source || (typeNode && !type)) return undefined;
    return { kind: "list", span, name, type, source };
  }

  typeRef(node: CstNode): ast.TypeRef | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    if (!span || !name) return undefined;
    const args = nodes(node, "args").map((n) => this.typeRef(n));
    if (args.some((a) => !a)) return undefined;
    return { kind: "type-ref", span, name, args: args.filter(isDefined) };
  }

  listSource(node: CstNode): ast.ListSource | undefined {
    const span = this.nodeSpan(node);
    const backend = this.name(token(node, "backend"));
    if (!span || !backend) return undefined;
    const args: ast.Value[] = [];
    const options: ast.ListOption[] = [];
    for (const arg of nodes(node, "sourceArgument")) {
      const valueNode = child(arg, "value");
      const value = valueNode ? this.value(valueNode) : undefined;
      const argSpan = this.nodeSpan(arg);
      if (!value || !argSpan) continue;
      const key = this.name(token(arg, "key"));
      if (key) options.push({ kind: "list-option", span: argSpan, key, value });
      else args.push(value);
    }
    return { kind: "list-source", span, backend, args, options };
  }

  rate(node: CstNode): ast.RateDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    const amount = this.number(token(node, "amount"));
    const per = this.name(token(node, "unit"));
    if (!span || !name || !amount || !per) return undefined;
    const burstToken = token(node, "burst");
    const entriesToken = token(node, "entries");
    return {
      kind: "rate",
      span,
      name,
      amount,
      per,
      burst: burstToken ? this.number(burstToken) : undefined,
      entries: entriesToken ? this.number(entriesToken) : undefined,
      allowOverflow: token(node, "KwOverflow") !== undefined,
    };
  }

  patternOrSearch(node: CstNode, kind: "pattern" | "search"): ast.PatternDecl | ast.SearchDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    const valueNode = child(node, "value");
    const value = valueNode ? this.value(valueNode) : undefined;
    if (!span || !name || !value) return undefined;
    return kind === "pattern" ? { kind, span, name, pattern: value } : { kind, span, name, path: value };
  }

  chain(node: CstNode): ast.ChainDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    if (!span || !name) return undefined;
    return { kind: "chain", span, name, rules: nodes(node, "ruleDecl").map((r) => this.rule(r)).filter(isDefined) };
  }

  rule(node: CstNode): ast.RuleDecl | undefined {
    const span = this.nodeSpan(node);
    const name = this.name(token(node, "name"));
    if (!span || !name) return undefined;
    const condNode = child(node, "condition");
    const when = condNode ? this.condition(condNode) : undefined;
    if (condNode && !when) return undefined;
    const actions = nodes(node, "action").map((a) => this.action(a));
    if (actions.some((a) => !a) || (actions.length === 0 && tokens(node, "KwThen").length > 0)) return undefined;
    return { kind: "rule", span, name, when, actions: actions.filter(isDefined) };
  }

  // ------------------------------------------------------------------ conditions

  condition(node: CstNode): ast.Condition | undefined {
    return this.joined(node, "conjunction", "or", (n) => this.conjunction(n));
  }

  conjunction(node: CstNode): ast.Condition | undefined {
    return this.joined(node, "negation", "and", (n) => this.negation(n));
  }

  joined(node: CstNode, key: string, kind: "and" | "or", build: (n: CstNode) => ast.Condition | undefined): ast.Condition | undefined {
    const operands = nodes(node, key).map(build);
    const span = this.nodeSpan(node);
    if (operands.length === 0 || operands.some((o) => !o) || !span) return undefined;
    if (operands.length === 1) return operands[0];
    return { kind, span, operands: operands.filter(isDefined) };
  }

  negation(node: CstNode): ast.Condition | undefined {
    const inner = child(node, "negation");
    if (inner) {
      const operand = this.negation(inner);
      const span = this.nodeSpan(node);
      return operand && span ? { kind: "not", span, operand } : undefined;
    }
    const atom = child(node, "atom");
    return atom ? this.atom(atom) : undefined;
  }

  atom(node: CstNode): ast.Condition | undefined {
    const span = this.nodeSpan(node);
    if (!span) return undefined;
    const nested = child(node, "condition");
    if (nested) return this.condition(nested);
    const exceeds = child(node, "exceedsAtom");
    if (exceeds) {
      const rate = this.name(token(exceeds, "rate"));
      const perNode = child(exceeds, "value");
      const per = perNode ? this.value(perNode) : undefined;
      if (!rate || (perNode && !per)) return undefined;
      return { kind: "exceeds", span, rate, per };
    }
    const marked = child(node, "markedAtom");
    if (marked) {
      const mark = this.name(token(marked, "mark"));
      const durationToken = token(marked, "Duration");
      if (!mark) return undefined;
      return { kind: "marked", span, scope: token(marked, "KwOriginMarked") ? "origin" : "user", mark, within: durationToken ? this.duration(durationToken) : undefined };
    }
    const scan = child(node, "scanAtom");
    if (scan) {
      const search = this.name(token(scan, "search"));
      const pattern = this.name(token(scan, "pattern"));
      const list = this.name(token(scan, "list"));
      return search && pattern && list ? { kind: "scan", span, search, pattern, list } : undefined;
    }
    const count = child(node, "countAtom");
    if (count) {
      const pattern = this.name(token(count, "pattern"));
      const search = this.name(token(count, "search"));
      const operator = token(count, "operator")?.image as ast.CountOperator | undefined;
      const value = this.number(token(count, "NumberLiteral"));
      return pattern && search && operator && value ? { kind: "count", span, pattern, search, operator, value } : undefined;
    }
    const has = child(node, "hasAtom");
    if (has) {
      const valueNode = child(has, "value");
      const path = valueNode ? this.value(valueNode) : undefined;
      return path ? { kind: "has", span, path } : undefined;
    }
    const valueAtom = child(node, "valueAtom");
    return valueAtom ? this.valueAtom(valueAtom, span) : undefined;
  }

  valueAtom(node: CstNode, span: Span): ast.Condition | undefined {
    const leftNode = child(node, "left");
    const left = leftNode ? this.value(leftNode) : undefined;
    if (!left) return undefined;
    const operatorToken = token(node, "operator");
    const rightNode = child(node, "right");
    if (operatorToken) {
      const right = rightNode ? this.value(rightNode) : undefined;
      if (!right) return undefined;
      return { kind: "compare", span, left, operator: operatorToken.image as ast.CompareOperator, operatorSpan: this.tokenSpan(operatorToken), right };
    }
    const negated = token(node, "KwNot") !== undefined;
    const groupNode = child(node, "group");
    if (groupNode) {
      const group = this.value(groupNode);
      if (!group) return undefined;
      if (left.kind !== "ref" || left.parts.length !== 1) {
        this.report(diag("SFW102", left.span, { expected: "'from' or 'to' before 'in group'", found: describeValue(left) }));
        return undefined;
      }
      return { kind: "in-group", span, subject: left.parts[0]!, negated, group };
    }
    if (token(node, "KwIn")) {
      const right = rightNode ? this.value(rightNode) : undefined;
      return right ? { kind: "in", span, left, negated, right } : undefined;
    }
    const argumentNode = child(node, "argument");
    const argument = argumentNode ? this.value(argumentNode) : undefined;
    if (argumentNode && !argument) return undefined;
    if (left.kind !== "ref" || left.parts.length !== 1) {
      if (argument) {
        this.report(diag("SFW102", argument.span, { expected: "an operator (==, !=, matches, contains, in) or the end of the condition", found: describeValue(argument) }));
        return undefined;
      }
      this.report(diag("SFW102", left.span, { expected: "a condition", found: describeValue(left) }));
      return undefined;
    }
    return { kind: "predicate", span, name: left.parts[0]!, argument };
  }

  // ------------------------------------------------------------------ values

  value(node: CstNode): ast.Value | undefined {
    const parts = nodes(node, "primary").map((p) => this.primary(p));
    const span = this.nodeSpan(node);
    if (parts.length === 0 || parts.some((p) => !p) || !span) return undefined;
    if (parts.length === 1) return parts[0];
    return { kind: "concat", span, parts: parts.filter(isDefined) };
  }

  primary(node: CstNode): ast.Value | undefined {
    const span = this.nodeSpan(node);
    if (!span) return undefined;
    const str = token(node, "StringLiteral");
    if (str) return this.stringLit(str);
    const prefixed = token(node, "PrefixedString");
    if (prefixed) return this.prefixed(prefixed, span, tokens(node, "accessor").map((t) => this.name(t)!));
    const num = token(node, "NumberLiteral");
    if (num) return this.number(num);
    const dur = token(node, "Duration");
    if (dur) return this.duration(dur);
    const time = token(node, "Time");
    if (time) return this.time(time);
    if (token(node, "Star")) return { kind: "star", span };
    const list = child(node, "listLiteral");
    if (list) return this.listLiteral(list);
    const ref = child(node, "reference");
    if (ref) {
      const parts = tokens(ref, "part").map((t) => this.name(t)!);
      return parts.length > 0 ? { kind: "ref", span, parts } : undefined;
    }
    return undefined;
  }

  listLiteral(node: CstNode): ast.ListLit | undefined {
    const span = this.nodeSpan(node);
    if (!span) return undefined;
    const items: ast.Value[] = [];
    for (const item of nodes(node, "listItem")) {
      const values = nodes(item, "value").map((v) => this.value(v));
      const itemSpan = this.nodeSpan(item);
      if (values.some((v) => !v) || !itemSpan || values.length === 0) return undefined;
      if (values.length === 2) items.push({ kind: "range", span: itemSpan, from: values[0]!, to: values[1]! });
      else items.push(values[0]!);
    }
    return { kind: "list-literal", span, items };
  }

  stringLit(t: IToken | undefined): ast.StringLit | undefined {
    if (!t) return undefined;
    const span = this.tokenSpan(t);
    const inner = unquote(t.image, 1);
    return { kind: "string", span, value: decodeString(inner, this.innerSpan(span, 1, inner), this.report) };
  }

  prefixed(t: IToken, span: Span, accessors: ast.Name[]): ast.PrefixedLit {
    const quote = t.image.indexOf('"');
    const prefix = t.image.slice(0, quote) as ast.LiteralPrefix;
    const tokenSpan = this.tokenSpan(t);
    const inner = unquote(t.image, quote + 1);
    const valueSpan = this.innerSpan(tokenSpan, quote + 1, inner);
    return { kind: "prefixed", span, prefix, value: decodeString(inner, valueSpan, this.report), valueSpan, accessors };
  }

  /** The span of a string token's content, `skip` characters after its start. */
  innerSpan(span: Span, skip: number, inner: string): Span {
    const start = { offset: span.start.offset + skip, line: span.start.line, column: span.start.column + skip };
    return { file: span.file, start, end: { offset: start.offset + inner.length, line: start.line, column: start.column + inner.length } };
  }

  number(t: IToken | undefined): ast.NumberLit | undefined {
    return t ? { kind: "number", span: this.tokenSpan(t), value: Number(t.image), text: t.image } : undefined;
  }

  duration(t: IToken): ast.DurationLit {
    const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(t.image)!;
    const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as "ms"];
    return { kind: "duration", span: this.tokenSpan(t), seconds: Number(m[1]) * unit, text: t.image };
  }

  time(t: IToken): ast.TimeLit {
    const [h, m] = t.image.split(":").map(Number);
    return { kind: "time", span: this.tokenSpan(t), hour: h!, minute: m!, text: t.image };
  }

  // ------------------------------------------------------------------ actions

  action(node: CstNode): ast.Action | undefined {
    const span = this.nodeSpan(node);
    if (!span) return undefined;
    const verb = token(node, "verb");
    if (verb) return { kind: "bare-action", span, verb: verb.image as ast.BareVerb };
    const [key, inner] = Object.entries(node.children)[0] ?? [];
    const n = inner?.[0];
    if (!key || !n || isToken(n)) return undefined;
    const valueOf = (k: string, i = 0): ast.Value | undefined => {
      const v = child(n, k, i);
      return v ? this.value(v) : undefined;
    };
    switch (key) {
      case "bounceAction": {
        const text = token(n, "text");
        return { kind: "bounce", span, condition: this.name(token(n, "condition")), errorType: this.name(token(n, "errorType")), text: text ? this.stringLit(text) : undefined };
      }
      case "targetAction": {
        const v = token(n, "verb")?.image;
        const value = valueOf("value");
        if (!v || !value) return undefined;
        switch (v) {
          case "redirect":
          case "copy":
          case "forward":
            return { kind: v, span, target: value };
          case "reply":
            return { kind: "reply", span, text: value };
          case "inject":
            return { kind: "inject", span, xml: value };
          case "event":
          case "jump_event":
            return { kind: "event", span, jump: v === "jump_event", event: value };
          case "ruledep":
            return { kind: "ruledep", span, dependency: value };
        }
        return undefined;
      }
      case "logAction": {
        const message = valueOf("value");
        return message ? { kind: "log", span, level: this.name(token(n, "level")), message } : undefined;
      }
      case "stripAction": {
        const element = valueOf("element");
        const nsNode = child(n, "namespace");
        const namespace = nsNode ? this.value(nsNode) : undefined;
        if (!element || (nsNode && !namespace)) return undefined;
        return { kind: "strip", span, element, namespace };
      }
      case "markAction": {
        const mark = this.name(token(n, "mark"));
        const scope = token(n, "scope")?.image;
        if (!mark || (scope !== "origin" && scope !== "user")) return undefined;
        return { kind: "mark", span, unmark: token(n, "verb")?.image === "unmark", scope, mark };
      }
      case "addAction": {
        const value = valueOf("value");
        const list = this.name(token(n, "list"));
        return value && list ? { kind: "add", span, value, list } : undefined;
      }
      case "jumpAction": {
        const chain = this.name(token(n, "chain"));
        return chain ? { kind: "jump", span, chain } : undefined;
      }
      case "reportAction": {
        const target = valueOf("target");
        const text = token(n, "text");
        return target ? { kind: "report", span, target, reason: this.name(token(n, "reason")), text: text ? this.stringLit(text) : undefined } : undefined;
      }
      case "tagTraceAction": {
        const tag = this.name(token(n, "tag"));
        return tag ? { kind: "tag-trace", span, tag } : undefined;
      }
    }
    return undefined;
  }
}

/** The text between the opening quote at `start` and the closing quote (absent in an unterminated string). */
function unquote(image: string, start: number): string {
  return image.endsWith('"') && image.length > start ? image.slice(start, -1) : image.slice(start);
}

function describeValue(v: ast.Value): string {
  switch (v.kind) {
    case "ref":
      return `'${v.parts.map((p) => p.text).join(".")}'`;
    case "string":
      return "a string";
    case "list-literal":
      return "a list";
    default:
      return `a ${v.kind}`;
  }
}
