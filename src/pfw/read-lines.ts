import type { Position, Span } from "../diag/span.js";
import { trimLua } from "./lua-text.js";
import type { ReadContext } from "./read-context.js";

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

/** Splits the text into logical lines the way mod_firewall's loop does (trim, then `\` continuation). */
export function logicalLines(cx: ReadContext, text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split("\n");
  if (physical[physical.length - 1] === "") physical.pop();
  let offset = 0;
  let hold: { text: string; pieces: { at: number; start: Position }[]; comment: boolean; lastEnd: Position } | undefined;
  physical.forEach((raw, i) => {
    const lineNo = i + 1;
    const lead = /^[ \t\n\v\f\r]*/.exec(raw)![0].length;
    const trimmed = trimLua(raw);
    const start: Position = { offset: offset + lead, line: lineNo, column: lead + 1 };
    const end: Position = { offset: start.offset + trimmed.length, line: lineNo, column: start.column + trimmed.length };
    offset += raw.length + 1;
    if (hold && !trimmed.endsWith("\\")) {
      const joined: LogicalLine = { text: hold.text + trimmed, line: lineNo, pieces: [...hold.pieces, { at: hold.text.length, start }], ...(/[ \t\v\f]\r?$/.test(raw) ? { trailingSpace: true } : {}) };
      joinWarning(cx, hold, joined, end);
      hold = undefined;
      out.push(joined);
      return;
    }
    if (trimmed.endsWith("\\")) {
      const pieces = [...(hold?.pieces ?? []), { at: hold?.text.length ?? 0, start }];
      const textSoFar = (hold?.text ?? "") + trimmed.slice(0, -1);
      hold = { text: textSoFar, pieces, comment: /^[#;]/.test(textSoFar), lastEnd: end };
      return;
    }
    out.push({ text: trimmed, line: lineNo, pieces: [{ at: 0, start }], ...(/[ \t\v\f]\r?$/.test(raw) ? { trailingSpace: true } : {}) });
  });
  if (hold) {
    const first = hold.pieces[0]!.start;
    cx.report("SFW518", { file: cx.file, start: first, end: hold.lastEnd }, {}, { hint: "remove the trailing backslash" });
  }
  return out;
}

/** SFW511: a `\` joined two lines; says what the joined line now reads, or what it swallowed. */
function joinWarning(cx: ReadContext, hold: { text: string; pieces: { at: number; start: Position }[]; comment: boolean }, joined: LogicalLine, end: Position): void {
  const span: Span = { file: cx.file, start: hold.pieces[0]!.start, end };
  const lastPiece = joined.pieces[joined.pieces.length - 1]!;
  const nextLine = joined.text.slice(lastPiece.at);
  let what: string;
  if (hold.comment) what = nextLine === "" ? ", inside a comment" : `, inside a comment: line ${lastPiece.start.line} ('${nextLine}') is commented out too`;
  else if (/^[#;]/.test(nextLine)) what = `: the comment on line ${lastPiece.start.line} becomes part of this line`;
  else what = ` (the joined line reads '${joined.text.length > 80 ? `${joined.text.slice(0, 77)}...` : joined.text}')`;
  cx.report("SFW511", span, { what }, { hint: hold.comment ? "comments cannot be continued: remove the backslash" : "write the line in one piece, or remove the backslash if it is meant literally" });
}
