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

export class LogCheck {
  private readonly predictions = new Recent<Prediction>();
  private readonly sends = new Recent<Sent>();
  readonly disagreements: LogDisagreement[] = [];
  count = 0;

  /**
   * A simulated stanza from a log (keyed by sender and id; stanzas without id cannot be matched).
   * `errorExplained`: an error the server sends back for it says nothing of the firewall.
   */
  predict(file: string, line: number, session: string | undefined, from: string | undefined, id: string | undefined, result: SimResult, errorExplained = false): void {
    if (!session || !from || !id) return;
    const p: Prediction = { who: from, file, line, session, verdict: result.verdict, errorExplained, other: undefined };
    const seen = this.sends.get(id, from);
    if (seen && this.contradicts(id, p, seen)) return;
    this.predictions.set(id, p);
  }

  /** A SEND line of the log. */
  sent(o: { session: string; id: string | undefined; to: string | undefined; from: string | undefined; type: string | undefined; line: number }): void {
    if (!o.id) return;
    // An error goes back to the sender of the stanza with this id; a delivery comes from it.
    const error = o.type === "error";
    const who = error ? o.to : o.from;
    if (!who) return;
    const s: Sent = { who, error, session: o.session, line: o.line, other: undefined };
    const p = this.predictions.get(o.id, who);
    if (p) this.contradicts(o.id, p, s);
    else this.sends.set(o.id, s);
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
