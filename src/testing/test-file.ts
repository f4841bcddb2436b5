import type { CstElement, CstNode, IToken } from "chevrotain";
import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { positionAt, type Span } from "../diag/span.js";
import { decodeDetail } from "../syntax/error-messages.js";
import { decodeString } from "../syntax/strings.js";
import * as T from "../syntax/tokens.js";
import type { Verdict } from "../sim/engine.js";
import { SyntaxDamage, testFileWords } from "./syntax-damage.js";
import { testFileParser } from "./test-parser.js";

/** A parsed test file (`*.test.sfw`). */
export interface TestFile {
  readonly file: string;
  readonly rules: readonly Located<string>[];
  readonly world: Located<string> | { readonly inline: unknown; readonly span: Span } | undefined;
  readonly traffic: readonly (Located<string> & { readonly benign: boolean })[];
  readonly cases: readonly TestCase[];
}

export interface Located<T> {
  readonly value: T;
  readonly span: Span;
}

export interface TestCase {
  readonly name: string;
  readonly span: Span;
  readonly steps: readonly TestStep[];
}

export type TestStep =
  | {
      readonly kind: "send";
      readonly span: Span;
      readonly xml: Located<string>;
      readonly origin?: string;
      readonly chain?: Located<string>;
      readonly at?: Located<string>;
      readonly times: number;
      readonly expect?: StepExpectation;
    }
  | { readonly kind: "wait"; readonly span: Span; readonly seconds: number };

export interface StepExpectation {
  readonly span: Span;
  readonly verdict: Verdict;
  /** The error condition sent back (`bounce policy-violation`). */
  readonly condition?: Located<string>;
  readonly rule?: Located<string>;
  readonly emits: readonly Located<string>[];
  /** Stanzas Prosody makes of the one sent (src/sim/presence-traffic.ts), each with what the firewall must do with it. */
  readonly makes: readonly MadeExpectation[];
}

export interface MadeExpectation {
  readonly span: Span;
  readonly stanza: Located<string>;
  readonly verdict: Verdict;
  readonly rule?: Located<string>;
}

const verdicts: readonly Verdict[] = ["pass", "drop", "bounce", "redirect", "default", "error", "unsimulatable"];

export interface ParsedTestFile {
  readonly test: TestFile;
  readonly diagnostics: Diagnostic[];
  /**
   * Set when the file has syntax errors. It is not run then; `test` holds only the steps read
   * soundly, whose names are still checked, and only if `rulesKnown`: the `rules` lines surely
   * name every rule set (see SyntaxDamage).
   */
  readonly damaged?: { readonly rulesKnown: boolean };
}

export function parseTestFile(text: string, file: string): ParsedTestFile {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
  };
  const errorOffsets: number[] = [];
  const lexed = T.sfwLexer().tokenize(text);
  for (const e of lexed.errors) {
    errorOffsets.push(e.offset);
    const start = positionAt(text, e.offset);
    report(diag("SFW101", { file, start, end: positionAt(text, e.offset + Math.max(1, e.length)) }, { text: JSON.stringify(text.slice(e.offset, e.offset + Math.max(1, e.length))) }));
  }
  const tokens = lexed.tokens.filter((t) => {
    if (t.tokenType === T.UnterminatedString || t.tokenType === T.UnterminatedPrefixedString) {
      errorOffsets.push(t.startOffset);
      report(diag("SFW106", spanOf(t, file, text)));
      return false;
    }
    return true;
  });
  const parser = testFileParser();
  parser.input = tokens;
  const cst = parser.testFile();
  for (const error of parser.errors) {
    const detail = decodeDetail(error.message) ?? { expected: "something else", found: "this", ruleName: "" };
    const token = Number.isNaN(error.token.startOffset) ? undefined : error.token;
    errorOffsets.push(token ? token.startOffset : text.length);
    const found = token ? detail.found : "the end of the file";
    const expected = detail.ruleName === "testFile" && detail.expected === "the end of the file" ? "rules, world, traffic, benign traffic or case" : detail.expected;
    const hint = token?.tokenType === T.Identifier ? didYouMean(token.image, testFileWords) : undefined;
    report(diag("SFW102", token ? spanOf(token, file, text) : eof(file, text), { expected, found }, hint ? { hint: `did you mean '${hint}'?` } : {}));
  }
  const damage = new SyntaxDamage(tokens, errorOffsets, text, cst);
  const b = new TestBuilder(file, text, report, damage);
  const test = b.file(cst);
  if (!damage.any) return { test, diagnostics };
  const rulesDecls = subs(cst, "rulesDecl").flatMap((r) => (r.location && Number.isFinite(r.location.endOffset) ? [{ start: r.location.startOffset, end: r.location.endOffset! }] : []));
  return { test, diagnostics, damaged: { rulesKnown: damage.rulesKnown(rulesDecls) } };
}

function spanOf(t: IToken, file: string, text: string): Span {
  return { file, start: positionAt(text, t.startOffset), end: positionAt(text, (t.endOffset ?? t.startOffset) + 1) };
}

function eof(file: string, text: string): Span {
  const p = positionAt(text, text.length);
  return { file, start: p, end: p };
}

const isToken = (e: CstElement): e is IToken => "image" in e;
const toks = (n: CstNode, key: string): IToken[] => (n.children[key] ?? []).filter(isToken).filter((t) => !t.isInsertedInRecovery && !Number.isNaN(t.startOffset));
const subs = (n: CstNode, key: string): CstNode[] => (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e));

class TestBuilder {
  constructor(
    private readonly fileName: string,
    private readonly text: string,
    private readonly report: (d: Diagnostic) => void,
    private readonly damage: SyntaxDamage,
  ) {}

  span(t: IToken): Span {
    return spanOf(t, this.fileName, this.text);
  }

  nodeSpan(n: CstNode): Span {
    const loc = n.location;
    if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset)) return { file: this.fileName, start: positionAt(this.text, loc.startOffset), end: positionAt(this.text, loc.endOffset! + 1) };
    return eof(this.fileName, this.text);
  }

  string(t: IToken): Located<string> {
    const span = this.span(t);
    const inner = t.image.slice(1, -1);
    const innerSpan = { file: span.file, start: { ...span.start, offset: span.start.offset + 1, column: span.start.column + 1 }, end: span.end };
    return { value: decodeString(inner, innerSpan, this.report), span };
  }

  prefixed(t: IToken, prefix: string): Located<string> | undefined {
    const quote = t.image.indexOf('"');
    if (t.image.slice(0, quote) !== prefix) {
      this.report(diag("SFW102", this.span(t), { expected: `${prefix}"…"`, found: `${t.image.slice(0, quote)}"…"` }));
      return undefined;
    }
    const span = this.span(t);
    const inner = t.image.slice(quote + 1, -1);
    const innerSpan = { file: span.file, start: { ...span.start, offset: span.start.offset + quote + 1, column: span.start.column + quote + 1 }, end: span.end };
    return { value: decodeString(inner, innerSpan, this.report), span: innerSpan };
  }

  file(cst: CstNode): TestFile {
    const rules: Located<string>[] = [];
    let world: TestFile["world"];
    const traffic: (Located<string> & { benign: boolean })[] = [];
    for (const r of subs(cst, "rulesDecl")) for (const p of toks(r, "path")) rules.push(this.string(p));
    for (const w of subs(cst, "worldDecl")) {
      const path = toks(w, "path")[0];
      const obj = subs(w, "jsonObject")[0];
      if (path) world = this.string(path);
      else if (obj) world = { inline: this.json(obj), span: this.nodeSpan(obj) };
    }
    for (const d of subs(cst, "trafficDecl")) {
      const benign = toks(d, "KwBenign").length > 0;
      for (const p of toks(d, "path")) traffic.push({ ...this.string(p), benign });
    }
    const cases = subs(cst, "caseDecl").flatMap((c) => {
      const name = toks(c, "name")[0];
      if (!name) return [];
      const steps: TestStep[] = [];
      for (const s of subs(c, "sendStep")) {
        const step = this.send(s);
        if (step) steps.push(step);
      }
      for (const w of subs(c, "waitStep")) {
        const d = toks(w, "Duration")[0];
        if (!d) continue;
        const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(d.image)!;
        steps.push({ kind: "wait", span: this.nodeSpan(w), seconds: Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as "s"] });
      }
      steps.sort((a, b) => a.span.start.offset - b.span.start.offset);
      return [{ name: this.string(name).value, span: this.nodeSpan(c), steps }];
    });
    return { file: this.fileName, rules, world, traffic, cases };
  }

  send(s: CstNode): TestStep | undefined {
    // A step the parser did not read soundly is left out, its other mistakes unsaid: they may be the syntax error's echoes.
    if (this.damage.any && !this.soundStep(s)) return undefined;
    const stanzaToken = toks(s, "stanza")[0];
    const xml = stanzaToken ? this.prefixed(stanzaToken, "xml") : undefined;
    if (!xml) return undefined;
    const step: { -readonly [K in keyof Extract<TestStep, { kind: "send" }>]: Extract<TestStep, { kind: "send" }>[K] } = { kind: "send", span: this.nodeSpan(s), xml, times: 1 };
    for (const o of subs(s, "sendOption")) {
      const origin = toks(o, "origin")[0];
      const chain = toks(o, "chain")[0];
      const at = toks(o, "time")[0];
      const times = toks(o, "times")[0];
      if (origin) step.origin = this.string(origin).value;
      if (chain) step.chain = this.string(chain);
      if (at) step.at = this.string(at);
      if (times) step.times = Math.max(1, Math.floor(Number(times.image)));
    }
    const e = subs(s, "expectClause")[0];
    if (e) {
      const verdictToken = toks(e, "verdict")[0];
      if (verdictToken) {
        const verdict = verdictToken.image as Verdict;
        if (!verdicts.includes(verdict)) {
          const guess = didYouMean(verdict, verdicts);
          this.report(diag("SFW601", this.span(verdictToken), { verdict }, guess ? { hint: `did you mean '${guess}'?` } : {}));
        } else {
          const conditionToken = toks(e, "condition")[0];
          const condition = conditionToken ? { value: conditionToken.image, span: this.span(conditionToken) } : undefined;
          const ruleToken = toks(e, "rule")[0];
          const rule = ruleToken ? (ruleToken.tokenType === T.StringLiteral ? this.string(ruleToken) : { value: ruleToken.image, span: this.span(ruleToken) }) : undefined;
          const emits = toks(e, "emits").flatMap((t) => this.prefixed(t, "xml") ?? []);
          const makes = subs(e, "makesClause").flatMap((m) => this.made(m));
          step.expect = { span: this.nodeSpan(e), verdict, ...(condition ? { condition } : {}), ...(rule ? { rule } : {}), emits, makes };
        }
      }
    }
    return step;
  }

  private made(m: CstNode): MadeExpectation[] {
    const stanzaToken = toks(m, "stanza")[0];
    const verdictToken = toks(m, "verdict")[0];
    const stanza = stanzaToken ? this.prefixed(stanzaToken, "xml") : undefined;
    if (!stanza || !verdictToken) return [];
    const verdict = verdictToken.image as Verdict;
    if (!verdicts.includes(verdict)) {
      const guess = didYouMean(verdict, verdicts);
      this.report(diag("SFW601", this.span(verdictToken), { verdict }, guess ? { hint: `did you mean '${guess}'?` } : {}));
      return [];
    }
    const ruleToken = toks(m, "rule")[0];
    const rule = ruleToken ? (ruleToken.tokenType === T.StringLiteral ? this.string(ruleToken) : { value: ruleToken.image, span: this.span(ruleToken) }) : undefined;
    return [{ span: this.nodeSpan(m), stanza, verdict, ...(rule ? { rule } : {}) }];
  }

  private soundStep(s: CstNode): boolean {
    const loc = s.location;
    if (!loc || !Number.isFinite(loc.endOffset)) return false;
    const condition = subs(s, "expectClause").flatMap((e) => toks(e, "condition"))[0];
    return this.damage.stepSound(loc.startOffset, loc.endOffset!, condition);
  }

  json(n: CstNode): unknown {
    if (n.name === "jsonObject") {
      const keys = toks(n, "key");
      const values = subs(n, "jsonValue");
      return Object.fromEntries(keys.map((k, i) => [this.string(k).value, values[i] ? this.json(values[i]) : null]));
    }
    if (n.name === "jsonArray") return subs(n, "jsonValue").map((v) => this.json(v));
    const str = toks(n, "StringLiteral")[0];
    if (str) return this.string(str).value;
    const num = toks(n, "NumberLiteral")[0];
    if (num) return Number(num.image);
    const id = toks(n, "Identifier")[0];
    if (id) return id.image === "true" ? true : id.image === "false" ? false : null;
    const inner = subs(n, "jsonObject")[0] ?? subs(n, "jsonArray")[0];
    return inner ? this.json(inner) : null;
  }
}
