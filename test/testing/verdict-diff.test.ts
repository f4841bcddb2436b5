import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIn, workdir as tempdir } from "../helpers/cli.js";

const run = (cwd: string, ...argv: string[]) => runIn(cwd, argv);

const v1 = 'chain deliver {\n  rule spam {\n    when body contains "casino"\n    then drop\n  }\n}\n';
const v2 = 'chain deliver {\n  rule spam {\n    when body contains "casino" or body contains "lottery"\n    then bounce policy-violation\n  }\n}\n';
const traffic = ["casino", "lottery", "hello", "casino again"].map((b, i) => `<message from="x${i}@remote.example/r" to="alice@example.org"><body>${b}</body></message>`).join("\n");

function workdir(): string {
  return tempdir({ "old.sfw": v1, "new.sfw": v2, "t.xml": traffic, "w.json": '{"hosts": ["example.org"]}' }, "stanzafw-diff-");
}

test("diff: counts per verdict transition, the rules responsible, examples, and the .pfw diff", async (t) => {
  const dir = workdir();
  const r = await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^old\.sfw → new\.sfw: 4 stanzas, 3 verdicts changed$/m);
  t.regex(r.stdout, /^drop → bounce: 2\n {7}2 {2}spam \(old\.sfw:2\) → spam \(new\.sfw:2\)$/m);
  t.regex(r.stdout, /^pass → bounce: 1\n {7}1 {2}no rule → spam/m);
  t.regex(r.stdout, /e\.g\. t\.xml:2 {2}<message from='x1@remote\.example\/r'/);
  t.regex(r.stdout, /^-DROP\.\n\+BOUNCE=policy-violation$/m);
  // The .pfw diff's file lines are the two names, nothing after them (no empty date field).
  t.regex(r.stdout, /^--- old\.sfw\n\+\+\+ new\.sfw\n@@ /m);
  const json = JSON.parse((await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json")).stdout) as { changed: number; transitions: { from: string; to: string; count: number }[] };
  t.is(json.changed, 3);
  t.deepEqual(json.transitions.map((x) => `${x.from}→${x.to}:${x.count}`).sort(), ["drop→bounce:2", "pass→bounce:1"]);
});

test("diff: the .pfw diff leaves out where each line came from: a comment added above the rules is no change", async (t) => {
  const dir = workdir();
  writeFileSync(join(dir, "moved.sfw"), `# a comment that moves every line down\n\n${v1}`);
  const same = await run(dir, "diff", "old.sfw", "moved.sfw", "--traffic", "t.xml");
  t.is(same.code, 0, same.stderr);
  t.regex(same.stdout, /^the compiled \.pfw rules are the same/m);
  t.notRegex(same.stdout, /^[-+]/m);
  // A real change shows, and neither side's lines carry a file name (the old side's would have been the new one's).
  const changed = await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml");
  t.regex(changed.stdout, /^-# rule spam\n\+# rule spam \(1 of 2\)$/m);
  t.notRegex(changed.stdout, /^[-+ ]# \S+\.sfw:\d+/m);
});

test("diff --report: the HTML report shows what changed", async (t) => {
  const dir = workdir();
  t.is((await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--world", "w.json", "--report", "diff.html")).code, 0);
  const html = (await import("node:fs")).readFileSync(join(dir, "diff.html"), "utf8");
  t.regex(html, /<table id="changes">.*<td>drop → bounce<\/td><td class="num">2<\/td>/s);
  t.regex(html, /<td>pass → bounce<\/td><td class="num">1<\/td>/);
});

test("diff: --fail-on-change is a CI gate; the same rules do not change", async (t) => {
  const dir = workdir();
  t.is((await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--fail-on-change")).code, 1);
  t.is((await run(dir, "diff", "old.sfw", "old.sfw", "--traffic", "t.xml", "--fail-on-change")).code, 0);
  t.is((await run(dir, "diff", "old.sfw", "new.sfw")).code, 2);
});

test("diff: git:REV:path compares with an earlier commit", async (t) => {
  const dir = workdir();
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" } });
  writeFileSync(join(dir, "rules.sfw"), v1);
  git("init", "-q");
  git("add", "rules.sfw");
  git("commit", "-qm", "v1");
  writeFileSync(join(dir, "rules.sfw"), v2);
  const r = await run(dir, "diff", "git:HEAD:rules.sfw", "rules.sfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^git:HEAD:rules\.sfw → rules\.sfw: 4 stanzas, 3 verdicts changed$/m);
  t.is((await run(dir, "diff", "git:nosuchrev:rules.sfw", "rules.sfw", "--traffic", "t.xml")).code, 2);
});

test("diff: git:REV:path is relative to the working directory, as the other side is", async (t) => {
  const dir = workdir();
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" } });
  mkdirSync(join(dir, "rules"));
  writeFileSync(join(dir, "rules", "rules.sfw"), v1);
  git("init", "-q");
  git("add", "rules/rules.sfw");
  git("commit", "-qm", "v1");
  writeFileSync(join(dir, "rules", "rules.sfw"), v2);
  const r = await run(join(dir, "rules"), "diff", "git:HEAD:rules.sfw", "rules.sfw", "--traffic", "../t.xml", "--world", "../w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^git:HEAD:rules\.sfw → rules\.sfw: 4 stanzas, 3 verdicts changed$/m);
  const up = await run(join(dir, "rules"), "diff", "git:HEAD:../rules/rules.sfw", "rules.sfw", "--traffic", "../t.xml", "--world", "../w.json");
  t.is(up.code, 0, up.stderr);
});

test("diff replays on the same clock, sessions and chains as sim; skipped records are reported with their position", async (t) => {
  // Four messages a quarter of a second apart, then one a minute later: only a clock that reads
  // "+250ms" as milliseconds limits the second to fourth. The local client's message takes its
  // session from the <event origin>, and meets preroute, not deliver.
  const limited = 'rate burst1 = 1 per second\nchain deliver {\n  rule flood {\n    when exceeds burst1 per from.host\n    then bounce resource-constraint\n  }\n}\nchain preroute {\n  rule outgoing {\n    when body contains "out"\n    then drop\n  }\n}\n';
  const messages = [1, 2, 3, 4].map((i) => `  <message xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"><body>${i}</body></message>`).join("\n");
  const capture = `<traffic xmlns="urn:stanzafw:traffic:0" start="2026-11-25T10:00:00Z" step="+250ms">\n${messages}\n  <event time="+1m"><message xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"><body>5</body></message></event>\n  <event origin="c2s:alice@example.org/phone"><message xmlns="jabber:client" to="bob@remote.example"><body>out</body></message></event>\n  <message from="broken\n</traffic>\n`;
  const dir = tempdir({ "old.sfw": v1, "new.sfw": limited, "t.xml": capture, "w.json": '{"hosts": ["example.org"]}' }, "stanzafw-diff-");
  const sim = await run(dir, "sim", "new.sfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json");
  const simVerdicts = sim.stdout.trim().split("\n").map((l) => JSON.parse(l) as { verdict?: string; kind?: string }).filter((v) => v.verdict).map((v) => v.verdict);
  t.deepEqual(simVerdicts, ["pass", "bounce", "bounce", "bounce", "pass", "drop"]);
  const r = await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json");
  t.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { stanzas: number; changed: number; skipped: number; transitions: { from: string; to: string; count: number; examples: { stanza: string }[] }[] };
  t.like(d, { stanzas: 6, changed: 4, skipped: 1 });
  t.deepEqual(d.transitions.map((x) => `${x.from}→${x.to}:${x.count}`).sort(), ["pass→bounce:3", "pass→drop:1"]);
  // The client's message is shown with the sender the server stamps on it (the capture has no from).
  t.regex(d.transitions.find((x) => x.to === "drop")!.examples[0]!.stanza, /^<message from='alice@example\.org\/phone' to='bob@remote\.example'>/);
  t.regex(r.stderr, /^t\.xml:8:\d+: skipped: /m);
});

test("diff: a change only to the presence Prosody makes of a stanza is a change (and fails --fail-on-change)", async (t) => {
  const dir = tempdir(
    {
      "old.pfw": "::preroute\nKIND: message\nDROP.\n",
      // Drops the broadcast of alice's presence to bob: her own presence still passes.
      "new.pfw": "::preroute\nKIND: presence\nTO: bob@b.example\nDROP.\n",
      "t.xml": "<traffic xmlns='urn:stanzafw:traffic:0'><event origin='c2s:alice@example.org/r'><presence xmlns='jabber:client'/></event></traffic>",
      "w.json": JSON.stringify({ hosts: ["example.org"], rosters: { "alice@example.org": { "bob@b.example": { subscription: "from" } } } }),
    },
    "stanzafw-diff-",
  );
  const r = await run(dir, "diff", "old.pfw", "new.pfw", "--traffic", "t.xml", "--world", "w.json");
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^old\.pfw → new\.pfw: 1 stanza, 0 verdicts changed; 1 of the presence stanzas Prosody made of them changed$/m);
  t.regex(r.stdout, /^presence Prosody made \(broadcasts, probes, answers\): 1 changed\n {4}e\.g\. t\.xml:1 {2}<presence from='alice@example\.org\/r' to='bob@b\.example'\/> \(presence broadcast to a contact\)\n {9}was: pass\n {9}now: drop/m);
  const json = JSON.parse((await run(dir, "diff", "old.pfw", "new.pfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json")).stdout) as { changed: number; generatedChanged: number };
  t.like(json, { changed: 0, generatedChanged: 1 });
  t.is((await run(dir, "diff", "old.pfw", "new.pfw", "--traffic", "t.xml", "--world", "w.json", "--fail-on-change")).code, 1);
  t.is((await run(dir, "diff", "old.pfw", "old.pfw", "--traffic", "t.xml", "--world", "w.json", "--fail-on-change")).code, 0);
});
