import { performance } from "node:perf_hooks";
import { FirewallList } from "../src/sim/definitions.js";

/**
 * `ADD TO` a memory list with a limit, once per stanza (a common way to remember senders): a
 * million additions over three times as many distinct items as the list holds, so that nearly
 * every addition forgets the oldest item. Milliseconds per run, median of 5, per limit.
 */
export function run(limits: readonly number[] = [1_000, 100_000]): { limit: number; medianMs: number }[] {
  return limits.map((limit) => {
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const list = new FirewallList("recent", "memory", limit, undefined, undefined, undefined, undefined);
      const t0 = performance.now();
      for (let i = 0; i < 1_000_000; i++) list.add(`user${i % (limit * 3)}@example.org`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { limit, medianMs: times[2]! };
  });
}
