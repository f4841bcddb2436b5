import { sortDiagnostics, type Diagnostic, type Severity } from "./diagnostic.js";

/**
 * Renders diagnostics for people, in the style of rustc and clang:
 *
 *   rules/x.sfw:12:23: error[SFW201]: unknown list 'blocked_domain'
 *      |
 *   12 |     when from.host in blocked_domain
 *      |                       ^^^^^^^^^^^^^^
 *      = help: did you mean 'blocked_domains'?
 *
 * followed by a summary line. Empty output when there is nothing to report.
 */
export function renderText(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, options: { color: boolean }): string {
  if (diagnostics.length === 0) return "";
  const paint = painter(options.color);
  const lines: string[] = [];
  const split = new Map<string, string[]>();
  const sourceLines = (file: string): string[] | undefined => {
    if (!split.has(file)) {
      const text = sources.get(file);
      if (text === undefined) return undefined;
      split.set(file, text.split("\n").map((l) => l.replace(/\r$/, "")));
    }
    return split.get(file);
  };
  for (const d of sortDiagnostics(diagnostics)) {
    const { file, start, end } = d.span;
    lines.push(`${paint.bold(`${file}:${start.line}:${start.column}:`)} ${paint.severity(d.severity, `${d.severity}[${d.code}]`)}${paint.bold(`: ${d.message}`)}`);
    const text = sourceLines(file)?.[start.line - 1];
    const gutterWidth = String(start.line).length;
    const gutter = (label = ""): string => paint.gutter(`${label.padStart(gutterWidth)} |`);
    if (text !== undefined) {
      const shown = expandTabs(text);
      const startCol = visualColumn(text, start.column);
      const endCol = end.line === start.line ? visualColumn(text, Math.max(end.column, start.column + 1)) : shown.length + 1;
      const width = Math.max(1, endCol - startCol);
      lines.push(gutter());
      lines.push(shown === "" ? gutter(String(start.line)) : `${gutter(String(start.line))} ${shown}`);
      lines.push(`${gutter()} ${" ".repeat(Math.max(0, startCol - 1))}${paint.severity(d.severity, "^".repeat(width))}${end.line > start.line ? paint.gutter(" ...") : ""}`);
    }
    for (const n of d.notes ?? []) lines.push(`${" ".repeat(gutterWidth)} ${paint.gutter("=")} note: ${n.span.file}:${n.span.start.line}:${n.span.start.column}: ${n.message}`);
    if (d.hint !== undefined) lines.push(`${" ".repeat(gutterWidth)} ${paint.gutter("=")} help: ${d.hint}`);
    lines.push("");
  }
  lines.push(summaryLine(diagnostics));
  return lines.join("\n") + "\n";
}

/** `2 errors, 1 warning` (parts with zero left out). */
export function summaryLine(diagnostics: readonly Diagnostic[]): string {
  const count = (s: Severity): number => diagnostics.filter((d) => d.severity === s).length;
  const parts: string[] = [];
  for (const [s, word] of [["error", "error"], ["warning", "warning"], ["info", "note"]] as const) {
    const n = count(s);
    if (n > 0) parts.push(`${n} ${word}${n === 1 ? "" : "s"}`);
  }
  return parts.join(", ");
}

const tabWidth = 4;

function expandTabs(line: string): string {
  return line.replace(/\t/g, " ".repeat(tabWidth));
}

/** The 1-based column on screen of a 1-based source column, with tabs expanded. */
function visualColumn(line: string, column: number): number {
  let v = 1;
  for (let i = 0; i < column - 1; i++) v += line[i] === "\t" ? tabWidth : 1;
  return v;
}

function painter(color: boolean) {
  const wrap = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const colors: Record<Severity, (s: string) => string> = { error: wrap("1;31"), warning: wrap("1;33"), info: wrap("1;36") };
  return { bold: wrap("1"), gutter: wrap("34"), severity: (s: Severity, text: string) => colors[s](text) };
}
