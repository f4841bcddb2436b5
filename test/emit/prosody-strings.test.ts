import test from "ava";
import { prng } from "../../bench/generate-stanzas.js";
import { compileSfw } from "../../src/pipeline.js";
import { loadRules } from "../../src/sim/load-rules.js";
import { Simulator } from "../../src/sim/engine.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World } from "../../src/sim/world.js";
import { prosodyOutcome } from "../helpers/firewall-oracle.js";
import { pool } from "../helpers/pool.js";
import { requireProsody } from "../helpers/prosody.js";

// mod_firewall has no quoting: a compared string reaches the script as it is. For random strings of
// the characters its line reader, its patterns and XML treat specially, `body == S` and
// `body contains S` must, once compiled, mean in the real mod_firewall (and in the simulator) what
// they say; or the compiler refuses S (SFW213), never writes it wrongly.

const chars = ["a", "b", " ", "\t", "\\", "#", ";", ":", "=", ".", "%", "$", "(", ")", "<", ">", "@", "/", "|", '"', "'", "é", "2", "D", "R", "O", "P", "&", "]", "[", "^", "*", "+", "-", "?", "{", "}", "~", "€", "😀"];
const count = 200;

function sfwString(s: string): string {
  return `"${[...s].map((c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\t" ? "\\t" : c)).join("")}"`;
}

function xmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Case {
  readonly name: string;
  readonly source: string;
  readonly script: string;
  /** Bodies, each with whether the rule must drop it. */
  readonly bodies: readonly (readonly [string, boolean])[];
}

test("compared strings mean in the real mod_firewall what the rule set says, or are refused", async (t) => {
  if (!requireProsody(t)) return;
  const random = prng(20261203);
  const cases: Case[] = [];
  let refused = 0;
  for (let k = 0; k < count; k++) {
    const s = Array.from({ length: 1 + Math.floor(random() * 10) }, () => chars[Math.floor(random() * chars.length)]!).join("");
    const op = k % 2 === 0 ? "==" : "contains";
    const source = `target prosody "0.12"\nchain deliver {\n  rule r {\n    when body ${op} ${sfwString(s)}\n    then drop\n  }\n}\n`;
    const compiled = compileSfw(source, "case.sfw");
    if (!compiled.output) {
      t.true(compiled.diagnostics.some((d) => d.code === "SFW213"), `refused without SFW213: ${JSON.stringify(s)}`);
      refused++;
      continue;
    }
    const other = s.slice(0, -1) + (s.endsWith("a") ? "b" : "a");
    const bodies: [string, boolean][] = op === "==" ? [[s, true], [`${s}x`, false], [`x${s}`, false]] : [[`pre${s}post`, true], [s, true], [other, other.includes(s)]];
    cases.push({ name: `body ${op} ${JSON.stringify(s)}`, source, script: compiled.output.text, bodies });
  }
  const stanzas = (c: Case) => c.bodies.map(([b], i) => `<message id="s${i}" from="x@b.example/r" to="alice@example.org" type="chat"><body>${xmlText(b)}</body></message>`);
  const real = await pool(cases, 4, (c, i) => prosodyOutcome({ name: c.name, script: c.script, stanzas: stanzas(c) }, `strings_${i}`));
  const wrong: string[] = [];
  cases.forEach((c, i) => {
    const rules = loadRules(c.source, "case.sfw");
    const sim = new Simulator([rules.source!], new World({ hosts: ["example.org"] }));
    stanzas(c).forEach((xml, n) => {
      const [body, drop] = c.bodies[n]!;
      const item = readTrafficText(xml, "s.xml")[0];
      const simulated = item?.kind === "stanza" && sim.simulate({ stanza: item.stanza, time: 0, origin: "local:example.org", chain: "deliver" }).verdict === "drop";
      const prosody = real[i]!.exitCode === 0 && !real[i]!.passed.has(`s${n}`);
      if (prosody !== drop || simulated !== drop) wrong.push(`${c.name} on body ${JSON.stringify(body)}: should ${drop ? "drop" : "pass"}; Prosody ${prosody ? "drops" : "passes"}, the simulator ${simulated ? "drops" : "passes"}\n${c.script}`);
    });
  });
  t.log(`${cases.length} strings compiled and compared in Prosody, ${refused} refused`);
  t.deepEqual(wrong, []);
  t.true(cases.length > count / 2);
});
