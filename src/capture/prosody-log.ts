import { readStartTag } from "../sim/stanza-fast-path.js";
import { noDefaults, RecordParser, type EventAnnotations, type TrafficItem } from "../sim/traffic.js";
import type { CaptureDecoder } from "./decoder.js";
import type { Line } from "./lines.js";
import { bareJid, XmlElement } from "../sim/xml.js";
import { rosterIq, type RosterIq } from "./roster-iq.js";
import { sentKey, type SentKey } from "./log-check.js";

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

/**
 * The grammar of a record's first line, which {@link recordLine} reads without a regular
 * expression (tested against this). Prosody's file sinks write `[TIMESTAMP ]NAME\tLEVEL\tMESSAGE`
 * (the timestamp any `os.date` format, by default `Nov 25 05:43:30`, or none with
 * `timestamps = false`); the console sink pads NAME with spaces instead of the TAB.
 */
export const recordStart = /^(?:([^\t]*?) )?(\S+)(?:\t| {2,})(\w+)\t(RECV|SEND): ([\s\S]*)$/;
/** Any line of such a log (for recognising one): a Prosody level where the grammar puts it. */
const anyLogLine = /^(?:[^\t<]* )?[^\s<]+(?:\t| {2,})(?:debug|info|warn|error)\t/;
const stanzaStart = /^<(message|presence|iq)[\s/>]/;
const bindNs = "urn:ietf:params:xml:ns:xmpp-bind";
const componentStanza = /\tdebug\tReceived\[component\]: <(?:message|presence|iq)[\s/>]/;
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function looksLikeProsodyLog(firstLine: string): boolean {
  return anyLogLine.test(firstLine);
}

export interface LogReaderOptions {
  /** The year of the log's timestamps (they have none). */
  readonly year: number;
  readonly maxRecordBytes: number;
  /** Client sessions' JIDs, shared by the files of a run (a rotated log goes on in the next file). */
  readonly sessions?: LogSessions;
  /** Called for each SEND of a message/presence/iq that the log check can match with a stanza. */
  readonly onSend?: (k: SentKey) => void;
  /** Called for each roster result or push the server sends a client: `owner` is the client's bare JID. */
  readonly onRoster?: (owner: string, roster: RosterIq) => void;
}

/** What a SEND line of the log showed (for comparing the server's actions with the simulation). */
export interface SendLine {
  readonly session: string;
  /** The stanza's name (message, presence, iq). */
  readonly name: string;
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

/** What a log told of its client sessions, as plain data (to hand it to another thread). */
export interface LogSessionsData {
  readonly bound: readonly (readonly [string, string])[];
  readonly fresh: readonly string[];
  readonly disconnected: readonly (readonly [string, string])[];
}

/**
 * Client sessions and the JIDs they are bound to. Logs are rotated (daily, by logrotate): a
 * session that began in yesterday's file sends in today's, so the files of a run share one table.
 */
export class LogSessions {
  readonly bound = new Map<string, string>();
  /** Client sessions that bound a resource and have not sent a stanza since. */
  readonly fresh = new Set<string>();
  /**
   * Sessions disconnected lately, with their JIDs (a hibernating one may be resumed): two
   * generations of at most 5,000, the older dropped whole, so the table stays small over a day.
   */
  private recent = new Map<string, string>();
  private older = new Map<string, string>();

  disconnected(session: string, jid: string): void {
    this.recent.set(session, jid);
    if (this.recent.size >= 5000) {
      this.older = this.recent;
      this.recent = new Map();
    }
  }

  /** The JID of a session disconnected lately (taken: a session resumes once). */
  wasDisconnected(session: string): string | undefined {
    const jid = this.recent.get(session) ?? this.older.get(session);
    this.recent.delete(session);
    this.older.delete(session);
    return jid;
  }

  static from(data: LogSessionsData | undefined): LogSessions {
    const s = new LogSessions();
    if (data) s.replaceWith(data);
    return s;
  }

  data(): LogSessionsData {
    return { bound: [...this.bound], fresh: [...this.fresh], disconnected: [...this.older, ...this.recent] };
  }

  replaceWith(data: LogSessionsData): void {
    this.bound.clear();
    this.fresh.clear();
    this.recent = new Map();
    this.older = new Map();
    for (const [k, v] of data.bound) this.bound.set(k, v);
    for (const k of data.fresh) this.fresh.add(k);
    for (const [k, v] of data.disconnected) this.disconnected(k, v);
  }
}

/** Reads a Prosody log's records into traffic items (client and server stanzas received). */
export class ProsodyLogDecoder implements CaptureDecoder {
  private readonly sessions: LogSessions;
  private readonly bound: Map<string, string>;
  private readonly fresh: Set<string>;
  /** Client stanzas of sessions whose binding is not in the log: how many, and the first one's line. */
  private unbound = 0;
  private firstUnbound = 0;
  /** Stanzas external components sent (not in the trace), and the first one's line. */
  private fromComponents = 0;
  private firstFromComponent = 0;
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
    this.sessions = options.sessions ?? new LogSessions();
    this.bound = this.sessions.bound;
    this.fresh = this.sessions.fresh;
  }

  /** A line handed on in pieces (before the format was known) is skipped whole. */
  private cutLine = 0;

  line(raw: Line, out: TrafficItem[]): void {
    if (raw.line === this.cutLine) return;
    if (raw.partial) {
      this.cutLine = raw.line;
      raw = { ...raw, text: undefined, oversize: true, first: raw.text?.charCodeAt(0) ?? raw.first ?? 0 };
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
      // A continuation spoils its record; any other line ends the record before it, which stays
      // sound (a log line of binary junk after a stanza must not take the stanza with it).
      if (this.pending && raw.first === 9) {
        const at = this.pending.line;
        this.pending = undefined;
        this.tooLarge = false;
        out.push({ kind: "problem", file: this.file, line: at, column: 1, message: "invalid UTF-8 in the record: skipped" });
        return;
      }
      if (this.pending) this.flush(out);
      out.push({ kind: "problem", file: this.file, line: raw.line, column: 1, message: "invalid UTF-8: line skipped" });
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
      if (this.bound.size > 0 && text.includes("info\tClient disconnected")) this.disconnected(text);
      else if (text.includes("\tUnbinding resource for ")) this.resourceUnbound(text, raw.line, out);
      else if (text.includes("\tmod_smacks session resumed from ")) this.resumed(text);
      // mod_stanza_debug traces client and server sessions only: a component's stanzas show as
      // their start tag in Prosody's own debug line, which is not the stanza.
      else if (text.includes("\tReceived[component]: <") && componentStanza.test(text)) {
        if (this.fromComponents++ === 0) this.firstFromComponent = raw.line;
      }
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
    const session = sessionOf(text, isDisconnection);
    if (session !== undefined) {
      const jid = this.bound.get(session);
      if (jid !== undefined) this.sessions.disconnected(session, jid);
      this.bound.delete(session);
      this.fresh.delete(session);
    }
  }

  /**
   * Prosody unbinds a client's resource (`resource-unbind`: the session ends, and stream
   * management does not keep it for a resumption), and sends the unavailable presence it makes of
   * that through the chains (src/sim/engine.ts, `unbound`). The line names the full JID and the
   * error the session ended with, if any, which the presence's status gives (mod_presence).
   */
  private resourceUnbound(text: string, line: number, out: TrafficItem[]): void {
    const at = findLogLine(text, isUnbinding);
    if (at < 0) return;
    const rest = text.slice(found.levelEnd + 1 + "Unbinding resource for ".length);
    const slash = rest.indexOf("/");
    const close = slash < 0 ? -1 : rest.indexOf(` (${rest.slice(0, slash)})`, slash);
    if (close < 0) return;
    const jid = rest.slice(0, close);
    const suffix = rest.slice(close + slash + 3);
    const error = suffix.startsWith(": ") ? suffix.slice(2) : "";
    const stanza = new XmlElement("presence", { type: "unavailable" }, error === "" ? [] : [new XmlElement("status", {}, [`Disconnected: ${error}`])]);
    const time = this.iso(text.slice(0, at), line, out);
    out.push({ kind: "stanza", file: this.file, line, column: 1, stanza, streamNamespace: "jabber:client", annotations: { ...(time !== undefined ? { time } : {}), origin: `c2s:${jid}`, unbound: true }, defaults: noDefaults });
  }

  /**
   * A session with stream management hibernates when its connection breaks (the log says it
   * disconnected) and a new connection may resume it (XEP-0198): the stanzas after it are logged
   * under the first session's id, without a new binding. Its JID comes back from the disconnection.
   */
  private resumed(text: string): void {
    const session = sessionOf(text, isResumption);
    const jid = session !== undefined ? this.sessions.wasDisconnected(session) : undefined;
    if (jid !== undefined) this.bound.set(session!, jid);
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
    if (this.fromComponents > 0) {
      const n = this.fromComponents;
      out.push({ kind: "problem", kept: true, file: this.file, line: this.firstFromComponent, column: 1, message: `${n} stanza${n === 1 ? "" : "s"} from external components (the first on this line) not simulated: mod_stanza_debug does not trace component sessions, and the log's 'Received[component]' lines hold only the start tag; the server's firewall does see them (deliver chain): replay them from an XML or JSON-lines capture` });
    }
    if (this.unbound > 0) {
      const n = this.unbound;
      out.push({ kind: "problem", kept: true, file: this.file, line: this.firstUnbound, column: 1, message: `${n} client stanza${n === 1 ? "" : "s"} (the first on this line) not simulated: ${n === 1 ? "its session's" : "their sessions'"} resource binding is not in the log, so the sender is unknown until a stanza the server sends to the session names it; a session that began before the log did: give the earlier log file first` });
    }
  }

  /** A SEND line's stanza other than a binding's result. */
  private sent(p: Pending, name: string, attr: Readonly<Record<string, string>>): void {
    if (p.session.startsWith("c2s") && !this.bound.has(p.session) && hasResource(attr.to)) {
      // A session bound before the log began: what the server delivers to it is addressed to its full JID.
      this.bound.set(p.session, attr.to!);
    }
    if (!this.options.onSend) return;
    const key = sentKey({ session: p.session, name, id: attr.id, to: attr.to, from: attr.from, type: attr.type, line: p.line });
    if (key) this.options.onSend(key);
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
    if (p.direction === "SEND") {
      // Of what the server sent, the log check needs the start tag alone (a third of a debug
      // log's reading time went to parsing it whole, measured); a resource binding's result and
      // the roster iqs a client is sent are read whole.
      const tag = readStartTag(text);
      if (tag && !(tag.name === "iq" && (tag.attr.type === "result" || (this.options.onRoster !== undefined && p.session.startsWith("c2s"))))) {
        this.sent(p, tag.name, tag.attr);
        return;
      }
    }
    const item = this.parser.parse(text);
    if (!item || item.kind === "problem") {
      out.push({ kind: "problem", file, line: p.line, column: 1, message: `malformed stanza: ${item?.message ?? "not one stanza"}` });
      return;
    }
    const { stanza, streamNamespace } = item;
    if (p.direction === "SEND") {
      const jid = stanza.name === "iq" && stanza.attr.type === "result" ? stanza.getChild("bind", bindNs)?.getChildText("jid", bindNs) : undefined;
      if (jid) {
        this.bound.set(p.session, jid);
        this.fresh.add(p.session);
      }
      if (this.options.onRoster && stanza.name === "iq" && p.session.startsWith("c2s")) {
        // A push carries no `to`: its owner is the session's.
        const owner = bareJid(this.bound.get(p.session) ?? stanza.attr.to);
        const roster = owner ? rosterIq(stanza) : undefined;
        if (roster) this.options.onRoster(owner!, roster);
      }
      this.sent(p, stanza.name, stanza.attr);
      return;
    }
    const c2s = p.session.startsWith("c2s");
    const jid = this.bound.get(p.session);
    if (c2s && !jid) {
      // Before resource binding (the bind request): not routed, not seen by the firewall. Anything
      // else comes from a session whose binding the log does not hold.
      if (!isBindRequest(stanza)) {
        if (this.unbound++ === 0) this.firstUnbound = p.line;
      }
      return;
    }
    const from = stanza.attr.from;
    const origin = c2s ? `c2s:${jid}` : p.session.startsWith("s2s") && from ? `s2s:${domainOf(from)}` : undefined;
    const time = this.iso(p.time, p.line, out);
    const annotations: { -readonly [K in keyof EventAnnotations]: EventAnnotations[K] } = { session: p.session };
    if (time !== undefined) annotations.time = time;
    if (origin !== undefined) annotations.origin = origin;
    if (c2s && this.fresh.delete(p.session)) annotations.newSession = true;
    out.push({ kind: "stanza", file, line: p.line, column: 1, stanza, streamNamespace, annotations, defaults: noDefaults });
  }

  /** The record's timestamp as an ISO time; a log whose timestamps say no time gets a warning, once. */
  private iso(stamp: string, line: number, out: TrafficItem[]): string | undefined {
    if (stamp !== this.lastStamp) {
      this.lastStamp = stamp;
      this.lastIso = computeIso(stamp, this.options.year);
    }
    if (this.lastIso === undefined && !this.timeless) {
      this.timeless = true;
      const why = stamp === "" ? "this log has no timestamps (timestamps = false)" : `the log's timestamps ('${stamp.slice(0, 40)}') are in a format this reader does not know (it knows Prosody's default 'Nov 25 05:43:30' and ISO 8601 '2026-11-25 05:43:30')`;
      out.push({ kind: "problem", kept: true, file: this.file, line, column: 1, message: `${why}: these stanzas keep the time of the one before (the first ones the world's start), so rate limits see them all at once` });
    }
    return this.lastIso;
  }

  private timeless = false;
}

function hasResource(jid: string | undefined): boolean {
  const slash = jid?.indexOf("/") ?? -1;
  return slash > 0 && slash < jid!.length - 1;
}

function isBindRequest(stanza: XmlElement): boolean {
  return stanza.name === "iq" && stanza.attr.type === "set" && stanza.getChild("bind", bindNs) !== undefined;
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

/**
 * A timestamp as an ISO time: Prosody's default `Nov 25 05:43:30` in the given year, or ISO 8601
 * with a space or a `T` (`%Y-%m-%d %H:%M:%S`); without a zone, read as UTC (the log's own zone
 * is not recorded). Undefined for anything else.
 */
function computeIso(stamp: string, year: number): string | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  if (m) {
    const month = months.indexOf(m[1]!);
    return month < 0 ? undefined : new Date(Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))).toISOString();
  }
  const iso = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:[.,]\d+)?)(Z|[+-]\d\d:?\d\d)?$/.exec(stamp);
  if (!iso) return undefined;
  const zone = iso[3] === undefined ? "Z" : iso[3].length === 5 ? `${iso[3].slice(0, 3)}:${iso[3].slice(3)}` : iso[3];
  const t = Date.parse(`${iso[1]}T${iso[2]!.replace(",", ".")}${zone}`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
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

/** The session (the logger's name) of a log line `accept` takes, or undefined. */
function sessionOf(line: string, accept: Accept): string | undefined {
  return findLogLine(line, accept) < 0 ? undefined : line.slice(found.name, found.nameEnd);
}

/** Whether a line's message (from `message`) and level (`levelStart` to `levelEnd`) are the ones looked for. */
type Accept = (line: string, message: number, levelStart: number, levelEnd: number) => boolean;

/** Where {@link findLogLine} found the parts (module state: no object per line). */
const found = { name: 0, nameEnd: 0, levelStart: 0, levelEnd: 0 };

/**
 * A log line, `[TIMESTAMP ]NAME\tLEVEL\tMESSAGE` (or NAME padded with spaces), read as
 * {@link recordStart} reads a record's first line, by hand: it is asked of every line of a log
 * that may hold millions of them, and the regular expression (with the copy of the rest of the
 * line it captures) cost more than parsing the stanza after it. As the expression does, the
 * shortest timestamp that leaves a name, a separator, a level and a TAB before a message `accept`
 * takes is chosen, and no timestamp at all only when none does. Returns the end of the timestamp
 * (0 for none), or -1; the line's parts are in {@link found}.
 */
function findLogLine(line: string, accept: Accept): number {
  const n = line.length;
  // Where a name may start: after each space before the first TAB (the timestamp's end), then at 0.
  const tab = line.indexOf("\t");
  for (let at = firstCandidate(line); at >= 0; at = line.indexOf(" ", at + 1)) {
    if (tab >= 0 && tab < at) break;
    if (nameAndLevel(line, at + 1, n) && accept(line, found.levelEnd + 1, found.levelStart, found.levelEnd)) return at;
  }
  return nameAndLevel(line, 0, n) && accept(line, found.levelEnd + 1, found.levelStart, found.levelEnd) ? 0 : -1;
}

/**
 * The first space after which a name may start. Behind Prosody's default timestamp
 * (`Nov 25 05:43:30 `, one space before the name) the first two spaces cannot be one: the name
 * after them (`25`, `05:43:30`) is followed by one space only, not a TAB or two spaces.
 */
function firstCandidate(line: string): number {
  const defaultStamp = isUpper(line.charCodeAt(0)) && isLower(line.charCodeAt(1)) && isLower(line.charCodeAt(2)) && line.charCodeAt(3) === 0x20 && twoDigitsAt(line, 4) && line.charCodeAt(6) === 0x20 && twoDigitsAt(line, 7) && line.charCodeAt(9) === 0x3a && twoDigitsAt(line, 10) && line.charCodeAt(12) === 0x3a && twoDigitsAt(line, 13) && line.charCodeAt(15) === 0x20 && line.length > 16 && line.charCodeAt(16) !== 0x20;
  return defaultStamp ? 15 : line.indexOf(" ");
}

function twoDigitsAt(line: string, at: number): boolean {
  return isDigit(line.charCodeAt(at)) && isDigit(line.charCodeAt(at + 1));
}

/** `NAME(\t| {2,})LEVEL\t` from `start`: whether it is there (its parts in {@link found}). */
function nameAndLevel(line: string, start: number, n: number): boolean {
  let i = start;
  while (i < n && !isJsSpace(line.charCodeAt(i))) i++;
  if (i === start) return false;
  const nameEnd = i;
  if (line.charCodeAt(i) === 0x09) i++;
  else {
    while (line.charCodeAt(i) === 0x20) i++;
    if (i - nameEnd < 2) return false;
  }
  const levelStart = i;
  while (i < n && isWord(line.charCodeAt(i))) i++;
  if (i === levelStart || line.charCodeAt(i) !== 0x09) return false;
  found.name = start;
  found.nameEnd = nameEnd;
  found.levelStart = levelStart;
  found.levelEnd = i;
  return true;
}

/** Whether a record's marker (RECV or SEND) starts at `at`. */
function isMarkedAt(line: string, at: number): boolean {
  return line.startsWith("RECV: ", at) || line.startsWith("SEND: ", at);
}

const isRecord: Accept = isMarkedAt;
const isResumption: Accept = (line, message) => line.startsWith("mod_smacks session resumed from ", message);
const isUnbinding: Accept = (line, message, levelStart, levelEnd) => levelEnd - levelStart === 5 && line.startsWith("debug", levelStart) && line.startsWith("Unbinding resource for ", message);
const isDisconnection: Accept = (line, message, levelStart, levelEnd) => levelEnd - levelStart === 4 && line.startsWith("info", levelStart) && line.startsWith("Client disconnected", message);

/** A record's first line (RECV or SEND), or undefined. */
export function recordLine(line: string): RecordLine | undefined {
  // Most lines of a log are not records: look for the marker before reading the line. The
  // message follows the TAB after the level, which is the line's first TAB (a name padded with
  // spaces) or its second (a name and a TAB): neither a timestamp nor a name holds one. Looked for
  // there, not along the whole line (a SEND line was searched twice through, for RECV first).
  const first = line.indexOf("\t");
  if (first < 0) return undefined;
  if (!isMarkedAt(line, first + 1)) {
    const second = line.indexOf("\t", first + 1);
    if (second < 0 || !isMarkedAt(line, second + 1)) return undefined;
  }
  const at = findLogLine(line, isRecord);
  if (at < 0) return undefined;
  const message = found.levelEnd + 1;
  return { time: line.slice(0, at), session: line.slice(found.name, found.nameEnd), direction: line.startsWith("RECV: ", message) ? "RECV" : "SEND", text: line.slice(message + 6) };
}
