import { TrafficReader, type TrafficItem } from "../sim/traffic.js";
import { readJsonLines } from "./jsonl.js";
import { decodeLine, fileChunks, lines, type RawLine } from "./lines.js";
import { looksLikeProsodyLog, readProsodyLog, type LogReaderOptions } from "./prosody-log.js";

export type CaptureFormat = "xml" | "jsonl" | "prosody-log";

export interface CaptureOptions {
  /** Overrides detection. */
  readonly format?: CaptureFormat;
  readonly maxRecordBytes?: number;
  /** For Prosody logs (their timestamps have no year). */
  readonly year?: number;
  readonly onSend?: LogReaderOptions["onSend"];
  /** Progress: bytes read from disk (compressed size for .gz). */
  readonly onBytes?: (n: number) => void;
}

/** Which format a capture is in, from its first non-empty line. */
export function detectFormat(firstLine: string): CaptureFormat {
  const t = firstLine.replace(/^\uFEFF/, "").trimStart();
  if (t.startsWith("{")) return "jsonl";
  if (looksLikeProsodyLog(t)) return "prosody-log";
  return "xml";
}

/** Reads a capture file (plain or gzip) in any supported format, streaming. */
export async function* readCapture(path: string, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem> {
  const max = options.maxRecordBytes ?? 1 << 20;
  const input = lines(fileChunks(path, options.onBytes))[Symbol.asyncIterator]();
  // Peek at the first non-empty line to detect the format, then replay it (without closing the
  // iterator, which `break` in a for-await would do).
  const head: RawLine[] = [];
  let format = options.format;
  if (!format) {
    for (;;) {
      const next = await input.next();
      if (next.done) break;
      head.push(next.value);
      const text = decodeLine(next.value.bytes);
      if (text !== undefined && text.trim() !== "") break;
    }
    const first = head.map((l) => decodeLine(l.bytes) ?? "").find((t) => t.trim() !== "") ?? "";
    format = detectFormat(first);
  }
  async function* all(): AsyncGenerator<RawLine> {
    yield* head;
    for (;;) {
      const next = await input.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (format === "jsonl") yield* readJsonLines(all(), file, max);
  else if (format === "prosody-log") yield* readProsodyLog(all(), file, { year: options.year ?? new Date().getUTCFullYear(), maxRecordBytes: max, ...(options.onSend ? { onSend: options.onSend } : {}) });
  else yield* readXmlLines(all(), file, max);
}

/** XML captures, fed line by line so that invalid UTF-8 is reported where it is. */
async function* readXmlLines(input: AsyncIterable<RawLine>, file: string, max: number): AsyncGenerator<TrafficItem> {
  const reader = new TrafficReader(file, max);
  for await (const raw of input) {
    const text = decodeLine(raw.bytes);
    if (text === undefined) {
      yield { kind: "problem", file, line: raw.line, column: 1, message: "invalid UTF-8: line skipped" };
      yield* reader.write("\n");
      continue;
    }
    yield* reader.write(`${text}\n`);
  }
  yield* reader.end();
}
