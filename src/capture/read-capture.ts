import { TrafficReader, type TrafficItem } from "../sim/traffic.js";
import type { CaptureDecoder } from "./decoder.js";
import { JsonLinesDecoder } from "./jsonl.js";
import { fileChunks, isGzipDamage, LineSplitter, streamChunks, type Line } from "./lines.js";
import { looksLikeProsodyLog, ProsodyLogDecoder, type LogReaderOptions, type LogSessions } from "./prosody-log.js";

export type CaptureFormat = "xml" | "jsonl" | "prosody-log";

export interface CaptureOptions {
  /** Overrides detection. */
  readonly format?: CaptureFormat;
  readonly maxRecordBytes?: number;
  /** For Prosody logs (their timestamps have no year). */
  readonly year?: number;
  readonly onSend?: LogReaderOptions["onSend"];
  /** Prosody logs: the roster results and pushes the server sends (for inferring the world). */
  readonly onRoster?: LogReaderOptions["onRoster"];
  /** Prosody logs: client sessions shared with the run's other files (a rotated log goes on in the next one). */
  readonly sessions?: LogSessions;
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

/**
 * Reads a capture file (plain or gzip) in any supported format, streaming, in batches: one per
 * chunk of the file, everything after the read synchronous.
 */
export function readCaptureBatches(path: string, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem[]> {
  return readCaptureChunks(fileChunks(path, options.onBytes), file, options);
}

/** The same from a stream of bytes (standard input), gzip-compressed or not. */
export function readCaptureStream(source: AsyncIterable<Uint8Array>, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem[]> {
  return readCaptureChunks(streamChunks(source), file, options);
}

async function* readCaptureChunks(chunks: AsyncIterable<Buffer>, file: string, options: CaptureOptions): AsyncGenerator<TrafficItem[]> {
  const max = options.maxRecordBytes ?? 1 << 20;
  // XML may be a whole stream on one line: there, long lines are handed on in pieces, not refused.
  const splitter = new LineSplitter(max, options.format === undefined || options.format === "xml");
  let decoder: CaptureDecoder | undefined;
  let head: Line[] = [];
  const decode = (lines: readonly Line[]): TrafficItem[] => {
    const out: TrafficItem[] = [];
    for (const line of lines) decoder!.line(line, out);
    return out;
  };
  let damaged = false;
  let textBytes = 0;
  for await (const chunk of untilGzipDamage(chunks, () => (damaged = true))) {
    textBytes += chunk.length;
    const lines: Line[] = [];
    splitter.push(chunk, lines);
    if (!decoder) {
      // The format is decided by the first non-empty line.
      head.push(...lines);
      const first = options.format ? "" : head.find((l) => l.text !== undefined && l.text.trim() !== "")?.text;
      if (first === undefined && !options.format) continue;
      const format = options.format ?? detectFormat(first!);
      decoder = makeDecoder(format, file, max, options);
      splitter.cutLongLines = format === "xml";
      lines.splice(0, lines.length, ...head);
      head = [];
    }
    const out = decode(lines);
    if (out.length > 0) yield out;
  }
  const rest: Line[] = [...head];
  const stoppedAt = damaged ? splitter.breakOff() : undefined;
  splitter.end(rest);
  decoder ??= makeDecoder(options.format ?? detectFormat(rest.find((l) => l.text !== undefined && l.text.trim() !== "")?.text ?? ""), file, max, options);
  const out = decode(rest);
  decoder.end(out, stoppedAt !== undefined);
  if (stoppedAt !== undefined) out.push(gzipDamage(file, stoppedAt, textBytes));
  if (out.length > 0) yield out;
}

/**
 * The chunks up to damage in gzip data, which ends them as the end of the file would (and is
 * told to `onDamage`): what came before it is read as usual, and any other error is thrown.
 */
async function* untilGzipDamage(chunks: AsyncIterable<Buffer>, onDamage: () => void): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (e) {
    if (!isGzipDamage(e)) throw e;
    onDamage();
  }
}

/** Damaged gzip data, a bad record like others: the end of the file is lost, not the run. */
function gzipDamage(file: string, line: number, textBytes: number): TrafficItem {
  return { kind: "problem", file, line, column: 1, message: `the gzip data is truncated or corrupt after ${textBytes} bytes of text: the rest of the file, from this line on, is unreadable` };
}

/** The same, item by item (for callers to whom a few microseconds per item do not matter). */
export async function* readCapture(path: string, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem> {
  for await (const batch of readCaptureBatches(path, file, options)) yield* batch;
}

function makeDecoder(format: CaptureFormat, file: string, max: number, options: CaptureOptions): CaptureDecoder {
  if (format === "jsonl") return new JsonLinesDecoder(file, max);
  if (format === "prosody-log") return new ProsodyLogDecoder(file, { year: options.year ?? new Date().getUTCFullYear(), maxRecordBytes: max, ...(options.onSend ? { onSend: options.onSend } : {}), ...(options.onRoster ? { onRoster: options.onRoster } : {}), ...(options.sessions ? { sessions: options.sessions } : {}) });
  return new XmlDecoder(file, max);
}

/** XML captures: fed to the streaming reader line by line, so that invalid UTF-8 is reported where it is. */
class XmlDecoder implements CaptureDecoder {
  private readonly reader: TrafficReader;

  constructor(
    private readonly file: string,
    max: number,
  ) {
    this.reader = new TrafficReader(file, max);
  }

  line(line: Line, out: TrafficItem[]): void {
    if (line.text === undefined) {
      out.push({ kind: "problem", file: this.file, line: line.line, column: 1, message: "invalid UTF-8: line skipped" });
      if (!line.partial) out.push(...this.reader.write("\n"));
      return;
    }
    out.push(...(line.partial ? this.reader.write(line.text) : this.reader.writeLine(line.text)));
  }

  end(out: TrafficItem[], brokenOff: boolean): void {
    out.push(...this.reader.end(brokenOff));
  }
}
