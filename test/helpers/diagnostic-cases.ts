import test from "ava";
import type { Diagnostic } from "../../src/diag/diagnostic.js";
import { analyzeSfw } from "../../src/pipeline.js";

/** An expected diagnostic: code and start position; end and message text optional. */
export interface ExpectedDiagnostic {
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** A substring the message must contain. */
  readonly message?: string;
  readonly hint?: string;
}

export interface InvalidCase {
  readonly name: string;
  readonly source: string;
  readonly diagnostics: readonly ExpectedDiagnostic[];
}

/** Codes that are informational or incidental in small snippets, left out of comparisons unless expected. */
const incidental = new Set(["SFW308", "SFW306", "SFW221", "SFW405", "SFW403", "SFW312", "SFW318"]);

/** The diagnostics of a snippet, as comparable plain objects (incidental codes dropped unless listed). */
export function actualDiagnostics(source: string, keep: ReadonlySet<string> = new Set()): Diagnostic[] {
  return [...analyzeSfw(source, "case.sfw").diagnostics].filter((d) => keep.has(d.code) || !incidental.has(d.code));
}

/**
 * Declares ava tests for a check: `valid` snippets produce no diagnostics; each `invalid` snippet
 * produces exactly the expected ones (same order by position), with their positions.
 */
export function diagnosticCases(title: string, cases: { valid: readonly string[]; invalid: readonly InvalidCase[] }): void {
  cases.valid.forEach((source, i) => {
    test(`${title}: valid #${i + 1}`, (t) => {
      const got = actualDiagnostics(source);
      t.deepEqual(got.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`), [], source);
    });
  });
  for (const c of cases.invalid) {
    test(`${title}: ${c.name}`, (t) => {
      const keep = new Set(c.diagnostics.map((d) => d.code));
      const got = actualDiagnostics(c.source, keep)
        .sort((a, b) => a.span.start.offset - b.span.start.offset || (a.code < b.code ? -1 : 1))
        .map((d, i) => {
          const want = c.diagnostics[i];
          const o: Record<string, unknown> = { code: d.code, line: d.span.start.line, column: d.span.start.column };
          if (want?.endLine !== undefined) o.endLine = d.span.end.line;
          if (want?.endColumn !== undefined) o.endColumn = d.span.end.column;
          if (want?.message !== undefined) o.message = d.message.includes(want.message) ? want.message : d.message;
          if (want?.hint !== undefined) o.hint = d.hint;
          return o;
        });
      t.deepEqual(got, c.diagnostics.map((d) => ({ ...d })), c.source);
    });
  }
}

/** Wraps conditions and actions into a minimal rule set for table rows. */
export function ruleSource(when: string | undefined, then: string, declarations = ""): string {
  // Line 4 holds the condition (or a comment), line 5 the actions, whatever the declarations are (one line).
  return `${declarations}\nchain deliver {\n  rule r {\n    ${when !== undefined ? `when ${when}` : "# no condition"}\n    then ${then}\n  }\n}\n`;
}
