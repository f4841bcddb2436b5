import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/index.js";
import { repoPath } from "../helpers/repo.js";

// The HTML report of a dry run, opened in a real browser (Debian's chromium, headless): the page
// renders offline, its script runs, and a screenshot is kept in test-artifacts/ for people to look at.

const chromium = ["chromium", "chromium-browser"].find((c) => !spawnSync(c, ["--version"]).error);

function requireChromium(t: import("ava").ExecutionContext): boolean {
  if (chromium) return true;
  if (process.env.CI) t.fail("chromium is missing: under CI .ci/run installs Debian's chromium");
  else {
    t.log("SKIPPED: chromium is not installed");
    t.pass();
  }
  return false;
}

test("sim --report writes a self-contained HTML report that a browser renders", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-report-"));
  const report = join(dir, "report.html");
  let stderr = "";
  const code = await runCli(["sim", "rules/public-server.sfw", "--world", "examples/world.json", "--traffic", "examples/traffic.xml", "--report", report], { cwd: repoPath(), stdout: () => undefined, stderr: (s) => (stderr += s) });
  t.is(code, 0, stderr);
  const html = readFileSync(report, "utf8");
  // Self-contained: nothing is fetched when it is opened.
  t.notRegex(html, /(src|href)=["']https?:/);
  t.regex(html, /Content-Security-Policy/);
  t.regex(html, /<svg id="chart"/);
  // A decided stanza's trace names the .sfw rule of each condition beside its .pfw line.
  t.regex(html, /deliver line 26 \(rule blocked_domain, rules\/public-server\.sfw:35\): CHECK LIST: blocked_domains contains \$&lt;@from\|host&gt; → true/);
  if (!requireChromium(t)) return;
  const dom = spawnSync(chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${report}`], { encoding: "utf8", timeout: 60_000 });
  t.is(dom.status, 0, dom.stderr);
  // The rendered page: totals, the chart, the never-hit rules, and the table filtered by its script.
  t.regex(dom.stdout, /<div class="n" data-verdict="pass">15<\/div>/);
  t.regex(dom.stdout, /<div class="n" data-verdict="bounce">3<\/div>/);
  t.regex(dom.stdout, /<span id="generated">3 presence stanzas Prosody made of them \(3 pass\)<\/span>/);
  t.regex(dom.stdout, /<ul id="never"><li>message_flood \(rules\/public-server\.sfw:91\)<\/li>/);
  t.regex(dom.stdout, /<span id="shown">11 shown<\/span>/);
  const artifacts = repoPath("test-artifacts");
  mkdirSync(artifacts, { recursive: true });
  const shot = spawnSync(chromium!, ["--headless", "--no-sandbox", "--disable-gpu", `--screenshot=${join(artifacts, "report.png")}`, "--window-size=1200,1400", `file://${report}`], { encoding: "utf8", timeout: 60_000 });
  t.is(shot.status, 0, shot.stderr);
  t.true(readFileSync(join(artifacts, "report.png")).length > 10_000);
});

test("the report's table shows a logged client stanza with its sender (the log has none: the session's JID), so it can be searched by sender; diff's examples too", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-report-"));
  const log = [
    "Nov 25 10:00:00 c2s55e1\tdebug\tSEND: <iq id='bind1' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>mallory@example.org/bot</jid></bind></iq>",
    "Nov 25 10:00:01 c2s55e1\tdebug\tRECV: <message to='honeypot@example.org' id='h1' type='chat'><body>buy</body></message>",
    "",
  ].join("\n");
  writeFileSync(join(dir, "prosody.log"), log);
  writeFileSync(join(dir, "old.pfw"), "::preroute\nKIND: message\nPASS.\n");
  writeFileSync(join(dir, "new.pfw"), "::preroute\nKIND: message\nDROP.\n");
  const run = async (args: string[]) => {
    let stderr = "";
    t.is(await runCli(args, { cwd: dir, stdout: () => undefined, stderr: (s) => (stderr += s) }), 0, stderr);
  };
  await run(["sim", "new.pfw", "--traffic", "prosody.log", "--report", "sim.html"]);
  await run(["diff", "old.pfw", "new.pfw", "--traffic", "prosody.log", "--report", "diff.html"]);
  for (const name of ["sim.html", "diff.html"]) {
    const html = readFileSync(join(dir, name), "utf8");
    t.regex(html, /data-search="prosody\.log:2 drop [^"]*from=&apos;mallory@example\.org\/bot&apos;/, name);
  }
  t.regex(readFileSync(join(dir, "diff.html"), "utf8"), /<li><code>prosody\.log:2 &lt;message from=&apos;mallory@example\.org\/bot&apos; to=&apos;honeypot@example\.org&apos;/);
});

test("the report counts the presence Prosody made of the stanzas: a rule that decided only such a stanza is hit, and the stanza is a row of the table", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-report-"));
  writeFileSync(join(dir, "r.pfw"), "::preroute\nKIND: presence\nTO: bob@b.example\nDROP.\n\nKIND: message\nDROP.\n");
  writeFileSync(join(dir, "t.xml"), "<traffic xmlns='urn:stanzafw:traffic:0'><event origin='c2s:alice@example.org/r'><presence xmlns='jabber:client'/></event></traffic>");
  writeFileSync(join(dir, "w.json"), JSON.stringify({ hosts: ["example.org"], rosters: { "alice@example.org": { "bob@b.example": { subscription: "from" } } } }));
  let stderr = "";
  t.is(await runCli(["sim", "r.pfw", "--world", "w.json", "--traffic", "t.xml", "--report", "rep.html"], { cwd: dir, stdout: () => undefined, stderr: (s) => (stderr += s) }), 0, stderr);
  const html = readFileSync(join(dir, "rep.html"), "utf8");
  t.regex(html, /<span id="generated">1 presence stanza Prosody made of them \(1 drop\)<\/span>/);
  t.regex(html, /<tr data-search="t\.xml:1, then prosody: presence broadcast to a contact drop r\.pfw:2 &lt;presence from=&apos;alice@example\.org\/r&apos; to=&apos;bob@b\.example&apos;\/&gt;">/);
  // The message rule decided nothing: it alone is never hit.
  t.regex(html, /<ul id="never"><li>r\.pfw:6<\/li><\/ul>/);
});
