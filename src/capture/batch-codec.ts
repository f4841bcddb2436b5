import { noDefaults, type EventAnnotations, type TrafficItem, type TrafficProblem, type TrafficStanza } from "../sim/traffic.js";
import { XmlElement, type XmlNode } from "../sim/xml.js";
import type { SentKey } from "./log-check.js";

/**
 * Batches of traffic items as strings, one per item, for handing them from the thread that reads
 * a capture to the one that simulates it. Structured cloning of a batch's objects would cost about
 * as much as parsing them again; a string is copied in one go and split in one native call.
 *
 * One string per item, not per batch: the values split out of it are slices that keep the string
 * they were cut from alive, and some live as long as the run (a rate limiter's key, a session's
 * origin). Cut from a whole batch, each pinned its batch: memory grew with the number of senders
 * over the capture (over 400 MB for 1,000,000 stanzas from 10,000 servers). Cut from its item's string,
 * a value keeps a few hundred bytes.
 *
 * Tokens are separated by U+001F; U+001E separates a record's keys. Neither can occur in a
 * well-formed XML document (they are not XML characters, not even as character references), so
 * the names, values and texts of a stanza the XML readers parsed never hold them, and its tree is
 * not searched for them (test/capture/read-in-worker.test.ts checks that both readers refuse
 * them). Anything else that does (a problem's message may quote its input, an annotation is the
 * log's) travels as a cloned object instead.
 *
 * SEND lines travel as numbers (their keys for the log check), in a buffer handed over whole.
 */

const SEP = "\u001f";

export interface EncodedBatch {
  /** An item each. */
  readonly tokens: readonly string[];
  /** Problems, and stanzas holding a separator character: cloned, referred to by index. */
  readonly objects: readonly unknown[];
  /** The SEND lines' keys, {@link sentFields} numbers each: transferred, not copied. */
  readonly sent: Float64Array;
}

/** Numbers of a SEND line's key in {@link EncodedBatch.sent}: hash, second, session, error, line. */
const sentFields = 5;

export interface DecodedBatch {
  readonly items: TrafficItem[];
  readonly sends: SentKey[];
}

/** A tree as plain data (for the rare stanza that cannot be tokenised). */
interface PlainElement {
  readonly name: string;
  readonly attr: Record<string, string>;
  readonly children: readonly (PlainElement | string)[];
}

function safe(s: string): boolean {
  return s.indexOf(SEP) < 0 && s.indexOf(KEYS) < 0;
}

function recordIsSafe(record: object): boolean {
  const values = record as Readonly<Record<string, unknown>>;
  for (const k in values) {
    const v = values[k];
    if (!safe(k) || (typeof v === "string" && !safe(v))) return false;
  }
  return true;
}

/**
 * A record's keys travel as one token, its shape (the keys in order, joined by U+001E), and its
 * values after it: a batch repeats a few shapes (`from to type id`) thousands of times, and the
 * other side makes the objects with the same key strings each time, which V8 gives one layout.
 * A key never holds U+001E: keys are checked as every token is ({@link safe}).
 */
const KEYS = "\u001e";

/** The tokens of a tree, each preceded by a separator (string concatenation beats an array of tokens here). */
function treeTokens(e: XmlElement): string {
  let shape = "";
  let values = "";
  let first = true;
  for (const k in e.attr) {
    shape += first ? k : KEYS + k;
    first = false;
    values += SEP + e.attr[k]!;
  }
  let s = SEP + e.name + SEP + shape + values + SEP + e.children.length;
  for (const c of e.children) s += typeof c === "string" ? SEP + "t" + SEP + c : SEP + "e" + treeTokens(c);
  return s;
}

function recordTokens(record: object): string {
  const entries = record as Readonly<Record<string, unknown>>;
  let shape = "";
  let values = "";
  let first = true;
  for (const k in entries) {
    const v = entries[k];
    if (v === undefined) continue;
    shape += first ? k : KEYS + k;
    first = false;
    // `true` (newSession, unbound) is the one value that is not a string.
    values += SEP + (v === true ? "\u0001true" : String(v));
  }
  return SEP + shape + values;
}

/** The keys of a shape, made once per shape (a bounded number of them: a capture may invent names). */
const shapes = new Map<string, readonly string[]>();
const noKeys: readonly string[] = [];

/**
 * The last few shapes met, tried before the map: a batch alternates between two or three of them
 * (an annotation's, a stanza's), and comparing a token with one costs less than hashing it.
 */
const recentSize = 4;
const recentShapes: string[] = new Array<string>(recentSize).fill("");
const recentKeys: (readonly string[])[] = new Array<readonly string[]>(recentSize).fill(noKeys);
let recentNext = 0;

function keysOf(shape: string): readonly string[] {
  if (shape === "") return noKeys;
  for (let k = 0; k < recentSize; k++) if (recentShapes[k] === shape) return recentKeys[k]!;
  let keys = shapes.get(shape);
  if (!keys) {
    keys = shape.split(KEYS);
    if (shapes.size < 10_000) shapes.set(shape, keys);
  }
  recentShapes[recentNext] = shape;
  recentKeys[recentNext] = keys;
  recentNext = (recentNext + 1) % recentSize;
  return keys;
}

function plain(e: XmlElement): PlainElement {
  return { name: e.name, attr: { ...e.attr }, children: e.children.map((c) => (typeof c === "string" ? c : plain(c))) };
}

function fromPlain(p: PlainElement): XmlElement {
  return new XmlElement(p.name, { ...p.attr }, p.children.map((c): XmlNode => (typeof c === "string" ? c : fromPlain(c))));
}

/** Encodes items (all of one file, their stanzas parsed from XML) and the SEND lines read with them. */
export function encodeBatch(items: readonly TrafficItem[], sends: readonly SentKey[]): EncodedBatch {
  const out: string[] = [];
  const objects: unknown[] = [];
  // A debug log holds nearly as many SEND lines as stanzas: the log check needs five numbers of each.
  const sent = new Float64Array(sends.length * sentFields);
  for (let k = 0, at = 0; k < sends.length; k++, at += sentFields) {
    const s = sends[k]!;
    sent[at] = s.hash;
    sent[at + 1] = s.second;
    sent[at + 2] = s.session;
    sent[at + 3] = s.error ? 1 : 0;
    sent[at + 4] = s.line;
  }
  for (const item of items) {
    if (item.kind === "problem") {
      out.push("P" + SEP + objects.length);
      objects.push(item);
      continue;
    }
    if (!safe(item.streamNamespace) || !recordIsSafe(item.annotations) || !recordIsSafe(item.defaults)) {
      out.push("O" + SEP + objects.length);
      objects.push({ ...item, stanza: plain(item.stanza) });
      continue;
    }
    out.push("S" + SEP + item.line + SEP + item.column + SEP + item.streamNamespace + recordTokens(item.annotations) + recordTokens(item.defaults) + treeTokens(item.stanza));
  }
  return { tokens: out, objects, sent };
}

/** The items and SEND lines of an encoded batch, read from `file`. */
export function decodeBatch(batch: EncodedBatch, file: string): DecodedBatch {
  const items: TrafficItem[] = [];
  const sends: SentKey[] = [];
  const sent = batch.sent;
  for (let at = 0; at < sent.length; at += sentFields) sends.push({ hash: sent[at]!, second: sent[at + 1]!, session: sent[at + 2]!, error: sent[at + 3] === 1, line: sent[at + 4]! });
  let t: string[] = [];
  let i = 0;

  const record = (): Record<string, string | true> => {
    const keys = keysOf(t[i++]!);
    const r: Record<string, string | true> = {};
    for (const key of keys) {
      const v = t[i++]!;
      r[key] = v === "\u0001true" ? true : v;
    }
    return r;
  };
  const tree = (): XmlElement => {
    const name = t[i++]!;
    const keys = keysOf(t[i++]!);
    const attr: Record<string, string> = {};
    for (const key of keys) attr[key] = t[i++]!;
    const count = Number(t[i++]);
    const children: XmlNode[] = [];
    for (let k = 0; k < count; k++) children.push(t[i++] === "t" ? t[i++]! : tree());
    return new XmlElement(name, attr, children);
  };
  for (const tokens of batch.tokens) {
    t = tokens.split(SEP);
    i = 0;
    const tag = t[i++];
    if (tag === "S") {
      const line = Number(t[i++]);
      const column = Number(t[i++]);
      const streamNamespace = t[i++]!;
      const annotations = record() as EventAnnotations;
      const defaults = record();
      const stanza = tree();
      const item: TrafficStanza = { kind: "stanza", file, line, column, stanza, streamNamespace, annotations, defaults: Object.keys(defaults).length === 0 ? noDefaults : defaults };
      items.push(item);
    } else if (tag === "P") items.push(batch.objects[Number(t[i++])] as TrafficProblem);
    else if (tag === "O") {
      const o = batch.objects[Number(t[i++])] as Omit<TrafficStanza, "stanza"> & { stanza: PlainElement };
      items.push({ ...o, stanza: fromPlain(o.stanza) });
    } else throw new Error(`internal error: unknown token '${tag}' in an encoded batch`);
  }
  return { items, sends };
}
