import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runIn, workdir as tempdir } from "../helpers/cli.js";
import { spamAndQuiet as rules } from "../helpers/rule-sets.js";
import { diagnosticCases } from "../helpers/diagnostic-cases.js";
import { parseYamlBlock } from "../helpers/yaml-block.js";
import { parseTestFile } from "../../src/testing/test-file.js";
import { SaxesParser } from "saxes";

/** Throws unless the text is one well-formed XML document. */
function wellFormed(xml: string): void {
  const parser = new SaxesParser();
  parser.on("error", (e) => {
    throw e;
  });
  parser.write(xml).close();
}

const run = (cwd: string, ...argv: string[]) => runIn(cwd, argv);
const workdir = (files: Record<string, string>) => tempdir(files, "stanzafw-test-");

const passing = `rules "r.sfw"
world { "hosts": ["example.org"] }
case "spam is bounced" {
  send xml"<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>"
    expect bounce policy-violation by spam
      emits xml"<message type='error' from='alice@example.org' to='x@remote.example/r'><error type='modify'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></message>"
  send xml"<message from='x@remote.example/r' to='alice@example.org'><body>hello</body></message>" expect pass
}
`;
const failing = `rules "r.sfw"
world { "hosts": ["example.org"] }
case "presence passes (it does not)" {
  send xml"<presence from='x@remote.example/r' to='alice@example.org'/>" expect pass
}
`;

test("test: passing cases, the plain summary line, exit 0", async (t) => {
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": passing });
  const r = await run(dir, "test", ".");
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /^1 passed, 0 failed$/m);
});

test("test: a failure shows expected, actual, the stanza and the trace; exit 1", async (t) => {
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": failing });
  const r = await run(dir, "test");
  t.is(r.code, 1);
  t.regex(r.stdout, /FAIL r\.test\.sfw:3 /);
  t.regex(r.stdout, /expected: pass\n {4}actual: {3}drop by quiet/);
  t.regex(r.stdout, /stanza: {3}<presence/);
  t.regex(r.stdout, /deliver line \d+ \(rule quiet, r\.sfw:\d+\): KIND: presence → true/);
  t.regex(r.stdout, /^0 passed, 1 failed$/m);
});

test("test: a failure with a Lua error or an unsimulatable stanza says why", async (t) => {
  const loop = "::deliver\nKIND: message\nJUMP CHAIN=user/self\n\n::user/self\nJUMP CHAIN=user/self\n";
  const testFile = `rules "r.pfw"\n\ncase "loops" {\n  send xml"<message from='a@x.example/r' to='b@example.org' type='chat'><body>hi</body></message>"\n    expect pass\n}\n`;
  const r = await run(workdir({ "r.pfw": loop, "r.test.sfw": testFile }), "test");
  t.is(r.code, 1);
  t.regex(r.stdout, /actual: {3}error \(mod_firewall raises a Lua error \(stack overflow \(a chain jumps to itself\)\)/);
});

test("test --output where the directory is missing: exit 2 before anything runs", async (t) => {
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<presence from=\'x@remote.example/r\' to=\'alice@example.org\'/>" expect pass\n}\n' });
  const r = await run(dir, "test", "--reporter", "junit", "--output", "nodir/junit.xml");
  t.is(r.code, 2);
  t.is(r.stderr, "stanzafw: cannot write the report nodir/junit.xml: the directory nodir does not exist\n");
  t.is(r.stdout, "");
});

test("test: no tests found is a failure", async (t) => {
  const dir = workdir({ "r.sfw": rules });
  const r = await run(dir, "test", ".");
  t.is(r.code, 1);
  t.regex(r.stderr, /no tests found/);
});

test("test: a traffic file is run through the test file that names it; given directly, one clear error (exit 2), not lexer errors", async (t) => {
  const traffic = `<!-- expect: drop -->\n<presence from="x@remote.example/r" to="alice@example.org"/>\n`;
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic });
  const direct = await run(dir, "test", "t.xml");
  t.is(direct.code, 2);
  t.is(direct.stderr, `stanzafw: t.xml is not a test file (*.test.sfw): a traffic file with expect: comments is run by a test file that names it (rules "…" and traffic "t.xml")\n`);
  const ruleSet = await run(dir, "test", "r.sfw");
  t.is(ruleSet.code, 2);
  t.is(ruleSet.stderr, `stanzafw: r.sfw is a rule set, not a test file (*.test.sfw): check it with 'stanzafw check r.sfw', or test it from a test file that names it (rules "r.sfw")\n`);
  const onlyTraffic = await run(dir, "test", ".");
  t.is(onlyTraffic.code, 1);
  t.regex(onlyTraffic.stderr, /^stanzafw: no tests found in \.: no \*\.test\.sfw file \(traffic files are run by the test files that name them/m);
  const empty = await run(workdir({ "r.sfw": rules, "t.xml": traffic, "r.test.sfw": 'rules "r.sfw"\n' }), "test", ".");
  t.is(empty.code, 1);
  t.regex(empty.stderr, /^stanzafw: no tests found in \.: the test files hold no case/m);
  const help = await run(dir, "test", "--help");
  t.regex(help.stdout.replace(/\s+/g, " "), /run the tests of rule sets: \*\.test\.sfw files, with the traffic files they name \(traffic "t\.xml": its expect: comments are cases\)/);
});

test("test: when the test files have errors, that is what the end says (they were found); exit 1", async (t) => {
  const broken = 'rules "r.sfw"\ncase "c" {\n  snd xml"<message/>"\n}\n';
  const all = await run(workdir({ "r.sfw": rules, "a.test.sfw": broken, "b.test.sfw": 'rules "nope.sfw"\ncase "c" { }\n' }), "test", ".");
  t.is(all.code, 1);
  t.regex(all.stderr, /^stanzafw: 2 test files with errors, no test could run$/m);
  t.notRegex(all.stderr, /no tests found/);
  const some = await run(workdir({ "r.sfw": rules, "a.test.sfw": broken, "b.test.sfw": 'rules "r.sfw"\n' }), "test", ".");
  t.is(some.code, 1);
  t.regex(some.stderr, /^stanzafw: 1 of 2 test files with errors, no case in the others: no test could run$/m);
});

test("test: reporters tap, junit and github come from the same results", async (t) => {
  const dir = workdir({ "r.sfw": rules, "a.test.sfw": passing, "b.test.sfw": failing });
  const tap = await run(dir, "test", "--reporter", "tap");
  t.is(tap.code, 1);
  t.regex(tap.stdout, /^TAP version 13\n1\.\.2\nok 1 - a\.test\.sfw › spam is bounced\nnot ok 2 - b\.test\.sfw › presence passes/);
  t.regex(tap.stdout, /^ {6}at: "b\.test\.sfw:4:3"$/m, "a failure's place, column included");
  const junit = await run(dir, "test", "--reporter", "junit", "--output", "report.xml");
  t.is(junit.code, 1);
  const xml = readFileSync(join(dir, "report.xml"), "utf8");
  t.regex(xml, /<testsuites name="stanzafw" tests="2" failures="1">/);
  t.regex(xml, /<testcase classname="b\.test\.sfw" name="presence passes \(it does not\)" file="b\.test\.sfw" line="3" time="[\d.]+">\n\s+<failure message="verdict drop, expected pass"/);
  t.regex(xml, /<failure [^>]*>b\.test\.sfw:4:3: verdict drop, expected pass\n/, "the failure's place, column included");
  t.regex(junit.stdout, /^1 passed, 1 failed$/m);
  const github = await run(dir, "test", "--reporter", "github");
  t.regex(github.stdout, /^::error file=b\.test\.sfw,line=4,col=3,title=stanzafw%3A presence passes \(it does not\)::verdict drop, expected pass%0Aexpected: pass/m);
  // GitHub reads annotations from the log only: with --output they are in the log too.
  const githubFile = await run(dir, "test", "--reporter", "github", "--output", "annotations.txt");
  t.regex(githubFile.stdout, /^::error file=b\.test\.sfw,line=4,col=3,/m);
  t.regex(readFileSync(join(dir, "annotations.txt"), "utf8"), /^::error file=b\.test\.sfw,line=4,col=3,/m);
});

test("test: --reporter junit on standard output is one well-formed document, its summary a comment; with --output the log shows the failures", async (t) => {
  const dir = workdir({ "r.sfw": rules, "a.test.sfw": passing, "b.test.sfw": failing });
  const r = await run(dir, "test", "--reporter", "junit");
  t.is(r.code, 1);
  t.notThrows(() => wellFormed(r.stdout), r.stdout);
  t.regex(r.stdout, /<\/testsuites>\n<!-- 1 passed, 1 failed -->\n$/);
  const file = await run(dir, "test", "--reporter", "junit", "--output", "report.xml");
  t.notThrows(() => wellFormed(readFileSync(join(dir, "report.xml"), "utf8")));
  t.regex(file.stdout, /FAIL b\.test\.sfw:3 [^\n]*\n {2}b\.test\.sfw:4:3: verdict drop, expected pass\n {4}expected: pass\n {4}actual: {3}drop by quiet/);
  t.regex(file.stdout, /^1 passed, 1 failed$/m);
});

test("test: errors in test files are in every reporter's results, not a clean report of no tests", async (t) => {
  const typo = 'rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "c" {\n  send xml"<presence from=\'x@remote.example/r\' to=\'alice@example.org\'/>"\n    expect dorp\n}\n';
  const dir = workdir({ "r.sfw": rules, "a.test.sfw": passing, "b.test.sfw": typo });
  const github = await run(dir, "test", "--reporter", "github");
  t.is(github.code, 1);
  t.regex(github.stdout, /^::error file=b\.test\.sfw,line=5,col=12,endColumn=15,title=stanzafw SFW601::unknown verdict 'dorp' [^\n]*\(did you mean 'drop'\?\)$/m);
  const junit = await run(dir, "test", "--reporter", "junit", "--output", "report.xml");
  t.is(junit.code, 1);
  const xml = readFileSync(join(dir, "report.xml"), "utf8");
  t.notThrows(() => wellFormed(xml));
  t.regex(xml, /<testsuites name="stanzafw" tests="2" failures="0" errors="1">/);
  t.regex(xml, /<testsuite name="b\.test\.sfw" tests="1" failures="0" errors="1"[^>]*>\n\s+<testcase classname="b\.test\.sfw" name="b\.test\.sfw: 1 error \(SFW601\)" file="b\.test\.sfw" line="5"[^>]*>\n\s+<error message="unknown verdict &apos;dorp&apos;[^"]*" type="SFW601">b\.test\.sfw:5:12: error\[SFW601\]/);
  const tap = await run(dir, "test", "--reporter", "tap");
  t.is(tap.code, 1);
  t.regex(tap.stdout, /^1\.\.2$/m);
  const lines = tap.stdout.split("\n");
  const start = lines.indexOf("not ok 2 - b.test.sfw: 1 error (SFW601)") + 1;
  t.is(lines[start], "  ---", tap.stdout);
  const end = lines.indexOf("  ...", start);
  t.like(parseYamlBlock(lines.slice(start + 1, end)), { errors: [{ code: "SFW601", at: "b.test.sfw:5:12" }] });
  // Only test files with errors: not `1..0` (TAP's "all skipped", read as a pass).
  const only = await run(workdir({ "r.sfw": rules, "b.test.sfw": typo }), "test", "--reporter", "tap");
  t.regex(only.stdout, /^1\.\.1\nnot ok 1 - b\.test\.sfw: 1 error \(SFW601\)$/m);
});

test("test: the TAP block of a case with several failures lists them, with no key repeated", async (t) => {
  const twice = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "two wrong" {\n  send xml"<presence from='x@remote.example/r' to='alice@example.org'/>" expect pass\n  send xml"<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>" expect drop\n}\n`;
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": twice });
  const r = await run(dir, "test", "--reporter", "tap");
  t.is(r.code, 1);
  const lines = r.stdout.split("\n");
  const start = lines.indexOf("not ok 1 - r.test.sfw › two wrong") + 1;
  t.is(lines[start], "  ---", r.stdout);
  const end = lines.indexOf("  ...", start);
  t.true(end > start, r.stdout);
  t.deepEqual(parseYamlBlock(lines.slice(start + 1, end)), {
    failures: [
      { message: "verdict drop, expected pass", at: "r.test.sfw:4:3", expected: "pass", actual: "drop by quiet" },
      { message: "verdict bounce, expected drop", at: "r.test.sfw:5:3", expected: "drop", actual: "bounce policy-violation by spam" },
    ],
  });
});

test("the YAML reader of these tests refuses a repeated key", (t) => {
  t.throws(() => parseYamlBlock(['  message: "a"', '  at: "x:1"', '  message: "b"']), { message: /duplicate key 'message'/ });
  t.throws(() => parseYamlBlock(["  failures:", '    - message: "a"', '      message: "b"']), { message: /duplicate key 'message'/ });
});

test("test: --coverage and --min-coverage", async (t) => {
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": passing });
  const r = await run(dir, "test", "--coverage", "--min-coverage", "100");
  t.is(r.code, 1);
  t.regex(r.stdout, /rule coverage: 50\.0% of 2 rules/);
  t.regex(r.stdout, /never deciding:\n {2}quiet \(r\.sfw:6\)/);
  t.regex(r.stderr, /below --min-coverage 100%/);
  t.is((await run(dir, "test", "--min-coverage", "50")).code, 0);
});

test("test: inline expectations in traffic files, and benign traffic", async (t) => {
  const traffic = `<!-- expect: bounce policy-violation by spam -->\n<message from="x@remote.example/r" to="alice@example.org"><body>casino</body></message>\n<!-- expect: drop -->\n<message from="x@remote.example/r" to="alice@example.org"><body>ok</body></message>\n`;
  const benign = `<message from="x@remote.example/r" to="alice@example.org"><body>hello</body></message>\n<presence from="x@remote.example/r" to="alice@example.org"/>\n`;
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic, "b.xml": benign, "r.test.sfw": `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ntraffic "t.xml"\nbenign traffic "b.xml"\n` });
  const r = await run(dir, "test");
  t.is(r.code, 1);
  t.regex(r.stdout, /FAIL t\.xml:4 .*\n {2}t\.xml:4:1: verdict pass, expected drop/);
  t.regex(r.stdout, /FAIL b\.xml:2 .*\n {2}b\.xml:2:1: benign traffic must pass: verdict drop, expected pass/);
  t.regex(r.stdout, /^2 passed, 2 failed$/m);
});

test("test: a malformed record in a test's traffic is an error and fails the run, though every case passes", async (t) => {
  const traffic = `<!-- expect: pass -->\n<message from="x@remote.example/r" to="alice@example.org"><body>hello</body></message>\n<!-- expect: drop -->\n<message from="x@remote.example/r" to="alice@example.org"><body>lost</message>\n`;
  const dir = workdir({ "r.sfw": rules, "t.xml": traffic, "r.test.sfw": `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ntraffic "t.xml"\n` });
  const r = await run(dir, "test");
  t.regex(r.stderr, /^t\.xml:4:1: error\[SFW604\]: malformed stanza/m);
  t.regex(r.stdout, /^1 passed, 0 failed$/m);
  t.is(r.code, 1);
  // A record kept despite a problem (an unreadable time: the previous one is used) is still checked: a warning.
  const kept = '<traffic xmlns="urn:stanzafw:traffic:0">\n<!-- expect: drop -->\n<event time="yesterday"><presence xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"/></event>\n</traffic>\n';
  const k = await run(workdir({ "r.sfw": rules, "t.xml": kept, "r.test.sfw": `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ntraffic "t.xml"\n` }), "test");
  t.regex(k.stderr, /^t\.xml:3:\d+: warning\[SFW604\]: invalid time 'yesterday'/m);
  t.regex(k.stdout, /^1 passed, 0 failed$/m);
  t.is(k.code, 0, k.stderr);
});

test("test --update records expectations where there are none, shows the diff, and leaves failing ones alone", async (t) => {
  const tests = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ntraffic "t.xml"\ncase "adopt" {\n  send xml"<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>"\n  send xml"<presence from='x@remote.example/r' to='alice@example.org'/>" expect pass\n}\n`;
  const traffic = `<message from="x@remote.example/r" to="alice@example.org"><body>hi</body></message>\n`;
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": tests, "t.xml": traffic });
  const r = await run(dir, "test", "--update");
  t.is(r.code, 1); // the failing expectation still fails
  t.regex(r.stdout, /\+ {2}send xml"<message from='x@remote\.example\/r' to='alice@example\.org'><body>casino<\/body><\/message>" expect bounce policy-violation by spam/);
  t.regex(r.stdout, /\+<!-- expect: pass -->/);
  const updated = readFileSync(join(dir, "r.test.sfw"), "utf8");
  t.true(updated.includes(`casino</body></message>" expect bounce policy-violation by spam\n`));
  t.true(updated.includes(`<presence from='x@remote.example/r' to='alice@example.org'/>" expect pass\n`));
  t.is(readFileSync(join(dir, "t.xml"), "utf8"), `<!-- expect: pass -->\n${traffic}`);
  const again = await run(dir, "test");
  t.regex(again.stdout, /^1 passed, 1 failed$/m); // the traffic stanza now passes; the case still has its failing expectation
});

test("test --update does not record one expectation for copies of a send that differ (times N across a rate limit)", async (t) => {
  const limited = 'rate one = 1 per minute\nchain deliver {\n  rule flood {\n    when exceeds one per from.host\n    then bounce resource-constraint\n  }\n}\n';
  const same = "  send xml\"<message from='y@other.example/r' to='alice@example.org'/>\"\n";
  const tests = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "flood" {\n  send xml"<message from='x@remote.example/r' to='alice@example.org'/>" times 3\n${same}}\n`;
  const dir = workdir({ "r.sfw": limited, "r.test.sfw": tests });
  const r = await run(dir, "test", "--update");
  t.regex(r.stderr, /^stanzafw: --update did not record r\.test\.sfw:4:3: its 3 copies have different outcomes \(1 × pass, 2 × bounce resource-constraint by flood\)/m);
  const updated = readFileSync(join(dir, "r.test.sfw"), "utf8");
  t.true(updated.includes(`times 3\n`), updated);
  t.true(updated.includes(`to='alice@example.org'/>" expect pass\n`), updated);
  const again = await run(dir, "test");
  t.is(again.code, 0, again.stdout);
});

test("test files: syntax errors are reported like rule files", (t) => {
  const r = parseTestFile('rules "r.sfw"\ncase "x" {\n  snd xml"<message/>"\n}\n', "x.test.sfw");
  t.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.hint ?? ""}`), ["SFW102 3:3 did you mean 'send'?"]);
});

test("test files: a misspelt error condition is reported before the run, with the closest one; a .pfw's own condition is known", async (t) => {
  const typo = 'rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "c" {\n  send xml"<message from=\'x@remote.example/r\' to=\'alice@example.org\'><body>casino</body></message>" expect bounce policy-violaton by spam\n}\n';
  const r = await run(workdir({ "r.sfw": rules, "x.test.sfw": typo }), "test");
  t.is(r.code, 1);
  t.regex(r.stderr, /error\[SFW609\]: unknown error condition 'policy-violaton'/);
  t.regex(r.stderr, /help: did you mean 'policy-violation'\?/);
  const pfw = "::deliver\nKIND: message\nBOUNCE=x-casino-ban (no)\n";
  const custom = 'rules "r.pfw"\nworld { "hosts": ["example.org"] }\ncase "c" {\n  send xml"<message from=\'x@remote.example/r\' to=\'alice@example.org\'><body>casino</body></message>" expect bounce x-casino-ban\n}\n';
  const ok = await run(workdir({ "r.pfw": pfw, "x.test.sfw": custom }), "test");
  t.notRegex(ok.stderr, /SFW609/);
  t.is(ok.code, 0, ok.stderr + ok.stdout);
});

test("test files: a send's unknown chain is an error before the run, with the closest one and the chains there are", async (t) => {
  const typo = 'rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "c" {\n  send xml"<presence from=\'x@remote.example/r\' to=\'alice@example.org\'/>" chain "delivr" expect drop\n}\n';
  const r = await run(workdir({ "r.sfw": rules, "x.test.sfw": typo }), "test");
  t.is(r.code, 1);
  t.regex(r.stderr, /^x\.test\.sfw:4:\d+: error\[SFW610\]: unknown chain 'delivr' \(did you mean 'deliver'\?\): the chains are 'preroute', 'deliver'/m);
});

test("test files: a rule is known only to the test files whose rule sets have it, not to every test file of the run", async (t) => {
  const other = "chain deliver {\n  rule none {\n    when kind == iq\n    then drop\n  }\n}\n";
  const uses = (file: string) => `rules "${file}"\ncase "c" {\n  send xml"<presence from='x@remote.example/r' to='alice@example.org'/>" expect drop by quiet\n}\n`;
  const r = await run(workdir({ "r.sfw": rules, "o.sfw": other, "a.test.sfw": uses("r.sfw"), "b.test.sfw": uses("o.sfw") }), "test");
  t.deepEqual([...r.stderr.matchAll(/^(\S+):(\d+):\d+: error\[(SFW\d+)\]/gm)].map((m) => `${m[1]} ${m[3]}`), ["b.test.sfw SFW606"], r.stderr);
});

// The SFW6xx codes through the runner (each case: a test file and what it must report).
const codeCases: [string, Record<string, string>, string[]][] = [
  ["unknown verdict", { "x.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<message/>" expect bounced\n}\n' }, ["SFW601 3:31"]],
  ["missing rule file", { "x.test.sfw": 'rules "nope.sfw"\ncase "c" { }\n' }, ["SFW602 1:7"]],
  ["invalid world", { "x.test.sfw": 'rules "r.sfw"\nworld { "hostz": [] }\ncase "c" { }\n' }, ["SFW603 2:7"]],
  ["not a stanza", { "x.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<foo/>" expect pass\n}\n' }, ["SFW604 3:12"]],
  ["rule file with errors", { "bad.sfw": "chain deliver { rule r { then dorp } }", "x.test.sfw": 'rules "bad.sfw"\ncase "c" { }\n' }, ["SFW103 1:31", "SFW605 1:7"]],
  ["unknown rule in by", { "x.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<message/>" expect pass by spma\n}\n' }, ["SFW606 3:39"]],
  ["unknown error condition in expect", { "x.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<message/>" expect bounce policy-violaton by spam\n}\n' }, ["SFW609 3:38"]],
  ["unknown rule and error condition in an expect: comment", { "t.xml": '<message/>\n<!-- expect: bounce policy-violaton by spma -->\n<message from="x@remote.example/r" to="alice@example.org"><body>casino</body></message>\n', "x.test.sfw": 'rules "r.sfw"\ntraffic "t.xml"\n' }, ["SFW606 3:1", "SFW609 3:1"]],
  ["malformed expect comment", { "t.xml": "<!-- expect: bouncy -->\n<message/>\n", "x.test.sfw": 'rules "r.sfw"\ntraffic "t.xml"\n' }, ["SFW607 2:1"]],
  ["no rules line", { "x.test.sfw": 'case "c" { }\n' }, ["SFW608 1:1"]],
  ["unknown chain in a send", { "x.test.sfw": 'rules "r.sfw"\ncase "c" {\n  send xml"<message/>" chain "delivr" expect pass\n}\n' }, ["SFW610 3:30"]],
];

for (const [name, files, expected] of codeCases) {
  test(`test-file diagnostics: ${name}`, async (t) => {
    const dir = workdir({ "r.sfw": rules, ...files });
    const r = await run(dir, "test", "--reporter", "tap", "x.test.sfw");
    const found = [...r.stderr.matchAll(/:(\d+):(\d+): \w+\[(SFW\d+)\]/g)].map((m) => `${m[3]} ${m[1]}:${m[2]}`);
    t.deepEqual(found, expected, r.stderr);
  });
}

void diagnosticCases;

test("test: `makes` expects a stanza Prosody makes of the one sent, and the firewall's verdict on it", async (t) => {
  const sfw = 'chain preroute {\n  rule no_broadcast_to_bob {\n    when kind == presence and to.bare == "bob@b.example"\n    then drop\n  }\n}\n';
  const world = '{ "hosts": ["example.org"], "rosters": { "alice@example.org": { "bob@b.example": { "subscription": "from" }, "carol@c.example": { "subscription": "from" } } } }';
  const file = (makes: string) => `rules "r.sfw"\nworld ${world}\ncase "alice comes online" {\n  send xml"<presence/>" origin "c2s:alice@example.org/r"\n    expect pass\n${makes}}\n`;
  const good = file(`      makes xml"<presence to='bob@b.example' from='alice@example.org/r'/>" drop by no_broadcast_to_bob\n      makes xml"<presence from='alice@example.org/r' to='carol@c.example'/>" pass\n`);
  const r = await run(workdir({ "r.sfw": sfw, "r.test.sfw": good }), "test", "--coverage");
  t.is(r.code, 0, r.stdout + r.stderr);
  // The rule decided only the stanza Prosody made: it is covered.
  t.regex(r.stdout, /rule coverage: 100\.0% of 1 rules decided at least one case\n +reached decided +rule\n +1 +1 +no_broadcast_to_bob \(r\.sfw:2\)/);
  const wrongVerdict = await run(workdir({ "r.sfw": sfw, "r.test.sfw": file(`      makes xml"<presence from='alice@example.org/r' to='carol@c.example'/>" drop\n`) }), "test");
  t.is(wrongVerdict.code, 1);
  t.regex(wrongVerdict.stdout, /of <presence from='alice@example\.org\/r' to='carol@c\.example'\/>, which Prosody made: /);
  const notMade = await run(workdir({ "r.sfw": sfw, "r.test.sfw": file(`      makes xml"<presence from='alice@example.org/r' to='dave@d.example'/>" pass\n`) }), "test");
  t.is(notMade.code, 1);
  t.regex(notMade.stdout, /Prosody did not make <presence from='alice@example\.org\/r' to='dave@d\.example'\/> \(it made <presence from='alice@example\.org\/r' to='bob@b\.example'\/>, <presence from='alice@example\.org\/r' to='carol@c\.example'\/>\)/);
  // A rule name that is not one: SFW606, as after `by` of `expect`; a verdict that is not one: SFW601. Both where they stand.
  const unknown = await run(workdir({ "r.sfw": sfw, "r.test.sfw": file(`      makes xml"<presence from='alice@example.org/r' to='bob@b.example'/>" drop by no_broadcast\n`) }), "test");
  t.regex(unknown.stdout + unknown.stderr, /r\.test\.sfw:6:84: error\[SFW606\]: no rule 'no_broadcast' in the rule sets of this test\n/);
  const typo = await run(workdir({ "r.sfw": sfw, "r.test.sfw": file(`      makes xml"<presence from='alice@example.org/r' to='bob@b.example'/>" dorp\n`) }), "test");
  t.is(typo.code, 1);
  t.regex(typo.stdout + typo.stderr, /r\.test\.sfw:6:76: error\[SFW601\]: unknown verdict 'dorp' \(pass, drop, bounce, redirect, default, error or unsimulatable\)\n(.*\n)*\s+= help: did you mean 'drop'\?/);
});
