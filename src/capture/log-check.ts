import type { SimResult } from "../sim/engine.js";

/**
 * A Prosody log also shows what the server really did: its SEND lines. Where they contradict the
 * simulation — the simulator stopped a stanza the server delivered, or let through a stanza the
 * server bounced — the disagreement is reported. (A log cannot prove a delivery did not happen:
 * recipients may be offline; only contradictions are counted.)
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
  readonly file: string;
  readonly line: number;
  readonly session: string;
  readonly verdict: SimResult["verdict"];
}

// SEND lines follow their RECV closely in a log: a bounded window keeps memory flat.
const window = 20_000;

export class LogCheck {
  private readonly predictions = new Map<string, Prediction>();
  readonly disagreements: LogDisagreement[] = [];
  count = 0;

  /** A simulated stanza from a log (keyed by sender and id; stanzas without id cannot be matched). */
  predict(file: string, line: number, session: string | undefined, from: string | undefined, id: string | undefined, result: SimResult): void {
    if (!session || !from || !id) return;
    this.predictions.set(`${from}\u0000${id}`, { file, line, session, verdict: result.verdict });
    if (this.predictions.size > window) this.predictions.delete(this.predictions.keys().next().value!);
  }

  /** A SEND line of the log. */
  sent(o: { session: string; id: string | undefined; to: string | undefined; from: string | undefined; type: string | undefined; line: number }): void {
    if (!o.id) return;
    if (o.type === "error") {
      // An error sent back to the sender of a stanza with this id.
      const p = o.to ? this.predictions.get(`${o.to}\u0000${o.id}`) : undefined;
      if (p && p.verdict === "pass") this.add(p, "the server sent an error back", o.line);
      return;
    }
    const p = o.from ? this.predictions.get(`${o.from}\u0000${o.id}`) : undefined;
    if (!p || o.session === p.session) return;
    const v = p.verdict;
    if (v === "drop" || v === "bounce" || v === "default" || v === "error") this.add(p, "the server delivered it", o.line);
  }

  private add(p: Prediction, logged: string, sendLine: number): void {
    // A stanza delivered to several resources is one disagreement.
    for (const [k, x] of this.predictions) if (x === p) this.predictions.delete(k);
    this.count++;
    if (this.disagreements.length < 50) this.disagreements.push({ file: p.file, line: p.line, simulated: p.verdict, logged, sendLine });
  }

  text(): string {
    if (this.count === 0) return "";
    return [
      `the log disagrees with the simulation on ${this.count} stanza${this.count === 1 ? "" : "s"}:`,
      ...this.disagreements.slice(0, 20).map((d) => `  ${d.file}:${d.line}: simulated ${d.simulated}, but ${d.logged} (log line ${d.sendLine})`),
    ].join("\n") + "\n";
  }
}
