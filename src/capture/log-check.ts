import type { SimResult } from "../sim/engine.js";
import type { SendLine } from "./prosody-log.js";

/**
 * A Prosody log also shows what the server really did: its SEND lines. Where they contradict the
 * simulation — the simulator stopped a stanza the server delivered, or let through a stanza the
 * server bounced — the disagreement is reported. (A log cannot prove a delivery did not happen:
 * recipients may be offline; only contradictions are counted.)
 *
 * A capture is read a chunk at a time and simulated after, so a SEND line may be seen before or
 * after the simulation of the stanza it answers: both are kept for a while, and whichever comes
 * second makes the comparison.
 */
export interface LogDisagreement {
  readonly file: string;
  readonly line: number;
  readonly simulated: string;
  readonly logged: string;
  readonly sendLine: number;
}

// SEND lines follow their RECV closely in a log: a bounded window keeps memory flat.
const window = 4_096;
/** Chain heads of {@link Recent}: a power of two. */
const buckets = 4 * window;

/**
 * The `window` most recent entries, by stanza id and sender. An entry is no object of its own:
 * its data lives in arrays made once, at its sequence number modulo the window, and a sequence
 * number whose slot holds a newer one is gone (so is every entry after it on its chain, all
 * older).
 * An entry holds no string either, only the two hashes of its id and sender ({@link Key}): a
 * string kept for a window of stanzas outlived two young-generation collections and was copied
 * into the old one, with the record it was cut from (the simulating thread's collector promoted
 * 186 bytes a stanza on a debug log, measured, most of them these). Two different entries
 * mistaken for each other need both hashes to agree, 64 bits: about once in 10^15 lookups with a
 * full window, and it would only misreport one comparison of the log check, never a verdict.
 * Entries are chained, newest first, from a table of heads indexed by the low bits of the first
 * hash (four heads an entry: the chains are short): no map, whose lookups were a tenth of the
 * simulating thread on a debug log (measured, both with strings and with numbers for keys). An
 * entry replaced or deleted is taken off its chain, so that a chain holds one entry per id and
 * sender.
 */
class Recent {
  private readonly heads = new Float64Array(buckets).fill(-1);
  private readonly seqs = new Float64Array(window).fill(-1);
  private readonly older = new Float64Array(window).fill(-1);
  private readonly hashes = new Int32Array(window);
  private readonly seconds = new Int32Array(window);
  private next = 0;

  /** Adds an entry (replacing one with the same id and sender): its slot, for the caller's data. */
  add(key: Key): number {
    this.remove(key);
    const bucket = key.hash & (buckets - 1);
    const seq = this.next++;
    const slot = slotOf(seq);
    this.seqs[slot] = seq;
    this.older[slot] = this.heads[bucket]!;
    this.hashes[slot] = key.hash;
    this.seconds[slot] = key.second;
    this.heads[bucket] = seq;
    return slot;
  }

  /** The slot of the entry with this id and sender, or -1. */
  find(key: Key): number {
    for (let seq = this.heads[key.hash & (buckets - 1)]!; seq >= 0; ) {
      const slot = slotOf(seq);
      if (this.seqs[slot] !== seq) return -1;
      if (this.hashes[slot] === key.hash && this.seconds[slot] === key.second) return slot;
      seq = this.older[slot]!;
    }
    return -1;
  }

  /** Takes the entry of this id and sender, if any, off its chain. */
  delete(key: Key): void {
    this.remove(key);
  }

  private remove(key: Key): void {
    const bucket = key.hash & (buckets - 1);
    let before = -1;
    for (let seq = this.heads[bucket]!; seq >= 0; ) {
      const slot = slotOf(seq);
      if (this.seqs[slot] !== seq) return;
      const next = this.older[slot]!;
      if (this.hashes[slot] === key.hash && this.seconds[slot] === key.second) {
        if (before >= 0) this.older[slotOf(before)] = next;
        else this.heads[bucket] = next;
        return;
      }
      before = seq;
      seq = next;
    }
  }
}

/** How a stanza and its SEND lines find each other: two hashes of an id and a sender. */
interface Key {
  /** FNV-1a of both (32 bits; its low bits choose the chain). */
  readonly hash: number;
  /** Another hash of both (other multipliers, 32 bits), which tells apart entries the first one does not. */
  readonly second: number;
}

function keyOf(id: string, who: string): Key {
  let h = 0x811c9dc5;
  let g = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    g = Math.imul(g ^ c, 0x5bd1e995);
    g ^= g >>> 15;
  }
  // The two apart: U+0000 between them.
  h = Math.imul(h, 0x01000193);
  g = Math.imul(g, 0x5bd1e995);
  g ^= g >>> 15;
  for (let i = 0; i < who.length; i++) {
    const c = who.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    g = Math.imul(g ^ c, 0x5bd1e995);
    g ^= g >>> 15;
  }
  return { hash: h | 0, second: g | 0 };
}

/** A session's hash, to tell a delivery to another session from an error back to the sender's (the two agree on a collision: one comparison missed in 4 billion). */
function sessionHash(session: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < session.length; i++) h = Math.imul(h ^ session.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** An entry's slot: `&` keeps the low bits of any integer below 2^53, so the slot stays right past 2^31 entries. */
function slotOf(seq: number): number {
  return seq & (window - 1);
}

/** What tells a stanza apart besides its id: its name, type and recipient. */
export interface StanzaKey {
  readonly name: string;
  readonly type?: string | undefined;
  readonly to?: string | undefined;
}

const subscriptionTypes = new Set(["subscribe", "subscribed", "unsubscribe", "unsubscribed"]);

function bare(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

/**
 * How a stanza and the SEND line of its delivery find each other: by id and sender. A
 * subscription request or answer is delivered from the sender's bare JID, and clients rarely give
 * it an id (seen in real Prosody logs): it is matched by its type, bare sender and bare
 * recipient instead, whatever its id. Undefined: the stanza cannot be matched.
 */
function matchKey(stanza: StanzaKey | undefined, id: string | undefined, from: string | undefined, to: string | undefined): Key | undefined {
  if (!from) return undefined;
  if (stanza?.name === "presence" && stanza.type !== undefined && subscriptionTypes.has(stanza.type)) {
    return to ? keyOf(`\u0001${stanza.type}\u0001${bare(to)}`, bare(from)) : undefined;
  }
  return id ? keyOf(id, from) : undefined;
}

const verdicts: readonly SimResult["verdict"][] = ["pass", "drop", "bounce", "redirect", "default", "error", "unsimulatable"];

/** What the comparison needs of a simulated stanza… */
interface Prediction {
  readonly file: string;
  readonly line: number;
  /** {@link sessionHash} of its session. */
  readonly session: number;
  readonly verdict: SimResult["verdict"];
  /** An error back is no news: an iq request (any entity may refuse one) or a stanza for an account that does not exist. */
  readonly errorExplained: boolean;
}

/** …and of a SEND line. */
interface Sent {
  readonly error: boolean;
  readonly session: number;
  readonly line: number;
}

/**
 * All the log check needs of a SEND line: numbers only, made where the log is read, so that a
 * SEND line crosses between threads as five numbers and no strings.
 */
export interface SentKey extends Sent, Key {}

/**
 * A SEND line's key, or undefined when it cannot be matched with a stanza. An error goes back to
 * the sender of the stanza with its id; a delivery comes from it.
 */
export function sentKey(o: SendLine): SentKey | undefined {
  const error = o.type === "error";
  const key = error ? (o.id && o.to ? keyOf(o.id, o.to) : undefined) : matchKey({ name: o.name, type: o.type }, o.id, o.from, o.to);
  return key && { hash: key.hash, second: key.second, error, session: sessionHash(o.session), line: o.line };
}

export class LogCheck {
  /** Simulated stanzas: file, line, session, verdict, whether an error back says nothing of the firewall. */
  private readonly predictions = new Recent();
  private readonly pFile: string[] = new Array<string>(window).fill("");
  private readonly pLine = new Float64Array(window);
  private readonly pSession = new Int32Array(window);
  private readonly pVerdict = new Uint8Array(window);
  private readonly pExplained = new Uint8Array(window);
  /** SEND lines: an error sent back to the sender, or a delivery to another session. */
  private readonly sends = new Recent();
  private readonly sError = new Uint8Array(window);
  private readonly sSession = new Int32Array(window);
  private readonly sLine = new Float64Array(window);
  readonly disagreements: LogDisagreement[] = [];
  count = 0;

  /**
   * Predictions not yet indexed, oldest first: a ring of the last `window` (older ones would be
   * gone from the index too). A log without SEND lines (a capture of incoming traffic only) never
   * needs the index, which cost a tenth of a replay; the first SEND line indexes what is here and
   * from then on each prediction is indexed as it comes.
   */
  private indexing = false;
  private queued = 0;
  private queueStart = 0;
  private readonly qFile: string[] = new Array<string>(window).fill("");
  private readonly qLine = new Float64Array(window);
  private readonly qSession = new Int32Array(window);
  private readonly qHash = new Int32Array(window);
  private readonly qSecond = new Int32Array(window);
  private readonly qVerdict = new Uint8Array(window);
  private readonly qExplained = new Uint8Array(window);

  /**
   * A simulated stanza from a log (keyed by sender and id; stanzas without id cannot be matched).
   * `errorExplained`: an error the server sends back for it says nothing of the firewall.
   */
  predict(file: string, line: number, session: string | undefined, from: string | undefined, id: string | undefined, result: SimResult, errorExplained = false, stanza?: StanzaKey): void {
    if (!session || !from) return;
    const key = matchKey(stanza, id, from, stanza?.to);
    if (!key) return;
    const verdict = verdicts.indexOf(result.verdict);
    if (this.indexing) {
      this.index(key, file, line, sessionHash(session), verdict, errorExplained);
      return;
    }
    let at: number;
    if (this.queued < window) at = (this.queueStart + this.queued++) & (window - 1);
    else {
      at = this.queueStart;
      this.queueStart = (this.queueStart + 1) & (window - 1);
    }
    this.qFile[at] = file;
    this.qLine[at] = line;
    this.qSession[at] = sessionHash(session);
    this.qHash[at] = key.hash;
    this.qSecond[at] = key.second;
    this.qVerdict[at] = verdict;
    this.qExplained[at] = errorExplained ? 1 : 0;
  }

  /** Indexes the queued predictions, in order, and every later one as it comes. */
  private startIndexing(): void {
    this.indexing = true;
    for (let k = 0; k < this.queued; k++) {
      const at = (this.queueStart + k) & (window - 1);
      this.index({ hash: this.qHash[at]!, second: this.qSecond[at]! }, this.qFile[at]!, this.qLine[at]!, this.qSession[at]!, this.qVerdict[at]!, this.qExplained[at] === 1);
    }
    this.queued = 0;
  }

  private index(key: Key, file: string, line: number, session: number, verdict: number, errorExplained: boolean): void {
    const seen = this.sends.find(key);
    if (seen >= 0 && this.contradicts(key, { file, line, session, verdict: verdicts[verdict]!, errorExplained }, { error: this.sError[seen] === 1, session: this.sSession[seen]!, line: this.sLine[seen]! })) return;
    const slot = this.predictions.add(key);
    this.pFile[slot] = file;
    this.pLine[slot] = line;
    this.pSession[slot] = session;
    this.pVerdict[slot] = verdict;
    this.pExplained[slot] = errorExplained ? 1 : 0;
  }

  /** A SEND line of the log, as {@link sentKey} gives it. */
  sent(k: SentKey): void {
    if (!this.indexing) this.startIndexing();
    const key: Key = { hash: k.hash, second: k.second };
    const p = this.predictions.find(key);
    if (p >= 0) this.contradicts(key, { file: this.pFile[p]!, line: this.pLine[p]!, session: this.pSession[p]!, verdict: verdicts[this.pVerdict[p]!]!, errorExplained: this.pExplained[p] === 1 }, k);
    else {
      const slot = this.sends.add(key);
      this.sError[slot] = k.error ? 1 : 0;
      this.sSession[slot] = k.session;
      this.sLine[slot] = k.line;
    }
  }

  /** Compares; a contradiction is counted once (a stanza delivered to several resources is one). */
  private contradicts(key: Key, p: Prediction, s: Sent): boolean {
    const v = p.verdict;
    let logged: string | undefined;
    if (s.error) logged = v === "pass" && !p.errorExplained ? "the server sent an error back" : undefined;
    else if (s.session !== p.session && (v === "drop" || v === "bounce" || v === "default" || v === "error")) logged = "the server delivered it";
    if (logged === undefined) return false;
    this.predictions.delete(key);
    this.sends.delete(key);
    this.count++;
    if (this.disagreements.length < 50) this.disagreements.push({ file: p.file, line: p.line, simulated: v, logged, sendLine: s.line });
    return true;
  }

  text(): string {
    if (this.count === 0) return "";
    return [
      `the log disagrees with the simulation on ${this.count} stanza${this.count === 1 ? "" : "s"}:`,
      ...this.disagreements.slice(0, 20).map((d) => `  ${d.file}:${d.line}: simulated ${d.simulated}, but ${d.logged} (log line ${d.sendLine})`),
    ].join("\n") + "\n";
  }
}
