import type { Position, Span } from "../diag/span.js";

/**
 * The lines mod_firewall's parser loops over, and positions in them. mod_firewall trims every
 * physical line and joins a line ending in `\` with the next one before it looks at the text, so
 * a logical line's characters can come from several physical lines: each piece remembers where
 * it started, and every span the reader reports is computed back to the file from here.
 */

/** A logical line: the trimmed (and joined) text and where each of its characters came from. */
export interface LogicalLine {
  readonly text: string;
  /** The physical line number mod_firewall reports: the last one of a joined group. */
  readonly line: number;
  readonly pieces: readonly { readonly at: number; readonly start: Position }[];
  /** Spaces or tabs at the end of the physical line, which mod_firewall trims away. */
  readonly trailingSpace?: boolean;
}

/** The file position of the character `index` characters into a logical line. */
export function positionIn(l: LogicalLine, index: number): Position {
  let piece = l.pieces[0]!;
  for (const p of l.pieces) if (p.at <= index) piece = p;
  const delta = index - piece.at;
  return { offset: piece.start.offset + delta, line: piece.start.line, column: piece.start.column + delta };
}

/** A span `length` characters long, `from` characters into a single-line span. */
export function subSpan(span: Span, from: number, length: number): Span {
  const s = Math.max(0, Math.min(from, span.end.offset - span.start.offset));
  const e = Math.max(s, Math.min(from + length, span.end.offset - span.start.offset));
  const start = { offset: span.start.offset + s, line: span.start.line, column: span.start.column + s };
  const end = { offset: span.start.offset + e, line: span.start.line, column: span.start.column + e };
  return span.start.line === span.end.line ? { file: span.file, start, end } : span;
}
