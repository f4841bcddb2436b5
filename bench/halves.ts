import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { readCaptureBatches } from "../src/capture/read-capture.js";
import { Simulator } from "../src/sim/engine.js";
import { loadRules } from "../src/sim/load-rules.js";
import { ReplaySummary } from "../src/sim/output.js";
import { Replayer, type ReplayItem } from "../src/sim/replay.js";
import type { TrafficItem } from "../src/sim/traffic.js";
import { World, type WorldData } from "../src/sim/world.js";

/**
 * The two halves of `stanzafw sim` on a capture, each alone on one thread, in process: reading
 * (the capture decoded, split into records and parsed, as the reading thread does) and simulating
 * (stanzas read beforehand run through rules/public-server.sfw and counted in a summary, as the
 * main thread does). A run takes as long as the slower half at least: these say which one bounds
 * it, and by how much each would have to shrink for a rate.
 */

export interface HalfFigures {
  /** Microseconds per stanza, median of the runs. */
  readonly readingMicros: number;
  readonly simulatingMicros: number;
  /** How many stanzas the simulating half ran (the first of the capture, held in memory). */
  readonly simulated: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function halves(path: string, simulated = 200_000, runs = 3): Promise<HalfFigures> {
  const reading: number[] = [];
  for (let r = 0; r < runs; r++) {
    let stanzas = 0;
    const t0 = performance.now();
    for await (const batch of readCaptureBatches(path, "capture.log", { year: 2026 })) for (const item of batch) if (item.kind === "stanza") stanzas++;
    reading.push(((performance.now() - t0) * 1000) / stanzas);
  }
  const items: TrafficItem[] = [];
  for await (const batch of readCaptureBatches(path, "capture.log", { year: 2026 })) {
    items.push(...batch);
    if (items.length >= simulated) break;
  }
  items.length = Math.min(items.length, simulated);
  const rules = fileURLToPath(new URL("../../rules/public-server.sfw", import.meta.url));
  const source = loadRules(readFileSync(rules, "utf8"), "rules/public-server.sfw").source!;
  const world = JSON.parse(readFileSync(fileURLToPath(new URL("../../examples/world.json", import.meta.url)), "utf8")) as WorldData;
  const simulating: number[] = [];
  for (let r = 0; r < runs; r++) {
    const replayer = new Replayer(new Simulator([source], new World(world)));
    const summary = new ReplaySummary();
    const out: ReplayItem[] = [];
    const t0 = performance.now();
    for (const item of items) {
      out.length = 0;
      replayer.step(item, out);
      for (const x of out) summary.add(x);
    }
    simulating.push(((performance.now() - t0) * 1000) / summary.stanzas);
  }
  return { readingMicros: median(reading), simulatingMicros: median(simulating), simulated: items.length };
}
