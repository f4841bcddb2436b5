import { maxStanzaDepth, XmlElement } from "./xml.js";

/**
 * The fast path for capture records (a log line, a JSON line): one stanza as Prosody serialises
 * it — no comments, CDATA, processing instructions, namespace prefixes or DTD. Parsing such a
 * record with saxes costs tens of microseconds, most of a replay's time; this reads it in about
 * one. It accepts only what it understands completely, well-formedness included, and answers
 * `undefined` for anything else: the caller then parses the record with saxes, which decides and
 * words the error. test/sim/stanza-fast-path.test.ts checks it against saxes on random records.
 *
 * The tree is the one TrafficReader builds: Prosody's view, `xmlns` set only on elements outside
 * the stream's default namespace and on everything below them.
 */

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const AMP = 0x26;
const COLON = 0x3a;
const QUOT = 0x22;
const APOS = 0x27;

const stanzaNames = new Set(["message", "presence", "iq"]);
const stanzaNamespaces = new Set(["jabber:client", "jabber:server", "jabber:component:accept", ""]);
/** Namespaces that may not be declared as a default namespace (saxes reports them). */
const reservedNamespaces = new Set(["http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/"]);

/**
 * Names seen in almost every stanza, as constants: a property store with a freshly sliced string
 * as key must look the key up in V8's string table first, which costs more than the parse.
 */
const commonNames = new Map(
  ["message", "presence", "iq", "to", "from", "id", "type", "body", "subject", "thread", "x", "query", "error", "text", "show", "status", "priority", "delay", "stamp", "c", "hash", "node", "ver", "item", "jid", "xml:lang", "active", "composing", "paused", "request", "received", "markable", "origin-id", "stanza-id", "by", "event", "items", "pubsub", "nick", "invite", "reason", "bind", "resource", "ping", "vCard", "photo", "encrypted", "header", "payload", "store", "no-store", "no-copy", "private", "html", "p", "span", "style", "code", "name"].map((n) => [n, n]),
);

/** The common names by length and first character, for {@link nameAt}. */
const namesByShape = new Map<number, string[]>();
for (const name of commonNames.keys()) {
  const shape = (name.length << 7) | name.charCodeAt(0);
  namesByShape.set(shape, [...(namesByShape.get(shape) ?? []), name]);
}

/** The name between `start` and `end`: a constant when it is a common one, found without slicing the text. */
function nameAt(text: string, start: number, end: number): string {
  const candidates = end - start < 32 ? namesByShape.get(((end - start) << 7) | text.charCodeAt(start)) : undefined;
  if (candidates) for (const c of candidates) if (text.startsWith(c, start)) return c;
  return text.slice(start, end);
}

function intern(name: string): string {
  return commonNames.get(name) ?? name;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09;
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/** End of an ASCII XML name (without colons) starting at `i`; `i` when there is none. */
function nameEnd(text: string, i: number): number {
  if (i >= text.length || !isNameStart(text.charCodeAt(i))) return i;
  let j = i + 1;
  while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
  return j;
}

/**
 * Character data between `start` and `end` with its references resolved; undefined when it holds
 * anything the fast path leaves to saxes (a character XML forbids, CR, `]]>`, an unknown entity).
 * In attribute values (`attribute`), TAB and LF are left to saxes too (they are normalised there).
 */
function characterData(text: string, start: number, end: number, attribute: boolean): string | undefined {
  let out = "";
  let from = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0xd800) {
      if (c === AMP) {
        const semi = text.indexOf(";", i + 1);
        if (semi < 0 || semi >= end) return undefined;
        const resolved = reference(text.slice(i + 1, semi));
        if (resolved === undefined) return undefined;
        out += text.slice(from, i) + resolved;
        from = semi + 1;
        i = semi;
      } else if (c === LT) return undefined;
      else if (c === GT && !attribute && i >= start + 2 && text.charCodeAt(i - 1) === 0x5d && text.charCodeAt(i - 2) === 0x5d) return undefined;
      continue;
    }
    if (c === 0x0a || c === 0x09) {
      if (attribute) return undefined;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (i + 1 >= end || next < 0xdc00 || next > 0xdfff) return undefined;
      i++;
      continue;
    }
    if (c >= 0xe000 && c <= 0xfffd) continue;
    return undefined;
  }
  return from === start ? text.slice(start, end) : out + text.slice(from, end);
}

const named: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

function reference(name: string): string | undefined {
  if (name.charCodeAt(0) !== 0x23) return Object.hasOwn(named, name) ? named[name] : undefined;
  const hex = name.charCodeAt(1) === 0x78;
  const digits = name.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  const allowed = code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  return allowed ? String.fromCodePoint(code) : undefined;
}

/**
 * The attributes of a start tag whose name ends at `j`, pushed to `keys` and `values` (`xmlns`
 * among them); the index just past the tag's `>`, or -1 for anything left to saxes (a repeated
 * attribute among it). A tag that closes itself ends in `/>`: the character before that `>` is
 * `/` only then, as every value ends with its quote.
 */
function readAttributes(text: string, j: number, keys: string[], values: string[]): number {
  const n = text.length;
  for (;;) {
    const spaceStart = j;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    const c = text.charCodeAt(j);
    if (c === GT) return j + 1;
    if (c === SLASH) return text.charCodeAt(j + 1) === GT ? j + 2 : -1;
    if (j === spaceStart) return -1;
    const attrEnd = nameEnd(text, j);
    if (attrEnd === j) return -1;
    let key = nameAt(text, j, attrEnd);
    j = attrEnd;
    if (text.charCodeAt(j) === COLON) {
      // Only the `xml` prefix, bound in every document; other prefixes need real namespace handling.
      if (key !== "xml") return -1;
      const localEnd = nameEnd(text, j + 1);
      if (localEnd === j + 1) return -1;
      key = intern(`xml:${text.slice(j + 1, localEnd)}`);
      j = localEnd;
    }
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== EQ) return -1;
    j++;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    const quote = text.charCodeAt(j);
    if (quote !== QUOT && quote !== APOS) return -1;
    const close = text.indexOf(quote === QUOT ? '"' : "'", j + 1);
    if (close < 0) return -1;
    const value = characterData(text, j + 1, close, true);
    if (value === undefined) return -1;
    j = close + 1;
    if (keys.includes(key)) return -1;
    keys.push(key);
    values.push(value);
  }
}

/**
 * The parsers' scratch: a tag's attributes, and the elements open (with their namespaces and
 * whether they are outside the stream's), reused by each call rather than made for each record
 * (seven arrays a stanza, made and dropped at once: garbage for the reading thread's collector).
 * Neither parser calls itself or the other.
 */
const tagKeys: string[] = [];
const tagValues: string[] = [];
const openElements: XmlElement[] = [];
const openUris: string[] = [];
const openForeign: boolean[] = [];

/**
 * A record's root element as far as its start tag, for what only its attributes are read of (a
 * SEND line: what the server sent is its own serialisation, and not simulated): its name and
 * attributes (`xmlns` left out), or undefined when the start tag holds anything left to saxes or
 * the record does not end where the element does (a record cut short). What lies between is not
 * read.
 */
export function readStartTag(text: string): { readonly name: string; readonly attr: Readonly<Record<string, string>> } | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  if (text.charCodeAt(start) !== LT) return undefined;
  const nameStop = nameEnd(text, start + 1);
  if (nameStop === start + 1) return undefined;
  const name = nameAt(text, start + 1, nameStop);
  const keys = tagKeys;
  const values = tagValues;
  keys.length = 0;
  values.length = 0;
  const j = readAttributes(text, nameStop, keys, values);
  if (j < 0) return undefined;
  if (text.charCodeAt(j - 2) === SLASH ? j !== end : !(text.endsWith(">", end) && closesAt(text, name, end))) return undefined;
  const attr: Record<string, string> = {};
  for (let k = 0; k < keys.length; k++) if (keys[k] !== "xmlns") attr[keys[k]!] = values[k]!;
  return { name, attr };
}

/** Whether `</name>` (with spaces before its `>`) ends at `end`. */
function closesAt(text: string, name: string, end: number): boolean {
  let i = end - 2;
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
  const open = i + 1 - name.length - 2;
  return open >= 0 && text.charCodeAt(open) === LT && text.charCodeAt(open + 1) === SLASH && text.startsWith(name, open + 2);
}

/**
 * Parses one record holding exactly one stanza (surrounding whitespace allowed). `maxTextChars`:
 * beyond that much text the record is left to saxes, which reports it as too large; so is one
 * nested deeper than {@link maxStanzaDepth}.
 */
export function parseStanzaRecord(text: string, defaultNamespace: string, maxTextChars: number): XmlElement | undefined {
  const n = text.length;
  if (text.indexOf("\r") >= 0) return undefined;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const elements = openElements;
  const uris = openUris;
  const foreign = openForeign;
  elements.length = 0;
  uris.length = 0;
  foreign.length = 0;
  let root: XmlElement | undefined;
  let textChars = 0;
  for (;;) {
    if (text.charCodeAt(i) !== LT) return undefined;
    if (text.charCodeAt(i + 1) === SLASH) {
      const top = elements.length - 1;
      if (top < 0) return undefined;
      const name = elements[top]!.name;
      if (!text.startsWith(name, i + 2)) return undefined;
      let j = i + 2 + name.length;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== GT) return undefined;
      i = j + 1;
      elements.pop();
      uris.pop();
      foreign.pop();
      if (top === 0) break;
    } else {
      // Deeper than the limit: left to saxes, whose reader reports it (and stops there).
      if (elements.length >= maxStanzaDepth) return undefined;
      const end = nameEnd(text, i + 1);
      if (end === i + 1) return undefined;
      const name = nameAt(text, i + 1, end);
      const keys = tagKeys;
      const values = tagValues;
      keys.length = 0;
      values.length = 0;
      const j = readAttributes(text, end, keys, values);
      if (j < 0) return undefined;
      const selfClosing = text.charCodeAt(j - 2) === SLASH;
      const at = keys.indexOf("xmlns");
      let declared: string | undefined;
      if (at >= 0) {
        declared = values[at]!;
        if (reservedNamespaces.has(declared)) return undefined;
        keys.splice(at, 1);
        values.splice(at, 1);
      }
      const top = elements.length === 0;
      const uri = declared ?? (top ? "" : uris[uris.length - 1]!);
      let isForeign: boolean;
      let xmlns: string;
      if (top) {
        if (!stanzaNames.has(name) || !stanzaNamespaces.has(uri)) return undefined;
        isForeign = uri !== "" && uri !== defaultNamespace;
        xmlns = uri;
      } else {
        xmlns = uri === "" ? defaultNamespace : uri;
        isForeign = foreign[foreign.length - 1]! || xmlns !== defaultNamespace;
      }
      const attr: Record<string, string> = {};
      if (isForeign) attr.xmlns = xmlns;
      for (let k = 0; k < keys.length; k++) attr[keys[k]!] = values[k]!;
      const element = new XmlElement(name, attr);
      if (top) root = element;
      else elements[elements.length - 1]!.children.push(element);
      i = j;
      if (selfClosing) {
        if (top) break;
      } else {
        elements.push(element);
        uris.push(uri);
        foreign.push(isForeign);
      }
    }
    const lt = text.indexOf("<", i);
    if (lt < 0) return undefined;
    if (lt > i) {
      const data = characterData(text, i, lt, false);
      if (data === undefined) return undefined;
      textChars += data.length;
      if (textChars > maxTextChars) return undefined;
      elements[elements.length - 1]!.children.push(data);
    }
    i = lt;
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 || next === 0x3f) return undefined; // <! and <?: comments, CDATA, PIs
  }
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  return i === n ? root : undefined;
}
