import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import { compileSfw } from "../../src/pipeline.js";
import { compileWithProsody, requireProsody } from "../helpers/prosody.js";
import { repoPath } from "../helpers/repo.js";

// Prosody's own mod_firewall compiler must accept everything stanzafw emits: every shipped rule
// set and the fixtures that together use every condition, action and definition.
const inputs = [
  ...readdirSync(repoPath("rules")).filter((f) => f.endsWith(".sfw") && !f.endsWith(".test.sfw")).map((f) => `rules/${f}`),
  "test/fixtures/compile/all-features/input.sfw",
  "test/fixtures/compile/all-features-13/input.sfw",
];

for (const input of inputs) {
  test(`Prosody's mod_firewall loads the compiled ${input}`, (t) => {
    if (!requireProsody(t)) return;
    const result = compileSfw(readFileSync(repoPath(input), "utf8"), input);
    t.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), []);
    t.truthy(result.output);
    const prosody = compileWithProsody(result.output!.text, input.replace(/[/.]/g, "_"));
    t.true(prosody.ok, prosody.output);
  });
}

test("the feature fixtures use every condition, action and definition of the Debian snapshot", (t) => {
  const texts = ["all-features", "all-features-13"].map((c) => compileSfw(readFileSync(repoPath(`test/fixtures/compile/${c}/input.sfw`), "utf8"), c).output?.text ?? "");
  const all = texts.join("\n");
  const lines = all.split("\n").filter((l) => l && !l.startsWith("#"));
  const conditions = new Set(lines.map((l) => /^(?:NOT )?([A-Z ]+)(?:\?|:)/.exec(l)?.[1]).filter(Boolean));
  const actions = new Set(lines.map((l) => /^([A-Z ]+)[.=]/.exec(l)?.[1]).filter(Boolean));
  const definitions = new Set(lines.map((l) => /^%([A-Z]+) /.exec(l)?.[1]).filter(Boolean));
  const expectedConditions = ["KIND", "TYPE", "TO", "FROM", "TO EXACTLY", "FROM EXACTLY", "TO SELF", "TO FULL JID", "ENTERING", "LEAVING", "IN ROSTER", "IN ROSTER GROUP", "SUBSCRIBED", "PENDING SUBSCRIPTION FROM SENDER", "SENT DIRECTED PRESENCE TO SENDER", "PAYLOAD", "INSPECT", "FROM GROUP", "TO GROUP", "CROSSING GROUPS", "FROM ADMIN", "TO ADMIN", "FROM ADMIN OF", "TO ADMIN OF", "MAY", "TO ROLE", "FROM ROLE", "DAY", "TIME", "LIMIT", "ORIGIN MARKED", "USER MARKED", "CHECK LIST", "SCAN", "COUNT"];
  const expectedActions = ["PASS", "DROP", "DEFAULT", "RETURN", "BOUNCE", "REDIRECT", "JUMP CHAIN", "JUMP EVENT", "EVENT", "COPY", "FORWARD", "REPLY", "LOG", "STRIP", "INJECT", "MARK ORIGIN", "UNMARK ORIGIN", "MARK USER", "UNMARK USER", "ADD TO", "UNSUBSCRIBE SENDER", "RULEDEP"];
  t.is(expectedConditions.length, 35);
  t.is(expectedActions.length, 22);
  t.deepEqual(expectedConditions.filter((c) => !conditions.has(c)), []);
  t.deepEqual(expectedActions.filter((a) => !actions.has(a)), []);
  t.deepEqual(["ZONE", "RATE", "LIST", "PATTERN", "SEARCH"].filter((d) => !definitions.has(d)), []);
});
