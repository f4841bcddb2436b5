import { noDefaults, RecordParser, type TrafficItem } from "../sim/traffic.js";
import type { CaptureDecoder } from "./decoder.js";
import type { Line } from "./lines.js";

/**
 * JSON lines, one event per line, for tools that export traffic:
 *   {"time": "2026-11-25T10:00:00Z", "direction": "in" | "out" | "local", "chain": "deliver", "session": "c2s:alice@example.org/phone", "xml": "<message …/>"}
 * `xml` is required; `chain` overrides routing; `direction` maps to a chain when `chain` is absent
 * (in → deliver, out → deliver_remote, local → preroute).
 */
const directions: Readonly<Record<string, string>> = { in: "deliver", out: "deliver_remote", local: "preroute" };

export class JsonLinesDecoder implements CaptureDecoder {
  private readonly parser: RecordParser;

  constructor(
    private readonly file: string,
    private readonly maxRecordBytes: number,
  ) {
    this.parser = new RecordParser(file, maxRecordBytes);
  }

  /** A line handed on in pieces (before the format was known) is skipped whole. */
  private cutLine = 0;

  line(raw: Line, out: TrafficItem[]): void {
    if (raw.line === this.cutLine) return;
    if (raw.partial) {
      this.cutLine = raw.line;
      raw = { ...raw, text: undefined, oversize: true };
    }
    const problem = (message: string): void => {
      out.push({ kind: "problem", file: this.file, line: raw.line, column: 1, message });
    };
    if (raw.oversize || raw.bytes > this.maxRecordBytes) return problem(`record larger than ${this.maxRecordBytes} bytes skipped`);
    const text = raw.text;
    if (text === undefined) return problem("invalid UTF-8: record skipped");
    if (text.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      return problem(`not JSON: ${(e as Error).message}`);
    }
    const r = record as Record<string, unknown>;
    if (typeof r !== "object" || r === null || typeof r.xml !== "string") return problem('a record needs an "xml" string');
    const item = this.parser.parse(r.xml);
    if (!item || item.kind === "problem") return problem(`malformed stanza: ${item?.message ?? "not one stanza"}`);
    if (r.chain === undefined && r.direction !== undefined && (typeof r.direction !== "string" || !Object.hasOwn(directions, r.direction))) {
      return problem(`unknown direction ${JSON.stringify(r.direction)}: "in" (the deliver chain), "out" (deliver_remote) or "local" (preroute); without one the stanza is routed`);
    }
    const chain = typeof r.chain === "string" ? r.chain : typeof r.direction === "string" ? directions[r.direction] : undefined;
    const origin = typeof r.session === "string" ? r.session : typeof r.origin === "string" ? r.origin : undefined;
    const annotations = { ...(typeof r.time === "string" ? { time: r.time } : {}), ...(chain ? { chain } : {}), ...(origin ? { origin } : {}) };
    out.push({ kind: "stanza", file: this.file, line: raw.line, column: 1, stanza: item.stanza, streamNamespace: item.streamNamespace, annotations, defaults: noDefaults });
  }

  end(): void {}
}
