/** A point in a source text. Lines and columns are 1-based, offsets 0-based (UTF-16 code units). */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** A range of source text; `end` is exclusive. Every AST node, model element and diagnostic carries one. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}

/**
 * A span in one object, its positions made when they are read: the parser makes one for nearly
 * every token of a file (200,000 for a 10,000-rule file), and three objects each were most of the
 * AST's objects and of the compiler's time in the garbage collector.
 */
export class CompactSpan implements Span {
  constructor(
    readonly file: string,
    private readonly startOffset: number,
    private readonly startLine: number,
    private readonly startColumn: number,
    private readonly endOffset: number,
    private readonly endLine: number,
    private readonly endColumn: number,
  ) {}

  get start(): Position {
    return { offset: this.startOffset, line: this.startLine, column: this.startColumn };
  }

  get end(): Position {
    return { offset: this.endOffset, line: this.endLine, column: this.endColumn };
  }
}

/** A zero-width span at the start of a file, for diagnostics about a file as a whole. */
export function fileSpan(file: string): Span {
  const p = { offset: 0, line: 1, column: 1 };
  return { file, start: p, end: p };
}

/** The smallest span covering both `a` and `b` (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  const start = a.start.offset <= b.start.offset ? a.start : b.start;
  const end = a.end.offset >= b.end.offset ? a.end : b.end;
  return { file: a.file, start, end };
}

/** Position of `offset` in `text`, computed by scanning; fine for diagnostics, not for hot paths. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const stop = Math.min(offset, text.length);
  for (let i = 0; i < stop; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** A span for `length` characters starting at a 1-based line and column of a line whose start offset is known. */
export function lineSpan(file: string, line: number, lineStartOffset: number, column: number, length: number): Span {
  const start = { offset: lineStartOffset + column - 1, line, column };
  const end = { offset: start.offset + length, line, column: column + length };
  return { file, start, end };
}
