import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { fileSpan, type Span } from "../diag/span.js";
import { allGenerated, Simulator, type ScriptSource, type SimResult } from "../sim/engine.js";
import { parseExpectation, unmet, type Expectation } from "../sim/expectations.js";
import { traceText } from "../sim/output.js";
import { bounceCondition } from "../sim/actions.js";
import { loadRules } from "../sim/load-rules.js";
import { replay } from "../sim/replay.js";
import { readTrafficFile, readTrafficText } from "../sim/traffic.js";
import { validateWorld, World, type WorldData } from "../sim/world.js";
import type { XmlElement } from "../sim/xml.js";
import { errorConditions } from "../vocab/error-conditions.js";
import type { TargetVersion } from "../vocab/targets.js";
import { baseRuleName } from "../sim/rule-names.js";
import { parseTestFile, type StepExpectation, type TestFile, type TestStep } from "./test-file.js";

/** One failed check inside a case. */
export interface Failure {
  readonly file: string;
  readonly line: number;
  /** Where the failing step or stanza begins on its line. */
  readonly column: number;
  readonly message: string;
  readonly expected: string;
  readonly actual: string;
  readonly stanza: string;
  /** The conditions evaluated in the chains the stanza met, for people. */
  readonly trace: readonly string[];
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly status: "passed" | "failed";
  readonly failures: readonly Failure[];
  readonly durationMs: number;
}

export interface RuleCoverage {
  readonly rule: string;
  readonly location: string;
  /** Cases in which the rule's conditions were evaluated. */
  readonly reached: number;
  /** Cases the rule decided. */
  readonly decided: number;
}

/**
 * A proposed edit of a test or traffic file (`--update`): `path` absolute, `display` for messages,
 * `by` the test file whose run proposed it, `line` and `column` the place of the send or stanza.
 */
export type FileEdit = {
  readonly path: string;
  readonly display: string;
  readonly by: string;
  readonly line: number;
  readonly column: number;
} & (
  /** ` expect …` inserted at `offset` of a test file (the end of its send). */
  | { readonly kind: "send"; readonly offset: number; readonly insert: string }
  /** `<!-- expect: EXPECTATION -->` right before the `<ELEMENT` stanza at line:column of a traffic file. */
  | { readonly kind: "comment"; readonly element: string; readonly expectation: string }
);

/** A send or stanza without an expectation that `--update` does not record, and why. */
export interface Unrecorded {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly why: string;
}

export interface TestRun {
  readonly cases: CaseResult[];
  readonly diagnostics: Diagnostic[];
  readonly sources: Map<string, string>;
  readonly coverage: RuleCoverage[];
  readonly edits: FileEdit[];
  /** Sends and stanzas without an expectation that `--update` cannot record, and why. */
  readonly unrecorded: Unrecorded[];
  /** Test files found. */
  readonly files: number;
  /** Test files for which an error was reported (their own, or of a file they name). */
  readonly filesWithErrors: number;
}

interface Tally {
  readonly rule: string;
  readonly location: string;
  reached: number;
  decided: number;
}

/** Runs every case of the given test files (absolute paths), with `display` paths for messages. */
export async function runTestFiles(files: readonly { path: string; display: string }[], cwd: string): Promise<TestRun> {
  const run: TestRun = { cases: [], diagnostics: [], sources: new Map(), coverage: [], edits: [], unrecorded: [], files: files.length, filesWithErrors: 0 };
  const tallies = new Map<string, Tally>();
  const errors = () => run.diagnostics.filter((d) => d.severity === "error").length;
  let filesWithErrors = 0;
  for (const f of files) {
    const before = errors();
    await runTestFile(f.path, f.display, cwd, run, tallies);
    if (errors() > before) filesWithErrors++;
  }
  run.coverage.push(...[...tallies.values()].map(({ rule, location, reached, decided }) => ({ rule, location, reached, decided })));
  return { ...run, filesWithErrors };
}

function ruleKey(source: ScriptSource, chain: string, index: number): { key: string; rule: string; location: string } {
  const origin = source.origins?.get(`${chain}#${index}`);
  const rule = source.script.chains.find((c) => c.name === chain)?.rules[index];
  const pfw = `${source.file}:${rule?.span.start.line ?? 0}`;
  if (!origin) return { key: pfw, rule: pfw, location: pfw };
  const name = baseRuleName(origin.name);
  return { key: `${origin.sfw}`, rule: name, location: origin.sfw };
}

async function runTestFile(path: string, display: string, cwd: string, run: TestRun, tallies: Map<string, Tally>): Promise<void> {
  const text = readFileSync(path, "utf8");
  run.sources.set(display, text);
  const parsed = parseTestFile(text, display);
  run.diagnostics.push(...parsed.diagnostics);
  // A file with errors is not run. Its names are still checked as far as it was read soundly, so
  // that the first mistake does not hide the next; not at all when a rule set may be missing.
  const runnable = !parsed.diagnostics.some((d) => d.severity === "error");
  if (parsed.damaged && !parsed.damaged.rulesKnown) return;
  const test = parsed.test;
  const dir = dirname(path);
  const here = (p: string) => ({ abs: resolve(dir, p), display: relative(cwd, resolve(dir, p)) || p });
  if (test.rules.length === 0) {
    run.diagnostics.push(diag("SFW608", fileSpan(display)));
    return;
  }
  const loaded = loadRuleSets(test, here, run);
  if (!loaded) return;
  const { sources, target } = loaded;
  const names = knownNames(sources);
  if (!runnable) {
    for (const c of test.cases) for (const step of c.steps) if (step.kind === "send") run.diagnostics.push(...stepNameErrors(step, names));
    return;
  }
  for (const s of sources) {
    for (const c of s.script.chains) {
      c.rules.forEach((_, i) => {
        const k = ruleKey(s, c.name, i);
        if (!tallies.has(k.key)) tallies.set(k.key, { rule: k.rule, location: k.location, reached: 0, decided: 0 });
      });
    }
  }
  const world = loadWorld(test, here, run.diagnostics);
  if (!world) return;
  const simulator = () => new Simulator(sources, world, { trace: true, ...(target ? { target } : {}) });
  const count = (r: SimResult, touched: Set<string>, decided: Set<string>) => {
    for (const e of r.trace ?? []) {
      const s = sources.find((x) => x.file === e.script);
      if (s) touched.add(ruleKey(s, e.chain, e.rule).key);
    }
    if (r.rule) {
      const s = sources.find((x) => x.file === r.rule!.script);
      const chain = s?.script.chains.find((c) => c.name === r.rule!.chain);
      const index = chain?.rules.findIndex((x) => `${s!.file}:${x.span.start.line}` === r.rule!.pfw) ?? -1;
      if (s && index >= 0) decided.add(ruleKey(s, r.rule.chain, index).key);
    }
    // The rules the presence Prosody made of the stanza met are covered too.
    for (const g of r.generated) count(g.result, touched, decided);
  };
  const settle = (touched: Set<string>, decided: Set<string>) => {
    for (const k of touched) tallies.get(k)!.reached++;
    for (const k of decided) tallies.get(k)!.decided++;
  };

  // Cases written in the test file.
  for (const c of test.cases) {
    const t0 = performance.now();
    const sim = simulator();
    let clock = world.startMs / 1000;
    const failures: Failure[] = [];
    const touched = new Set<string>();
    const decided = new Set<string>();
    for (const step of c.steps) {
      if (step.kind === "wait") {
        clock += step.seconds;
        continue;
      }
      const stanza = stanzaOf(step.xml.value, step.xml.span, run.diagnostics);
      if (!stanza) {
        failures.push({ file: display, line: step.span.start.line, column: step.span.start.column, message: "the stanza literal is not a stanza", expected: "", actual: "", stanza: step.xml.value, trace: [] });
        continue;
      }
      if (step.at) {
        const t = Date.parse(step.at.value);
        if (Number.isNaN(t)) run.diagnostics.push(diag("SFW604", step.at.span, { problem: `'${step.at.value}' is not an ISO 8601 time` }));
        else clock = t / 1000;
      }
      run.diagnostics.push(...stepNameErrors(step, names));
      const outcomes: string[] = [];
      for (let i = 0; i < step.times; i++) {
        const r = sim.simulate({ stanza, time: clock, ...(step.origin ? { origin: step.origin } : {}), ...(step.chain ? { chain: step.chain.value } : {}) });
        count(r, touched, decided);
        outcomes.push(describeResult(r, true));
        if (step.expect) {
          const why = checkStep(step.expect, r);
          if (why) {
            failures.push({ file: display, line: step.span.start.line, column: step.span.start.column, message: step.times > 1 ? `${why} (copy ${i + 1} of ${step.times})` : why, expected: describeExpectation(step.expect), actual: describeOutcome(r), stanza: step.xml.value, trace: traceText(r, sources) });
            break;
          }
        }
      }
      if (!step.expect) recordSend(run, { path, display, by: display, line: step.span.start.line, column: step.span.start.column }, step, outcomes);
    }
    settle(touched, decided);
    run.cases.push({ suite: display, name: c.name, file: display, line: c.span.start.line, status: failures.length > 0 ? "failed" : "passed", failures, durationMs: performance.now() - t0 });
  }

  // Traffic files with inline expectations, and benign traffic.
  for (const tr of test.traffic) {
    const file = here(tr.value);
    let items;
    try {
      readFileSync(file.abs);
      items = readTrafficFile(file.abs, file.display);
    } catch (e) {
      run.diagnostics.push(diag("SFW602", tr.span, { what: "traffic file", path: tr.value, why: (e as NodeJS.ErrnoException).code ?? String(e) }));
      continue;
    }
    run.sources.set(file.display, readFileSync(file.abs, "utf8"));
    const sim = simulator();
    for await (const item of replay(sim, items)) {
      if (item.kind === "problem") {
        // A skipped record is an error, not a warning: its expectation (or its benign verdict) is
        // lost, and a CI gate must not pass on input it could not read. A kept one (an unreadable
        // time, the previous one used) is still checked, so it warns.
        run.diagnostics.push(diag("SFW604", { file: item.file, start: { offset: 0, line: item.line, column: item.column }, end: { offset: 0, line: item.line, column: item.column + 1 } }, { problem: item.message }, item.kept ? { severity: "warning" } : {}));
        continue;
      }
      const t0 = performance.now();
      let expected: Expectation | undefined;
      try {
        expected = tr.benign ? { verdict: "pass" } : parseExpectation(item.input.annotations.comment);
      } catch (e) {
        run.diagnostics.push(diag("SFW607", { file: item.file, start: { offset: 0, line: item.line, column: item.column }, end: { offset: 0, line: item.line, column: item.column + 1 } }, { problem: (e as Error).message }));
        continue;
      }
      if (expected && !tr.benign) run.diagnostics.push(...unknownNames(placed(expected, item.file, item.line, item.column), names));
      const touched = new Set<string>();
      const decided = new Set<string>();
      count(item.result, touched, decided);
      settle(touched, decided);
      if (!expected) {
        recordStanza(run, { path: file.abs, display: file.display, by: display, line: item.line, column: item.column }, item.input.stanza.name, item.result);
        continue;
      }
      const why = unmet(expected, item.result);
      const failures: Failure[] = why
        ? [{ file: item.file, line: item.line, column: item.column, message: tr.benign ? `benign traffic must pass: ${why}` : why, expected: `${expected.verdict}${expected.condition ? ` ${expected.condition}` : ""}${expected.rule ? ` by ${expected.rule}` : ""}`, actual: describeOutcome(item.result), stanza: item.input.stanza.toString(), trace: traceText(item.result, sources) }]
        : [];
      run.cases.push({ suite: `${display} › ${file.display}`, name: `${file.display}:${item.line}`, file: item.file, line: item.line, status: failures.length ? "failed" : "passed", failures, durationMs: performance.now() - t0 });
    }
  }
}

/** The rule sets a test file names, loaded; undefined (the errors reported) when one cannot be. */
function loadRuleSets(test: TestFile, here: (p: string) => { abs: string; display: string }, run: TestRun): { sources: ScriptSource[]; target: TargetVersion | undefined } | undefined {
  const sources: ScriptSource[] = [];
  let target: TargetVersion | undefined;
  for (const r of test.rules) {
    const file = here(r.value);
    let ruleText: string;
    try {
      ruleText = readFileSync(file.abs, "utf8");
    } catch (e) {
      run.diagnostics.push(diag("SFW602", r.span, { what: "rule file", path: r.value, why: (e as NodeJS.ErrnoException).code ?? String(e) }));
      return undefined;
    }
    run.sources.set(file.display, ruleText);
    const loaded = loadRules(ruleText, file.display);
    if (!loaded.source) {
      run.diagnostics.push(diag("SFW605", r.span, { path: r.value }), ...loaded.diagnostics.filter((d) => d.severity === "error"));
      return undefined;
    }
    sources.push(loaded.source);
    target ??= loaded.target;
  }
  return { sources, target };
}

/**
 * What an expectation or a send may name, from the test file's own rule sets (not every rule set
 * of the run: a rule of another test file's rule set is unknown here).
 */
interface KnownNames {
  readonly rules: ReadonlySet<string>;
  /** Rules by location (`file:line`), as coverage keys them. */
  readonly locations: ReadonlySet<string>;
  readonly conditions: ReadonlySet<string>;
  /** Why a chain cannot be run (the simulator's words), undefined for one that can. */
  readonly chainProblem: (chain: string) => string | undefined;
}

function knownNames(sources: readonly ScriptSource[]): KnownNames {
  const rules = new Set<string>();
  const locations = new Set<string>();
  for (const s of sources) {
    for (const c of s.script.chains) {
      c.rules.forEach((_, i) => {
        const k = ruleKey(s, c.name, i);
        rules.add(k.rule);
        locations.add(k.key);
      });
    }
  }
  const sim = new Simulator(sources, new World());
  return { rules, locations, conditions: knownConditions(sources), chainProblem: (chain) => sim.chainProblem(chain) };
}

/** A send's names that its rule sets do not have: a rule or error condition it expects, the chain it is run through. */
function stepNameErrors(step: Extract<TestStep, { kind: "send" }>, names: KnownNames): Diagnostic[] {
  const out = step.expect ? [...unknownNames(step.expect, names), ...step.expect.makes.flatMap((m) => unknownNames(m, names))] : [];
  const problem = step.chain ? names.chainProblem(step.chain.value) : undefined;
  if (problem) out.push(diag("SFW610", step.chain!.span, { problem }));
  return out;
}

/**
 * `--update` for a send without an expectation: ` expect …` right after it (an offset, so that a
 * second send on its line gets its own). The expectation of `times N` holds for each copy: one is
 * recorded only if all copies agree (a rate limit that bites at copy 11 would otherwise be
 * recorded as what copy 1 must do).
 */
function recordSend(run: TestRun, at: Omit<FileEdit, "kind" | "offset" | "insert">, step: Extract<TestStep, { kind: "send" }>, outcomes: readonly string[]): void {
  const distinct = [...new Set(outcomes)];
  if (distinct.length === 1) run.edits.push({ ...at, kind: "send", offset: step.span.end.offset, insert: ` expect ${distinct[0]}` });
  else run.unrecorded.push({ file: at.display, line: at.line, column: at.column, why: `its ${step.times} copies have different outcomes (${distinct.map((o) => `${outcomes.filter((x) => x === o).length} × ${o}`).join(", ")}); split it into sends whose copies agree` });
}

/**
 * `--update` for a traffic stanza without an expectation: an `expect:` comment to go right before
 * it. The comment reader takes the comment's words as they are, split at spaces: a `.pfw` rule's
 * location is written unquoted, and one with a space in it cannot be written at all (nor `--`,
 * which XML does not allow inside a comment).
 */
function recordStanza(run: TestRun, at: Omit<FileEdit, "kind" | "element" | "expectation">, element: string, result: SimResult): void {
  const expectation = describeResult(result);
  const location = result.rule && result.rule.name === undefined ? result.rule.pfw : undefined;
  const why =
    location !== undefined && /\s/.test(location)
      ? `the location of the rule that decided it ('${location}') has a space, and the words of an expect: comment are split at spaces: rename the file, or expect the verdict without 'by'`
      : expectation.includes("--")
        ? `its expectation '${expectation}' holds '--', which an XML comment cannot: write it by hand without that part`
        : undefined;
  if (why) run.unrecorded.push({ file: at.display, line: at.line, column: at.column, why });
  else run.edits.push({ ...at, kind: "comment", element, expectation });
}

/** An `expect:` comment's names, placed at the stanza it is written before (where its case is reported). */
function placed(e: Expectation, file: string, line: number, column: number): Pick<StepExpectation, "rule" | "condition"> {
  const span: Span = { file, start: { offset: 0, line, column }, end: { offset: 0, line, column: column + 1 } };
  return { ...(e.condition !== undefined ? { condition: { value: e.condition, span } } : {}), ...(e.rule !== undefined ? { rule: { value: e.rule, span } } : {}) };
}

/** An expectation's names that its rule sets cannot give: a rule (SFW606) or an error condition (SFW609). */
function unknownNames(e: Pick<StepExpectation, "rule" | "condition">, names: KnownNames): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A `.pfw` rule is named by its location (`file:line`), which needs no declaration.
  if (e.rule && !names.rules.has(e.rule.value) && !names.locations.has(e.rule.value) && !/:\d+$/.test(e.rule.value)) {
    const guess = didYouMean(e.rule.value, names.rules);
    out.push(diag("SFW606", e.rule.span, { rule: e.rule.value }, guess ? { hint: `did you mean '${guess}'?` } : {}));
  }
  if (e.condition && !names.conditions.has(e.condition.value)) {
    const guess = didYouMean(e.condition.value, names.conditions);
    out.push(diag("SFW609", e.condition.span, { condition: e.condition.value }, { hint: guess ? `did you mean '${guess}'?` : "see RFC 6120 §8.3.3 for the defined conditions" }));
  }
  return out;
}

/**
 * The error conditions a run can send back: RFC 6120's, and any other a hand-written `.pfw`
 * bounces with (mod_firewall sends whatever BOUNCE names; the reader only warns, SFW519).
 */
function knownConditions(sources: readonly ScriptSource[]): Set<string> {
  const known = new Set(errorConditions.keys());
  for (const s of sources) for (const c of s.script.chains) for (const r of c.rules) for (const a of r.actions) if (a.name === "BOUNCE") known.add(bounceCondition(a.argument).condition);
  return known;
}

function loadWorld(test: TestFile, here: (p: string) => { abs: string; display: string }, diagnostics: Diagnostic[]): World | undefined {
  if (!test.world) return new World();
  let data: unknown;
  let span: Span;
  if ("inline" in test.world) {
    data = test.world.inline;
    span = test.world.span;
  } else {
    span = test.world.span;
    try {
      data = JSON.parse(readFileSync(here(test.world.value).abs, "utf8"));
    } catch (e) {
      diagnostics.push(diag("SFW602", span, { what: "world", path: test.world.value, why: (e as NodeJS.ErrnoException).code ?? (e as Error).message }));
      return undefined;
    }
  }
  const problems = validateWorld(data);
  if (problems.length > 0) {
    diagnostics.push(...problems.map((problem) => diag("SFW603", span, { problem })));
    return undefined;
  }
  return new World(data as WorldData);
}

function stanzaOf(xml: string, span: Span, diagnostics: Diagnostic[]): XmlElement | undefined {
  const items = readTrafficText(xml, span.file);
  const stanzas = items.filter((i) => i.kind === "stanza");
  const problem = items.find((i) => i.kind === "problem");
  if (problem || stanzas.length !== 1) {
    diagnostics.push(diag("SFW604", span, { problem: problem?.kind === "problem" ? `not a well-formed stanza: ${problem.message}` : `expected exactly one stanza, found ${stanzas.length}` }));
    return undefined;
  }
  return stanzas[0]!.kind === "stanza" ? stanzas[0]!.stanza : undefined;
}

function checkStep(e: StepExpectation, r: SimResult): string | undefined {
  const rule = e.rule?.value;
  const why = unmet({ verdict: e.verdict, ...(e.condition ? { condition: e.condition.value } : {}), ...(rule ? { rule } : {}) }, r);
  if (why) return why;
  for (const emitted of e.emits) {
    const want = canonicalXml(emitted.value);
    if (!r.emitted.some((x) => canonicalXml(x.xml) === want)) return `did not emit ${emitted.value}`;
  }
  const made = allGenerated(r);
  for (const m of e.makes) {
    const want = canonicalXml(m.stanza.value);
    const g = made.find((x) => canonicalXml(x.stanza.toString()) === want);
    if (!g) return `Prosody did not make ${m.stanza.value}${made.length > 0 ? ` (it made ${made.map((x) => x.stanza.toString()).join(", ")})` : " (it made nothing of it)"}`;
    const why = unmet({ verdict: m.verdict, ...(m.rule ? { rule: m.rule.value } : {}) }, g.result);
    if (why) return `of ${m.stanza.value}, which Prosody made: ${why}`;
  }
  return undefined;
}


/** Compares XML by structure: attribute order and quoting do not matter. */
function canonicalXml(xml: string): string {
  const s = readTrafficText(xml, "x").find((i) => i.kind === "stanza");
  if (!s || s.kind !== "stanza") return xml;
  const c = (el: XmlElement): string => `<${el.name} ${Object.entries(el.attr).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}>${el.children.map((x) => (typeof x === "string" ? x : c(x))).join("")}</${el.name}>`;
  return c(s.stanza);
}

function describeExpectation(e: StepExpectation): string {
  return `${e.verdict}${e.condition ? ` ${e.condition.value}` : ""}${e.rule ? ` by ${e.rule.value}` : ""}${e.emits.map((x) => ` emits ${x.value}`).join("")}${e.makes.map((m) => ` makes ${m.stanza.value} ${m.verdict}${m.rule ? ` by ${m.rule.value}` : ""}`).join("")}`;
}

/** A result as an expectation would say it (`bounce policy-violation by blocked_domain`). */
export function describeResult(r: SimResult, quoteLocations = false): string {
  const name = r.rule?.name !== undefined ? baseRuleName(r.rule.name) : undefined;
  const by = name ?? (r.rule ? (quoteLocations ? JSON.stringify(r.rule.pfw) : r.rule.pfw) : undefined);
  return `${r.verdict}${r.error && (r.verdict === "bounce" || r.verdict === "default") ? ` ${r.error.condition}` : ""}${by ? ` by ${by}` : ""}`;
}

/** A result as a failure shows it: with why, for a Lua error or a stanza that cannot be simulated. */
function describeOutcome(r: SimResult): string {
  return r.reason !== undefined && (r.verdict === "error" || r.verdict === "unsimulatable") ? `${describeResult(r)} (${r.reason})` : describeResult(r);
}

/** What `--update` makes of one file's text: the edits made, and the ones refused with why. */
export interface AppliedEdits {
  readonly text: string;
  readonly refused: { readonly edit: FileEdit; readonly why: string }[];
}

/**
 * Applies `--update` edits to a text. Edits for one place (a stanza or send) proposed more than
 * once — a traffic file that two test files read, a file reached by two paths — are made once if
 * they agree; if they do not, no one expectation holds for every run that reads the place, so
 * none is written.
 */
export function applyEdits(text: string, edits: readonly FileEdit[]): AppliedEdits {
  // The traffic reader counts a first line's columns after a byte order mark.
  const lineStarts = [text.startsWith("\uFEFF") ? 1 : 0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const refused: { edit: FileEdit; why: string }[] = [];
  const byPlace = new Map<number, { at: number; insert: string; edit: FileEdit }[]>();
  for (const edit of edits) {
    const placed = placeEdit(text, lineStarts, edit);
    if ("why" in placed) refused.push({ edit, why: placed.why });
    else byPlace.set(placed.at, [...(byPlace.get(placed.at) ?? []), { ...placed, edit }]);
  }
  const made: { at: number; insert: string }[] = [];
  for (const group of byPlace.values()) {
    const first = group[0]!;
    if (group.every((g) => g.insert === first.insert)) made.push(first);
    else refused.push({ edit: first.edit, why: `the test files that read it see different outcomes (${group.map((g) => `${g.edit.by}: ${outcomeOf(g.edit)}`).join("; ")}), and one expectation cannot be both: write the expectation by hand, or give the test files traffic files of their own` });
  }
  let out = text;
  for (const e of made.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.insert + out.slice(e.at);
  return { text: out, refused };
}

function outcomeOf(edit: FileEdit): string {
  return edit.kind === "comment" ? edit.expectation : edit.insert.replace(/^ expect /, "");
}

/**
 * Where an edit goes. A send's is at its offset. A stanza's comment goes right before the stanza,
 * the one place the traffic reader takes it from: on a line of its own, indented as the stanza,
 * when nothing but indentation is before the stanza on its line; else on the stanza's line (before
 * the line would be before the line's first stanza, or inside the markup of a stanza that ends
 * there). The traffic reader counts columns in characters, not UTF-16 units; a stanza not found
 * where it was read (the file changed meanwhile) is refused, never guessed at.
 */
function placeEdit(text: string, lineStarts: readonly number[], edit: FileEdit): { at: number; insert: string } | { why: string } {
  if (edit.kind === "send") return { at: edit.offset, insert: edit.insert };
  const lineStart = lineStarts[edit.line - 1];
  let at = lineStart ?? text.length;
  for (let n = 1; n < edit.column && at < text.length; n++) at += text.codePointAt(at)! > 0xffff ? 2 : 1;
  // The element is a stanza's name (message, presence, iq), perhaps written with a prefix.
  const tag = new RegExp(`<(?:[^\\s/>:]+:)?${edit.element}[\\s/>]`, "y");
  tag.lastIndex = at;
  if (lineStart === undefined || !tag.test(text)) return { why: `no <${edit.element}> starts there any more (the file changed since it was read): run --update again` };
  const comment = `<!-- expect: ${edit.expectation} -->`;
  const indent = text.slice(lineStart, at);
  if (!/^[ \t]*$/.test(indent)) return { at, insert: comment };
  const eol = text[text.indexOf("\n", at) - 1] === "\r" ? "\r\n" : "\n";
  return { at: lineStart, insert: `${indent}${comment}${eol}` };
}
