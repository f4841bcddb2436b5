import type { SimResult } from "../sim/engine.js";

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

/** Only what the comparison needs: a whole result per stanza would grow memory with the capture. */
interface Prediction {
  /** The stanza's sender (with its id, what a SEND line is matched by). */
  readonly who: string;
  readonly file: string;
  readonly line: number;
  readonly session: string;
  readonly verdict: SimResult["verdict"];
  /** An error back is no news: an iq request (any entity may refuse one) or a stanza for an account that does not exist. */
  readonly errorExplained: boolean;
  /** Another stanza with the same id, from another sender. */
  other: Prediction | undefined;
}

/** What a SEND line showed: an error sent back to the sender, or a delivery to another session. */
interface Sent {
  readonly who: string;
  readonly error: boolean;
  readonly session: string;
  readonly line: number;
  other: Sent | undefined;
}

// SEND lines follow their RECV closely in a log: a bounded window keeps memory flat.
const window = 4_000;

/**
 * The most recent entries, at least `window / 2` and at most `window` of them, by stanza id: two
 * generations of maps, the older dropped whole. (Evicting one entry at a time from a Map's front
 * is slow in V8: iteration skips over every deleted entry still in the table.) Keyed by the id
 * alone, with the few ids two senders share chained: a key made of sender and id would be a new
 * string per stanza, kept for thousands of stanzas, which is what the collector pays for most.
 */
class Recent<V extends { readonly who: string; other: V | undefined }> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();

  set(id: string, value: V): void {
    if (this.current.has(id)) {
      // A newer entry for the same sender and id replaces the older one, as a key of both would.
      remove(this.current, id, value.who);
      value.other = this.current.get(id);
      this.current.set(id, value);
      return;
    }
    this.current.set(id, value);
    if (this.current.size >= window / 2) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  get(id: string, who: string): V | undefined {
    return find(this.current.get(id), who) ?? find(this.previous.get(id), who);
  }

  delete(id: string, who: string): void {
    remove(this.current, id, who);
    remove(this.previous, id, who);
  }
}

function find<V extends { readonly who: string; other: V | undefined }>(entry: V | undefined, who: string): V | undefined {
  for (let e = entry; e; e = e.other) if (e.who === who) return e;
  return undefined;
}

function remove<V extends { readonly who: string; other: V | undefined }>(map: Map<string, V>, id: string, who: string): void {
  let e = map.get(id);
  let before: V | undefined;
  for (; e; before = e, e = e.other) {
    if (e.who !== who) continue;
    if (before) before.other = e.other;
    else if (e.other) map.set(id, e.other);
    else map.delete(id);
    return;
  }
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
function matchKey(stanza: StanzaKey | undefined, id: string | undefined, from: string | undefined, to: string | undefined): { id: string; who: string } | undefined {
  if (!from) return undefined;
  if (stanza?.name === "presence" && stanza.type !== undefined && subscriptionTypes.has(stanza.type)) {
    return to ? { id: `\u0001${stanza.type}\u0001${bare(to)}`, who: bare(from) } : undefined;
  }
  return id ? { id, who: from } : undefined;
}

export class LogCheck {
  private readonly predictions = new Recent<Prediction>();
  private readonly sends = new Recent<Sent>();
  readonly disagreements: LogDisagreement[] = [];
  count = 0;

  /**
   * A simulated stanza from a log (keyed by sender and id; stanzas without id cannot be matched).
   * `errorExplained`: an error the server sends back for it says nothing of the firewall.
   */
  predict(file: string, line: number, session: string | undefined, from: string | undefined, id: string | undefined, result: SimResult, errorExplained = false, stanza?: StanzaKey): void {
    const key = matchKey(stanza, id, from, stanza?.to);
    if (!session || !key) return;
    const p: Prediction = { who: key.who, file, line, session, verdict: result.verdict, errorExplained, other: undefined };
    const seen = this.sends.get(key.id, key.who);
    if (seen && this.contradicts(key.id, p, seen)) return;
    this.predictions.set(key.id, p);
  }

  /** A SEND line of the log. */
  sent(o: { session: string; name?: string | undefined; id: string | undefined; to: string | undefined; from: string | undefined; type: string | undefined; line: number }): void {
    // An error goes back to the sender of the stanza with this id; a delivery comes from it.
    const error = o.type === "error";
    const key = error ? (o.id && o.to ? { id: o.id, who: o.to } : undefined) : matchKey(o.name !== undefined ? { name: o.name, type: o.type } : undefined, o.id, o.from, o.to);
    if (!key) return;
    const s: Sent = { who: key.who, error, session: o.session, line: o.line, other: undefined };
    const p = this.predictions.get(key.id, key.who);
    if (p) this.contradicts(key.id, p, s);
    else this.sends.set(key.id, s);
  }

  /** Compares; a contradiction is counted once (a stanza delivered to several resources is one). */
  private contradicts(id: string, p: Prediction, s: Sent): boolean {
    const v = p.verdict;
    let logged: string | undefined;
    if (s.error) logged = v === "pass" && !p.errorExplained ? "the server sent an error back" : undefined;
    else if (s.session !== p.session && (v === "drop" || v === "bounce" || v === "default" || v === "error")) logged = "the server delivered it";
    if (logged === undefined) return false;
    this.predictions.delete(id, p.who);
    this.sends.delete(id, p.who);
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
