import test from "ava";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/index.js";
import { runIn, workdir } from "../helpers/cli.js";

const rules = 'target prosody "0.12"\nchain deliver {\n  rule spam {\n    when body contains "casino"\n    then drop\n  }\n}\n';
const other = rules.replace("then drop", 'then bounce policy-violation "no"');
const capture = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ time: "2026-11-25T10:00:00Z", xml: `<message from='x${i % 50}@remote.example/r' to='alice@example.org' type='chat'><body>${i % 3 ? "hello" : "casino"}</body></message>` })).join("\n");
const progressLine = /\r\[[#.]{24}\] +\d+%  \d+ stanzas  \d+\/s  ETA \d+s /;

test("sim and diff draw a progress line on stderr when it is a terminal, and clear it at the end", async (t) => {
  const dir = workdir({ "r.sfw": rules, "o.sfw": other, "c.jsonl": capture, "w.json": '{"hosts": ["example.org"]}' });
  const sim = await runIn(dir, ["sim", "r.sfw", "--traffic", "c.jsonl", "--world", "w.json", "--print", "none"], undefined, true);
  t.is(sim.code, 0, sim.stderr);
  t.regex(sim.stderr, progressLine);
  t.true(sim.stderr.endsWith("\r\u001b[K"), JSON.stringify(sim.stderr.slice(-40)));
  // Drawing progress must not cost records (it once did: the first chunks were lost).
  t.regex(sim.stdout, /^3000 stanzas: 2000 pass, 1000 drop$/m);
  const diff = await runIn(dir, ["diff", "r.sfw", "o.sfw", "--traffic", "c.jsonl", "--world", "w.json"], undefined, true);
  t.is(diff.code, 0, diff.stderr);
  t.regex(diff.stderr, progressLine);
  t.regex(diff.stdout, /3000 stanzas, 1000 verdicts changed/);
});

test("no progress line when stderr is not a terminal, and none on a real pipe", async (t) => {
  const dir = workdir({ "r.sfw": rules, "c.jsonl": capture, "w.json": '{"hosts": ["example.org"]}' });
  const sim = await runIn(dir, ["sim", "r.sfw", "--traffic", "c.jsonl", "--world", "w.json", "--print", "none"]);
  t.is(sim.code, 0, sim.stderr);
  t.is(sim.stderr, "");
  // The real command, its stderr a pipe: silent.
  const bin = fileURLToPath(new URL("../../../bin/stanzafw.js", import.meta.url));
  const real = spawnSync(process.execPath, [bin, "sim", "r.sfw", "--traffic", "c.jsonl", "--world", "w.json", "--print", "none"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  t.is(real.status, 0);
  t.regex(real.stdout, /^3000 stanzas: 2000 pass, 1000 drop$/m);
  t.is(real.stderr, "");
});

test("the first pass that infers the world draws its own progress line, in-thread and on the reading thread; none when the world file gives everything", async (t) => {
  const firstPass = /\rfirst pass, inferring the world: \[[#.]{24}\] +\d+%  \d+ stanzas  \d+\/s  ETA \d+s /;
  // Over 1 MiB: the first pass runs on the reading thread.
  const big = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ xml: `<message from='x${i % 50}@remote.example/r' to='alice@example.org' type='chat'><body>${"hello ".repeat(30)}</body></message>` })).join("\n");
  t.true(big.length > 1 << 20);
  const dir = workdir({ "r.sfw": rules, "c.jsonl": capture, "big.jsonl": big, "hosts.json": '{"hosts": ["example.org"]}', "all.json": '{"hosts": ["example.org"], "accounts": [], "rosters": {}}' });
  for (const file of ["c.jsonl", "big.jsonl"]) {
    const sim = await runIn(dir, ["sim", "r.sfw", "--traffic", file, "--world", "hosts.json", "--print", "none"], undefined, true);
    t.is(sim.code, 0, sim.stderr);
    const first = sim.stderr.search(firstPass);
    t.true(first >= 0, file);
    // Then the simulation's own line, after the first pass's was cleared.
    t.true(sim.stderr.indexOf("\r\u001b[K") > first, file);
    t.regex(sim.stderr.slice(sim.stderr.indexOf("\r\u001b[K")), progressLine, file);
  }
  const given = await runIn(dir, ["sim", "r.sfw", "--traffic", "c.jsonl", "--world", "all.json", "--print", "none"], undefined, true);
  t.notRegex(given.stderr, /first pass/);
  t.regex(given.stderr, progressLine);
});

test("a skipped record or a printed line never shares the terminal's line with the progress line: it is cleared first and drawn again after", async (t) => {
  // A malformed record early on, so it is reported while the progress line is up.
  const lines = capture.split("\n");
  lines.splice(1500, 0, JSON.stringify({ xml: "<message to='alice@example.org'><body>cut" }));
  const dir = workdir({ "r.sfw": rules, "o.sfw": other, "c.jsonl": lines.join("\n"), "w.json": '{"hosts": ["example.org"]}' });
  for (const argv of [
    ["sim", "r.sfw", "--traffic", "c.jsonl", "--world", "w.json", "--print", "none"],
    ["sim", "r.sfw", "--traffic", "c.jsonl", "--world", "w.json", "--print", "decided"],
    ["diff", "r.sfw", "o.sfw", "--traffic", "c.jsonl", "--world", "w.json"],
  ]) {
    // One terminal for both streams, as a user sees them.
    let screen = "";
    const code = await runCli(argv, { cwd: dir, stdout: (s) => (screen += s), stderr: (s) => (screen += s), stderrIsTty: true, stdoutIsTty: true });
    t.is(code, 0, screen);
    const what = argv.join(" ");
    t.regex(screen, progressLine, what);
    t.regex(screen, /c\.jsonl:1501:1: skipped: /, what);
    // Whatever is written after a progress line starts on a cleared line.
    for (const m of screen.matchAll(/ETA \d+s (?!\r)/g)) t.fail(`${what}: text right after a progress line: ${JSON.stringify(screen.slice(m.index, m.index + 60))}`);
    t.regex(screen, /(?:\n|\r\u001b\[K)c\.jsonl:1501:1: skipped: /, what);
  }
});
