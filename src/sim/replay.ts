import type { Simulator, SimResult } from "./engine.js";
import type { TrafficItem, TrafficProblem, TrafficStanza } from "./traffic.js";
import type { XmlElement } from "./xml.js";

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
 * Runs traffic through a simulator. Times: an event's `time` (absolute ISO, or `+step` after the
 * previous event), else the enclosing `<traffic step>` after the previous event, else the same
 * instant as the previous event; the first event is at `<traffic start>` or the world's start.
 */
export async function* replay(sim: Simulator, items: AsyncIterable<TrafficItem> | Iterable<TrafficItem>): AsyncGenerator<ReplayItem> {
  let index = 0;
  let clock: number | undefined;
  for await (const item of items) {
    if (item.kind === "problem") {
      yield item;
      continue;
    }
    const a = item.annotations;
    const d = item.defaults;
    if (clock === undefined) clock = d.start !== undefined && !Number.isNaN(Date.parse(d.start)) ? Date.parse(d.start) / 1000 : sim.world.startMs / 1000;
    else clock += parseStep(d.step) ?? 0;
    if (a.time !== undefined) {
      const step = parseStep(a.time);
      if (a.time.startsWith("+") && step !== undefined) clock += step - (parseStep(d.step) ?? 0);
      else if (!Number.isNaN(Date.parse(a.time))) clock = Date.parse(a.time) / 1000;
      else {
        yield { kind: "problem", file: item.file, line: item.line, column: item.column, message: `invalid time '${a.time}' (an ISO 8601 time or +N with ms, s, m, h or d): the previous event's time is used` };
      }
    }
    const origin = a.origin ?? d.origin;
    const chain = a.chain ?? d.chain;
    const result = sim.simulate({ stanza: item.stanza, time: clock, ...(origin ? { origin } : {}), ...(chain ? { chain } : {}) });
    yield { kind: "record", index: index++, file: item.file, line: item.line, column: item.column, time: clock, input: item, result };
  }
}

/** A one-line description of a stanza: kind, type, addresses and the start of the body. */
export function stanzaSummary(stanza: XmlElement, origin?: string): string {
  const parts = [stanza.name];
  if (stanza.attr.type) parts.push(stanza.attr.type);
  parts.push(`${stanza.attr.from ?? origin ?? "?"} → ${stanza.attr.to ?? "(no to)"}`);
  const body = stanza.getChildText("body");
  if (body !== undefined) parts.push(JSON.stringify(body.length > 40 ? `${body.slice(0, 39)}…` : body));
  else {
    const payload = stanza.tags.find((t) => t.attr.xmlns !== undefined);
    if (payload) parts.push(`<${payload.name} xmlns='${payload.attr.xmlns}'>`);
  }
  return parts.join(" ");
}
