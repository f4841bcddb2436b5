import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { hasErrors } from "../diag/diagnostic.js";
import { renderText } from "../diag/render-text.js";
import { coveragePercent, githubReport, junitReport, summaryLine, tapReport, textReport } from "../testing/reporters.js";
import { applyEdits, runTestFiles, type TestRun } from "../testing/run-tests.js";
import { displayPath, findRuleFiles, writeAtomically } from "./files.js";
import { exitCodes, type CliIo } from "./io.js";

export type Reporter = "text" | "tap" | "junit" | "github";

export interface TestCommandOptions {
  readonly reporter: Reporter;
  readonly output?: string;
  readonly coverage: boolean;
  readonly minCoverage?: number;
  readonly update: boolean;
}

/** `stanzafw test [PATHS…]`: every `*.test.sfw` under the paths. */
export async function runTest(io: CliIo, paths: readonly string[], options: TestCommandOptions): Promise<number> {
  const files = findRuleFiles(io.cwd, paths.length > 0 ? paths : ["."], [".test.sfw"], true);
  const run = await runTestFiles(files.map((f) => ({ path: resolve(io.cwd, f), display: displayPath(io.cwd, f) })), io.cwd);
  if (run.diagnostics.length > 0) io.stderr(renderText(run.diagnostics, run.sources, { color: io.stderrIsTty === true }));
  if (options.update) applyUpdates(io, run.edits);
  const report =
    options.reporter === "tap" ? tapReport(run) : options.reporter === "junit" ? junitReport(run) : options.reporter === "github" ? githubReport(run) + textReport(run, { coverage: options.coverage }) : textReport(run, { coverage: options.coverage });
  if (options.output) {
    writeAtomically(io.cwd, options.output, report);
    if (options.coverage && options.reporter !== "text") io.stdout(textReport({ ...run, cases: [] }, { coverage: true }));
  } else io.stdout(report);
  let failed = run.cases.some((c) => c.status === "failed") || hasErrors(run.diagnostics);
  if (run.cases.length === 0) {
    io.stderr(`stanzafw: ${noTestsReason(run, paths)}\n`);
    failed = true;
  }
  if (options.minCoverage !== undefined) {
    const percent = coveragePercent(run.coverage);
    if (percent < options.minCoverage) {
      io.stderr(`stanzafw: rule coverage ${percent.toFixed(1)}% is below --min-coverage ${options.minCoverage}% (rules never deciding: ${run.coverage.filter((r) => r.decided === 0).map((r) => r.rule).join(", ")})\n`);
      failed = true;
    }
  }
  if (options.reporter !== "tap" || options.output) io.stdout(`${summaryLine(run)}\n`);
  return failed ? exitCodes.failed : exitCodes.ok;
}

/** Why a run has no case: files that failed to load are not "no tests found" (they were found). */
function noTestsReason(run: TestRun, paths: readonly string[]): string {
  const files = (n: number) => `${n} test file${n === 1 ? "" : "s"}`;
  if (run.filesWithErrors === 0) return `no tests found in ${paths.join(", ") || "."} (a CI gate that tests nothing must not pass)`;
  if (run.filesWithErrors === run.files) return `${files(run.files)} with errors, no test could run`;
  return `${run.filesWithErrors} of ${files(run.files)} with errors, no case in the others: no test could run`;
}

/** Writes recorded expectations and shows the diff; expectations that fail are never touched. */
function applyUpdates(io: CliIo, edits: readonly { path: string; offset: number; insert: string }[]): void {
  const byFile = new Map<string, typeof edits[number][]>();
  for (const e of edits) byFile.set(e.path, [...(byFile.get(e.path) ?? []), e]);
  for (const [path, fileEdits] of byFile) {
    const before = readFileSync(path, "utf8");
    const after = applyEdits(before, fileEdits);
    const name = displayPath(io.cwd, path);
    io.stdout(createTwoFilesPatch(name, name, before, after, undefined, "recorded expectations"));
    writeAtomically(io.cwd, path, after);
  }
  if (byFile.size === 0) io.stdout("--update: every case already has an expectation (failing ones are never rewritten)\n");
}
