import test from "ava";
import { prng } from "../../bench/generate-stanzas.js";
import { readPfw } from "../../src/pfw/read.js";
import { crashedLoading, crashedRunning, prosodyOutcome, simulatedOutcome, type OracleCase } from "../helpers/firewall-oracle.js";
import { pool } from "../helpers/pool.js";
import { requireProsody } from "../helpers/prosody.js";
import { pick, type Random } from "../helpers/random-rules.js";

// Where a LOG runs into the Lua before it (src/pfw/log-after-call.ts): random chains of the
// lines that decide it (LOG with and without expressions first in a rule without conditions,
// INJECT, EVENT, RULEDEP, conditions and actions that declare helper locals) through the real
// mod_firewall. Prosody raises exactly where the simulator says the stanza is lost, and only
// where the reader reports SFW517. (No action ends the chain, so the stanza meets every rule.)

const conditions = ["KIND: message", "CHECK LIST: l contains $<@from|bare>", "CHECK LIST: l contains $<@to|bare>", "ENTERING: z", "COUNT: word in body > 0", "SCAN: body for word in l", "FROM: <*>@b.example", "INSPECT: body#$=$<@from|node>"];
const actions = ["LOG=plain", "LOG=from $<@from>", "LOG=bare $<@from|bare>", "LOG=to $<@to|bare>", "LOG=host $<@from|host>", "INJECT=<x xmlns='urn:x'/>", "EVENT=custom/event", "RULEDEP=bare_from", "RULEDEP=search:body", "ADD TO=l $<@from|bare>", "MARK ORIGIN=m"];
const definitions = "%LIST l: memory\n%ZONE z: example.org\n%SEARCH body: body#\n%PATTERN word: %a+\n\n";

function chain(random: Random): string {
  const rules: string[] = [];
  for (let r = 0, n = 1 + Math.floor(random() * 4); r < n; r++) {
    const lines = random() < 0.5 ? [pick(random, conditions)] : [];
    for (let a = 0, m = 1 + Math.floor(random() * 3); a < m; a++) lines.push(random() < 0.4 ? pick(random, actions.slice(0, 5)) : pick(random, actions));
    rules.push(lines.join("\n"));
  }
  return `${definitions}::deliver\n${rules.join("\n\n")}\n`;
}

test("SFW517 for a LOG that runs into a helper local names the helper, at the LOG", (t) => {
  const d = readPfw("::deliver\nKIND: message\nDROP.\n\nLOG=seen $<@to|bare>\n", "case.pfw").diagnostics.filter((x) => x.code === "SFW517");
  t.is(d.length, 1);
  t.deepEqual([d[0]!.span.start.line, d[0]!.span.start.column], [5, 1]);
  t.regex(d[0]!.message, /^this rule has no conditions and starts with LOG, right after the helper local 'bare_to' mod_firewall declares for it/);
  t.regex(d[0]!.hint ?? "", /KIND: message presence iq/);
});

test("a LOG fails in the real mod_firewall where the simulator says the stanza is lost, and only where the reader reports SFW517", async (t) => {
  if (!requireProsody(t)) return;
  const random = prng(20261203);
  const stanza = `<message id="s0" from="x@b.example/r" to="alice@example.org" type="chat"><body>hello</body></message>`;
  const cases: OracleCase[] = Array.from({ length: 300 }, (_, k) => ({ name: `log hazard ${k}`, script: chain(random), stanzas: [stanza] }));
  const real = await pool(cases, 4, (c, i) => prosodyOutcome(c, `log_hazard_${i}`));
  const wrong: string[] = [];
  let raised = 0;
  cases.forEach((c, i) => {
    const r = real[i]!;
    if (r.exitCode !== 0 && !crashedRunning(r) && !crashedLoading(r)) wrong.push(`${c.name}: prosodyctl failed: ${r.output.slice(0, 200)}`);
    if (crashedLoading(r)) return;
    const prosody = crashedRunning(r) && /attempt to call/.test(r.output);
    if (prosody) raised++;
    const reported = readPfw(c.script, "case.pfw").diagnostics.some((d) => d.code === "SFW517");
    const simulated = simulatedOutcome(c).verdicts.get("s0")?.startsWith("error") ?? false;
    // SFW517 is said of the code, whether or not this stanza gets there (a rule's conditions may be false for it).
    if ((prosody && !reported) || prosody !== simulated) wrong.push(`${c.name}: Prosody ${prosody ? "raises" : "runs it"}; SFW517 ${reported ? "reported" : "not reported"}; the simulator ${simulated ? "says error" : "does not"}:\n${c.script}`);
  });
  t.log(`${cases.length} chains, ${raised} of which raise in Prosody`);
  t.deepEqual(wrong.slice(0, 5), [], `${wrong.length} wrong (the first five shown)`);
  t.true(raised > 20 && raised < 280, `${raised} chains raise: too few or too many to tell`);
});

test("a compiled rule without conditions that starts with log runs in the real mod_firewall", async (t) => {
  if (!requireProsody(t)) return;
  const { compileSfw } = await import("../../src/pipeline.js");
  const logs = ['log info "seen " + from.bare', 'log "to " + to.bare', 'log "from " + from.host', "log \"plain\""];
  const source = `target prosody "0.12"\nlist seen: set<jid> = memory\nchain deliver {\n${logs.map((l, i) => `  rule r${i} {\n    then ${l}\n  }\n`).join("")}  rule remember {\n    when from.bare in seen\n    then log "again " + from.bare; drop\n  }\n  rule add {\n    then add from.bare to seen\n  }\n}\n`;
  const compiled = compileSfw(source, "case.sfw");
  if (!compiled.output) return t.fail(compiled.diagnostics.map((d) => d.message).join("; "));
  const stanza = `<message id="s0" from="x@b.example/r" to="alice@example.org" type="chat"><body>hello</body></message>`;
  const r = await prosodyOutcome({ name: "compiled logs", script: compiled.output.text, stanzas: [stanza, stanza.replace("s0", "s1")] }, "compiled_logs");
  t.is(r.exitCode, 0, r.output);
  t.true(r.passed.has("s0"), "the first message passes");
  t.false(r.passed.has("s1"), "the second is dropped: its sender was added to the list");
  t.regex(compiled.output.text, /KIND: message presence iq\nLOG=\[info\] seen \$<@from\|bare>/);
});
