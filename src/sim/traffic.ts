import { createReadStream } from "node:fs";
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from "saxes";
import { EndTagScanner } from "./end-tag-scanner.js";
import { parseStanzaRecord } from "./stanza-fast-path.js";
import { escapeXml, maxStanzaDepth, XmlElement } from "./xml.js";
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
 * A malformed stanza is reported with its position and skipped; reading goes on — also after a
 * stanza that is never closed (a line cut off), which would otherwise swallow every stanza after
 * it as its children (see {@link TrafficReader} on resynchronising).
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
  /**
   * The client's connection ended here (a Prosody log's `Client disconnected`): the stanza is the
   * unavailable presence Prosody sends for it on unbinding its resource, not one the client sent.
   */
  readonly unbound?: true;
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
  /** A stanza's element in a stanza namespace (the stanza itself, its body…), not an extension's. */
  readonly plain?: boolean;
  /**
   * A stream, traffic or event element: its qualified name, where its start tag began, and that
   * tag (rebuilt) to give a fresh parser. A top-level element that is not a stanza: its name and
   * where it began (to report it and resynchronise after it when it nests too deep).
   */
  readonly name?: string;
  readonly line?: number;
  readonly column?: number;
  readonly startTag?: string;
}

/** The start tag of a wrapper element, rebuilt (its namespace declarations, for a fresh parser). */
function rebuildStartTag(tag: SaxesTagNS): string {
  let out = `<${tag.name}`;
  for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
    out += ` ${a.name}="${escapeXml(a.value)}"`;
  }
  return `${out}>`;
}

/**
 * saxes's state after some text. Its states are not part of its API: the one it is in between
 * markup, and the one inside an end tag after a line break, are found by probing; resynchronising
 * is off if the probes do not tell them from each other and from the states where a line is data
 * (a comment, CDATA, a processing instruction) or a start tag's.
 */
function saxesState(text: string): unknown {
  const probe = new SaxesParser({ xmlns: true, fragment: true });
  probe.on("error", () => {});
  probe.write(text);
  return (probe as unknown as { state?: unknown }).state;
}
const textState = saxesState("<a>x\n");
const endTagState = saxesState("<a><b></b\n");
const canResync =
  typeof textState === "number" &&
  typeof endTagState === "number" &&
  textState !== endTagState &&
  saxesState("<a>&amp;\n") === textState &&
  saxesState("<a><b></\n") === endTagState &&
  ["<a><!--\n", "<a><!-- -\n", "<a><![CDATA[\n", "<a><![CDATA[]\n", "<a><?pi \n", "<a><b\n", "<a><b c='\n"].every((t) => saxesState(t) !== textState && saxesState(t) !== endTagState);

/** How much of a line is looked at for the start tag that resynchronises (a start tag longer than this does not). */
const resyncLookahead = 4096;

/**
 * Whether a line (at `at`) may begin with a start tag that resynchronises: blanks, then `<` and the
 * name of a stanza or of an event element (any prefix), or too little of the line to tell. Only
 * such lines split what saxes is given (each split costs a write).
 */
function mayStartTag(text: string, at: number): boolean {
  let i = at;
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
  if (i >= text.length) return true;
  if (text.charCodeAt(i) !== 0x3c) return false;
  let end = i + 1;
  while (end < text.length && end - i < 64 && isNameChar(text.charCodeAt(end))) end++;
  if (end >= text.length) return true;
  const name = text.slice(i + 1, end);
  return stanzaNames.has(name) || name === "event" || name.endsWith(":event");
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x5f || c === 0x2d || c === 0x2e;
}

/** A line's first start tag when it begins the line (after blanks) and ends on it: name, column, the declaration of its prefix. */
function lineStartTag(line: string): { name: string; column: number; declared: string | undefined } | undefined {
  let i = 0;
  while (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09) i++;
  if (line.charCodeAt(i) !== 0x3c) return undefined;
  const column = i + 1;
  const nameMatch = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/.exec(line.slice(i + 1, i + 200));
  if (!nameMatch) return undefined;
  const name = nameMatch[0];
  const colon = name.indexOf(":");
  const declaration = colon < 0 ? "xmlns" : `xmlns:${name.slice(0, colon)}`;
  let declared: string | undefined;
  const attribute = /[ \t\r]*(?:(\/?>)|([^\s=/>]+)[ \t\r]*=[ \t\r]*(?:'([^'\n]*)'|"([^"\n]*)"))/y;
  attribute.lastIndex = i + 1 + name.length;
  // The name must end where the tag or an attribute starts.
  if (!/^([ \t\r]|\/?>)/.test(line.slice(attribute.lastIndex, attribute.lastIndex + 2))) return undefined;
  for (;;) {
    const m = attribute.exec(line);
    // Not a whole start tag on this line: what follows (a namespace declaration?) is unknown.
    if (!m) return undefined;
    if (m[1]) return { name, column, declared };
    if (m[2] === declaration) declared = m[3] ?? m[4];
  }
}

const refusedDoctype = "a DOCTYPE is not accepted in traffic (no entity declarations, ever)";

/** Whether a frame is one of the elements around stanzas (not counted in a stanza's depth). */
function isWrapper(frame: Frame): boolean {
  return frame.role === "stream" || frame.role === "traffic" || frame.role === "event";
}

/**
 * Thrown from saxes's start-tag handler to stop it in the middle of a write, once a stanza nests
 * too deep: saxes would otherwise go on through the rest of the text it was given, each element
 * costing a walk over all those open. The parser is then dropped, never written to again.
 */
const stopParsing = new Error("nested too deep (caught in TrafficReader)");

/** Where saxes stands in what it was given (not part of its API): the text being read, the index of its next character, and the one it keeps back for the next write. */
interface SaxesPosition {
  readonly chunk: string;
  readonly i: number;
  readonly carriedFromPrevious?: string;
}

/** The characters of a text from `from` on, as saxes counts columns: a surrogate pair is one. */
function codePoints(text: string, from: number): number {
  let n = text.length - from;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** The number of line breaks in a text. */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * An incremental reader: feed text, collect items.
 *
 * **Resynchronising.** A stanza never closed (a capture's line cut off: `<message …><body>hi`)
 * would make the stanzas after it its children, to the end of the file. So, while a top-level
 * stanza is open, a line that begins (after blanks) with a whole start tag of a stanza — at the
 * column where the open stanza's start tag began, in a stanza namespace (or none declared), while
 * the innermost open element is the stanza or one of its stanza-namespace children and saxes is
 * between markup — ends it: the open stanza is reported at its start as not closed before the
 * next stanza, and dropped; reading goes on from that line with a fresh parser, given the start
 * tags of the enclosing stream, traffic and event elements (their namespaces, defaults and
 * annotations are kept) and the file's line numbers. A stanza whose start tag itself is cut off
 * (`<message to='a@exa`), or cut off in an end tag (`</bo`), ends the same way at such a line,
 * whatever the innermost element (a `<` is never part of a tag). A line beginning with the start
 * tag of the enclosing `<event>` (same name, at its column) ends the open stanza and that event.
 *
 * Why this cannot misread a well-formed capture:
 * - XMPP nests stanzas only inside extension elements (`<forwarded xmlns='urn:xmpp:forward:0'>`
 *   in carbons, MAM, privileged entities…), never directly in a stanza or in its `<body>`,
 *   `<subject>`, `<error>`…: there, a `<message>` can only be the next stanza. A stanza-named
 *   element in another namespace (an extension's own `<message xmlns='urn:…'>`) declares that
 *   namespace on its tag, which must therefore be whole on the line to be looked at.
 * - Comments, CDATA sections and processing instructions may hold any line: saxes must be in
 *   text, or inside a start or end tag (where a `<` is malformed anyway).
 * - The column: sibling stanzas are written at one indentation, and a pretty-printer indents
 *   children deeper, so a nested stanza is not taken for the next one even if the rules above
 *   were bent (a stanza inside a non-XMPP element). A line at another column is left to saxes.
 * - Only top-level stanzas are ended; unknown top-level elements (`<foo>`, a BOSH `<body>`) may
 *   hold stanzas and are read as before. Records (log lines, JSON lines) are parsed one at a
 *   time and never resynchronise ({@link RecordParser}).
 */
export class TrafficReader {
  private parser: SaxesParser<{ xmlns: true; fragment: true; position: true }>;
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

  /** The pending start tag is a top-level stanza's. */
  private pendingStanza = false;
  /** The last comment inside the open stanza: where it starts and ends (the next stanza's expectation, if the stanza is left open before it). */
  private stanzaComment: { text: string; startLine: number; line: number; column: number } | undefined;

  /**
   * `maxStanzaChars`: a stanza longer than this is reported and skipped (a capture can hold anything).
   * `resync`: end a stanza left open at the next stanza's line (see above); off for records.
   */
  constructor(
    private readonly file: string,
    private readonly maxStanzaChars = 1 << 20,
    private readonly resync = true,
  ) {
    this.parser = this.newParser("");
  }

  /** A parser, first given `replay` (start tags of enclosing elements, on a line of their own) without telling of it. */
  private newParser(replay: string): SaxesParser<{ xmlns: true; fragment: true; position: true }> {
    const parser = new SaxesParser({ xmlns: true, fragment: true, position: true });
    if (replay !== "") {
      parser.on("error", () => {});
      parser.write(`${replay}\n`);
    }
    parser.on("opentagstart", (tag) => {
      this.tagStart = { line: this.line, column: Math.max(1, this.column - tag.name.length - 1) };
      this.tagPending = true;
      const parent = this.stack[this.stack.length - 1];
      this.pendingStanza = stanzaNames.has(tag.name) && (parent === undefined || parent.role === "stream" || parent.role === "traffic" || parent.role === "event");
      // Checked here, before saxes resolves the tag's namespaces (a walk over every open element).
      if (this.stack.length >= maxStanzaDepth) this.checkDepth();
    });
    parser.on("opentag", (tag) => {
      this.tagPending = false;
      this.open(tag);
      this.tagBroken = false;
      this.markupEnded();
    });
    parser.on("closetag", () => {
      this.close();
      this.markupEnded();
    });
    parser.on("processinginstruction", () => this.markupEnded());
    parser.on("text", (text) => this.text(text));
    parser.on("cdata", (text) => this.text(text));
    parser.on("comment", (comment) => {
      if (!this.inStanza()) this.pendingComment = comment.trim();
      // saxes tells of a comment on its final '>', before counting it.
      this.markupEnded(1);
      if (this.stanzaStart) this.stanzaComment = { text: comment.trim(), startLine: this.line - (comment.match(/\n/g)?.length ?? 0), line: this.lastMarkupLine, column: this.lastMarkupColumn };
    });
    // A stream of stanzas is read as a fragment, where saxes reports a DOCTYPE as misplaced when
    // it starts, then hands it on when it ends: one problem, in words about what is refused.
    parser.on("doctype", () => {
      if (this.doctypeReported) this.doctypeReported = false;
      else this.problem(refusedDoctype);
    });
    parser.on("error", (error) => {
      const message = error.message.replace(/^\d+:\d+: /, "");
      if (message.startsWith("inappropriately located doctype")) {
        this.doctypeReported = true;
        // saxes says so once it has read `<!DOCTYPE`: the declaration starts 9 characters back.
        if (this.inStanza()) this.problem(refusedDoctype);
        else this.report({ line: this.line, column: Math.max(1, this.column - 8) }, refusedDoctype);
      } else this.problem(message);
      // What saxes hands on after an error may be the broken markup's remains, not stray text:
      // once the capture has an error (reported), its text outside stanzas is not warned of.
      this.hadError = true;
    });
    return parser;
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
    this.feed(chunk, false);
    return this.out.splice(0);
  }

  /** The text fed to saxes so far ends a line. */
  private atLineStart = false;
  /** The start of a line held back until enough of it is there to tell whether it resynchronises. */
  private held = "";

  /**
   * Gives text to saxes, stopping at each line that may begin the next stanza to see whether the
   * one open ends there. `final`: nothing follows (nothing is held back).
   */
  private feed(chunk: string, final: boolean): void {
    let text = chunk;
    if (this.held !== "") {
      text = this.held + chunk;
      this.held = "";
    }
    if (!this.resync) {
      this.pass(text);
      return;
    }
    let from = 0;
    let at = this.atLineStart ? 0 : text.indexOf("\n") + 1;
    while ((at > 0 || this.atLineStart) && at < text.length) {
      const nl = text.indexOf("\n", at);
      if (mayStartTag(text, at)) {
        if (at > from) this.pass(text.slice(from, at));
        from = at;
        if (this.skipping !== undefined || (canResync && this.openStanza())) {
          if (nl < 0 && !final && text.length - at < resyncLookahead) {
            // Too little of the line to tell: the rest comes with the next chunk.
            this.held = text.slice(at);
            this.atLineStart = true;
            return;
          }
          this.resyncAt(text.slice(at, Math.min(nl < 0 ? text.length : nl, at + resyncLookahead)));
        }
      }
      if (nl < 0) break;
      at = nl + 1;
    }
    if (from < text.length) this.pass(text.slice(from));
    if (text.length > 0) this.atLineStart = text.charCodeAt(text.length - 1) === 0x0a;
  }

  /**
   * Gives text to saxes — or, while a record nested too deep is skipped, to the scanner that finds
   * its end ({@link EndTagScanner}), counting the lines passed over. When saxes is stopped in such
   * a record ({@link checkDepth}), the rest of the text goes to the scanner; where the record ends,
   * a fresh parser reads on, on the same line. A record (log line, JSON line) is dropped whole.
   */
  private pass(text: string): void {
    let rest = text;
    while (rest !== "") {
      if (this.skipping === undefined) {
        const line = this.line;
        try {
          this.parser.write(rest);
          return;
        } catch (e) {
          if (e !== stopParsing) throw e;
        }
        if (!this.resync) {
          // Counted from where the text began, whatever saxes read of it.
          this.lineBase += line - this.line + lineBreaks(rest);
          return;
        }
        // What saxes was given and had not read when it was stopped (a CR or half a surrogate
        // pair at the end it keeps back for the next write).
        const p = this.parser as unknown as SaxesPosition;
        rest = p.chunk.slice(p.i) + (p.carriedFromPrevious ?? "");
        continue;
      }
      const skipping = this.skipping;
      const end = skipping.scanner?.scan(rest) ?? -1;
      const read = end < 0 ? rest : rest.slice(0, end);
      const breaks = lineBreaks(read);
      this.lineBase += breaks;
      skipping.readColumn = (breaks === 0 ? skipping.readColumn : 0) + codePoints(read, read.lastIndexOf("\n") + 1);
      if (end < 0) return;
      this.restart(skipping.target, this.line, skipping.readColumn);
      rest = rest.slice(end);
    }
  }

  /**
   * Set while the rest of a record nested too deep is skipped: the index in the stack of its
   * top-level element (the frames below it, a stream, traffic or event, are kept), the column
   * its start tag began at (where the next stanza's must begin for reading to go on at a line),
   * the scanner that finds its end (none for a record) and the characters of the line skipped so
   * far (its line is {@link line}: the lines skipped are counted in {@link lineBase}).
   */
  private skipping: { target: number; column: number; scanner: EndTagScanner | undefined; readColumn: number } | undefined;

  /**
   * A start tag opens an element: if it nests deeper than {@link maxStanzaDepth} (counted from the
   * top-level element; at most three wrappers below it are not counted, a stream, traffic and
   * event), the record is reported at its start and skipped, and saxes is stopped before it does
   * the tag's work. The rest of the record is skipped unparsed to its end tag ({@link pass}),
   * and a fresh parser reads on right after it; a record never closed ends as a stanza never
   * closed does, at the next line that begins a stanza at the record's column (or its event's
   * start tag at its column). A record (log line, JSON line) is dropped whole.
   */
  private checkDepth(): void {
    let outer = 0;
    while (outer < 3 && outer < this.stack.length && isWrapper(this.stack[outer]!)) outer++;
    if (this.stack.length + 1 - outer <= maxStanzaDepth) return;
    const top = this.stack[outer]!;
    const stanza = top.role === "stanza";
    const start = (stanza ? this.stanzaStart : top.line !== undefined && top.column !== undefined ? { line: top.line, column: top.column } : undefined) ?? this.tagStart;
    const goesOn = this.resync ? "; it is skipped to its end tag (or, if it is never closed, to the next line that begins a stanza)" : "";
    // A stanza is reported at its start, as other bad records; another element was reported
    // there already (not a stanza, or a wrapper too many): this is said where it nests too deep.
    if (stanza) this.report(start, `the stanza is nested deeper than ${maxStanzaDepth} elements${this.resync ? ` (level ${maxStanzaDepth + 1} begins at line ${this.tagStart.line}, column ${this.tagStart.column})` : ""}${goesOn}`);
    else this.report(this.tagStart, `elements are nested deeper than ${maxStanzaDepth} in <${top.name}> (line ${start.line}, column ${start.column})${goesOn}`);
    // saxes stopped right after the tag's name and the character that ended it (its state tells no more).
    const p = this.parser as unknown as SaxesPosition;
    const after = p.chunk.charCodeAt(p.i - 1);
    const scanner = this.resync ? new EndTagScanner(this.stack.length - outer + 1, after === 0x3e ? "text" : after === 0x2f ? "start-slash" : "start") : undefined;
    this.skipping = { target: outer, column: start.column, scanner, readColumn: this.column };
    this.stanzaStart = undefined;
    this.stanzaBroken = undefined;
    this.stanzaComment = undefined;
    this.pendingComment = undefined;
    this.tagPending = false;
    this.tagBroken = false;
    this.pendingStanza = false;
    this.hadError = true;
    throw stopParsing;
  }

  /** A top-level stanza is open, or its start tag begun. */
  private openStanza(): boolean {
    return this.stanzaStart !== undefined || (this.tagPending && this.pendingStanza);
  }

  /** At the start of `line` (its first characters), a top-level stanza open: whether it ends here, and if so, ending it. */
  private resyncAt(line: string): void {
    const tag = lineStartTag(line);
    if (!tag) return;
    const skipping = this.skipping;
    const stanzaDepth = this.stack.findIndex((f) => f.role === "stanza");
    const depth = skipping ? skipping.target : stanzaDepth < 0 ? this.stack.length : stanzaDepth;
    let target: number;
    let column: number;
    let next: string;
    if (stanzaNames.has(tag.name)) {
      if (tag.declared !== undefined && !stanzaNamespaces.has(tag.declared)) return;
      target = depth;
      column = skipping ? skipping.column : (this.stanzaStart ?? this.tagStart).column;
      next = "stanza";
    } else {
      // The start tag of the event the stanza is in (in its namespace, unless undeclared).
      let event = depth - 1;
      while (event >= 0 && this.stack[event]!.role !== "event") event--;
      const frame = this.stack[event];
      if (!frame || frame.name !== tag.name || (tag.declared !== undefined && tag.declared !== trafficNamespace)) return;
      target = event;
      column = frame.column!;
      next = "event";
    }
    if (tag.column !== column) return;
    const lineNo = this.line;
    const start = this.stanzaStart;
    // A record skipped was reported when it was found too deep; nothing of it was parsed since.
    if (!skipping) {
      // Inside a start or end tag a `<` is malformed; otherwise saxes must be in text, in the stanza or a child of its namespace.
      const state = (this.parser as unknown as { state: unknown }).state;
      const top = this.stack[this.stack.length - 1];
      if (!this.tagPending && state !== endTagState && (top?.role !== "stanza" || !top.plain || state !== textState)) return;
      this.report(start ?? this.tagStart, `${start ? "the stanza is" : "the stanza's start tag is"} not closed before the next ${next} (line ${lineNo})`);
    }
    // The comment before the stanza dropped was its own; one on a line of its own after its first,
    // right before this line, is the next stanza's (an inline expectation), as it would be had the
    // stanza been closed.
    const comment = this.stanzaComment;
    const before = start && comment && comment.line === this.lastMarkupLine && comment.column === this.lastMarkupColumn && comment.startLine > start.line;
    this.restart(target, lineNo, 0);
    this.pendingComment = before ? comment.text : undefined;
  }

  /**
   * Drops the open elements from `target` in the stack on and goes on with a fresh parser, given
   * the start tags of those kept, at `line` of the file after `column` characters of it.
   */
  private restart(target: number, line: number, column: number): void {
    if (target <= this.stack.findIndex((f) => f.role === "event")) this.eventAnnotations = {};
    this.stack.length = target;
    this.skipping = undefined;
    this.stanzaStart = undefined;
    this.stanzaBroken = undefined;
    this.stanzaBytes = 0;
    this.tagPending = false;
    this.tagBroken = false;
    this.pendingStanza = false;
    this.pendingComment = undefined;
    this.stanzaComment = undefined;
    this.doctypeReported = false;
    this.hadError = true;
    this.parser = this.newParser(this.stack.map((f) => f.startTag!).join(""));
    this.lineBase = line - this.parser.line;
    this.columnLine = this.parser.line;
    this.columnBase = column;
    // Where a record skipped ends mid-line: markup ended there (a line ending with it is between stanzas).
    if (column > 0) {
      this.lastMarkupLine = line;
      this.lastMarkupColumn = column;
    }
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
        this.lineBase++;
        this.out.push(item);
        return this.out.splice(0);
      }
    }
    const wasAtBoundary = this.atBoundary;
    const items = this.write(`${text}\n`);
    const top = this.stack[this.stack.length - 1];
    const between = this.started && !this.tagPending && this.skipping === undefined && (top === undefined || top.role === "stream" || top.role === "traffic");
    const end = trimmedEnd(text);
    this.atBoundary = between && (end === 0 ? wasAtBoundary : this.lastMarkupLine === lineNo && this.lastMarkupColumn === end);
    return items;
  }

  /**
   * The file's line where saxes's is 0: lines read by the fast path, never shown to saxes (which
   * would keep their line breaks as text until the next tag), and those before a fresh parser's.
   */
  private lineBase = 0;

  /** The line saxes is at, in the file. */
  private get line(): number {
    return this.parser.line + this.lineBase;
  }

  /** saxes's line whose columns are counted from {@link columnBase} (a fresh parser's first, when it starts mid-line). */
  private columnLine = -1;
  private columnBase = 0;

  /** The characters of the file's line saxes has read (its column). */
  private get column(): number {
    return this.parser.line === this.columnLine ? this.parser.column + this.columnBase : this.parser.column;
  }

  /** Whether saxes stands between two stanzas at the start of the next line. */
  private atBoundary = false;
  private lastMarkupLine = 0;
  private lastMarkupColumn = 0;

  private markupEnded(uncounted = 0): void {
    this.lastMarkupLine = this.line;
    this.lastMarkupColumn = this.column + uncounted;
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
    if (this.held !== "") this.feed("", true);
    // A record too deep being skipped at the end: reported already; its parser was stopped.
    if (!brokenOff && this.skipping === undefined) {
      if (!this.started && this.prolog) {
        this.started = true;
        this.feed(this.prolog, true);
      }
      this.parser.close();
    }
    this.stanzaComment = undefined;
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
    this.report(this.tagPending ? this.tagStart : { line: this.line, column: Math.max(1, this.column) }, message);
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
        this.stack.push({ role: "stream", foreign: false, defaultUri, name: tag.name, line: this.tagStart.line, column: this.tagStart.column, startTag: rebuildStartTag(tag) });
        return;
      }
      if (uri === trafficNamespace && (local === "traffic" || local === "event")) {
        const values = Object.fromEntries(attrs.filter((a) => a.uri === "").map((a) => [a.local, a.value]));
        if (local === "traffic") this.trafficDefaults = values;
        else this.eventAnnotations = values;
        this.stack.push({ role: local, foreign: false, defaultUri, name: tag.name, line: this.tagStart.line, column: this.tagStart.column, startTag: rebuildStartTag(tag) });
        return;
      }
      if (!stanzaNamespaces.has(uri) || !stanzaNames.has(local)) {
        this.report(this.tagStart, notAStanza(tag.name, local, uri));
        this.stack.push({ role: "other", foreign: false, name: tag.name, line: this.tagStart.line, column: this.tagStart.column });
        return;
      }
      const element = new XmlElement(local, prosodyAttributes(attrs));
      const foreign = uri !== "" && uri !== this.defaultNamespace;
      if (foreign) element.attr = { xmlns: uri, ...element.attr };
      this.stanzaStart = this.tagStart;
      this.stanzaComment = undefined;
      this.stanzaBroken = this.tagBroken ? alreadyReported : undefined;
      this.stanzaBytes = 0;
      this.stack.push({ role: "stanza", element, foreign, plain: true });
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
    this.stack.push({ role: "stanza", element, foreign, plain: recordNamespaces.has(effectiveUri) });
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
    const column = newline >= 0 ? first - newline : Math.max(1, this.column - after.length);
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
    this.reader = new TrafficReader(file, maxStanzaChars, false);
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
    this.reader = new TrafficReader(this.file, this.maxStanzaChars, false);
    const problem = items.find((i) => i.kind === "problem");
    // The callers say that the record is skipped; the reason alone is wanted here.
    if (problem) return { ...problem, message: problem.message.replace(/^malformed stanza: /, "") };
    return { kind: "problem", file: this.file, line: 1, column: 1, message: items.length === 0 ? "the stanza is not complete" : "not exactly one stanza" };
  }
}
