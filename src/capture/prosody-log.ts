import { RecordParser, type TrafficItem } from "../sim/traffic.js";
import { decodeLine, type RawLine } from "./lines.js";

/**
 * Prosody logs with stanza traces (mod_stanza_debug at debug level):
 *
 *   Nov 25 05:43:30 c2s5627f279e470\tdebug\tRECV: <message type='chat' to='bob@b.test'><body>hello
 *   \tsecond line</body></message>
 *
 * A record is a RECV or SEND line and its TAB-indented continuation lines. Client stanzas carry no
 * `from`: it comes from the session's resource-binding result. SASL exchanges are recognised and
 * never copied anywhere (they hold credentials).
 */

const recordStart = /^([A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d) (\S+)\t(\w+)\t(RECV|SEND): ([\s\S]*)$/;
const anyLogLine = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+\t\w+\t/;
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function looksLikeProsodyLog(firstLine: string): boolean {
  return anyLogLine.test(firstLine);
}

/** What a SEND line tells about a stanza the server handled: where it went. */
export interface Observation {
  readonly session: string;
  readonly stanza: string;
  readonly id: string | undefined;
}

export interface LogReaderOptions {
  /** The year of the log's timestamps (they have none). */
  readonly year: number;
  readonly maxRecordBytes: number;
  /** Called for each SEND of a message/presence/iq. */
  readonly onSend?: (o: { session: string; id: string | undefined; to: string | undefined; from: string | undefined; type: string | undefined; line: number }) => void;
}

interface Pending {
  readonly line: number;
  readonly time: string;
  readonly session: string;
  readonly direction: "RECV" | "SEND";
  text: string;
  bytes: number;
}

/** Reads a Prosody log's records into traffic items (client and server stanzas received). */
export async function* readProsodyLog(input: AsyncIterable<RawLine>, file: string, options: LogReaderOptions): AsyncGenerator<TrafficItem> {
  const bound = new Map<string, string>();
  const parser = new RecordParser(file);
  let pending: Pending | undefined;
  let tooLarge = false;

  function* flush(): Generator<TrafficItem> {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if (tooLarge) {
      tooLarge = false;
      yield { kind: "problem", file, line: p.line, column: 1, message: `record larger than ${options.maxRecordBytes} bytes skipped` };
      return;
    }
    const text = p.text.trim();
    // Only stanzas; stream headers, features and SASL (credentials) are never parsed or repeated.
    if (!/^<(message|presence|iq)[\s/>]/.test(text)) return;
    const item = parser.parse(text);
    if (!item || item.kind === "problem") {
      yield { kind: "problem", file, line: p.line, column: 1, message: `malformed stanza skipped: ${item?.message ?? "not one stanza"}` };
      return;
    }
    const stanza = item.stanza;
    if (p.direction === "SEND") {
      const jid = stanza.name === "iq" && stanza.attr.type === "result" ? stanza.getChild("bind", "urn:ietf:params:xml:ns:xmpp-bind")?.getChildText("jid", "urn:ietf:params:xml:ns:xmpp-bind") : undefined;
      if (jid) bound.set(p.session, jid);
      options.onSend?.({ session: p.session, id: stanza.attr.id, to: stanza.attr.to, from: stanza.attr.from, type: stanza.attr.type, line: p.line });
      return;
    }
    const time = toIso(p.time, options.year);
    const c2s = p.session.startsWith("c2s");
    const jid = bound.get(p.session);
    if (c2s && !jid) return; // before resource binding: not routed, not seen by the firewall
    const origin = c2s ? `c2s:${jid}` : p.session.startsWith("s2s") && stanza.attr.from ? `s2s:${stanza.attr.from.replace(/^.*@/, "").replace(/\/.*$/, "")}` : undefined;
    yield { ...item, line: p.line, column: 1, annotations: { ...(time ? { time } : {}), ...(origin ? { origin } : {}), session: p.session }, defaults: {} };
  }

  for await (const raw of input) {
    const text = decodeLine(raw.bytes);
    if (text === undefined) {
      if (pending) {
        yield { kind: "problem", file, line: pending.line, column: 1, message: "invalid UTF-8 in the record: skipped" };
        pending = undefined;
      } else yield { kind: "problem", file, line: raw.line, column: 1, message: "invalid UTF-8: line skipped" };
      continue;
    }
    if (text.startsWith("\t") && pending) {
      pending.bytes += raw.bytes.length;
      if (pending.bytes > options.maxRecordBytes) tooLarge = true;
      else pending.text += `\n${text.slice(1)}`;
      continue;
    }
    yield* flush();
    const m = recordStart.exec(text);
    if (!m) continue;
    pending = { line: raw.line, time: m[1]!, session: m[2]!, direction: m[4] as "RECV" | "SEND", text: m[5]!, bytes: raw.bytes.length };
    if (pending.bytes > options.maxRecordBytes) tooLarge = true;
  }
  yield* flush();
}

const isoCache = new Map<string, string | undefined>();

/** `Nov 25 05:43:30` in a given year, read as UTC (the log's own zone is not recorded). */
function toIso(stamp: string, year: number): string | undefined {
  const key = `${year} ${stamp}`;
  if (isoCache.has(key)) return isoCache.get(key);
  if (isoCache.size > 10_000) isoCache.clear();
  const iso = computeIso(stamp, year);
  isoCache.set(key, iso);
  return iso;
}

function computeIso(stamp: string, year: number): string | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  const month = m ? months.indexOf(m[1]!) : -1;
  if (!m || month < 0) return undefined;
  return new Date(Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))).toISOString();
}
