import test from "ava";
import { readFileSync } from "node:fs";
import { Simulator } from "../../src/sim/engine.js";
import { parseExpectation, unmet } from "../../src/sim/expectations.js";
import { loadRules } from "../../src/sim/load-rules.js";
import { replay, type ReplayItem } from "../../src/sim/replay.js";
import { readTrafficFile } from "../../src/sim/traffic.js";
import { World } from "../../src/sim/world.js";
import { repoPath } from "../helpers/repo.js";

// The shipped example: rules/public-server.sfw on examples/traffic.xml, whose comments say what
// each stanza must get (`expect: …`). These expectations were written from the rules' intent.
test("the shipped rule set does to the sample traffic what its comments expect", async (t) => {
  const loaded = loadRules(readFileSync(repoPath("rules/public-server.sfw"), "utf8"), "rules/public-server.sfw");
  t.truthy(loaded.source);
  const world = new World(JSON.parse(readFileSync(repoPath("examples/world.json"), "utf8")));
  const sim = new Simulator([loaded.source!], world, { target: loaded.target ?? "0.12" });
  const items: ReplayItem[] = [];
  for await (const item of replay(sim, readTrafficFile(repoPath("examples/traffic.xml"), "examples/traffic.xml"))) items.push(item);
  const problems = items.filter((i) => i.kind === "problem");
  t.deepEqual(problems.map((p) => `${p.line}: ${p.message}`), ["50: malformed stanza: unexpected close tag."]);
  let checked = 0;
  const failures: string[] = [];
  for (const item of items) {
    if (item.kind !== "record") continue;
    const expected = parseExpectation(item.input.annotations.comment);
    if (!expected) continue;
    checked++;
    const why = unmet(expected, item.result);
    if (why) failures.push(`examples/traffic.xml:${item.line}: ${why}`);
  }
  t.deepEqual(failures, []);
  t.true(checked >= 11, `only ${checked} expectations checked`);
  // Every rule of the deliver chain decides at least one sample stanza.
  const decided = new Set(items.flatMap((i) => (i.kind === "record" && i.result.rule?.name ? [i.result.rule.name.replace(/ \(.*\)$/, "")] : [])));
  for (const rule of ["blocked_domain", "contacts_pass", "stranger_flood", "stranger_presence", "muc_invite_spam", "stranger_links", "reported_accounts", "honeypot"]) t.true(decided.has(rule), rule);
});

test("expectations: parsing and comparing", (t) => {
  t.deepEqual(parseExpectation(" expect: bounce policy-violation by blocked_domain "), { verdict: "bounce", condition: "policy-violation", rule: "blocked_domain" });
  t.deepEqual(parseExpectation("expect: pass"), { verdict: "pass" });
  t.is(parseExpectation("just a comment"), undefined);
  t.throws(() => parseExpectation("expect: bounced"), { message: /unknown verdict 'bounced'/ });
});
