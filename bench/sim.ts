import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Simulator } from "../src/sim/engine.js";
import { loadRules } from "../src/sim/load-rules.js";
import { replay } from "../src/sim/replay.js";
import { readCapture } from "../src/capture/read-capture.js";
import { World } from "../src/sim/world.js";
import { median } from "./compile.js";
import { writeStanzas } from "./generate-stanzas.js";

/**
 * Replays a generated capture of `count` stanzas through rules/public-server.sfw, streaming from
 * disk; median stanzas per second of `runs` runs (after a warm-up on a smaller file).
 */
export async function run(count = 100_000, runs = 3): Promise<{ count: number; medianRate: number; rates: number[]; peakRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-bench-"));
  const path = join(dir, "capture.xml");
  await writeStanzas(path, count);
  const rules = loadRules(readFileSync(new URL("../../rules/public-server.sfw", import.meta.url), "utf8"), "rules/public-server.sfw");
  const world = new World(JSON.parse(readFileSync(new URL("../../examples/world.json", import.meta.url), "utf8")));
  const once = async (): Promise<number> => {
    const sim = new Simulator([rules.source!], world, { target: "0.12" });
    const t0 = performance.now();
    let n = 0;
    // The capture reader `stanzafw sim` uses (in-thread): line by line, the fast path where it applies.
    for await (const item of replay(sim, readCapture(path, path))) if (item.kind === "record") n++;
    if (n !== count) throw new Error(`replayed ${n} of ${count} stanzas`);
    return n / ((performance.now() - t0) / 1000);
  };
  await once();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(await once());
  return { count, medianRate: median(rates), rates, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}
