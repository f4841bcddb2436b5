import { createHash } from "node:crypto";
import type { Diagnostic } from "./diag/diagnostic.js";
import { hasErrors } from "./diag/diagnostic.js";
import { parse } from "./syntax/parse.js";
import { check, type CheckOptions } from "./check/index.js";
import type { CheckedFile } from "./check/model.js";
import { lower } from "./emit/lower.js";
import { reportCodegenHazards } from "./emit/hazards.js";
import { printPfw, type PfwMapEntry } from "./emit/print-pfw.js";
import { configLines } from "./emit/config.js";
import { targetDescriptions } from "./vocab/targets.js";
import { toolVersion } from "./version.js";
import type { LoweredScript } from "./emit/lowered.js";

/** Everything known about one `.sfw` file after analysis. */
export interface SfwAnalysis {
  readonly diagnostics: readonly Diagnostic[];
  readonly model: CheckedFile | undefined;
  readonly lowered: LoweredScript | undefined;
}

/** Parse, check and lower: every diagnostic of a file, in one run. */
export function analyzeSfw(text: string, file: string, options: CheckOptions = {}): SfwAnalysis {
  const parsed = parse(text, file);
  const checked = check(parsed.ast, options);
  // After a syntax error, warnings about what is unused or unreachable are mostly its echoes.
  const syntaxErrors = hasErrors(parsed.diagnostics);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics.filter((d) => !syntaxErrors || d.severity === "error")];
  if (hasErrors(diagnostics) || !checked.model) return { diagnostics, model: undefined, lowered: undefined };
  const lowered = lower(checked.model);
  diagnostics.push(...lowered.diagnostics, ...reportCodegenHazards(lowered.script));
  if (hasErrors(diagnostics)) return { diagnostics, model: checked.model, lowered: undefined };
  return { diagnostics, model: checked.model, lowered: lowered.script };
}

/** A compiled rule set: `.pfw` text, its map back to the source, and the config lines. */
export interface CompiledSfw {
  readonly text: string;
  readonly map: readonly PfwMapEntry[];
  readonly config: (scriptPath: string) => string;
}

export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Undefined when any error was found. */
  readonly output: CompiledSfw | undefined;
}

/** Compiles `.sfw` text to `.pfw` text. Deterministic: the same input gives the same bytes. */
export function compileSfw(text: string, file: string, options: CheckOptions = {}): CompileResult {
  const analysis = analyzeSfw(text, file, options);
  if (!analysis.model || !analysis.lowered) return { diagnostics: analysis.diagnostics, output: undefined };
  const model = analysis.model;
  const sha256 = createHash("sha256").update(text, "utf8").digest("hex");
  const printed = printPfw(analysis.lowered, { source: file, sha256, toolVersion, target: targetDescriptions[model.target] });
  return {
    diagnostics: analysis.diagnostics,
    output: { text: printed.text, map: printed.map, config: (scriptPath) => configLines(scriptPath, model.requirements, file) },
  };
}
