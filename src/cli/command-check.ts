import type { Diagnostic } from "../diag/diagnostic.js";
import { hasErrors } from "../diag/diagnostic.js";
import { analyzeSfw } from "../pipeline.js";
import { readPfw } from "../pfw/read.js";
import type { TargetVersion } from "../vocab/targets.js";
import { displayPath, findRuleFiles, readText, refuseTestFile } from "./files.js";
import { formatDiagnostics, type DiagnosticFormat } from "./diagnostics-output.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";

export interface CheckCommandOptions {
  readonly format: DiagnosticFormat;
  readonly target?: TargetVersion;
}

/** `stanzafw check PATHS…`: every diagnostic of every `.sfw` and `.pfw` file. */
export function runCheck(io: CliIo, paths: readonly string[], options: CheckCommandOptions): number {
  const files = findRuleFiles(io.cwd, paths.length > 0 ? paths : ["."]);
  if (files.length === 0) throw new UsageError(`no .sfw or .pfw files found in ${paths.join(", ") || "."}`);
  // A directory's walk yields only rule files, so anything else here was named on the command
  // line. Read as a rule set, a test file or a stray file gives syntax errors about its first
  // line, which say nothing of the real mistake.
  for (const path of files) {
    refuseTestFile(path);
    if (!path.endsWith(".sfw") && !path.endsWith(".pfw")) throw new UsageError(`check takes .sfw and .pfw files (or directories), not ${path}`);
  }
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const path of files) {
    const name = displayPath(io.cwd, path);
    const text = readText(io.cwd, path);
    sources.set(name, text);
    if (name.endsWith(".pfw")) {
      const read = readPfw(text, name, options.target ? { target: options.target } : {});
      diagnostics.push(...read.diagnostics);
    }
    else diagnostics.push(...analyzeSfw(text, name, options.target ? { target: options.target } : {}).diagnostics);
  }
  const out = formatDiagnostics(diagnostics, sources, options.format, options.format === "text" && io.stderrIsTty === true);
  if (options.format === "text") {
    if (out) io.stderr(out.endsWith("\n") ? out : out + "\n");
    else io.stderr(`${files.length} file${files.length === 1 ? "" : "s"} checked, no problems\n`);
  } else {
    io.stdout(out);
  }
  return hasErrors(diagnostics) ? exitCodes.failed : exitCodes.ok;
}
