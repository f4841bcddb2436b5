import test from "ava";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { runCli } from "../../src/cli/index.js";
import { runIn, workdir } from "../helpers/cli.js";
import { damageMessage, gunzippedPrefix, truncatedGzip } from "../helpers/damaged-gzip.js";

const run = (cwd: string, stdin: string, ...argv: string[]) => runIn(cwd, argv, stdin);

const rules = 'target prosody "0.12"\nchain deliver {\n  rule spam {\n    when body contains "casino"\n    then bounce policy-violation "no"\n  }\n}\n';
const traffic = '<message from="x@remote.example/r" to="alice@example.org" id="1"><body>casino</body></message>\n<message from="x@remote.example/r" to="alice@example.org" id="2"><body>hi</body></message>\n<message from="broken';

test("sim: text lines, a summary, and a malformed stanza reported without stopping", async (t) => {
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic, "w.json": '{"hosts": ["example.org"]}' });
  const r = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^t\.xml:1 {2}bounce policy-violation .* by spam \(r\.sfw:3, r\.pfw:\d+\)$/m);
  t.regex(r.stdout, /^t\.xml:2 {2}pass/m);
  t.regex(r.stdout, /t\.xml:3:\d+: skipped: /);
  t.regex(r.stdout, /^2 stanzas: 1 pass, 1 bounce; 1 skipped \(malformed input\)$/m);
});

test("sim --trace: each condition with its .pfw line and, for a .sfw, the rule it comes from", async (t) => {
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic.split("\n")[0]!, "w.json": '{"hosts": ["example.org"]}' });
  const r = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json", "--trace");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^ {4}deliver line \d+ \(rule spam, r\.sfw:3\): INSPECT: body#\/=casino → true$/m);
  const pfw = workdir({ "r.pfw": "::deliver\nINSPECT: body#/=casino\nDROP.\n", "t.xml": traffic.split("\n")[0]!, "w.json": '{"hosts": ["example.org"]}' });
  const hand = await run(pfw, "", "sim", "r.pfw", "--traffic", "t.xml", "--world", "w.json", "--trace");
  t.regex(hand.stdout, /^ {4}deliver line 2: INSPECT: body#\/=casino → true$/m);
});

test("sim: a .sfw's warnings are shown once, at the .sfw, not again at the .pfw compiled in memory", async (t) => {
  const dir = workdir({ "r.sfw": 'target prosody "0.12"\nchain deliver {\n  rule a { when from.host == "Spam.Example" then drop }\n}\n', "t.xml": traffic.split("\n")[0]! });
  const r = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^r\.sfw:3:30: warning\[SFW212\]/m);
  t.notRegex(r.stderr, /r\.pfw/);
  t.regex(r.stderr, /^1 warning$/m);
});

test("sim --chain: a chain no rule file defines (and not a built-in one) is a usage error, with the chains there are", async (t) => {
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic.split("\n")[0]! });
  const r = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--chain", "delivr");
  t.is(r.code, 2);
  t.regex(r.stderr, /--chain: unknown chain 'delivr' \(did you mean 'deliver'\?\)/);
  t.is((await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--chain", "deliver")).code, 0);
});

test("sim: --format json gives one object per stanza with the documented fields; stdin works", async (t) => {
  const dir = workdir({ "r.sfw": rules });
  const r = await run(dir, traffic.split("\n").slice(0, 2).join("\n"), "sim", "r.sfw", "--format", "json", "--trace");
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(lines.length, 2);
  t.deepEqual(Object.keys(lines[0]!).sort(), ["assumptions", "chain", "emitted", "error", "file", "generated", "index", "line", "reason", "rule", "time", "trace", "verdict"]);
  t.like(lines[0]!, { index: 0, file: "<stdin>", line: 1, verdict: "bounce", chain: "deliver", error: { condition: "policy-violation", type: "modify", text: "no" } });
  t.like(lines[0]!.rule as object, { sfw: "r.sfw:3", name: "spam" });
  t.true((lines[0]!.trace as unknown[]).length > 0);
});

test("sim: a .sfw with errors exits 1; a .pfw that Prosody would refuse is simulated without it and exits 1; bad usage exits 2", async (t) => {
  const dir = workdir({ "bad.sfw": "chain deliver { rule r { then dorp } }", "bad.pfw": "KNID: message\nDROP.\n", "t.xml": traffic, "w.json": '{"hostz": []}' });
  t.is((await run(dir, "", "sim", "bad.sfw", "--traffic", "t.xml")).code, 1);
  const refused = await run(dir, "", "sim", "bad.pfw", "--traffic", "t.xml");
  t.is(refused.code, 1);
  t.regex(refused.stderr, /Prosody would NOT load this script/);
  t.regex(refused.stdout, /^t\.xml:1 {2}pass/m);
  t.notRegex(refused.stdout, /never decided/);
  const badWorld = await run(dir, "", "sim", "bad.pfw", "--world", "w.json", "--traffic", "t.xml");
  t.is(badWorld.code, 2);
  t.regex(badWorld.stderr, /w\.json: unknown key 'hostz' \(did you mean 'hosts'\?\)/);
  writeFileSync(join(dir, "w2.json"), '{"hosts": ["example.org"],\n "rosters": {,}}');
  const notJson = await run(dir, "", "sim", "bad.pfw", "--world", "w2.json", "--traffic", "t.xml");
  t.is(notJson.code, 2);
  t.regex(notJson.stderr, /w2\.json:2:14 is not valid JSON/);
  const missing = await run(dir, "", "sim", "bad.pfw", "--traffic", "missing.xml");
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read missing\.xml: no such file/);
  // A directory given as traffic: a usage error before any work, for sim and diff alike.
  for (const argv of [["sim", "bad.pfw"], ["diff", "bad.pfw", "bad.pfw"]]) {
    const dirAsTraffic = await run(dir, "", ...argv, "--traffic", ".");
    t.is(dirAsTraffic.code, 2);
    t.regex(dirAsTraffic.stderr, /cannot read \.: it is a directory/);
  }
});

test("sim: --print decided shows only the stanzas a rule decided or that did not pass; --print none only the summary and skipped records", async (t) => {
  const passRules = rules.replace("  rule spam {", '  rule friends {\n    when body contains "friend"\n    then pass\n  }\n  rule spam {');
  const three = traffic.replace('<message from="broken', '<message from="y@remote.example/r" to="alice@example.org" id="3"><body>friend</body></message>\n<message from="broken');
  const dir = workdir({ "r.sfw": passRules, "t.xml": three, "w.json": '{"hosts": ["example.org"]}' });
  const lines = (out: string) => out.split("\n").filter((l) => l.startsWith("t.xml:"));
  const all = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(lines(all.stdout).length, 4);
  const decided = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json", "--print", "decided");
  t.is(decided.code, 0, decided.stderr);
  t.deepEqual(lines(decided.stdout).map((l) => l.replace(/^(t\.xml:\d+(?::\d+)?:?\s+\S+).*/, "$1")), ["t.xml:1  bounce", "t.xml:3  pass", "t.xml:4:1: skipped:"]);
  const none = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json", "--print", "none", "--format", "json");
  t.deepEqual(none.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { kind?: string }).kind), ["skipped"]);
  const summary = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json", "--print", "none");
  t.regex(summary.stdout, /^3 stanzas: 2 pass, 1 bounce; 1 skipped \(malformed input\)$/m);
  t.is((await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--print", "some")).code, 2);
});

test("sim: an unreadable time is a warning, the stanza is still simulated and not counted as skipped", async (t) => {
  const capture = '<traffic xmlns="urn:stanzafw:traffic:0">\n<event time="yesterday"><message xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"><body>casino</body></message></event>\n</traffic>\n';
  const dir = workdir({ "r.sfw": rules, "t.xml": capture, "w.json": '{"hosts": ["example.org"]}' });
  const r = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^t\.xml:2:\d+: warning: invalid time 'yesterday'/m);
  t.regex(r.stdout, /^1 stanza: 1 bounce; 1 warning$/m);
  const json = await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json");
  t.deepEqual(json.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { kind?: string; verdict?: string }).kind ?? (JSON.parse(l) as { verdict: string }).verdict), ["warning", "bounce"]);
});

test("sim: standard input takes any capture format, gzip-compressed or not, streamed in small pieces", async (t) => {
  const log =
    "Nov 25 10:00:00 s2sin55d0a0\tdebug\tRECV: <message from='x@remote.example/r' to='alice@example.org' id='1'><body>casino</body></message>\n" +
    "Nov 25 10:00:01 s2sin55d0a0\tdebug\tRECV: <message from='x@remote.example/r' to='alice@example.org' id='2'><body>hi\n\tthere</body></message>\n" +
    "Nov 25 10:00:02 s2sin55d0a0\tdebug\tRECV: <message from='x@remote.example/r' to='alice@exa\n";
  const dir = workdir({ "r.sfw": rules, "w.json": '{"hosts": ["example.org"]}' });
  for (const input of [log, gzipSync(Buffer.from(log))]) {
    const r = await runIn(dir, ["sim", "r.sfw", "--world", "w.json"], input);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^<stdin>:1 {2}bounce policy-violation .* by spam/m);
    t.regex(r.stdout, /^<stdin>:2 {2}pass/m);
    t.regex(r.stdout, /^<stdin>:4:\d+: skipped: /m);
    t.regex(r.stdout, /^2 stanzas: 1 pass, 1 bounce; 1 skipped \(malformed input\)$/m);
  }
});

test("sim: a large capture (read on a second thread) gives what the same capture gives read in-thread from standard input, log check included", async (t) => {
  const records: string[] = [];
  for (let i = 0; i < 6000; i++) {
    const body = i % 3 === 0 ? "casino" : `hello ${"x".repeat(i % 150)}`;
    records.push(`Nov 25 10:${String(Math.floor(i / 100) % 60).padStart(2, "0")}:00 s2sin${i % 7}\tdebug\tRECV: <message from='u${i % 40}@r${i % 5}.example/x' to='alice@example.org' type='chat' id='m${i}'><body>${body}</body></message>`);
    // The server delivered some of the stanzas the rules bounce: the log check must notice.
    if (i % 300 === 0) records.push(`Nov 25 10:00:00 c2s1\tdebug\tSEND: <message from='u${i % 40}@r${i % 5}.example/x' to='alice@example.org/phone' id='m${i}'/>`);
  }
  records.push("Nov 25 11:00:00 s2sin1\tdebug\tRECV: <message from='broken");
  const log = records.join("\n") + "\n";
  t.true(log.length > 1 << 20);
  const dir = workdir({ "r.sfw": rules, "w.json": '{"hosts": ["example.org"]}', "big.log": log });
  const fromFile = await runIn(dir, ["sim", "r.sfw", "--world", "w.json", "--traffic", "big.log"]);
  const fromStdin = await runIn(dir, ["sim", "r.sfw", "--world", "w.json"], log);
  t.is(fromFile.code, 0, fromFile.stderr);
  t.regex(fromFile.stdout, /^6000 stanzas: 4000 pass, 2000 bounce; 1 skipped \(malformed input\)$/m);
  t.regex(fromFile.stdout, /the log disagrees with the simulation on 20 stanzas/);
  t.is(fromFile.stdout.replaceAll("big.log", "<stdin>"), fromStdin.stdout);
  // Without a world file the world is inferred in a first pass, on the reading thread too.
  const withClient = `${log}Nov 25 11:00:01 c2s9\tdebug\tSEND: <iq type='result' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>bob@example.org/desk</jid></bind></iq>\nNov 25 11:00:02 c2s9\tdebug\tRECV: <presence to='alice@example.org' type='subscribed'/>\n`;
  writeFileSync(join(dir, "client.log"), withClient);
  const inferred = await runIn(dir, ["sim", "r.sfw", "--traffic", "client.log", "--show-world", "--print", "none"]);
  t.is(inferred.code, 0, inferred.stderr);
  const shown = JSON.parse(inferred.stderr.slice(inferred.stderr.indexOf("{"))) as Record<string, unknown>;
  // Bob's approval says alice's request was pending before it (the approval itself is simulated).
  t.deepEqual(shown, { hosts: ["example.org"], accounts: ["bob@example.org"], rosters: { "alice@example.org": { "bob@example.org": { subscription: "none", ask: "subscribe" } }, "bob@example.org": {} }, pending: { "bob@example.org": ["alice@example.org"] } });
});

test("sim: output written as UTF-8 bytes is the same text, long lines and characters beyond ASCII included", async (t) => {
  const bodies = ["plain", "naïve → café", "emoji 😀 and 𝄞", "x".repeat(30_000), "日本語".repeat(8_000), "casino"];
  const xml = bodies.map((b, i) => `<message xmlns='jabber:client' from='u${i}@r.example/x' to='alice@example.org' type='chat' id='m${i}'><body>${b}</body></message>`).join("\n");
  const capture = Array.from({ length: 300 }, () => xml).join("\n") + "\n";
  // A forwarded copy holds the whole stanza: JSON lines too long for the output buffer.
  const dir = workdir({ "r.pfw": "TO: alice@example.org\nFORWARD=archive@example.org\n", "w.json": '{"hosts": ["example.org"]}', "c.xml": capture });
  for (const format of ["text", "json"]) {
    const args = ["sim", "r.pfw", "--world", "w.json", "--traffic", "c.xml", "--format", format];
    const asText = await runIn(dir, args);
    const asBytes = await runIn(dir, args, undefined, false, true);
    t.is(asText.code, 0, asText.stderr);
    t.true(asText.stdout.includes("😀"), format);
    if (format === "json") t.true(asText.stdout.split("\n").some((l) => 3 * l.length > 1 << 16));
    t.is(asBytes.stdout, asText.stdout, format);
  }
});

/** Digits that gzip cannot shrink much: a capture of a few MB is over 1 MiB compressed. */
function noise(seed: number, length: number): string {
  let x = seed;
  let out = "";
  while (out.length < length) out += (x = (x * 48271) % 2147483647).toString(36);
  return out.slice(0, length);
}

test("sim and diff: a truncated .gz capture gives its stanzas before the damage, one skipped record where reading stopped, the next file and the report; in-thread and on the reading thread", async (t) => {
  const small = `<traffic xmlns="urn:stanzafw:traffic:0">\n${Array.from({ length: 2000 }, (_, i) => `<message xmlns="jabber:client" from="x${i}@remote.example/r" to="alice@example.org" id="${i}"><body>${i % 4 === 0 ? "casino" : "hi"} ${i}</body></message>`).join("\n")}\n</traffic>\n`;
  const large = Array.from({ length: 16000 }, (_, i) => `Nov 25 10:00:00 s2sin${i % 7}\tdebug\tRECV: <message from='u${i % 40}@remote.example/x' to='alice@example.org' id='m${i}'><body>${i % 3 === 0 ? "casino" : "hello"} ${noise(i + 1, 120)}</body></message>`).join("\n");
  const cases: [string, Buffer][] = [
    ["cut.xml.gz", truncatedGzip(small, 0.5)],
    ["cut.log.gz", truncatedGzip(large, 0.8)],
  ];
  t.true(cases[1]![1].length >= 1 << 20, "the large capture is read on the reading thread");
  for (const [name, damaged] of cases) {
    const dir = workdir({ "r.sfw": rules, "w.json": '{"hosts": ["example.org"]}', "t.xml": traffic });
    writeFileSync(join(dir, name), damaged);
    const { line, message } = damageMessage(await gunzippedPrefix(damaged));
    // Every line before the damage holds one stanza (the XML's first holds <traffic>).
    const stanzas = line - (name.endsWith(".xml.gz") ? 2 : 1);
    const sim = await run(dir, "", "sim", "r.sfw", "--world", "w.json", "--traffic", name, "--traffic", "t.xml", "--print", "none", "--report", "rep.html");
    t.is(sim.code, 0, sim.stderr);
    t.is(sim.stderr, "");
    const skipped = sim.stdout.split("\n").filter((l) => l.includes(": skipped: "));
    t.deepEqual(skipped.map((l) => l.replace(/^(t\.xml:3):\d+: skipped: .*/, "$1")), [`${name}:${line}:1: skipped: ${message}`, "t.xml:3"], name);
    t.regex(sim.stdout, new RegExp(`^${stanzas + 2} stanzas: .*; 2 skipped \\(malformed input\\)$`, "m"), name);
    t.regex(readFileSync(join(dir, "rep.html"), "utf8"), /<html/i);
    const diff = await run(dir, "", "diff", "r.sfw", "r.sfw", "--world", "w.json", "--traffic", name, "--report", "diff.html");
    t.is(diff.code, 0, diff.stderr);
    t.is(diff.stderr, `${name}:${line}:1: skipped: ${message}\n`);
    t.regex(diff.stdout, new RegExp(`: ${stanzas} stanzas, 0 verdicts changed; 1 skipped \\(malformed input\\)$`, "m"), name);
    t.true(existsSync(join(dir, "diff.html")), name);
  }
});

test("sim --report and diff --report where the directory is missing (or not one): exit 2 at once, before any traffic is read", async (t) => {
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic });
  const cases: [string, string][] = [
    ["nodir/rep.html", "the directory nodir does not exist"],
    ["t.xml/rep.html", "t.xml is not a directory"],
    ["t.xml/x/rep.html", "a part of t.xml/x is not a directory"],
    [".", ". is a directory"],
  ];
  for (const [report, why] of cases) {
    // No world file: the first pass over the traffic would come first of all.
    for (const command of [["sim", "r.sfw"], ["diff", "r.sfw", "r.sfw"]]) {
      const r = await run(dir, "", ...command, "--traffic", "t.xml", "--report", report);
      t.is(r.code, 2, `${command[0]} ${report}`);
      // Nothing of the traffic (its malformed record, a summary): only the one message.
      t.is(r.stderr, `stanzafw: cannot write the report ${report}: ${why}\n`);
      t.is(r.stdout, "");
    }
  }
  // Standard input is not even opened.
  let opened = false;
  const code = await runCli(["sim", "r.sfw", "--report", "nodir/rep.html"], { cwd: dir, stdout: () => undefined, stderr: () => undefined, stdin: () => ((opened = true), (async function* () {})()) });
  t.is(code, 2);
  t.false(opened);
  t.true((await run(dir, "", "sim", "r.sfw", "--traffic", "t.xml", "--report", "rep.html")).code === 0);
});

test("sim and diff: a run whose every record was skipped fails (exit 1) and says so; empty traffic does not", async (t) => {
  const dir = workdir({ "r.sfw": rules, "bad.xml": '<message from="broken\n', "empty.xml": "", "w.json": '{"hosts": ["example.org"]}' });
  const sim = await run(dir, "", "sim", "r.sfw", "--traffic", "bad.xml", "--world", "w.json");
  t.is(sim.code, 1, sim.stderr);
  t.regex(sim.stdout, /^0 stanzas: none; 1 skipped \(malformed input\)$/m);
  t.is(sim.stderr, "stanzafw: no stanza was simulated: the one record was skipped (see above)\n");
  const diff = await run(dir, "", "diff", "r.sfw", "r.sfw", "--traffic", "bad.xml", "bad.xml", "--world", "w.json");
  t.is(diff.code, 1, diff.stderr);
  t.regex(diff.stderr, /no stanza was simulated: all 2 records were skipped/);
  for (const command of [["sim", "r.sfw"], ["diff", "r.sfw", "r.sfw"]]) {
    const empty = await run(dir, "", ...command, "--traffic", "empty.xml", "--world", "w.json");
    t.is(empty.code, 0, `${command[0]} ${empty.stderr}`);
    t.notRegex(empty.stderr, /no stanza was simulated/);
  }
  // One stanza simulated among skipped records: a run like any other.
  t.is((await run(dir, "", "sim", "r.sfw", "--traffic", "bad.xml", "--world", "w.json", "--traffic", "bad.xml")).code, 1);
  const mixed = workdir({ "r.sfw": rules, "t.xml": traffic });
  t.is((await run(mixed, "", "sim", "r.sfw", "--traffic", "t.xml")).code, 0);
});

test("diff: a Prosody log without stanzas is a warning, not a skipped record", async (t) => {
  const dir = workdir({ "r.sfw": rules, "info.log": "Nov 25 10:00:00 general\tinfo\tHello and welcome to Prosody\n" });
  const diff = await run(dir, "", "diff", "r.sfw", "r.sfw", "--traffic", "info.log");
  t.is(diff.code, 0, diff.stderr);
  t.regex(diff.stderr, /holds no stanzas/);
  t.regex(diff.stdout, /: 0 stanzas, 0 verdicts changed$/m);
});

test("sim: a rule mod_firewall stores twice is one rule in the list of rules never deciding", async (t) => {
  const dir = workdir({ "r.pfw": "KIND: iq\nDROP.\n\nLOG=hi\nKIND: presence\nDROP.\n", "t.xml": '<message from="x@remote.example/r" to="alice@example.org" id="1"/>\n', "w.json": '{"hosts": ["example.org"]}' });
  const r = await run(dir, "", "sim", "r.pfw", "--traffic", "t.xml", "--world", "w.json");
  const never = r.stdout.split("never decided:\n")[1] ?? "";
  t.deepEqual(never.trim().split(/\s+/), ["r.pfw:1", "r.pfw:4"]);
});

test("sim: a client's stanza without `from` is shown from its session, whether the event or the whole traffic names it", async (t) => {
  const wrapped = '<traffic xmlns="urn:stanzafw:traffic:0" origin="c2s:alice@example.org/phone">\n<message xmlns="jabber:client" to="bob@remote.example" id="1"><body>hi</body></message>\n<event origin="c2s:carol@example.org/pc"><message xmlns="jabber:client" to="bob@remote.example" id="2"><body>hi</body></message></event>\n</traffic>\n';
  const dir = workdir({ "r.pfw": "::deliver\nDROP.\n", "t.xml": wrapped, "w.json": '{"hosts": ["example.org"]}' });
  const r = await run(dir, "", "sim", "r.pfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^t\.xml:2 {2}pass {7}message alice@example\.org\/phone → bob@remote\.example "hi"$/m);
  t.regex(r.stdout, /^t\.xml:3 {2}pass {7}message carol@example\.org\/pc → bob@remote\.example "hi"$/m);
});
