import type { Diagnostic } from "../diag/diagnostic.js";
import { renderText } from "../diag/render-text.js";
import { renderJson } from "../diag/render-json.js";
import { renderSarif } from "../diag/render-sarif.js";
import { toolVersion } from "../version.js";
import { UsageError } from "./io.js";

export type DiagnosticFormat = "text" | "json" | "sarif";

export function parseFormat(value: string): DiagnosticFormat {
  if (value === "text" || value === "json" || value === "sarif") return value;
  throw new UsageError(`unknown format '${value}' (expected text, json or sarif)`);
}

/** Renders diagnostics in the chosen format; `sources` maps file names to their text for snippets. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, format: DiagnosticFormat, color = false): string {
  switch (format) {
    case "text":
      return renderText(diagnostics, sources, { color });
    case "json":
      return renderJson(diagnostics);
    case "sarif":
      return renderSarif(diagnostics, { toolVersion });
  }
}
