import test from "ava";
import { compileSfw } from "../../src/pipeline.js";
import { Simulator } from "../../src/sim/engine.js";
import { loadRules } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World } from "../../src/sim/world.js";
import { requireProsody, testWithProsody } from "../helpers/prosody.js";

/**
 * `(a or b) and exceeds r …` lowers to helper chains (src/emit/lower.ts, lowerBeforeRate) so that
 * the rate counts only the stanzas the alternatives select, once each. Split into one rule per
 * alternative it would not: mod_firewall hoists a condition repeated across rules and evaluates it
 * for every stanza that reaches the first of them, so the three "hi" below would use up the burst.
 * Each case: the stanzas (one id each), and what the .sfw says happens to them — the ids that
 * pass, and the ids answered (bounced or replied to). Both the real mod_firewall
 * (`prosodyctl mod_firewall test`, the deliver chain) and the simulator must agree with it.
 */
const stanza = (id: string, body: string, payload = "") => `<message from='u@x.example/r' to='v@localhost' type='chat' id='${id}'><body>${body}</body>${payload}</message>`;
const traffic = [stanza("h1", "hi"), stanza("h2", "hi"), stanza("h3", "hi"), stanza("c1", "casino"), stanza("c2", "casino"), stanza("c3", "casino"), stanza("p1", "see", "<x xmlns='urn:x'/>")];
const rate = 'target prosody "0.12"\nrate r = 2 per minute\n';

const cases: { name: string; source: string; passed: string[]; answered: string[] }[] = [
  {
    name: "a bounce: the burst of two is the two first casino messages'",
    source: `${rate}chain deliver {\n  rule slow {\n    when (body contains "casino" or payload "urn:x") and exceeds r per from.host\n    then bounce policy-violation "slow down"\n  }\n}\n`,
    passed: ["h1", "h2", "h3", "c1", "c2"],
    answered: ["c3", "p1"],
  },
  {
    name: "actions that do not end the chain: a reply, and the stanza goes on",
    source: `${rate}chain deliver {\n  rule slow {\n    when (body contains "casino" or payload "urn:x") and exceeds r\n    then reply "slow down"\n  }\n}\n`,
    passed: ["h1", "h2", "h3", "c1", "c2", "c3", "p1"],
    answered: ["c3", "p1"],
  },
  {
    name: "more after the rate test, and a rule after this one",
    source: `${rate}chain deliver {\n  rule slow {\n    when (body contains "casino" or payload "urn:x") and exceeds r and type == chat\n    then drop\n  }\n  rule see {\n    when body == "see"\n    then bounce not-acceptable\n  }\n}\n`,
    passed: ["h1", "h2", "h3", "c1", "c2"],
    answered: [],
  },
];

function simulated(source: string): { passed: string[]; answered: string[] } {
  const loaded = loadRules(source, "case.sfw");
  const sim = new Simulator([loaded.source!], new World({ hosts: ["localhost"] }));
  const passed: string[] = [];
  const answered: string[] = [];
  for (const item of readTrafficText(traffic.join("\n"), "t.xml")) {
    if (item.kind !== "stanza") continue;
    const r = sim.simulate({ stanza: item.stanza, time: 1_800_000_000, chain: "deliver", origin: "s2s:x.example" });
    if (r.verdict === "pass") passed.push(item.stanza.attr.id!);
    if (r.emitted.some((e) => e.action === "BOUNCE" || e.action === "REPLY")) answered.push(item.stanza.attr.id!);
  }
  return { passed, answered };
}

/** What `prosodyctl mod_firewall test` prints: the stanzas that passed, and after "** Reply:" each stanza sent back. */
function prosody(pfw: string): { passed: string[]; answered: string[] } {
  const r = testWithProsody(pfw, "rate_after_or", `${traffic.join("\n")}\n`);
  const lines = r.output.split("\n");
  const passed: string[] = [];
  const answered: string[] = [];
  lines.forEach((line, i) => {
    const id = /^<message[^>]* id='([^']+)'/.exec(line)?.[1];
    if (id === undefined) return;
    // A reply is addressed back to the sender and carries the id of the stanza it answers.
    if (lines[i - 1]?.startsWith("** Reply:")) answered.push(id);
    else passed.push(id);
  });
  return { passed, answered };
}

for (const c of cases) {
  test(`a rate test after an 'or' counts only the stanzas the 'or' selects: ${c.name}`, (t) => {
    const compiled = compileSfw(c.source, "case.sfw");
    t.deepEqual(compiled.diagnostics.filter((d) => d.severity !== "info").map((d) => `${d.code} ${d.message}`), []);
    t.deepEqual(simulated(c.source), { passed: c.passed, answered: c.answered }, "the simulator");
    if (!requireProsody(t)) return;
    t.deepEqual(prosody(compiled.output!.text), { passed: c.passed, answered: c.answered }, "the real mod_firewall");
  });
}
