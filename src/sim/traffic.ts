import { createReadStream } from "node:fs";
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from "saxes";
import { parseStanzaRecord } from "./stanza-fast-path.js";
import { XmlElement } from "./xml.js";
import { stanzaKinds } from "../vocab/stanza-kinds.js";

/**
 * Reading sample traffic: XML files with many stanzas, with or without a `<stream:stream>`
 * wrapper, optionally annotated with stanzafw's own wrapper elements (namespace
 * `urn:stanzafw:traffic:0`, documented in docs/traffic.md):
 *
 *   <traffic xmlns="urn:stanzafw:traffic:0" start="2026-11-25T10:00:00Z" step="1s"> … </traffic>
 *   <event xmlns="urn:stanzafw:traffic:0" origin="c2s:alice@example.org/phone" time="+5s" chain="preroute">
 *     <message xmlns="jabber:client" …/>
 *   </event>
 *
 * Parsing is streaming, with a real XML parser; each stanza knows its file, line and column.
 * A malformed stanza is reported with its position and skipped; reading goes on.
 */

export const trafficNamespace = "urn:stanzafw:traffic:0";
/** A record (log line, JSON line) has no stream header: its stanza is read as a client stream's. */
const recordNamespace = "jabber:client";
const streamNamespace = "http://etherx.jabber.org/streams";
const xmlNamespace = "http://www.w3.org/XML/1998/namespace";
const stanzaNamespaces = new Set(["jabber:client", "jabber:server", "jabber:component:accept", ""]);
/** The stream namespaces the fast path reads stanzas of. */
const recordNamespaces = new Set(["jabber:client", "jabber:server", "jabber:component:accept"]);

/** The names of stanzas (at the top level, or in a stream or `<traffic>`). */
const stanzaNames: ReadonlySet<string> = new Set(stanzaKinds);

/** Why a top-level element is skipped; a stanza's name in another namespace is the usual slip. */
function notAStanza(name: string, local: string, uri: string): string {
  if (!stanzaNames.has(local)) return `<${name}> is not a stanza (message, presence or iq) and is skipped`;
  if (uri === trafficNamespace) {
    return `<${name}> without xmlns inside <traffic xmlns='${trafficNamespace}'> is in the wrapper's namespace, not a stanza's: give it xmlns='jabber:client' (or give the wrapper's namespace a prefix: xmlns:t='${trafficNamespace}')`;
  }
  return `<${name}> is in the namespace '${uri}', not a stanza's (jabber:client, jabber:server, jabber:component:accept or none)`;
}

/** The reason a stanza is dropped when its start tag's error was reported already. */
const alreadyReported = "(reported at its start tag)";

/** The length of a line without trailing spaces and tabs. */
function trimmedEnd(text: string): number {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return end;
}

/** Event attributes given in the traffic file (all optional; the simulator supplies defaults). */
export interface EventAnnotations {
  /** Run only this chain (`deliver`, `deliver_remote`, `preroute`, `user/…`). */
  readonly chain?: string;
  /** `c2s:FULLJID`, `s2s:DOMAIN`, `local` (the server itself). */
  readonly origin?: string;
  /** ISO 8601 time, or `+N(ms|s|m|h)` after the previous event. */
  readonly time?: string;
  /** The text of an XML comment right before the stanza (inline expectations). */
  readonly comment?: string;
  /** The capture's own session identifier (Prosody logs), for matching what the server sent. */
  readonly session?: string;
  /**
   * The first stanza of a client session the capture saw begin (a Prosody log's resource binding):
   * a new connection, which holds none of the origin marks an earlier session of the same address set.
   */
  readonly newSession?: true;
}

export interface TrafficStanza {
  readonly kind: "stanza";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly stanza: XmlElement;
  /** The stream's default namespace (`jabber:client` unless the file says otherwise). */
  readonly streamNamespace: string;
  readonly annotations: EventAnnotations;
  /** Defaults from an enclosing `<traffic>` element. */
  readonly defaults: EventAnnotations & { readonly start?: string; readonly step?: string };
}

export interface TrafficProblem {
  readonly kind: "problem";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** A warning, not a skipped record: a stanza simulated despite an unreadable time, a log without stanzas. */
  readonly kept?: boolean;
}

export type TrafficItem = TrafficStanza | TrafficProblem;

/** The defaults of a record outside any `<traffic>` element (shared: there is one per record). */
export const noDefaults: TrafficStanza["defaults"] = Object.freeze({});

interface Frame {
  readonly role: "stream" | "traffic" | "event" | "stanza" | "other";
  readonly element?: XmlElement;
  /** Depth counter of elements outside the default namespace (Prosody sets xmlns on those). */
  readonly foreign: boolean;
  /** The default namespace in scope inside a stream, traffic or event element ("" for none). */
  readonly defaultUri?: string;
}

const refusedDoctype = "a DOCTYPE is not accepted in traffic (no entity declarations, ever)";

/** An incremental reader: feed text, collect items. */
export class TrafficReader {
  private readonly parser: SaxesParser<{ xmlns: true; fragment: true; position: true }>;
  private readonly stack: Frame[] = [];
  private readonly out: TrafficItem[] = [];
  private stanzaStart: { line: number; column: number } | undefined;
  private stanzaBroken: string | undefined;
  private pendingComment: string | undefined;
  private eventAnnotations: EventAnnotations = {};
  private trafficDefaults: TrafficStanza["defaults"] = {};
  private defaultNamespace = "jabber:client";
  private tagStart = { line: 1, column: 1 };

  private stanzaBytes = 0;
  /** A start tag was seen but not completed (a truncated record). */
  private tagPending = false;

  /** `maxStanzaChars`: a stanza longer than this is reported and skipped (a capture can hold anything). */
  constructor(
    private readonly file: string,
    private readonly maxStanzaChars = 1 << 20,
  ) {
    this.parser = new SaxesParser({ xmlns: true, fragment: true, position: true });
    this.parser.on("opentagstart", (tag) => {
      this.tagStart = { line: this.line, column: Math.max(1, this.parser.column - tag.name.length - 1) };
      this.tagPending = true;
    });
    this.parser.on("opentag", (tag) => {
      this.tagPending = false;
      this.open(tag);
      this.tagBroken = false;
      this.markupEnded();
    });
    this.parser.on("closetag", () => {
      this.close();
      this.markupEnded();
    });
    this.parser.on("processinginstruction", () => this.markupEnded());
    this.parser.on("text", (text) => this.text(text));
    this.parser.on("cdata", (text) => this.text(text));
    this.parser.on("comment", (comment) => {
      if (!this.inStanza()) this.pendingComment = comment.trim();
      // saxes tells of a comment on its final '>', before counting it.
      this.markupEnded(1);
    });
    // A stream of stanzas is read as a fragment, where saxes reports a DOCTYPE as misplaced when
    // it starts, then hands it on when it ends: one problem, in words about what is refused.
    this.parser.on("doctype", () => {
      if (this.doctypeReported) this.doctypeReported = false;
      else this.problem(refusedDoctype);
    });
    this.parser.on("error", (error) => {
      const message = error.message.replace(/^\d+:\d+: /, "");
      if (message.startsWith("inappropriately located doctype")) {
        this.doctypeReported = true;
        // saxes says so once it has read `<!DOCTYPE`: the declaration starts 9 characters back.
        if (this.inStanza()) this.problem(refusedDoctype);
        else this.report({ line: this.line, column: Math.max(1, this.parser.column - 8) }, refusedDoctype);
      } else this.problem(message);
      // What saxes hands on after an error may be the broken markup's remains, not stray text:
      // once the capture has an error (reported), its text outside stanzas is not warned of.
      this.hadError = true;
    });
  }

  private started = false;
  private prolog = "";
  private doctypeReported = false;

  write(chunk: string): TrafficItem[] {
    // Only {@link writeLine} knows where a line ends.
    this.atBoundary = false;
    if (!this.started) {
      // Fragment mode (many top-level stanzas) does not accept an XML declaration: skip a leading one.
      this.prolog += chunk;
      const text = this.prolog.replace(/^\uFEFF/, "");
      if (text.length < 6 && "<?xml ".startsWith(text)) return [];
      this.started = true;
      chunk = text;
      if (text.startsWith("<?xml")) {
        const end = text.indexOf("?>");
        if (end < 0) {
          this.started = false;
          return [];
        }
        // Blank it out character for character, so lines and columns stay those of the file.
        chunk = text.slice(0, end + 2).replace(/[^\n]/g, " ") + text.slice(end + 2);
      }
    }
    this.parser.write(chunk);
    return this.out.splice(0);
  }

  /**
   * A whole line of a capture. A line that holds exactly one stanza, between stanzas (nothing
   * open but a stream or traffic element, the previous line ended with markup), is read by the
   * fast path instead of saxes — most captures hold one stanza a line, and saxes costs ten times
   * as much. The tree and item are those saxes would give (tested on the same captures); saxes
   * never sees the line; the lines it reports are counted as the file's.
   */
  writeLine(text: string): TrafficItem[] {
    const lineNo = this.line;
    if (this.atBoundary && this.started) {
      const item = this.fastStanza(text, lineNo);
      if (item) {
        this.skippedLines++;
        this.out.push(item);
        return this.out.splice(0);
      }
    }
    const wasAtBoundary = this.atBoundary;
    const items = this.write(`${text}\n`);
    const top = this.stack[this.stack.length - 1];
    const between = this.started && !this.tagPending && (top === undefined || top.role === "stream" || top.role === "traffic");
    const end = trimmedEnd(text);
    this.atBoundary = between && (end === 0 ? wasAtBoundary : this.lastMarkupLine === lineNo && this.lastMarkupColumn === end);
    return items;
  }

  /** Lines read by the fast path, never shown to saxes (which would keep their line breaks as text until the next tag). */
  private skippedLines = 0;

  /** The line saxes is at, in the file. */
  private get line(): number {
    return this.parser.line + this.skippedLines;
  }

  /** Whether saxes stands between two stanzas at the start of the next line. */
  private atBoundary = false;
  private lastMarkupLine = 0;
  private lastMarkupColumn = 0;

  private markupEnded(uncounted = 0): void {
    this.lastMarkupLine = this.line;
    this.lastMarkupColumn = this.parser.column + uncounted;
  }

  /** The annotations of the stanza just read: its event's, and the comment before it (used up). */
  private takeAnnotations(): EventAnnotations {
    const annotations: EventAnnotations = { ...this.eventAnnotations, ...(this.pendingComment !== undefined ? { comment: this.pendingComment } : {}) };
    this.pendingComment = undefined;
    return annotations;
  }

  private fastStanza(text: string, line: number): TrafficStanza | undefined {
    let start = 0;
    while (start < text.length && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
    if (text.charCodeAt(start) !== 0x3c) return undefined;
    const top = this.stack[this.stack.length - 1];
    // The fast path reads an undeclared namespace as the stream's: right only where that is the one in scope.
    const scope = top?.defaultUri ?? "";
    if (!recordNamespaces.has(this.defaultNamespace) || (scope !== "" && scope !== this.defaultNamespace)) return undefined;
    const stanza = parseStanzaRecord(text, this.defaultNamespace, this.maxStanzaChars);
    if (!stanza) return undefined;
    const annotations = this.takeAnnotations();
    return { kind: "stanza", file: this.file, line, column: start + 1, stanza, streamNamespace: this.defaultNamespace, annotations, defaults: this.trafficDefaults };
  }

  /**
   * The end of the capture. `brokenOff`: the text stops at damaged compressed data, not at the
   * file's end, so elements left open are not errors (the `<traffic>` element's end is in the
   * part lost); only a stanza begun before the damage is reported, as cut off.
   */
  end(brokenOff = false): TrafficItem[] {
    if (!brokenOff) {
      if (!this.started && this.prolog) {
        this.started = true;
        this.parser.write(this.prolog);
      }
      this.parser.close();
    }
    if (this.stanzaStart) this.report(this.stanzaStart, brokenOff ? "the stanza is cut off where the file becomes unreadable" : "the stanza is not closed before the end of the file");
    this.stanzaStart = undefined;
    return this.out.splice(0);
  }

  /** Whether no element is open (between records). */
  get idle(): boolean {
    return this.stack.length === 0 && !this.tagPending;
  }

  private inStanza(): boolean {
    return this.stack.some((f) => f.role === "stanza");
  }

  private problem(message: string): void {
    if (this.inStanza()) {
      // Report once per stanza, at the stanza, and drop it when it closes.
      this.stanzaBroken ??= message;
      return;
    }
    // An error in a start tag between stanzas is reported where the tag starts; if the tag opens
    // a stanza, that stanza is dropped (saxes recovers and would hand it on).
    if (this.tagPending) this.tagBroken = true;
    this.report(this.tagPending ? this.tagStart : { line: this.line, column: Math.max(1, this.parser.column) }, message);
  }

  private tagBroken = false;

  private report(at: { line: number; column: number }, message: string): void {
    // Errors that follow the first at the same place (an unclosed tag, then the end) are its echoes: one record, one report.
    const where = at.line * 1e6 + at.column;
    if (where === this.lastReported) return;
    this.lastReported = where;
    this.out.push({ kind: "problem", file: this.file, line: at.line, column: at.column, message });
  }

  private lastReported = -1;

  private open(tag: SaxesTagNS): void {
    const uri = tag.uri ?? "";
    const local = tag.local ?? tag.name;
    const parent = this.stack[this.stack.length - 1];
    const attrs = Object.values(tag.attributes) as SaxesAttributeNS[];
    const defaultUri = tag.ns?.[""] ?? parent?.defaultUri ?? "";
    if (!parent || parent.role === "stream" || parent.role === "traffic" || parent.role === "event") {
      if (uri === streamNamespace && local === "stream") {
        const ns = tag.ns?.[""];
        if (ns) this.defaultNamespace = ns;
        this.stack.push({ role: "stream", foreign: false, defaultUri });
        return;
      }
      if (uri === trafficNamespace && (local === "traffic" || local === "event")) {
        const values = Object.fromEntries(attrs.filter((a) => a.uri === "").map((a) => [a.local, a.value]));
        if (local === "traffic") this.trafficDefaults = values;
        else this.eventAnnotations = values;
        this.stack.push({ role: local, foreign: false, defaultUri });
        return;
      }
      if (!stanzaNamespaces.has(uri) || !stanzaNames.has(local)) {
        this.report(this.tagStart, notAStanza(tag.name, local, uri));
        this.stack.push({ role: "other", foreign: false });
        return;
      }
      const element = new XmlElement(local, prosodyAttributes(attrs));
      const foreign = uri !== "" && uri !== this.defaultNamespace;
      if (foreign) element.attr = { xmlns: uri, ...element.attr };
      this.stanzaStart = this.tagStart;
      this.stanzaBroken = this.tagBroken ? alreadyReported : undefined;
      this.stanzaBytes = 0;
      this.stack.push({ role: "stanza", element, foreign });
      return;
    }
    if (parent.role === "other") {
      this.stack.push({ role: "other", foreign: false });
      return;
    }
    const element = new XmlElement(local, prosodyAttributes(attrs));
    const effectiveUri = uri === "" ? this.defaultNamespace : uri;
    // Prosody's stream parser sets xmlns on elements outside the stream's namespace and on
    // everything below such an element.
    const foreign = parent.foreign || effectiveUri !== this.defaultNamespace;
    if (foreign) element.attr = { xmlns: effectiveUri, ...element.attr };
    parent.element!.children.push(element);
    this.stack.push({ role: "stanza", element, foreign });
  }

  private close(): void {
    const frame = this.stack.pop();
    if (!frame) return;
    if (frame.role === "event") this.eventAnnotations = {};
    if (frame.role === "traffic") this.trafficDefaults = {};
    if (frame.role !== "stanza" || this.inStanza()) return;
    const start = this.stanzaStart ?? this.tagStart;
    this.stanzaStart = undefined;
    if (this.stanzaBroken !== undefined) {
      if (this.stanzaBroken !== alreadyReported) this.report(start, `malformed stanza: ${this.stanzaBroken}`);
      this.stanzaBroken = undefined;
      this.pendingComment = undefined;
      return;
    }
    const annotations = this.takeAnnotations();
    this.out.push({ kind: "stanza", file: this.file, line: start.line, column: start.column, stanza: frame.element!, streamNamespace: this.defaultNamespace, annotations, defaults: this.trafficDefaults });
  }

  private text(text: string): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame?.role !== "stanza") {
      if (frame?.role !== "other") this.strayText(text);
      return;
    }
    this.stanzaBytes += text.length;
    if (this.stanzaBytes > this.maxStanzaChars) {
      this.stanzaBroken ??= `the stanza is larger than ${this.maxStanzaChars} characters`;
      return;
    }
    frame.element!.children.push(text);
  }

  private warnedOfText = false;

  /**
   * Text between stanzas is ignored, as a stream's whitespace is; anything else there means the
   * capture is not what it was taken for (a log in a format the reader does not know, read as
   * XML, loses the sessions and times of its stanzas): said once per file, where it starts.
   */
  private hadError = false;

  private strayText(text: string): void {
    if (this.warnedOfText || this.hadError) return;
    const first = text.search(/\S/);
    if (first < 0) return;
    this.warnedOfText = true;
    // saxes tells of text where it ends (at the next markup): its start is counted back from there.
    const after = text.slice(first);
    let line = this.line;
    for (let i = after.indexOf("\n"); i >= 0; i = after.indexOf("\n", i + 1)) line--;
    const newline = text.lastIndexOf("\n", first);
    const column = newline >= 0 ? first - newline : Math.max(1, this.parser.column - after.length);
    const shown = text.slice(first).split("\n")[0]!.slice(0, 50);
    this.out.push({ kind: "problem", kept: true, file: this.file, line, column, message: `text outside any stanza is ignored ('${shown}'): an XML capture holds stanzas, or a whole stream; if this is a Prosody log, its lines are not in a format this reader knows (docs/traffic.md)` });
  }
}

/** Attributes as Prosody keeps them: plain names, `xml:lang`, other namespaced ones as `uri\u0001name`; no xmlns declarations. */
function prosodyAttributes(attrs: readonly SaxesAttributeNS[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attrs) {
    if (a.prefix === "xmlns" || a.name === "xmlns") continue;
    if (a.uri === "") out[a.local] = a.value;
    else if (a.uri === xmlNamespace) out[`xml:${a.local}`] = a.value;
    else out[`${a.uri}\u0001${a.local}`] = a.value;
  }
  return out;
}

/** Reads a whole text (tests, stdin). */
export function readTrafficText(text: string, file: string): TrafficItem[] {
  const reader = new TrafficReader(file);
  return [...reader.write(text), ...reader.end()];
}

/** Streams a file: memory stays bounded by the largest stanza, whatever the file's size. */
export async function* readTrafficFile(path: string, file = path): AsyncGenerator<TrafficItem> {
  const reader = new TrafficReader(file);
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
    yield* reader.write(chunk as string);
  }
  yield* reader.end();
}

/**
 * Parses records that each hold one stanza (log lines, JSON lines) with one parser, which is much
 * cheaper than a parser per record; after a broken record the parser is replaced.
 */
export class RecordParser {
  private reader: TrafficReader;

  constructor(
    private readonly file: string,
    private readonly maxStanzaChars = 1 << 20,
  ) {
    this.reader = new TrafficReader(file, maxStanzaChars);
  }

  parse(xml: string): TrafficItem | undefined {
    const stanza = parseStanzaRecord(xml, recordNamespace, this.maxStanzaChars);
    if (stanza) return { kind: "stanza", file: this.file, line: 1, column: 1, stanza, streamNamespace: recordNamespace, annotations: {}, defaults: noDefaults };
    return this.parseWithSaxes(xml);
  }

  /** The reference path: saxes decides what the fast path leaves to it (and words the errors). */
  parseWithSaxes(xml: string): TrafficItem | undefined {
    const items = this.reader.write(xml);
    if (items.length === 1 && items[0]!.kind === "stanza" && this.reader.idle) return items[0];
    this.reader = new TrafficReader(this.file, this.maxStanzaChars);
    const problem = items.find((i) => i.kind === "problem");
    // The callers say that the record is skipped; the reason alone is wanted here.
    if (problem) return { ...problem, message: problem.message.replace(/^malformed stanza: /, "") };
    return { kind: "problem", file: this.file, line: 1, column: 1, message: items.length === 0 ? "the stanza is not complete" : "not exactly one stanza" };
  }
}
