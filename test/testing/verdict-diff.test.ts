import test from "ava";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
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
  t.regex(r.stdout, /^drop → bounce: 2\n {7}2 {2}spam \(new\.sfw:2\) → spam \(new\.sfw:2\)$/m);
  t.regex(r.stdout, /^pass → bounce: 1\n {7}1 {2}no rule → spam/m);
  t.regex(r.stdout, /e\.g\. t\.xml:2 {2}<message from='x1@remote\.example\/r'/);
  t.regex(r.stdout, /^-DROP\.\n\+BOUNCE=policy-violation$/m);
  const json = JSON.parse((await run(dir, "diff", "old.sfw", "new.sfw", "--traffic", "t.xml", "--world", "w.json", "--format", "json")).stdout) as { changed: number; transitions: { from: string; to: string; count: number }[] };
  t.is(json.changed, 3);
  t.deepEqual(json.transitions.map((x) => `${x.from}→${x.to}:${x.count}`).sort(), ["drop→bounce:2", "pass→bounce:1"]);
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
