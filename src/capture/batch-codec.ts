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
 * An item's string holds its values only (attribute values, texts, annotations): what is the same
 * in thousands of stanzas, the structure (namespace, element names, attribute and annotation keys,
 * where texts are), travels once, as a numbered {@link Structure}, and the item names its number.
 * The simulating thread, which bounds a run, then splits half as many tokens, and makes the
 * objects of a structure met often with a function made for it (object literals, which V8 builds
 * from one template), not key by key.
 *
 * The separators are U+001C to U+001F. None can occur in a well-formed XML document (they are not
 * XML characters, not even as character references), so the names, values and texts of a stanza
 * the XML readers parsed never hold them, and its tree is not searched for them
 * (test/capture/read-in-worker.test.ts checks that both readers refuse them). Anything else that
 * does (a problem's message may quote its input, an annotation is the log's) travels as a cloned
 * object instead.
 *
 * SEND lines travel as numbers (their keys for the log check), in a buffer handed over whole.
 */

/** Between an item's tokens. */
const SEP = "\u001f";
/** Between the keys of a record or an element. */
const KEYS = "\u001e";
/** Between the parts of a structure. */
const PARTS = "\u001d";
/** Before a record's key whose value is `true` (newSession, unbound: the one value that is not a string). */
const TRUE = "\u001c";
const separators = /[\u001c-\u001f]/;

export interface EncodedBatch {
  /** An item each. */
  readonly tokens: readonly string[];
  /** The structures first met in this batch, numbered on from those of the batches before. */
  readonly structures: readonly string[];
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

/**
 * Names (a namespace, a record's keys) go into a structure: they must hold no separator at all.
 * A capture repeats a handful of them, the same strings each time (a record's keys are its
 * literal's): those found safe are remembered.
 */
const safeNames = new Set<string>();

function safeName(s: string): boolean {
  if (safeNames.has(s)) return true;
  if (separators.test(s)) return false;
  if (safeNames.size < 1000) safeNames.add(s);
  return true;
}

function recordIsSafe(record: object): boolean {
  const values = record as Readonly<Record<string, unknown>>;
  for (const k in values) {
    const v = values[k];
    // A value is a token: it must not hold the tokens' separator.
    if (!safeName(k) || (typeof v === "string" && v.indexOf(SEP) >= 0)) return false;
  }
  return true;
}

function plain(e: XmlElement): PlainElement {
  return { name: e.name, attr: { ...e.attr }, children: e.children.map((c) => (typeof c === "string" ? c : plain(c))) };
}

function fromPlain(p: PlainElement): XmlElement {
  return new XmlElement(p.name, { ...p.attr }, p.children.map((c): XmlNode => (typeof c === "string" ? c : fromPlain(c))));
}

/**
 * How many structures a reading numbers, how long one may be, and how many characters they may
 * hold in all: both threads keep each one for the rest of the reading. The items of any other
 * structure carry it inline (a capture may invent names, and a client's pubsub publish or roster
 * set of each size is a structure of its own).
 */
const maxStructures = 10_000;
const maxStructureChars = 4096;
const maxStructuresChars = 4_000_000;

/** What the encoder compares an item with: a structure, made of the strings of the first item that had it. */
interface NumberedStructure {
  readonly id: string;
  readonly streamNamespace: string;
  readonly annotations: RecordShape;
  readonly defaults: RecordShape;
  readonly tree: ElementShape;
}

function recordShape(record: object): RecordShape {
  const entries = record as Readonly<Record<string, unknown>>;
  const keys: string[] = [];
  const trues: boolean[] = [];
  for (const k in entries) {
    const v = entries[k];
    if (v === undefined) continue;
    keys.push(k);
    trues.push(v === true);
  }
  return { keys, trues };
}

function elementShape(e: XmlElement): ElementShape {
  return { name: e.name, keys: Object.keys(e.attr), children: e.children.map((c) => (typeof c === "string" ? null : elementShape(c))) };
}

/** How many of the last structures met the encoder compares an item with. */
const recentSize = 8;

/**
 * The reading thread's half: numbers structures as it meets them (one encoder per capture read,
 * its batches decoded in order by one {@link BatchDecoder}).
 */
export class BatchEncoder {
  private readonly ids = new Map<string, number>();
  /** The numbered structures' length in all. */
  private chars = 0;
  private structure = "";
  private values = "";
  /**
   * The last structures met, which an item is compared with before its structure is written out:
   * a run of a capture's items repeats a few of them, and walking one costs less than writing a
   * structure's string and hashing it (a third of this thread's encoding time, measured).
   */
  private readonly recent: NumberedStructure[] = [];
  private recentNext = 0;

  /** The number of a recent structure the item has (its values in {@link values}), or undefined. */
  private recentMatch(item: TrafficStanza): string | undefined {
    const e = item.stanza;
    for (const s of this.recent) {
      if (s.tree.name !== e.name || s.tree.children.length !== e.children.length || s.streamNamespace !== item.streamNamespace) continue;
      this.values = "";
      if (this.sameRecord(s.annotations, item.annotations) && this.sameRecord(s.defaults, item.defaults) && this.sameTree(s.tree, e)) return s.id;
    }
    return undefined;
  }

  private sameRecord(r: RecordShape, record: object): boolean {
    const entries = record as Readonly<Record<string, unknown>>;
    let j = 0;
    for (const k in entries) {
      const v = entries[k];
      if (v === undefined) continue;
      if (r.keys[j] !== k || r.trues[j] !== (v === true)) return false;
      if (v !== true) {
        const value = String(v);
        // A value is a token: one holding the tokens' separator travels as an object.
        if (value.indexOf(SEP) >= 0) return false;
        this.values += SEP + value;
      }
      j++;
    }
    return j === r.keys.length;
  }

  private sameTree(s: ElementShape, e: XmlElement): boolean {
    if (e.name !== s.name || e.children.length !== s.children.length) return false;
    let j = 0;
    for (const k in e.attr) {
      if (s.keys[j] !== k) return false;
      this.values += SEP + e.attr[k]!;
      j++;
    }
    if (j !== s.keys.length) return false;
    for (let c = 0; c < s.children.length; c++) {
      const child = e.children[c]!;
      const shape = s.children[c]!;
      if (typeof child === "string") {
        if (shape !== null) return false;
        this.values += SEP + child;
      } else if (shape === null || !this.sameTree(shape, child)) return false;
    }
    return true;
  }

  /** Encodes items (all of one file, their stanzas parsed from XML) and the SEND lines read with them. */
  encode(items: readonly TrafficItem[], sends: readonly SentKey[]): EncodedBatch {
    const out: string[] = [];
    const structures: string[] = [];
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
      // A structure met lately: its names were found safe, and the walk checks the values.
      const known = this.recentMatch(item);
      if (known !== undefined) {
        out.push(known + SEP + item.line + SEP + item.column + this.values);
        continue;
      }
      if (!safeName(item.streamNamespace) || !recordIsSafe(item.annotations) || !recordIsSafe(item.defaults)) {
        out.push("O" + SEP + objects.length);
        objects.push({ ...item, stanza: plain(item.stanza) });
        continue;
      }
      this.structure = item.streamNamespace;
      this.values = "";
      this.record(item.annotations);
      this.record(item.defaults);
      this.tree(item.stanza);
      const structure = this.structure;
      let id = this.ids.get(structure);
      if (id === undefined && this.ids.size < maxStructures && structure.length <= maxStructureChars && this.chars + structure.length <= maxStructuresChars) {
        this.chars += structure.length;
        id = this.ids.size;
        this.ids.set(structure, id);
        structures.push(structure);
      }
      if (id !== undefined) {
        // Made of this item's strings, which the walk then compares by identity mostly (a
        // parser gives common names as the same strings); held by the few recent ones only, as
        // they keep the record they were cut from alive.
        this.recent[this.recentNext] = { id: String(id), streamNamespace: item.streamNamespace, annotations: recordShape(item.annotations), defaults: recordShape(item.defaults), tree: elementShape(item.stanza) };
        this.recentNext = (this.recentNext + 1) % recentSize;
      }
      out.push((id === undefined ? "I" + SEP + structure : String(id)) + SEP + item.line + SEP + item.column + this.values);
    }
    return { tokens: out, structures, objects, sent };
  }

  private record(record: object): void {
    const entries = record as Readonly<Record<string, unknown>>;
    let shape = "";
    let first = true;
    for (const k in entries) {
      const v = entries[k];
      if (v === undefined) continue;
      const key = v === true ? TRUE + k : k;
      shape += first ? key : KEYS + key;
      first = false;
      if (v !== true) this.values += SEP + String(v);
    }
    this.structure += PARTS + shape;
  }

  /** String concatenation beats arrays of parts here (measured). */
  private tree(e: XmlElement): void {
    let shape = "";
    let values = "";
    let first = true;
    for (const k in e.attr) {
      shape += first ? k : KEYS + k;
      first = false;
      values += SEP + e.attr[k]!;
    }
    this.structure += PARTS + e.name + PARTS + shape + PARTS + e.children.length;
    this.values += values;
    for (const c of e.children) {
      if (typeof c === "string") {
        this.structure += PARTS + "t";
        this.values += SEP + c;
      } else {
        this.structure += PARTS + "e";
        this.tree(c);
      }
    }
  }
}

/** A record's keys, and which of them hold `true` (no token). */
interface RecordShape {
  readonly keys: readonly string[];
  readonly trues: readonly boolean[];
}

/** An element's name and attribute keys, and its children: elements, or texts (null). */
interface ElementShape {
  readonly name: string;
  readonly keys: readonly string[];
  readonly children: readonly (ElementShape | null)[];
}

type Build = (t: readonly string[], file: string, element: typeof XmlElement, defaults: typeof noDefaults) => TrafficStanza;

/** What the items of a structure share, read from its string; made into a function once met often. */
interface Structure {
  readonly streamNamespace: string;
  readonly annotations: RecordShape;
  readonly defaults: RecordShape;
  readonly tree: ElementShape;
  /** How many tokens its items carry (line and column included). */
  readonly tokens: number;
  /** The structure's string, for its function. */
  readonly text: string;
  uses: number;
  build: Build | undefined;
}

/** A structure's items are made by a function of their own from this many on (fewer: not worth compiling). */
const compileAfter = 16;
/** At most this many such functions (each a few kilobytes of code). */
const maxCompiled = 2000;

function parseStructure(text: string): Structure {
  const parts = text.split(PARTS);
  let p = 0;
  let tokens = 3;
  const record = (): RecordShape => {
    const shape = parts[p++]!;
    if (shape === "") return { keys: [], trues: [] };
    const keys: string[] = [];
    const trues: boolean[] = [];
    for (const key of shape.split(KEYS)) {
      const isTrue = key.startsWith(TRUE);
      keys.push(isTrue ? key.slice(1) : key);
      trues.push(isTrue);
      if (!isTrue) tokens++;
    }
    return { keys, trues };
  };
  const element = (): ElementShape => {
    const name = parts[p++]!;
    const shape = parts[p++]!;
    const keys = shape === "" ? [] : shape.split(KEYS);
    tokens += keys.length;
    const count = Number(parts[p++]);
    const children: (ElementShape | null)[] = [];
    for (let k = 0; k < count; k++) {
      if (parts[p++] === "t") {
        children.push(null);
        tokens++;
      } else children.push(element());
    }
    return { name, keys, children };
  };
  const streamNamespace = parts[p++]!;
  const annotations = record();
  const defaults = record();
  const tree = element();
  if (p !== parts.length) throw new Error("internal error: a structure in an encoded batch does not end where its tree does");
  return { streamNamespace, annotations, defaults, tree, tokens, text, uses: 0, build: undefined };
}

/**
 * The function that makes a structure's items from their tokens, as the interpreter
 * ({@link BatchDecoder.interpret}) does: same objects, same key order (tested against it). Keys are
 * written as JSON string literals; a structure with a `__proto__` key (which an object literal
 * reads as the prototype) is left to the interpreter.
 */
function compile(s: Structure): Build | undefined {
  let at = 3;
  let proto = false;
  const key = (k: string): string => {
    if (k === "__proto__") proto = true;
    return JSON.stringify(k);
  };
  const record = (r: RecordShape): string => `{${r.keys.map((k, i) => `${key(k)}: ${r.trues[i] ? "true" : `t[${at++}]`}`).join(", ")}}`;
  const element = (e: ElementShape): string => {
    const attr = `{${e.keys.map((k) => `${key(k)}: t[${at++}]`).join(", ")}}`;
    const children = e.children.map((c) => (c === null ? `t[${at++}]` : element(c)));
    return `new X(${JSON.stringify(e.name)}, ${attr}, [${children.join(", ")}])`;
  };
  // Tokens in the order they were written: annotations, defaults, then the tree.
  const annotations = record(s.annotations);
  const defaults = s.defaults.keys.length === 0 ? "noDefaults" : record(s.defaults);
  const stanza = element(s.tree);
  if (proto || at !== s.tokens) return undefined;
  const code = `return { kind: "stanza", file, line: Number(t[1]), column: Number(t[2]), stanza: ${stanza}, streamNamespace: ${JSON.stringify(s.streamNamespace)}, annotations: ${annotations}, defaults: ${defaults} };`;
  return new Function("t", "file", "X", "noDefaults", code) as Build;
}

/** The simulating thread's half: the batches of one {@link BatchEncoder}, in the order it made them. */
export class BatchDecoder {
  private readonly structures: Structure[] = [];
  private compiled = 0;

  /** Whether often-met structures get functions of their own (off: every item interpreted, for testing the two agree). */
  constructor(private readonly compiling = true) {}

  /** The items and SEND lines of an encoded batch, read from `file`. */
  decode(batch: EncodedBatch, file: string): DecodedBatch {
    const items: TrafficItem[] = [];
    const sends: SentKey[] = [];
    const sent = batch.sent;
    for (let at = 0; at < sent.length; at += sentFields) sends.push({ hash: sent[at]!, second: sent[at + 1]!, session: sent[at + 2]!, error: sent[at + 3] === 1, line: sent[at + 4]! });
    for (const s of batch.structures) this.structures.push(parseStructure(s));
    for (const tokens of batch.tokens) {
      const t = tokens.split(SEP);
      const tag = t[0]!;
      const c = tag.charCodeAt(0);
      if (c >= 0x30 && c <= 0x39) {
        const s = this.structures[Number(tag)];
        if (s === undefined) throw new Error(`internal error: structure ${tag} of an encoded batch was never given`);
        items.push(s.build ? s.build(t, file, XmlElement, noDefaults) : this.interpret(s, t, 0, file));
      } else if (tag === "I") items.push(this.interpret(parseStructure(t[1]!), t, 1, file));
      else if (tag === "P") items.push(batch.objects[Number(t[1])] as TrafficProblem);
      else if (tag === "O") {
        const o = batch.objects[Number(t[1])] as Omit<TrafficStanza, "stanza"> & { stanza: PlainElement };
        items.push({ ...o, stanza: fromPlain(o.stanza) });
      } else throw new Error(`internal error: unknown token '${tag}' in an encoded batch`);
    }
    return { items, sends };
  }

  /** An item from its structure and tokens (`skip`: tokens before the line, past the tag). */
  private interpret(s: Structure, t: readonly string[], skip: number, file: string): TrafficStanza {
    if (t.length !== s.tokens + skip) throw new Error("internal error: an item of an encoded batch does not have its structure's tokens");
    if (skip === 0 && ++s.uses === compileAfter && this.compiling && this.compiled < maxCompiled) {
      s.build = compile(s);
      if (s.build) this.compiled++;
    }
    let i = 1 + skip;
    const line = Number(t[i++]);
    const column = Number(t[i++]);
    const record = (r: RecordShape): Record<string, string | true> => {
      const o: Record<string, string | true> = {};
      for (let k = 0; k < r.keys.length; k++) o[r.keys[k]!] = r.trues[k] ? true : t[i++]!;
      return o;
    };
    const element = (e: ElementShape): XmlElement => {
      const attr: Record<string, string> = {};
      for (const key of e.keys) attr[key] = t[i++]!;
      const children: XmlNode[] = [];
      for (const c of e.children) children.push(c === null ? t[i++]! : element(c));
      return new XmlElement(e.name, attr, children);
    };
    const annotations = record(s.annotations) as EventAnnotations;
    const defaults = s.defaults.keys.length === 0 ? noDefaults : record(s.defaults);
    const stanza = element(s.tree);
    return { kind: "stanza", file, line, column, stanza, streamNamespace: s.streamNamespace, annotations, defaults };
  }
}
