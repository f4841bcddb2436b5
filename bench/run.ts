import { run as compileBench } from "./compile.js";
import { run as simBench } from "./sim.js";
import { run as listBench } from "./memory-list.js";
import { simOnCapture, writeProsodyLog } from "./capture.js";
import { realReplayRate } from "./real-replay.js";
import { readFloor, rulesFloor } from "./floor.js";
import { halves } from "./halves.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

// `npm run bench`: every benchmark, one after another; figures are medians where runs repeat.
// `npm run bench -- --quick` uses a 100,000-stanza capture instead of 1,000,000.
const quick = process.argv.includes("--quick");
const compile = compileBench();
process.stdout.write(
  `compile (parse + check + emit), ${compile.rules} rules, ${(compile.bytes / 1024).toFixed(0)} KiB in, ${(compile.pfwBytes / 1024).toFixed(0)} KiB out: ` +
    `median ${compile.medianMs.toFixed(0)} ms of ${compile.allMs.length} runs (target < 1000 ms); peak RSS ${compile.peakRssMb.toFixed(0)} MB\n`,
);
const sim = await simBench();
process.stdout.write(`sim in process, rules/public-server.sfw on ${sim.count} generated stanzas (XML) streamed from disk: median ${Math.round(sim.medianRate)} stanzas/s of ${sim.rates.length} runs\n`);

for (const l of listBench()) process.stdout.write(`ADD TO a memory list limited to ${l.limit} items, 1,000,000 additions (nearly each one forgets the oldest): median ${l.medianMs.toFixed(0)} ms of 5 runs\n`);

const count = quick ? 100_000 : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), "stanzafw-bench-"));
try {
  const path = join(dir, "capture.log");
  await writeProsodyLog(path, count);
  // A real debug log also holds what the server sent: here the errors it sends back (for 86% of
  // the stanzas), each read, parsed and compared with the simulation (the log check).
  const withSendsPath = join(dir, "with-sends.log");
  const sends = await writeProsodyLog(withSendsPath, count, 7, undefined, true);
  // A world file without accounts and rosters: they are inferred from the capture in a first pass.
  const partialWorld = join(dir, "hosts-and-lists.json");
  writeFileSync(partialWorld, JSON.stringify({ hosts: ["example.org"], lists: { blocked_domains: ["spam.example"] } }));
  // Memory stays flat with the number of senders too: 10,000 servers joining over the capture (each
  // a rate limiter entry and a session that live as long as the run).
  const manyPath = join(dir, "many-senders.log");
  await writeProsodyLog(manyPath, count, 7, count / 100);
  // The machine's speed drifts from one minute to the next: each run is made three times, the
  // five in turn (a drift then weighs on all of them alike), and the median rate is reported with
  // the highest peak memory of the three.
  const runs = {
    cli: () => simOnCapture(path),
    quiet: () => simOnCapture(path, ["--print", "none"]),
    withSends: () => simOnCapture(withSendsPath, ["--print", "none"]),
    inferred: () => simOnCapture(path, ["--print", "none"], partialWorld),
    many: () => simOnCapture(manyPath, ["--print", "none"]),
  };
  const results: Record<keyof typeof runs, ReturnType<typeof simOnCapture>[]> = { cli: [], quiet: [], withSends: [], inferred: [], many: [] };
  for (let round = 0; round < 3; round++) for (const k of Object.keys(runs) as (keyof typeof runs)[]) results[k].push(runs[k]());
  rmSync(withSendsPath, { force: true });
  rmSync(manyPath, { force: true });
  const median = (k: keyof typeof runs) => {
    const rs = [...results[k]].sort((x, y) => x.stanzas / x.seconds - y.stanzas / y.seconds);
    const m = rs[1]!;
    return { ...m, rate: m.stanzas / m.seconds, peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)) };
  };
  const cli = median("cli");
  const cliRate = cli.rate;
  process.stdout.write(`stanzafw sim on a ${count}-stanza Prosody log (each figure below: median of 3 runs, peak memory the highest): ${Math.round(cliRate)} stanzas/s; peak RSS of that process ${cli.peakRssMb.toFixed(0)} MB (target < 200 MB)\n`);
  const quiet = median("quiet");
  const quietRate = quiet.rate;
  process.stdout.write(`the same with --print none (summary only): ${Math.round(quietRate)} stanzas/s; peak RSS ${quiet.peakRssMb.toFixed(0)} MB\n`);
  const withSends = median("withSends");
  process.stdout.write(
    `the same log with the SEND lines of the errors the server sent back (${sends} of them, compared with the simulation): ${Math.round(withSends.rate)} stanzas/s; peak RSS ${withSends.peakRssMb.toFixed(0)} MB` +
      `${withSends.summary === quiet.summary ? "" : ` (verdicts differ: ${withSends.summary})`}${withSends.disagreements ? `; ${withSends.disagreements}` : ""}\n`,
  );
  const inferred = median("inferred");
  process.stdout.write(
    `the same with accounts and rosters inferred from the capture (a first pass over it): ${Math.round(inferred.rate)} stanzas/s overall; peak RSS ${inferred.peakRssMb.toFixed(0)} MB` +
      `${inferred.summary === quiet.summary ? "" : ` (verdicts differ: ${inferred.summary})`}\n`,
  );
  const many = median("many");
  process.stdout.write(`the same with ${count / 100} remote servers joining over the capture instead of 50: ${Math.round(many.rate)} stanzas/s; peak RSS ${many.peakRssMb.toFixed(0)} MB (target < 200 MB)\n`);
  // Yardsticks (bench/floor.ts): what a bare program gets through on this machine, in process.
  const medianRun = <T extends { seconds: number }>(f: () => T): T => [f(), f(), f()].sort((x, y) => x.seconds - y.seconds)[1]!;
  const readOnly = medianRun(() => readFloor(path));
  const bare = medianRun(() => rulesFloor(path));
  const bareRate = bare.stanzas / bare.seconds;
  const sameVerdicts = quiet.summary.includes(`${bare.verdicts.pass} pass, ${bare.verdicts.drop} drop, ${bare.verdicts.bounce} bounce`);
  process.stdout.write(
    `floor (medians of 3), reading only (decode and split the log, nothing parsed): ${Math.round(readOnly.stanzas / readOnly.seconds)} stanzas/s; ` +
      `the deliver chain written by hand for this capture (no XML checked, nothing recorded): ${Math.round(bareRate)} stanzas/s, verdicts ${JSON.stringify(bare.verdicts)} (${sameVerdicts ? "the same as the simulator's" : `NOT the simulator's: ${quiet.summary}`})\n`,
  );
  // Which of the run's two threads bounds it (bench/halves.ts).
  const half = await halves(path, Math.min(count, 200_000));
  process.stdout.write(
    `the halves of a run, each alone on one thread: reading and parsing the log ${half.readingMicros.toFixed(2)} µs a stanza (${Math.round(1e6 / half.readingMicros)} stanzas/s); ` +
      `simulating stanzas read beforehand (the first ${half.simulated}) ${half.simulatingMicros.toFixed(2)} µs a stanza (${Math.round(1e6 / half.simulatingMicros)} stanzas/s)\n`,
  );
  if (!spawnSync("prosodyctl", ["--help"]).error) {
    // Median of three runs at the production log level; one run at debug level for reference.
    const realRuns = [];
    for (let i = 0; i < 3; i++) realRuns.push(await realReplayRate(path, 5000, "info"));
    const rates = realRuns.map((r) => r.rate).sort((a, b) => a - b);
    const real = realRuns[0]!;
    const rate = rates[1]!;
    const busy = realRuns.map((r) => r.serverBusy).filter((b): b is number => b !== undefined);
    const debug = await realReplayRate(path, 5000, "debug");
    process.stdout.write(
      `real Prosody replay of the first ${real.stanzas} stanzas of the same capture through the integration harness (${real.connections} remote domains as components), logging at info: ` +
        `median ${Math.round(rate)} stanzas/s of 3 runs (${real.answered} error replies${busy.length > 0 ? `; the server busy ${busy.map((b) => `${Math.round(100 * b)}%`).join(", ")} of a core` : ""}); at debug level: ${Math.round(debug.rate)} stanzas/s\n` +
        `simulator/real (info) = ${(cliRate / rate).toFixed(1)}× with every stanza printed, ${(quietRate / rate).toFixed(1)}× with --print none (target ≥ 100×); the hand-written floor: ${(bareRate / rate).toFixed(0)}×\n`,
    );
  } else process.stdout.write("real Prosody replay skipped: prosodyctl is not installed\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
