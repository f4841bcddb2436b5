import type { Diagnostic } from "../diag/diagnostic.js";
import { hasErrors } from "../diag/diagnostic.js";
import { analyzeSfw } from "../pipeline.js";
import { readPfw } from "../pfw/read.js";
import type { TargetVersion } from "../vocab/targets.js";
import { displayPath, findRuleFiles, readText } from "./files.js";
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
