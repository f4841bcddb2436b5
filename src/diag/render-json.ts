import { sortDiagnostics, type Diagnostic } from "./diagnostic.js";

/** Diagnostics as one JSON document, for tools and editors. */
export function renderJson(diagnostics: readonly Diagnostic[]): string {
  const sorted = sortDiagnostics(diagnostics);
  const doc = {
    version: 1,
    diagnostics: sorted.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      file: d.span.file,
      line: d.span.start.line,
      column: d.span.start.column,
      endLine: d.span.end.line,
      endColumn: d.span.end.column,
      notes: (d.notes ?? []).map((n) => ({ message: n.message, file: n.span.file, line: n.span.start.line, column: n.span.start.column })),
      ...(d.hint !== undefined ? { hint: d.hint } : {}),
    })),
    summary: {
      errors: sorted.filter((d) => d.severity === "error").length,
      warnings: sorted.filter((d) => d.severity === "warning").length,
      infos: sorted.filter((d) => d.severity === "info").length,
    },
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
