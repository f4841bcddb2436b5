import type { Diagnostic } from "../diag/diagnostic.js";
import type { PfwScript } from "../pfw/model.js";
import { readPfw } from "../pfw/read.js";
import { compileSfw } from "../pipeline.js";
import type { TargetVersion } from "../vocab/targets.js";
import type { RuleOrigin, ScriptSource } from "./engine.js";

export interface LoadedRules {
  /** Undefined when a `.sfw` file does not compile (there is then nothing to simulate). */
  readonly source: ScriptSource | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** The `.pfw` text that is simulated (compiled, for `.sfw`). */
  readonly pfwText: string | undefined;
  readonly target: TargetVersion | undefined;
}

/**
 * A rule file as the simulator takes it: a `.pfw` is read as mod_firewall reads it; a `.sfw` is
 * compiled in memory and its compiled `.pfw` read back, so the simulation runs exactly what
 * would be deployed, and each rule points back to its `.sfw` line.
 */
export function loadRules(text: string, file: string, options: { target?: TargetVersion } = {}): LoadedRules {
  if (!file.endsWith(".sfw")) {
    const read = readPfw(text, file, options.target ? { target: options.target } : {});
    return { source: pfwSource(file, read.script, read.diagnostics), diagnostics: read.diagnostics, pfwText: text, target: options.target };
  }
  const compiled = compileSfw(text, file, options.target ? { target: options.target } : {});
  if (!compiled.output) return { source: undefined, diagnostics: compiled.diagnostics, pfwText: undefined, target: options.target };
  const pfwFile = `${file.replace(/\.sfw$/, "")}.pfw`;
  const read = readPfw(compiled.output.text, pfwFile, options.target ? { target: options.target } : {});
  const origins = new Map<string, RuleOrigin>();
  for (const entry of compiled.output.map) {
    origins.set(`${entry.chain}#${entry.index}`, { sfw: `${entry.sfw.file}:${entry.sfw.start.line}`, name: entry.part ? `${entry.ruleName} (${entry.part})` : entry.ruleName });
  }
  const targetLine = /^# Target: Prosody (\S+)/m.exec(compiled.output.text)?.[1];
  const target = options.target ?? (targetLine === "13" ? "13" : "0.12");
  return { source: { ...pfwSource(pfwFile, read.script, read.diagnostics), origins }, diagnostics: [...compiled.diagnostics, ...generatedCodeErrors(read.diagnostics)], pfwText: compiled.output.text, target };
}

/**
 * What reading back the compiled script says, for a `.sfw`: its warnings repeat the `.sfw`'s own
 * (an upper-case JID is SFW212 there and SFW519 here) and point into a file that does not exist,
 * so only errors are kept — they would be the compiler's fault, and Prosody would refuse the script.
 */
function generatedCodeErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === "error");
}

/**
 * A script for the simulator; the reader's first error (in file order) is why Prosody would refuse
 * it. SFW508 refuses only its chain: the simulator skips that chain itself when compiling it.
 */
export function pfwSource(file: string, script: PfwScript, diagnostics: readonly Diagnostic[]): ScriptSource {
  const first = diagnostics.filter((d) => d.severity === "error" && d.code !== "SFW508" && d.span.file === file).sort((a, b) => a.span.start.offset - b.span.start.offset)[0];
  // SFW507 (a name the generated code cannot find) and SFW509 (a rule stored twice with conditions)
  // are errors that escape mod_firewall's loader: the scripts after this one are not loaded either.
  return first ? { file, script, refusal: { message: first.message, line: first.span.start.line, stopsLoading: first.code === "SFW507" || first.code === "SFW509" } } : { file, script };
}
