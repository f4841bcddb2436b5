import test from "ava";
import { canonicalOf, crashedLoading, crashedRunning, disagreements, prosodyOutcome, simulatedOutcome, type OracleCase } from "../helpers/firewall-oracle.js";
import { pool } from "../helpers/pool.js";
import { requireProsody } from "../helpers/prosody.js";
import { randomCases } from "./random-scripts.js";

// Random scripts and stanzas (random-scripts.ts) through the real mod_firewall's test harness and
// through the simulator: they must agree on every stanza. The seed is fixed, so a failure comes
// back on every run; the case's name gives the seed and index to reproduce it with.

// RANDOM_SEED=N runs another sequence (to explore; CI runs the fixed one).
const seed = Number(process.env.RANDOM_SEED ?? 20261203);
const count = 300;

test("the simulator agrees with `prosodyctl mod_firewall test` on random scripts and stanzas", async (t) => {
  if (!requireProsody(t)) return;
  const cases: OracleCase[] = randomCases(seed, count);
  const real = await pool(cases, 4, (c, i) => prosodyOutcome(c, `random_${i}`));
  // A script mod_firewall raises on while loading: the simulator must refuse it too.
  const crashed = real.flatMap((r, i) => (crashedLoading(r) ? [i] : []));
  const refusedToo = crashed.filter((i) => !simulatedOutcome(cases[i]!).loaded);
  t.deepEqual(crashed.filter((i) => !refusedToo.includes(i)).map((i) => `${cases[i]!.name}: mod_firewall raises loading it, the simulator loads it:\n${cases[i]!.script}`), []);
  // A chain that raises stops prosodyctl at that stanza: the simulator must say so there (verdict
  // error), and agree on the stanzas before it.
  const raised = real.flatMap((r, i) => (crashedRunning(r) ? [i] : []));
  const found: string[] = [];
  for (const i of raised) {
    const c = cases[i]!;
    const sim = simulatedOutcome(c);
    const first = c.stanzas.findIndex((xml) => sim.verdicts.get(/id="([^"]+)"/.exec(xml)![1]!)?.startsWith("error"));
    if (first < 0) found.push(`${c.name}: mod_firewall raises running it, the simulator predicts no error:\n${c.script}`);
    else found.push(...disagreements({ ...c, stanzas: c.stanzas.slice(0, first) }, real[i]!, sim));
  }
  const failed = real.flatMap((r, i) => (r.exitCode === 0 || crashed.includes(i) || raised.includes(i) ? [] : [`${cases[i]!.name}: prosodyctl exited with ${r.exitCode}: ${r.output.slice(0, 300)}`]));
  t.deepEqual(failed, [], "the harness itself failed (a condition it cannot run was generated?)");
  const compared = cases.flatMap((_, i) => (crashed.includes(i) || raised.includes(i) ? [] : [i]));
  found.push(...compared.flatMap((i) => disagreements(cases[i]!, real[i]!, simulatedOutcome(cases[i]!)).map((d) => `${d}\n  script:\n${cases[i]!.script}`)));
  // What the cases exercised, on Prosody's side: were there enough of each outcome to tell?
  let stanzas = 0;
  let stopped = 0;
  let replied = 0;
  let changed = 0;
  cases.forEach((c, i) => {
    if (!compared.includes(i)) return;
    for (const xml of c.stanzas) {
      const id = /id="([^"]+)"/.exec(xml)![1]!;
      stanzas++;
      const passed = real[i]!.passed.get(id);
      if (passed === undefined) stopped++;
      else if (passed !== canonicalOf(xml)) changed++;
      if (real[i]!.replies.has(id)) replied++;
    }
  });
  t.log(`${cases.length} random scripts (seed ${seed}; mod_firewall raises on ${crashed.length} while loading them and on ${raised.length} while running them), ${stanzas} stanzas of the others: ${stopped} stopped, ${replied} replied to, ${changed} changed by STRIP or INJECT`);
  t.deepEqual(found.slice(0, 5), [], `${found.length} stanzas disagree (the first five shown)`);
  for (const [what, n] of [["stopped", stopped], ["replied to", replied], ["changed", changed]] as const) t.true(n > stanzas / 20, `too few stanzas ${what} (${n}) for the comparison to tell much`);
});
