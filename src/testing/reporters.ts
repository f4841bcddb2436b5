import type { Diagnostic } from "../diag/diagnostic.js";
import type { CaseResult, Failure, RuleCoverage, TestRun } from "./run-tests.js";

/** The plain last line every reporter's run ends with on standard output. */
export function summaryLine(run: TestRun): string {
  const passed = run.cases.filter((c) => c.status === "passed").length;
  const failed = run.cases.length - passed;
  return `${passed} passed, ${failed} failed`;
}

function label(c: CaseResult): string {
  return `${c.suite} › ${c.name}`;
}

export function textReport(run: TestRun, options: { coverage: boolean }): string {
  const out: string[] = [];
  for (const c of run.cases) {
    if (c.status === "passed") continue;
    out.push(`FAIL ${c.file}:${c.line} ${label(c)}`);
    for (const f of c.failures) {
      out.push(`  ${f.file}:${f.line}:${f.column}: ${f.message}`);
      if (f.expected) out.push(`    expected: ${f.expected}`);
      if (f.actual) out.push(`    actual:   ${f.actual}`);
      out.push(`    stanza:   ${f.stanza}`);
      if (f.trace.length > 0) out.push("    trace:", ...f.trace.map((t) => `      ${t}`));
    }
    out.push("");
  }
  if (options.coverage) out.push(coverageTable(run.coverage));
  return out.join("\n") + (out.length ? "\n" : "");
}

export function coveragePercent(coverage: readonly RuleCoverage[]): number {
  if (coverage.length === 0) return 100;
  return (100 * coverage.filter((r) => r.decided > 0).length) / coverage.length;
}

function coverageTable(coverage: readonly RuleCoverage[]): string {
  const rows = coverage.map((r) => `  ${String(r.reached).padStart(7)} ${String(r.decided).padStart(7)}  ${r.rule} (${r.location})`);
  const never = coverage.filter((r) => r.decided === 0);
  return [
    `rule coverage: ${coveragePercent(coverage).toFixed(1)}% of ${coverage.length} rules decided at least one case`,
    "  reached decided  rule",
    ...rows,
    ...(never.length ? ["never deciding:", ...never.map((r) => `  ${r.rule} (${r.location})`)] : []),
  ].join("\n") + "\n";
}

/**
 * TAP version 13: one test point per case (as the summary line counts them), and under a failed
 * one a YAML block whose failures are a list, since a case can fail several times and YAML
 * consumers (tap-parser reads the block with the `yaml` package) reject or overwrite repeated keys.
 */
export function tapReport(run: TestRun): string {
  // A file with errors is a failed test point of its own: without it a run whose test files
  // all have errors would be `1..0`, which TAP consumers read as "everything skipped", a pass.
  const broken = errorsByFile(run.diagnostics);
  const out = ["TAP version 13", `1..${run.cases.length + broken.size}`];
  run.cases.forEach((c, i) => {
    out.push(`${c.status === "passed" ? "ok" : "not ok"} ${i + 1} - ${label(c).replace(/#/g, "\\#")}`);
    if (c.status === "failed") out.push("  ---", "  failures:", ...c.failures.flatMap(tapFailure), "  ...");
  });
  [...broken].forEach(([file, errors], i) => {
    out.push(`not ok ${run.cases.length + i + 1} - ${errorsTitle(file, errors).replace(/#/g, "\\#")}`, "  ---", "  errors:", ...errors.flatMap(tapError), "  ...");
  });
  out.push(`# ${summaryLine(run)}`);
  return out.join("\n") + "\n";
}

/** One entry of a TAP block's `failures:` list; JSON strings are valid YAML double-quoted scalars. */
function tapFailure(f: Failure): string[] {
  const fields: [string, string][] = [["message", f.message], ["at", `${f.file}:${f.line}:${f.column}`], ["expected", f.expected], ["actual", f.actual]];
  return fields.map(([key, value], i) => `  ${i === 0 ? "  - " : "    "}${key}: ${JSON.stringify(value)}`);
}

/** One entry of a TAP block's `errors:` list. */
function tapError(d: Diagnostic): string[] {
  const fields: [string, string][] = [["message", diagnosticText(d)], ["code", d.code], ["at", at(d)]];
  return fields.map(([key, value], i) => `  ${i === 0 ? "  - " : "    "}${key}: ${JSON.stringify(value)}`);
}

/** The errors of a run (test files, the rule sets and traffic they name), by file, in order. */
function errorsByFile(diagnostics: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) if (d.severity === "error") byFile.set(d.span.file, [...(byFile.get(d.span.file) ?? []), d]);
  return byFile;
}

function errorsTitle(file: string, errors: readonly Diagnostic[]): string {
  return `${file}: ${errors.length} error${errors.length === 1 ? "" : "s"} (${[...new Set(errors.map((d) => d.code))].join(", ")})`;
}

const at = (d: Diagnostic): string => `${d.span.file}:${d.span.start.line}:${d.span.start.column}`;
const diagnosticText = (d: Diagnostic): string => `${d.message}${d.hint ? ` (${d.hint})` : ""}`;

const xmlEscape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

/** JUnit XML, one testsuite per test file (the form CI systems read). */
export function junitReport(run: TestRun): string {
  const suites = new Map<string, CaseResult[]>();
  for (const c of run.cases) suites.set(c.suite, [...(suites.get(c.suite) ?? []), c]);
  // Errors in a file (a test file, or a rule set or traffic it names) are an errored test case of
  // their own: without one, a run where no test could load reads as "0 tests, all passed".
  const broken = errorsByFile(run.diagnostics);
  for (const file of broken.keys()) if (!suites.has(file)) suites.set(file, []);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="stanzafw" tests="${run.cases.length + broken.size}" failures="${run.cases.filter((c) => c.status === "failed").length}"${broken.size > 0 ? ` errors="${broken.size}"` : ""}>`];
  for (const [suite, cases] of suites) {
    const time = cases.reduce((a, c) => a + c.durationMs, 0) / 1000;
    const errors = broken.get(suite);
    out.push(`  <testsuite name="${xmlEscape(suite)}" tests="${cases.length + (errors ? 1 : 0)}" failures="${cases.filter((c) => c.status === "failed").length}" errors="${errors ? 1 : 0}" skipped="0" time="${time.toFixed(3)}">`);
    if (errors) {
      out.push(`    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(errorsTitle(suite, errors))}" file="${xmlEscape(suite)}" line="${errors[0]!.span.start.line}" time="0.000">`);
      for (const d of errors) out.push(`      <error message="${xmlEscape(diagnosticText(d))}" type="${d.code}">${xmlEscape(`${at(d)}: error[${d.code}]: ${diagnosticText(d)}`)}</error>`);
      out.push("    </testcase>");
    }
    for (const c of cases) {
      const open = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(c.name)}" file="${xmlEscape(c.file)}" line="${c.line}" time="${(c.durationMs / 1000).toFixed(3)}"`;
      if (c.status === "passed") out.push(`${open}/>`);
      else {
        out.push(`${open}>`);
        for (const f of c.failures) {
          const body = [`${f.file}:${f.line}:${f.column}: ${f.message}`, `expected: ${f.expected}`, `actual: ${f.actual}`, `stanza: ${f.stanza}`, ...f.trace].join("\n");
          out.push(`      <failure message="${xmlEscape(f.message)}" type="verdict">${xmlEscape(body)}</failure>`);
        }
        out.push("    </testcase>");
      }
    }
    out.push("  </testsuite>");
  }
  // The summary every reporter ends with, as a comment: a line of text after the root element
  // would make the document (`--reporter junit > report.xml`) ill-formed.
  out.push("</testsuites>", `<!-- ${summaryLine(run)} -->`);
  return out.join("\n") + "\n";
}

/**
 * GitHub Actions workflow commands: an error annotation per failure, and one per error or warning
 * in a file (at its line and columns), since those fail the run as well and are where to look.
 */
export function githubReport(run: TestRun): string {
  const esc = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => esc(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const out: string[] = [];
  for (const d of run.diagnostics) {
    if (d.severity === "info") continue;
    const { start, end } = d.span;
    // GitHub's endColumn is the last column marked (a span's end is the column after it).
    const place = `line=${start.line},col=${start.column}${end.line === start.line ? `,endColumn=${Math.max(start.column, end.column - 1)}` : `,endLine=${end.line}`}`;
    out.push(`::${d.severity} file=${prop(d.span.file)},${place},title=${prop(`stanzafw ${d.code}`)}::${esc(diagnosticText(d))}`);
  }
  for (const c of run.cases) {
    for (const f of c.failures) out.push(`::error file=${prop(f.file)},line=${f.line},col=${f.column},title=${prop(`stanzafw: ${c.name}`)}::${esc(`${f.message}\nexpected: ${f.expected}\nactual: ${f.actual}`)}`);
  }
  return out.length ? out.join("\n") + "\n" : "";
}
