import { performance } from "node:perf_hooks";
import { compileSfw } from "../src/pipeline.js";
import { generateRuleSet } from "./generate-rules.js";

/** Median of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Parse + check + emit of a generated 10,000-rule file, median of `runs` (after one warm-up). */
export function run(runs = 7): { rules: number; bytes: number; medianMs: number; allMs: number[]; peakRssMb: number; pfwBytes: number } {
  const rules = 10_000;
  const text = generateRuleSet(rules);
  let pfwBytes = 0;
  const once = (): number => {
    const t0 = performance.now();
    const result = compileSfw(text, "bench.sfw");
    const t1 = performance.now();
    if (!result.output) throw new Error(`benchmark input does not compile: ${result.diagnostics.find((d) => d.severity === "error")?.message}`);
    pfwBytes = result.output.text.length;
    return t1 - t0;
  };
  once();
  const allMs = Array.from({ length: runs }, once);
  return { rules, bytes: text.length, medianMs: median(allMs), allMs, peakRssMb: process.resourceUsage().maxRSS / 1024, pfwBytes };
}
