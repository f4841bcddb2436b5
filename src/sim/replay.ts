import type { SimEvent, Simulator, SimResult } from "./engine.js";
import type { TrafficItem, TrafficProblem, TrafficStanza } from "./traffic.js";
import { XmlElement } from "./xml.js";

/** One simulated stanza. */
export interface ReplayRecord {
  readonly kind: "record";
  /** 0-based position among all stanzas of the run. */
  readonly index: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly time: number;
  readonly input: TrafficStanza;
  readonly result: SimResult;
}

export type ReplayItem = ReplayRecord | TrafficProblem;

const units: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** `+5s`, `+250ms`, `+2m`: a time step in seconds, or undefined. */
export function parseStep(text: string | undefined): number | undefined {
  const m = /^\+?(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text ?? "");
  return m ? Number(m[1]) * units[m[2]!]! : undefined;
}

/**
 * The time of each event, in seconds: its `time` (absolute ISO, or `+step` after the previous
 * event), else the enclosing `<traffic step>` after the previous event, else the same instant as
 * the previous event; the first event is at `<traffic start>` or the world's start. `sim`, `diff`
 * and `test` replay on this one clock.
 */
export class ReplayClock {
  private clock: number | undefined;
  private lastTime: string | undefined;
  private lastParsed = Number.NaN;

  constructor(private readonly startMs: number) {}

  /** The stanza's time; an unreadable `time` is reported in `problems` and the previous time kept. */
  advance(item: TrafficStanza, problems: { push(p: TrafficProblem): unknown }): number {
    const a = item.annotations;
    const d = item.defaults;
    if (this.clock === undefined) this.clock = d.start !== undefined && !Number.isNaN(Date.parse(d.start)) ? Date.parse(d.start) / 1000 : this.startMs / 1000;
    else if (d.step !== undefined) this.clock += parseStep(d.step) ?? 0;
    if (a.time !== undefined) {
      const step = a.time.startsWith("+") ? parseStep(a.time) : undefined;
      if (step !== undefined) this.clock += step - (parseStep(d.step) ?? 0);
      else {
        const at = this.parseTime(a.time);
        if (!Number.isNaN(at)) this.clock = at / 1000;
        else problems.push({ kind: "problem", kept: true, file: item.file, line: item.line, column: item.column, message: `invalid time '${a.time}' (an ISO 8601 time or +N with ms, s, m, h or d): the previous event's time is used` });
      }
    }
    return this.clock;
  }

  /** Captures repeat the same timestamp for many stanzas in a row: parse it once. */
  private parseTime(text: string): number {
    if (text !== this.lastTime) {
      this.lastTime = text;
      this.lastParsed = Date.parse(text);
    }
    return this.lastParsed;
  }
}

/** The event a traffic item stands for, at the time its clock gives. */
export function eventOf(item: TrafficStanza, time: number): SimEvent {
  const a = item.annotations;
  const d = item.defaults;
  return { stanza: item.stanza, time, origin: a.origin ?? d.origin, chain: a.chain ?? d.chain, newSession: a.newSession, unbound: a.unbound };
}

/** Runs traffic through a simulator, an item at a time, on a {@link ReplayClock}. */
export class Replayer {
  private index = 0;
  private readonly clock: ReplayClock;

  constructor(private readonly sim: Simulator) {
    this.clock = new ReplayClock(sim.world.startMs);
  }

  /** Appends the record (and a problem with its time, if any) to `out`. */
  step(item: TrafficItem, out: ReplayItem[]): void {
    if (item.kind === "problem") {
      out.push(item);
      return;
    }
    const time = this.clock.advance(item, out);
    const result = this.sim.simulate(eventOf(item, time));
    out.push({ kind: "record", index: this.index++, file: item.file, line: item.line, column: item.column, time, input: item, result });
  }
}

/** The same as a stream. */
export async function* replay(sim: Simulator, items: AsyncIterable<TrafficItem> | Iterable<TrafficItem>): AsyncGenerator<ReplayItem> {
  const replayer = new Replayer(sim);
  for await (const item of items) {
    const out: ReplayItem[] = [];
    replayer.step(item, out);
    yield* out;
  }
}

/**
 * A stanza as the firewall saw it: a client's stanza in a log carries no `from` (the server stamps
 * the session's full JID on it before any chain runs), and a table of stanzas without their senders
 * can be neither read nor searched by sender.
 */
export function stanzaAsSeen(input: TrafficStanza): string {
  const s = input.stanza;
  const origin = input.annotations.origin ?? input.defaults.origin;
  if (s.attr.from !== undefined || !origin?.startsWith("c2s:")) return s.toString();
  return new XmlElement(s.name, { from: origin.slice(4), ...s.attr }, s.children).toString();
}

/** A one-line description of a stanza: kind, type, addresses and the start of the body. */
export function stanzaSummary(stanza: XmlElement, origin?: string): string {
  const type = stanza.attr.type;
  let text = `${stanza.name}${type ? ` ${type}` : ""} ${stanza.attr.from ?? origin ?? "?"} → ${stanza.attr.to ?? "(no to)"}`;
  const body = stanza.getChildText("body");
  if (body !== undefined) text += ` ${JSON.stringify(body.length > 40 ? `${body.slice(0, 39)}…` : body)}`;
  else {
    for (const c of stanza.children) {
      if (typeof c === "string" || c.attr.xmlns === undefined) continue;
      text += ` <${c.name} xmlns='${c.attr.xmlns}'>`;
      break;
    }
  }
  return text;
}
