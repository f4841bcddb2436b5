import type { CstNode, IRecognitionException, IToken, ILexingError } from "chevrotain";
import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { didYouMean } from "../diag/did-you-mean.js";
import type { Code } from "../diag/messages.js";
import { positionAt, type Span } from "../diag/span.js";
import type { SfwFile } from "./ast.js";
import { AstBuilder } from "./build-ast.js";
import { decodeDetail, describeToken } from "./error-messages.js";
import { sfwParser } from "./parser.js";
import { splitChain, splitItems } from "./segments.js";
import * as T from "./tokens.js";

/** Result of parsing a `.sfw` file: an AST (possibly partial where syntax errors were recovered) and every syntax diagnostic. */
export interface ParseResult {
  readonly ast: SfwFile;
  readonly diagnostics: readonly Diagnostic[];
}

const exceptionCodes: Readonly<Record<string, Code>> = {
  MismatchedTokenException: "SFW102",
  NoViableAltException: "SFW103",
  EarlyExitException: "SFW104",
  NotAllInputParsedException: "SFW105",
};

const actionWords = ["pass", "drop", "default", "return", "unsubscribe_sender", "bounce", "redirect", "copy", "forward", "reply", "inject", "event", "jump_event", "ruledep", "log", "strip", "mark", "unmark", "add", "jump", "report_to", "tag_trace"];
const topWords = ["target", "zone", "list", "rate", "pattern", "search", "chain"];
const conditionWords = ["exceeds", "origin_marked", "user_marked", "scan", "count", "has", "and", "or", "not", "in", "then", "when", "matches", "contains", "group"];

/** Parses `.sfw` source text. Never throws for bad input: all problems come back as SFW1xx diagnostics. */
export function parse(text: string, file: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  const lexed = T.sfwLexer().tokenize(text);
  for (const error of lexed.errors) report(lexError(error, text, file));
  // The parser never sees a character the lexer refused, so it complains about the token after
  // it (`a && b`: "expected 'then' but found 'b'"): an echo of the same mistake, not reported.
  const afterLexErrors = new Set(lexed.errors.map((e) => nextTokenStart(text, e.offset + Math.max(1, e.length))));
  const repaired = new Set<IToken>();
  const tokens = lexed.tokens.map((t) => {
    const r = repairUnterminated(t, text, file, report);
    if (r !== t) repaired.add(r);
    return r;
  });
  const ctx: SegmentContext = { text, file, report, seen: new Set(afterLexErrors), repaired };

  const builder = new AstBuilder(file, report);
  /** Where rules with a syntax error start: recovery may leave their span short of the error. */
  const brokenRules = new Set<number>();
  const items = splitItems(tokens);
  items.forEach((item, i) => {
    const after = items[i + 1]?.[0];
    const chain = splitChain(item);
    if (!chain) {
      builder.addItems(parseSegment(ctx, item, after, "file"));
      return;
    }
    const closing = chain.header[chain.header.length - 1]?.tokenType === T.RCurly ? chain.header[chain.header.length - 1] : undefined;
    const header = parseSegment(ctx, chain.header, after, "file");
    for (const run of chain.stray) {
      const t = run[0]!;
      report(withHint(diag("SFW103", tokenSpan(t, text, file), { expected: "'rule' or '}'", found: describeToken(t) }), t, "ruleStart"));
    }
    const addRule = builder.addChain(header);
    chain.rules.forEach((rule, r) => {
      const before = diagnostics.length;
      addRule(parseSegment(ctx, rule, chain.rules[r + 1]?.[0] ?? closing ?? after, "ruleDecl"));
      // An error reported at the next token (a missing '}') leaves this rule whole.
      const start = rule[0]?.startOffset ?? -1;
      const end = rule[rule.length - 1]?.endOffset ?? start;
      if (diagnostics.slice(before).some((d) => d.span.start.offset >= start && d.span.start.offset <= end)) brokenRules.add(start);
    });
  });
  const ast = withoutBrokenRules(builder.finish(text), diagnostics, brokenRules);
  return { ast, diagnostics };
}

/** Rules with a syntax error inside are left out, so the checker does not report what follows from it. */
function withoutBrokenRules(ast: SfwFile, diagnostics: readonly Diagnostic[], brokenRules: ReadonlySet<number>): SfwFile {
  if (diagnostics.length === 0) return ast;
  const broken = (span: Span): boolean => brokenRules.has(span.start.offset) || diagnostics.some((d) => d.span.start.offset > span.start.offset && d.span.start.offset < span.end.offset);
  return { ...ast, items: ast.items.map((item) => (item.kind === "chain" ? { ...item, rules: item.rules.filter((r) => !broken(r.span)) } : item)) };
}

interface SegmentContext {
  readonly text: string;
  readonly file: string;
  readonly report: (d: Diagnostic) => void;
  /** Offsets already reported: recovery can report the same token more than once. */
  readonly seen: Set<number>;
  /** Unterminated strings, already reported: what they swallowed is not reported again. */
  readonly repaired: ReadonlySet<IToken>;
}

/** Parses a run of tokens with a start rule; `after` is the token that follows the run in the file (for "found …"). */
function parseSegment(ctx: SegmentContext, tokens: readonly IToken[], after: IToken | undefined, start: "file" | "ruleDecl"): CstNode {
  const parser = sfwParser();
  parser.input = [...tokens];
  const cst = start === "file" ? parser.file() : parser.ruleDecl();
  const swallowed = tokens.some((t) => ctx.repaired.has(t));
  for (const error of parser.errors) {
    if (swallowed && Number.isNaN(error.token.startOffset)) continue;
    const d = parseError(ctx, error, after, start, tokens);
    if (ctx.seen.has(d.span.start.offset)) continue;
    ctx.seen.add(d.span.start.offset);
    ctx.report(d);
  }
  return cst;
}

/** Offset of the first character at or after `offset` that is not white space. */
function nextTokenStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

function lexError(error: ILexingError, text: string, file: string): Diagnostic {
  const start = positionAt(text, error.offset);
  const length = Math.max(1, error.length);
  const end = positionAt(text, error.offset + length);
  const shown = text.slice(error.offset, error.offset + length);
  const d = diag("SFW101", { file, start, end }, { text: JSON.stringify(shown) });
  const word = operatorWords[shown];
  return word ? { ...d, hint: `did you mean '${word}'?` } : d;
}

/** Operators of other languages that people type for the words of this one. */
const operatorWords: Readonly<Record<string, string>> = { "&&": "and", "&": "and", "||": "or", "|": "or", "!": "not" };

/** Reports an unterminated string and hands the parser a normal string token, so parsing goes on. */
function repairUnterminated(t: IToken, text: string, file: string, report: (d: Diagnostic) => void): IToken {
  const replacement = t.tokenType === T.UnterminatedString ? T.StringLiteral : t.tokenType === T.UnterminatedPrefixedString ? T.PrefixedString : undefined;
  if (!replacement) return t;
  report(diag("SFW106", tokenSpan(t, text, file)));
  return { ...t, tokenType: replacement, tokenTypeIdx: replacement.tokenTypeIdx! };
}

function tokenSpan(t: IToken | undefined, text: string, file: string): Span {
  if (!t || Number.isNaN(t.startOffset)) {
    const end = positionAt(text, text.length);
    return { file, start: end, end };
  }
  return { file, start: positionAt(text, t.startOffset), end: positionAt(text, (t.endOffset ?? t.startOffset) + 1) };
}

function parseError(ctx: SegmentContext, error: IRecognitionException, after: IToken | undefined, start: "file" | "ruleDecl", tokens: readonly IToken[]): Diagnostic {
  let detail = decodeDetail(error.message) ?? { expected: "something else", found: "this", ruleName: "" };
  if (detail.ruleName === "ruleDecl" && detail.expected === "'}'") {
    // Where a rule could go on, say how: with `then` before any action, with `;` after one.
    const at = Number.isNaN(error.token.startOffset) ? Infinity : error.token.startOffset;
    const hasThen = tokens.some((t) => t.tokenType === T.Then && t.startOffset < at);
    detail = { ...detail, expected: hasThen ? "';' or '}'" : "'then' or '}'" };
  }
  // The end of a segment is not the end of the file: name what really comes next.
  const atSegmentEnd = Number.isNaN(error.token.startOffset);
  const token = atSegmentEnd ? after : error.token;
  // A rule that runs into the chain's closing brace has lost its own: "expected '}' but found '}'"
  // would contradict itself, so say which brace was found and which one is missing.
  const intoChainEnd = atSegmentEnd && start === "ruleDecl" && after?.tokenType === T.RCurly;
  const found = intoChainEnd ? "the '}' that closes the chain" : atSegmentEnd ? describeToken(after) : detail.found;
  // At the top level, "expected the end of the file" means the text starts no item.
  const code = start === "file" && detail.expected === "the end of the file" ? "SFW105" : (exceptionCodes[error.name] ?? "SFW102");
  const d = diag(code, tokenSpan(token, ctx.text, ctx.file), { expected: detail.expected, found });
  if (!atSegmentEnd && error.token.tokenType === T.Equals && start === "ruleDecl") return { ...d, hint: "did you mean '=='?" };
  if (intoChainEnd) {
    const name = tokens[0]?.tokenType === T.Rule && tokens[1] !== undefined && tokens[1].tokenType !== T.LCurly ? ` '${tokens[1].image}'` : "";
    return { ...d, hint: `rule${name} is missing its closing '}'` };
  }
  return token ? withHint(d, token, code === "SFW105" ? "item" : detail.ruleName) : d;
}

/** Adds "did you mean" for a misspelt word of the language. */
function withHint(d: Diagnostic, token: IToken, ruleName: string): Diagnostic {
  if (token.tokenType !== T.Identifier) return d;
  const candidates = ruleName === "action" ? actionWords : ruleName === "item" || ruleName === "file" ? topWords : ruleName === "ruleStart" ? ["rule"] : [...conditionWords, ...actionWords, ...topWords, "rule"];
  const guess = didYouMean(token.image, candidates);
  return guess && guess !== token.image ? { ...d, hint: `did you mean '${guess}'?` } : d;
}
