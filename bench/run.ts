import { run as compileBench } from "./compile.js";
import { run as simBench } from "./sim.js";

// `npm run bench`: every benchmark, one after another in this process; figures are medians.
const compile = compileBench();
process.stdout.write(
  `compile (parse + check + emit), ${compile.rules} rules, ${(compile.bytes / 1024).toFixed(0)} KiB in, ${(compile.pfwBytes / 1024).toFixed(0)} KiB out: ` +
    `median ${compile.medianMs.toFixed(0)} ms of ${compile.allMs.length} runs (target < 1000 ms); peak RSS ${compile.peakRssMb.toFixed(0)} MB\n`,
);
const sim = await simBench();
process.stdout.write(
  `sim, rules/public-server.sfw on ${sim.count} generated stanzas streamed from disk: median ${Math.round(sim.medianRate)} stanzas/s of ${sim.rates.length} runs; peak RSS so far ${sim.peakRssMb.toFixed(0)} MB\n`,
);
