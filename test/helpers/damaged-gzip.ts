import { constants, createGunzip, gzipSync } from "node:zlib";

/** The first `share` of the text gzipped: a half-written file (a rotated log caught mid-write). */
export function truncatedGzip(text: string, share: number): Buffer {
  const all = gzipSync(Buffer.from(text));
  return all.subarray(0, Math.floor(all.length * share));
}

/** Gzip data that holds exactly `text` and stops there, without its end (flushed, not finished). */
export function gzipBrokenOffAfter(text: string | Buffer): Buffer {
  return gzipSync(typeof text === "string" ? Buffer.from(text) : text, { finishFlush: constants.Z_SYNC_FLUSH });
}

/** What gunzip gives of damaged gzip data before it stops (what `zcat` prints before its error). */
export async function gunzippedPrefix(gz: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  const gunzip = createGunzip();
  gunzip.on("data", (b: Buffer) => parts.push(b));
  await new Promise((resolve) => gunzip.on("error", resolve).on("end", resolve).end(gz));
  return Buffer.concat(parts);
}

/** The problem reported where reading damaged gzip data stopped, for the text gunzip gave before it. */
export function damageMessage(text: Buffer): { line: number; message: string } {
  const line = text.subarray(0, text.lastIndexOf(10) + 1).filter((b) => b === 10).length + 1;
  return { line, message: `the gzip data is truncated or corrupt after ${text.length} bytes of text: the rest of the file, from this line on, is unreadable` };
}
