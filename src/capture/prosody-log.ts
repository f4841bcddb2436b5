import { noDefaults, RecordParser, type EventAnnotations, type TrafficItem } from "../sim/traffic.js";
import type { CaptureDecoder } from "./decoder.js";
import type { Line } from "./lines.js";

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

/** The grammar of a record's first line, which {@link recordLine} reads without a regular expression (tested against this). */
export const recordStart = /^([A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d) (\S+)\t(\w+)\t(RECV|SEND): ([\s\S]*)$/;
const disconnectLine = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d (\S+)\tinfo\tClient disconnected/;
const anyLogLine = /^[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+\t\w+\t/;
const stanzaStart = /^<(message|presence|iq)[\s/>]/;
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function looksLikeProsodyLog(firstLine: string): boolean {
  return anyLogLine.test(firstLine);
}

export interface LogReaderOptions {
  /** The year of the log's timestamps (they have none). */
  readonly year: number;
  readonly maxRecordBytes: number;
  /** Called for each SEND of a message/presence/iq. */
  readonly onSend?: (o: SendLine) => void;
}

/** What a SEND line of the log showed (for comparing the server's actions with the simulation). */
export interface SendLine {
  readonly session: string;
  readonly id: string | undefined;
  readonly to: string | undefined;
  readonly from: string | undefined;
  readonly type: string | undefined;
  readonly line: number;
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
export class ProsodyLogDecoder implements CaptureDecoder {
  private readonly bound = new Map<string, string>();
  /** Client sessions that bound a resource and have not sent a stanza since. */
  private readonly fresh = new Set<string>();
  private readonly parser: RecordParser;
  private pending: Pending | undefined;
  private tooLarge = false;
  private lastStamp = "";
  private lastIso: string | undefined;

  constructor(
    private readonly file: string,
    private readonly options: LogReaderOptions,
  ) {
    this.parser = new RecordParser(file, options.maxRecordBytes);
  }

  /** A line handed on in pieces (before the format was known) is skipped whole. */
  private cutLine = 0;

  line(raw: Line, out: TrafficItem[]): void {
    if (raw.line === this.cutLine) return;
    if (raw.partial) {
      this.cutLine = raw.line;
      raw = { ...raw, text: undefined, oversize: true, first: raw.text?.charCodeAt(0) ?? 0 };
    }
    const text = raw.text;
    if (raw.oversize) {
      // A continuation makes its record too large; any other line ends the record before it.
      if (this.pending && raw.first === 9) {
        this.tooLarge = true;
        return;
      }
      if (this.pending) this.flush(out);
      out.push({ kind: "problem", file: this.file, line: raw.line, column: 1, message: `record larger than ${this.options.maxRecordBytes} bytes skipped` });
      return;
    }
    if (text === undefined) {
      const at = this.pending?.line ?? raw.line;
      const what = this.pending ? "invalid UTF-8 in the record: skipped" : "invalid UTF-8: line skipped";
      this.pending = undefined;
      this.tooLarge = false;
      out.push({ kind: "problem", file: this.file, line: at, column: 1, message: what });
      return;
    }
    const pending = this.pending;
    if (pending && text.charCodeAt(0) === 9) {
      pending.bytes += raw.bytes + 1;
      if (pending.bytes > this.options.maxRecordBytes) this.tooLarge = true;
      else pending.text += `\n${text.slice(1)}`;
      return;
    }
    if (pending) this.flush(out);
    const m = recordLine(text);
    if (!m) {
      if (this.bound.size > 0 && text.includes("\tinfo\tClient disconnected")) this.disconnected(text);
      return;
    }
    this.sawRecord = true;
    this.pending = { line: raw.line, time: m.time, session: m.session, direction: m.direction, text: m.text, bytes: raw.bytes };
    if (this.pending.bytes > this.options.maxRecordBytes) this.tooLarge = true;
  }

  /**
   * A client's session ends: its JID is forgotten, so that the table stays as small as the number
   * of clients connected at once, and a later session given the same id (Prosody derives ids from
   * memory addresses) is not taken for this client before it binds a resource.
   */
  private disconnected(text: string): void {
    const m = disconnectLine.exec(text);
    if (m) {
      this.bound.delete(m[1]!);
      this.fresh.delete(m[1]!);
    }
  }

  /** How many client sessions have a bound JID now. */
  get boundSessions(): number {
    return this.bound.size;
  }

  end(out: TrafficItem[], brokenOff: boolean): void {
    this.flush(out);
    // A log at the info level, or without mod_stanza_debug, has no stanzas: say so, not just "0 stanzas"
    // (unless the log breaks off: its stanzas may be in the part lost).
    if (!this.sawRecord && !brokenOff) {
      out.push({ kind: "problem", kept: true, file: this.file, line: 1, column: 1, message: "this Prosody log holds no stanzas (no RECV:/SEND: lines): it needs mod_stanza_debug and the debug log level" });
    }
  }

  private sawRecord = false;

  private flush(out: TrafficItem[]): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    const file = this.file;
    if (this.tooLarge) {
      this.tooLarge = false;
      out.push({ kind: "problem", file, line: p.line, column: 1, message: `record larger than ${this.options.maxRecordBytes} bytes skipped` });
      return;
    }
    const text = isSpaceCode(p.text.charCodeAt(0)) || isSpaceCode(p.text.charCodeAt(p.text.length - 1)) ? p.text.trim() : p.text;
    // Only stanzas; stream headers, features and SASL (credentials) are never parsed or repeated.
    if (!stanzaStart.test(text)) return;
    const item = this.parser.parse(text);
    if (!item || item.kind === "problem") {
      out.push({ kind: "problem", file, line: p.line, column: 1, message: `malformed stanza: ${item?.message ?? "not one stanza"}` });
      return;
    }
    const { stanza, streamNamespace } = item;
    if (p.direction === "SEND") {
      const jid = stanza.name === "iq" && stanza.attr.type === "result" ? stanza.getChild("bind", "urn:ietf:params:xml:ns:xmpp-bind")?.getChildText("jid", "urn:ietf:params:xml:ns:xmpp-bind") : undefined;
      if (jid) {
        this.bound.set(p.session, jid);
        this.fresh.add(p.session);
      }
      this.options.onSend?.({ session: p.session, id: stanza.attr.id, to: stanza.attr.to, from: stanza.attr.from, type: stanza.attr.type, line: p.line });
      return;
    }
    const c2s = p.session.startsWith("c2s");
    const jid = this.bound.get(p.session);
    if (c2s && !jid) return; // before resource binding: not routed, not seen by the firewall
    const from = stanza.attr.from;
    const origin = c2s ? `c2s:${jid}` : p.session.startsWith("s2s") && from ? `s2s:${domainOf(from)}` : undefined;
    const time = this.iso(p.time);
    const annotations: { -readonly [K in keyof EventAnnotations]: EventAnnotations[K] } = { session: p.session };
    if (time !== undefined) annotations.time = time;
    if (origin !== undefined) annotations.origin = origin;
    if (c2s && this.fresh.delete(p.session)) annotations.newSession = true;
    out.push({ kind: "stanza", file, line: p.line, column: 1, stanza, streamNamespace, annotations, defaults: noDefaults });
  }

  /** `Nov 25 05:43:30` in the given year, read as UTC (the log's own zone is not recorded). */
  private iso(stamp: string): string | undefined {
    if (stamp !== this.lastStamp) {
      this.lastStamp = stamp;
      this.lastIso = computeIso(stamp, this.options.year);
    }
    return this.lastIso;
  }
}

/** The domain of a JID (what follows `@`, up to `/`). */
function domainOf(jid: string): string {
  const slash = jid.indexOf("/");
  const bare = slash < 0 ? jid : jid.slice(0, slash);
  return bare.slice(bare.lastIndexOf("@") + 1);
}

function isSpaceCode(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function computeIso(stamp: string, year: number): string | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  const month = m ? months.indexOf(m[1]!) : -1;
  if (!m || month < 0) return undefined;
  return new Date(Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))).toISOString();
}

/** A record's first line: `STAMP SESSION\tLEVEL\tRECV: TEXT` (or SEND). */
export interface RecordLine {
  readonly time: string;
  readonly session: string;
  readonly direction: "RECV" | "SEND";
  readonly text: string;
}

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** `\w` */
const isWord = (c: number): boolean => isUpper(c) || isLower(c) || isDigit(c) || c === 0x5f;
/** `\s` as JavaScript reads it, for the characters a log line can hold (TAB, LF, VT, FF, CR, space, NBSP and the Unicode spaces). */
const isJsSpace = (c: number): boolean => (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/**
 * {@link recordStart} read by hand: it is asked of every line of a log that may hold millions of
 * them, and the regular expression (with the copy of the rest of the line it captures) cost more
 * than parsing the stanza after it.
 */
export function recordLine(line: string): RecordLine | undefined {
  const n = line.length;
  // Month: [A-Z][a-z]{2}, then one or more spaces, 1–2 digits, a space, HH:MM:SS.
  if (n < 15 || !isUpper(line.charCodeAt(0)) || !isLower(line.charCodeAt(1)) || !isLower(line.charCodeAt(2))) return undefined;
  let i = 3;
  if (line.charCodeAt(i) !== 0x20) return undefined;
  while (line.charCodeAt(i) === 0x20) i++;
  const dayStart = i;
  while (i < n && isDigit(line.charCodeAt(i))) i++;
  if (i - dayStart < 1 || i - dayStart > 2 || line.charCodeAt(i) !== 0x20) return undefined;
  i++;
  for (let k = 0; k < 8; k++) {
    const c = line.charCodeAt(i + k);
    if (k === 2 || k === 5 ? c !== 0x3a : !isDigit(c)) return undefined;
  }
  i += 8;
  const stampEnd = i;
  if (line.charCodeAt(i) !== 0x20) return undefined;
  i++;
  // Session: \S+ up to the first TAB (a TAB is \s, so the session cannot hold one).
  const sessionStart = i;
  while (i < n && !isJsSpace(line.charCodeAt(i))) i++;
  if (i === sessionStart || line.charCodeAt(i) !== 0x09) return undefined;
  const sessionEnd = i;
  i++;
  const levelStart = i;
  while (i < n && isWord(line.charCodeAt(i))) i++;
  if (i === levelStart || line.charCodeAt(i) !== 0x09) return undefined;
  i++;
  const recv = line.startsWith("RECV: ", i);
  if (!recv && !line.startsWith("SEND: ", i)) return undefined;
  return { time: line.slice(0, stampEnd), session: line.slice(sessionStart, sessionEnd), direction: recv ? "RECV" : "SEND", text: line.slice(i + 6) };
}
