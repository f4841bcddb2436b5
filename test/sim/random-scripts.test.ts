import test from "ava";
import { canonicalOf, disagreements, prosodyOutcome, simulatedOutcome, type OracleCase } from "../helpers/firewall-oracle.js";
import { pool } from "../helpers/pool.js";
import { requireProsody } from "../helpers/prosody.js";
import { randomCases } from "./random-scripts.js";

// Random scripts and stanzas (random-scripts.ts) through the real mod_firewall's test harness and
// through the simulator: they must agree on every stanza. The seed is fixed, so a failure comes
// back on every run; the case's name gives the seed and index to reproduce it with.

const seed = 20261203;
const count = 300;

test("the simulator agrees with `prosodyctl mod_firewall test` on random scripts and stanzas", async (t) => {
  if (!requireProsody(t)) return;
  const cases: OracleCase[] = randomCases(seed, count);
  const real = await pool(cases, 4, (c, i) => prosodyOutcome(c, `random_${i}`));
  const failed = real.flatMap((r, i) => (r.exitCode === 0 ? [] : [`${cases[i]!.name}: prosodyctl exited with ${r.exitCode}: ${r.stderr.slice(0, 300)}`]));
  t.deepEqual(failed, [], "the harness itself failed (a condition it cannot run was generated?)");
  const found = cases.flatMap((c, i) => disagreements(c, real[i]!, simulatedOutcome(c)).map((d) => `${d}\n  script:\n${c.script}`));
  // What the cases exercised, on Prosody's side: were there enough of each outcome to tell?
  let stanzas = 0;
  let stopped = 0;
  let replied = 0;
  let changed = 0;
  cases.forEach((c, i) => {
    for (const xml of c.stanzas) {
      const id = /id="([^"]+)"/.exec(xml)![1]!;
      stanzas++;
      const passed = real[i]!.passed.get(id);
      if (passed === undefined) stopped++;
      else if (passed !== canonicalOf(xml)) changed++;
      if (real[i]!.replies.has(id)) replied++;
    }
  });
  t.log(`${cases.length} random scripts (seed ${seed}), ${stanzas} stanzas: ${stopped} stopped, ${replied} replied to, ${changed} changed by STRIP or INJECT`);
  t.deepEqual(found.slice(0, 5), [], `${found.length} stanzas disagree (the first five shown)`);
  for (const [what, n] of [["stopped", stopped], ["replied to", replied], ["changed", changed]] as const) t.true(n > stanzas / 20, `too few stanzas ${what} (${n}) for the comparison to tell much`);
});
