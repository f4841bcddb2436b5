import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * One line of a capture. `text` is undefined when the line is not valid UTF-8 or longer than the
 * splitter's limit (`oversize`): both are bad records for the reader to report. A `partial` line
 * is a piece of a very long line, more of which follows (only when the splitter cuts long lines).
 */
export interface Line {
  readonly line: number;
  readonly text: string | undefined;
  /** Its length in bytes (before decoding). */
  readonly bytes: number;
  readonly oversize?: true;
  /**
   * For a line without text (oversize or not UTF-8): its first byte. A log record's continuation
   * lines start with TAB: whether the bad line belongs to the record before it or is a line of its own.
   */
  readonly first?: number;
  readonly partial?: true;
}

/** Whether a file is gzip-compressed (by its magic number, whatever its name). */
export async function isGzip(path: string): Promise<boolean> {
  for await (const chunk of createReadStream(path, { start: 0, end: 1 })) return (chunk as Buffer)[0] === 0x1f && (chunk as Buffer)[1] === 0x8b;
  return false;
}

/**
 * The bytes of a stream (standard input), gunzipped when they start with gzip's magic number. The
 * first bytes are held back until there are two of them (a pipe may hand over one at a time).
 */
export async function* streamChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await it.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = done ? undefined : await it.next(); next && !next.done; next = await it.next()) yield Buffer.from(next.value);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) yield* chunksUntilError(Readable.from(all()).pipe(createGunzip({ chunkSize: 1 << 16 })));
  else yield* all();
}

/**
 * Every chunk a stream gave before it failed, then its error. A stream's own async iterator
 * rejects at the error and drops what the stream still holds: the text gunzip gave before damaged
 * data would then depend on how far the reader lags behind (on a loaded machine, a chunk or more
 * short of it). The stream is destroyed when the reader stops early.
 */
export async function* chunksUntilError(stream: Readable, also?: Readable): AsyncGenerator<Buffer> {
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on("readable", notify);
  stream.on("end", () => {
    ended = true;
    notify();
  });
  stream.on("error", (e: Error) => {
    failure ??= e;
    notify();
  });
  // An error of the file under the gunzip stream does not reach the gunzip stream.
  also?.on("error", (e: Error) => {
    failure ??= e;
    notify();
  });
  try {
    for (;;) {
      for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) yield chunk;
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.destroy();
    also?.destroy();
  }
}

/**
 * Whether a reading error is gunzip's own: the compressed data ends early (a half-written rotated
 * log: Z_BUF_ERROR) or is not deflate data (Z_DATA_ERROR). The text before it is sound.
 */
export function isGzipDamage(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR";
}

/** The bytes of a file, gunzipped when needed, as a stream of large chunks. */
export async function* fileChunks(path: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const gzip = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 16 });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 16 })) : raw;
  // Progress counts the file's bytes (compressed ones for .gz) from the stream's own counter: a
  // 'data' listener would set the stream flowing and lose what it emits before iteration starts.
  let counted = 0;
  for await (const chunk of chunksUntilError(stream, gzip ? raw : undefined)) {
    if (onBytes && raw.bytesRead > counted) {
      onBytes(raw.bytesRead - counted);
      counted = raw.bytesRead;
    }
    yield chunk;
  }
}

/**
 * Splits chunks of bytes into lines, synchronously, a chunk at a time. Each line is decoded on its
 * own (one flat string per line: slices of a whole decoded chunk would keep the chunk alive for
 * as long as any slice of it is kept, e.g. as a rate limiter's key). Memory is bounded: a line
 * longer than `maxLineBytes` is either dropped and reported (records) or, with `cutLongLines`
 * (XML, where a whole stream may be one line), handed on in pieces.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carried = 0;
  private oversize = false;
  /** Bytes of an oversize line seen so far, and its first byte. */
  private dropped = 0;
  private firstByte = 0;
  private n = 0;

  constructor(
    private readonly maxLineBytes: number,
    /** May be changed between chunks (once a capture's format is known). */
    public cutLongLines = false,
  ) {}

  /** Appends the lines this chunk completes to `out`. */
  push(chunk: Buffer, out: Line[]): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && (this.carried > 0 || this.oversize)) {
      this.keep(chunk.subarray(0, nl), out);
      out.push(this.carriedLine());
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (nl >= 0) {
      const valid = isUtf8(chunk.subarray(start, chunk.lastIndexOf(10)));
      for (; nl >= 0; start = nl + 1, nl = chunk.indexOf(10, start)) {
        this.n++;
        if (nl - start > this.maxLineBytes) {
          if (this.cutLongLines) {
            this.n--;
            this.keep(chunk.subarray(start, nl), out);
            out.push(this.carriedLine());
          } else out.push({ line: this.n, text: undefined, bytes: nl - start, oversize: true, first: chunk[start]! });
        } else if (valid || isUtf8(chunk.subarray(start, nl))) out.push({ line: this.n, text: decode(chunk, start, nl), bytes: nl - start });
        else out.push({ line: this.n, text: undefined, bytes: nl - start, first: chunk[start]! });
      }
    }
    if (start < chunk.length) this.keep(chunk.subarray(start), out);
  }

  /** The last line, when the input does not end with a newline. */
  end(out: Line[]): void {
    if (this.carried > 0 || this.oversize) out.push(this.carriedLine());
  }

  /**
   * The input breaks off (damaged compressed data): the unfinished line, whose end is lost, is
   * dropped. Returns its number: the line where reading stopped.
   */
  breakOff(): number {
    this.carry = [];
    this.carried = 0;
    this.oversize = false;
    this.dropped = 0;
    return this.n + 1;
  }

  private keep(part: Buffer, out: Line[]): void {
    if (this.oversize) {
      this.dropped += part.length;
      return;
    }
    this.carry.push(part);
    this.carried += part.length;
    if (this.carried <= this.maxLineBytes) return;
    if (!this.cutLongLines) {
      this.oversize = true;
      this.dropped = this.carried;
      this.firstByte = this.carry[0]![0] ?? 0;
      this.carry = [];
      this.carried = 0;
      return;
    }
    // Hand on what is there, up to the last whole UTF-8 character; keep the rest.
    const bytes = Buffer.concat(this.carry);
    let cut = bytes.length - 1;
    while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
    const head = bytes.subarray(0, cut);
    out.push(isUtf8(head) ? { line: this.n + 1, text: head.toString("utf8"), bytes: head.length, partial: true } : { line: this.n + 1, text: undefined, bytes: head.length, partial: true, first: head[0] ?? 0 });
    this.carry = [bytes.subarray(cut)];
    this.carried = bytes.length - cut;
  }

  private carriedLine(): Line {
    this.n++;
    const bytes = Buffer.concat(this.carry);
    const line: Line = this.oversize ? { line: this.n, text: undefined, bytes: this.dropped, oversize: true, first: this.firstByte } : isUtf8(bytes) ? { line: this.n, text: decode(bytes, 0, bytes.length), bytes: bytes.length } : { line: this.n, text: undefined, bytes: bytes.length, first: bytes[0] ?? 0 };
    this.dropped = 0;
    this.carry = [];
    this.carried = 0;
    this.oversize = false;
    return line;
  }
}

/** A line's text without its newline (and the CR of a CRLF line end). */
function decode(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end > start && bytes[end - 1] === 13 ? end - 1 : end);
}
