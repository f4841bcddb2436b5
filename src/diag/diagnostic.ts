import type { Span } from "./span.js";
import { messages, type Code } from "./messages.js";

/** How bad a diagnostic is. Errors stop compilation; warnings and infos do not. */
export type Severity = "error" | "warning" | "info";

/** A secondary location that explains a diagnostic ("the earlier rule is here"). */
export interface DiagnosticNote {
  readonly message: string;
  readonly span: Span;
}

/** A problem found in a source file. Plain data: rendered in one place (`render.ts`). */
export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly notes?: readonly DiagnosticNote[];
  readonly hint?: string;
}

/** Values substituted into a message template's `{name}` placeholders. */
export type MessageData = Readonly<Record<string, string | number>>;

/** Fills `{name}` placeholders of a template; unknown placeholders are left as written so tests notice them. */
export function formatMessage(template: string, data: MessageData = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}

/** Builds a diagnostic from the catalog: the only way checks create diagnostics. */
export function diag(
  code: Code,
  span: Span,
  data: MessageData = {},
  extra: { notes?: readonly DiagnosticNote[]; hint?: string; severity?: Severity } = {},
): Diagnostic {
  const entry = messages[code];
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: extra.severity ?? entry.severity,
    message: formatMessage(entry.message, data),
    span,
  };
  if (extra.notes && extra.notes.length > 0) d.notes = extra.notes;
  if (extra.hint !== undefined) d.hint = extra.hint;
  return d;
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Orders diagnostics by file, then position, then code: the order every renderer uses. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
