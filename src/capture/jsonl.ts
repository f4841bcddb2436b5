import { RecordParser, type TrafficItem } from "../sim/traffic.js";
import { decodeLine, type RawLine } from "./lines.js";

/**
 * JSON lines, one event per line, for tools that export traffic:
 *   {"time": "2026-11-25T10:00:00Z", "direction": "in" | "out" | "local", "chain": "deliver", "session": "c2s:alice@example.org/phone", "xml": "<message …/>"}
 * `xml` is required; `chain` overrides routing; `direction` maps to a chain when `chain` is absent
 * (in → deliver, out → deliver_remote, local → preroute).
 */
const directions: Readonly<Record<string, string>> = { in: "deliver", out: "deliver_remote", local: "preroute" };

export async function* readJsonLines(input: AsyncIterable<RawLine>, file: string, maxRecordBytes: number): AsyncGenerator<TrafficItem> {
  const parser = new RecordParser(file);
  for await (const raw of input) {
    const problem = (message: string): TrafficItem => ({ kind: "problem", file, line: raw.line, column: 1, message });
    if (raw.bytes.length > maxRecordBytes) {
      yield problem(`record larger than ${maxRecordBytes} bytes skipped`);
      continue;
    }
    const text = decodeLine(raw.bytes);
    if (text === undefined) {
      yield problem("invalid UTF-8: record skipped");
      continue;
    }
    if (text.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      yield problem(`not JSON: ${(e as Error).message}`);
      continue;
    }
    const r = record as Record<string, unknown>;
    if (typeof r !== "object" || r === null || typeof r.xml !== "string") {
      yield problem("a record needs an \"xml\" string");
      continue;
    }
    const item = parser.parse(r.xml);
    if (!item || item.kind === "problem") {
      yield problem(`malformed stanza skipped: ${item?.message ?? "not one stanza"}`);
      continue;
    }
    const chain = typeof r.chain === "string" ? r.chain : typeof r.direction === "string" ? directions[r.direction] : undefined;
    const origin = typeof r.session === "string" ? r.session : typeof r.origin === "string" ? r.origin : undefined;
    yield { ...item, line: raw.line, column: 1, annotations: { ...(typeof r.time === "string" ? { time: r.time } : {}), ...(chain ? { chain } : {}), ...(origin ? { origin } : {}) }, defaults: {} };
  }
}
