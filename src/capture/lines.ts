import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

/** One line of a capture, as bytes (decoding is the reader's business: invalid UTF-8 is a bad record). */
export interface RawLine {
  readonly line: number;
  readonly bytes: Buffer;
}

/** Whether a file is gzip-compressed (by its magic number, whatever its name). */
export async function isGzip(path: string): Promise<boolean> {
  for await (const chunk of createReadStream(path, { start: 0, end: 1 })) return (chunk as Buffer)[0] === 0x1f && (chunk as Buffer)[1] === 0x8b;
  return false;
}

/** The bytes of a file, gunzipped when needed, as a stream of chunks. */
export async function* fileChunks(path: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const raw = createReadStream(path, { highWaterMark: 1 << 16 });
  if (onBytes) raw.on("data", (c) => onBytes((c as Buffer).length));
  const stream = (await isGzip(path)) ? raw.pipe(createGunzip()) : raw;
  for await (const chunk of stream) yield chunk as Buffer;
}

/** Splits a byte stream into lines (without the newline), in constant memory per line. */
export async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let n = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, i));
      yield { line: ++n, bytes: pending.length === 1 ? pending[0]! : Buffer.concat(pending) };
      pending = [];
      start = i + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield { line: ++n, bytes: Buffer.concat(pending) };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a line; undefined when it is not valid UTF-8. */
export function decodeLine(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes).replace(/\r$/, "");
  } catch {
    return undefined;
  }
}
