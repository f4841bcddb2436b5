import { basename, resolve } from "node:path";
import { compileSfw } from "../pipeline.js";
import type { TargetVersion } from "../vocab/targets.js";
import { displayPath, readText, refuseTestFile, writeAtomically } from "./files.js";
import { formatDiagnostics, type DiagnosticFormat } from "./diagnostics-output.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";

export interface CompileCommandOptions {
  readonly output?: string;
  readonly config: boolean;
  readonly scriptPath?: string;
  readonly format: DiagnosticFormat;
  readonly target?: TargetVersion;
}

/**
 * `stanzafw compile FILE.sfw [-o OUT.pfw] [--config]`: diagnostics on stderr; the `.pfw` to OUT
 * (atomically) or stdout; with `--config`, the prosody.cfg.lua lines on stdout. Nothing is written
 * when there are errors.
 */
export function runCompile(io: CliIo, file: string, options: CompileCommandOptions): number {
  // A .pfw is already what compile makes; the one thing to do with it is check it.
  if (file.endsWith(".pfw")) throw new UsageError(`compile takes a .sfw file, not ${file}: a .pfw is already a mod_firewall script (check it with 'stanzafw check ${file}')`);
  refuseTestFile(file);
  if (!file.endsWith(".sfw")) throw new UsageError(`compile takes a .sfw file, not ${file}`);
  const name = displayPath(io.cwd, file);
  const text = readText(io.cwd, file);
  const result = compileSfw(text, name, options.target ? { target: options.target } : {});
  if (result.diagnostics.length > 0) {
    const rendered = formatDiagnostics(result.diagnostics, new Map([[name, text]]), options.format, options.format === "text" && io.stderrIsTty === true);
    io.stderr(rendered.endsWith("\n") ? rendered : rendered + "\n");
  }
  if (!result.output) return exitCodes.failed;
  if (options.output) writeAtomically(io.cwd, options.output, result.output.text);
  else if (!options.config) io.stdout(result.output.text);
  if (options.config) {
    const scriptPath =
      options.scriptPath ?? (options.output ? resolve(io.cwd, options.output) : `/etc/prosody/firewall/${basename(file).replace(/\.sfw$/, ".pfw")}`);
    io.stdout(result.output.config(scriptPath));
  }
  return exitCodes.ok;
}
