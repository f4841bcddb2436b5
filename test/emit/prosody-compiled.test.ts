import test from "ava";
import { prng } from "../../bench/generate-stanzas.js";
import { compileSfw } from "../../src/pipeline.js";
import { disagreements, prosodyOutcome, simulatedOutcome, type OracleCase } from "../helpers/firewall-oracle.js";
import { pool } from "../helpers/pool.js";
import { requireProsody } from "../helpers/prosody.js";
import { pick } from "../helpers/random-rules.js";

// Random .sfw rule sets (the conditions and actions of docs/language.md that a deliver chain can
// run in prosodyctl's test harness, combined with and, or and not) compiled and run in the real
// mod_firewall: the script must load and run without a Lua error, and the simulator must agree
// with it on every stanza. (A rule set the compiler refuses is left out: its errors are the
// checker's tests.) A rule starting with `log "…" + from.bare` made Prosody raise on every stanza
// before the compiler guarded it.

const conditions = [
  "kind == message", "kind in [message, presence]", "kind != iq", "type == chat", "type in [chat, normal]", 'from == "x@b.example/r"', 'to == "alice@example.org"',
  'from.bare == "x@b.example"', 'from.host == "b.example"', 'from.node == "x"', 'from matches jid"<*>@<*.example>"', 'from.host in ["b.example", "one.example"]',
  "from.host in blocked", "from.bare in seen", "to_self", "entering partners", "leaving partners", 'payload "urn:xmpp:receipts"', 'has path"{urn:xmpp:receipts}request"',
  'body == "hi"', 'body contains "casino"', "body matches link", 'path"@id" matches lua"^s%d"', "exceeds r", "exceeds r per from.host", "origin_marked m",
  "origin_marked m within 1h", "count word in text > 1", "scan text for word in blocked", 'body == "hello " + from.node',
];
const actions = [
  "drop", "pass", "default", "bounce", "bounce policy-violation", 'bounce resource-constraint type wait "Slow down"', 'reply "go away"', 'log "seen " + from.bare',
  'log warn "to " + to.bare', 'log "plain"', 'strip "body"', "strip *", "inject xml\"<x xmlns='urn:example'/>\"", "mark origin m", "unmark origin m", "add from.bare to seen", "add from.host to blocked",
];
const head = 'target prosody "0.12"\nlist blocked: set<string> = memory\nlist seen: set<jid> = memory\nrate r = 1 per second burst 2\nzone partners = ["example.org", "b.example"]\npattern link = lua"https?://%S+"\npattern word = lua"%a+"\nsearch text = path"body#"\n';
const jids = ["x@b.example/r", "y@one.example/r", "b.example", "z@example.org/r", "alice@example.org"];

test("random compiled rule sets load and run in the real mod_firewall as the simulator says", async (t) => {
  if (!requireProsody(t)) return;
  const random = prng(20261203);
  const condition = () => (random() < 0.2 ? `not (${pick(random, conditions)})` : pick(random, conditions));
  const rule = (k: number) => {
    const cs = Array.from({ length: Math.floor(random() * 3) }, condition);
    const when = cs.length > 0 ? `when ${cs.join(pick(random, [" and ", " or "]))} ` : "";
    return `  rule r${k} {\n    ${when}then ${Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(random, actions)).join("; ")}\n  }\n`;
  };
  const stanza = (i: number) =>
    `<message id="s${i}" from="${pick(random, jids)}" to="${pick(random, ["alice@example.org", "x@b.example/r", "example.org"])}" type="${pick(random, ["chat", "normal", "headline"])}"><body>${pick(random, ["hi", "casino http://x", "hello x", "a b c"])}</body>${random() < 0.3 ? '<request xmlns="urn:xmpp:receipts"/>' : ""}</message>`;
  const cases: (OracleCase & { source: string })[] = [];
  for (let k = 0; k < 200; k++) {
    const source = `${head}chain deliver {\n${Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => rule(i)).join("")}}\n`;
    const compiled = compileSfw(source, "case.sfw");
    const stanzas = Array.from({ length: 8 }, (_, i) => stanza(i));
    if (compiled.output) cases.push({ name: `rule set ${k}`, source, script: compiled.output.text, stanzas });
  }
  const real = await pool(cases, 4, (c, i) => prosodyOutcome(c, `compiled_${i}`));
  const wrong = cases.flatMap((c, i) => {
    const r = real[i]!;
    if (r.exitCode !== 0) return [`${c.name}: prosodyctl failed: ${r.output.slice(0, 300)}\n${c.source}`];
    return disagreements(c, r, simulatedOutcome(c)).map((d) => `${d}\n${c.source}`);
  });
  t.log(`${cases.length} of 200 random rule sets compiled and run`);
  t.deepEqual(wrong.slice(0, 5), [], `${wrong.length} wrong (the first five shown)`);
  t.true(cases.length > 150);
});
