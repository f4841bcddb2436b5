import { readFileSync, realpathSync } from "node:fs";
import { basename, resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { hasErrors } from "../diag/diagnostic.js";
import { renderText } from "../diag/render-text.js";
import { coveragePercent, githubReport, junitReport, summaryLine, tapReport, textReport } from "../testing/reporters.js";
import { applyEdits, runTestFiles, type FileEdit, type TestRun, type Unrecorded } from "../testing/run-tests.js";
import { checkWritable, displayPath, findRuleFiles, writeAtomically } from "./files.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";

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
  // A report that cannot be written is said before the run, not after it.
  if (options.output) checkWritable(io.cwd, options.output, "the report");
  const files = findRuleFiles(io.cwd, paths.length > 0 ? paths : ["."], [".test.sfw"], true);
  refuseTrafficFiles(files);
  const run = await runTestFiles(files.map((f) => ({ path: resolve(io.cwd, f), display: displayPath(io.cwd, f) })), io.cwd);
  if (run.diagnostics.length > 0) io.stderr(renderText(run.diagnostics, run.sources, { color: io.stderrIsTty === true }));
  if (options.update) applyUpdates(io, run);
  const report =
    options.reporter === "tap" ? tapReport(run) : options.reporter === "junit" ? junitReport(run) : options.reporter === "github" ? githubReport(run) + textReport(run, { coverage: options.coverage }) : textReport(run, { coverage: options.coverage });
  if (options.output) {
    writeAtomically(io.cwd, options.output, report);
    // The report is in a file for a machine; the log still shows people what failed and why, and
    // GitHub's annotations, which it reads from the log only, stay there too.
    if (options.reporter === "github") io.stdout(report);
    else if (options.reporter !== "text") io.stdout(textReport(run, { coverage: options.coverage }));
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
  // TAP and JUnit on standard output are documents that end with the summary as their own comment.
  if ((options.reporter !== "tap" && options.reporter !== "junit") || options.output) io.stdout(`${summaryLine(run)}\n`);
  return failed ? exitCodes.failed : exitCodes.ok;
}

/**
 * Only paths given as files can be other than `.sfw` (directories are searched for test files).
 * A traffic file would be lexed as a test file, a page of errors about `<`; say how it is run.
 */
function refuseTrafficFiles(files: readonly string[]): void {
  const stray = files.find((f) => !f.endsWith(".sfw"));
  if (stray !== undefined) throw new UsageError(`${stray} is not a test file (*.test.sfw): a traffic file with expect: comments is run by a test file that names it (rules "…" and traffic "${basename(stray)}")`);
  // A rule set would be read as a test file: errors about its first word, not about the mistake.
  const rules = files.find((f) => !f.endsWith(".test.sfw"));
  if (rules !== undefined) throw new UsageError(`${rules} is a rule set, not a test file (*.test.sfw): check it with 'stanzafw check ${rules}', or test it from a test file that names it (rules "${basename(rules)}")`);
}

/** Why a run has no case: files that failed to load are not "no tests found" (they were found). */
function noTestsReason(run: TestRun, paths: readonly string[]): string {
  const files = (n: number) => `${n} test file${n === 1 ? "" : "s"}`;
  const where = paths.join(", ") || ".";
  if (run.files === 0) return `no tests found in ${where}: no *.test.sfw file (traffic files are run by the test files that name them; a CI gate that tests nothing must not pass)`;
  if (run.filesWithErrors === 0) return `no tests found in ${where}: the test files hold no case (a CI gate that tests nothing must not pass)`;
  if (run.filesWithErrors === run.files) return `${files(run.files)} with errors, no test could run`;
  return `${run.filesWithErrors} of ${files(run.files)} with errors, no case in the others: no test could run`;
}

/**
 * Writes recorded expectations and shows the diff; expectations that fail are never touched. A
 * file is edited at its real path: a symbolic link stays a link, its target written (atomically,
 * beside the target), and a file reached by two paths is edited once.
 */
function applyUpdates(io: CliIo, run: TestRun): void {
  const byFile = new Map<string, FileEdit[]>();
  for (const e of run.edits) {
    const real = realpathSync(e.path);
    byFile.set(real, [...(byFile.get(real) ?? []), e]);
  }
  const unrecorded: Unrecorded[] = [...run.unrecorded];
  let written = 0;
  for (const [real, edits] of byFile) {
    const before = readFileSync(real, "utf8");
    const { text: after, refused } = applyEdits(before, edits);
    unrecorded.push(...refused.map(({ edit, why }) => ({ file: edit.display, line: edit.line, column: edit.column, why })));
    if (after === before) continue;
    const name = edits[0]!.display;
    io.stdout(createTwoFilesPatch(name, name, before, after, undefined, "recorded expectations"));
    writeAtomically(io.cwd, real, after);
    written++;
  }
  for (const u of unrecorded) io.stderr(`stanzafw: --update did not record ${u.file}:${u.line}:${u.column}: ${u.why}\n`);
  if (written === 0 && unrecorded.length === 0) io.stdout("--update: every case already has an expectation (failing ones are never rewritten)\n");
}
