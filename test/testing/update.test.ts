import test from "ava";
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIn, workdir as tempdir } from "../helpers/cli.js";
import { spamAndQuiet as rules } from "../helpers/rule-sets.js";
import { applyEdits } from "../../src/testing/run-tests.js";
import { readTrafficText } from "../../src/sim/traffic.js";

const run = (cwd: string, ...argv: string[]) => runIn(cwd, argv);
const workdir = (files: Record<string, string>) => tempdir(files, "stanzafw-update-");

// The case, empty, passes: a run with no case at all is a failure of its own.
const header = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ntraffic "t.xml"\ncase "c" { }\n`;
const hi = `<message from="x@remote.example/r" to="alice@example.org"><body>hi</body></message>`;
const casino = `<message from="x@remote.example/r" to="alice@example.org"><body>casino</body></message>`;
const presence = `<presence from="x@remote.example/r" to="alice@example.org"/>`;

/**
 * `--update` on traffic files: what it writes, and what a second `--update` then writes (nothing:
 * every stanza has its own expectation). Each comment must be the one right before its stanza, the
 * only place the traffic reader takes it from; one written before the line went to the line's first
 * stanza, inside the markup of a stanza ending on that line, or behind a comment that stays last.
 */
const trafficCases: { name: string; before: string; after: string; rules?: string }[] = [
  {
    name: "two stanzas on one line, neither with an expectation",
    before: `${hi}${presence}\n`,
    after: `<!-- expect: pass -->\n${hi}<!-- expect: drop by quiet -->${presence}\n`,
  },
  {
    name: "two stanzas on one line, the first with its expectation",
    before: `<!-- expect: drop -->${presence}${casino}\n`,
    after: `<!-- expect: drop -->${presence}<!-- expect: bounce policy-violation by spam -->${casino}\n`,
  },
  {
    name: "a stanza after one whose text spans lines",
    before: `<message from="x@remote.example/r" to="alice@example.org"><body>one\ntwo</body></message>${presence}\n`,
    after: `<!-- expect: pass -->\n<message from="x@remote.example/r" to="alice@example.org"><body>one\ntwo</body></message><!-- expect: drop by quiet -->${presence}\n`,
  },
  {
    name: "a stanza after one whose attribute spans lines",
    before: `<message from="x@remote.example/r" to="alice@example.org" id="a\nb"/>${presence}\n`,
    after: `<!-- expect: pass -->\n<message from="x@remote.example/r" to="alice@example.org" id="a\nb"/><!-- expect: drop by quiet -->${presence}\n`,
  },
  {
    name: "indented stanzas in event wrappers: a line of its own, indented as the stanza",
    before: `<traffic xmlns="urn:stanzafw:traffic:0">\n  <event time="+1s">\n    <presence xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"/>\n  </event>\n</traffic>\n`,
    after: `<traffic xmlns="urn:stanzafw:traffic:0">\n  <event time="+1s">\n    <!-- expect: drop by quiet -->\n    <presence xmlns="jabber:client" from="x@remote.example/r" to="alice@example.org"/>\n  </event>\n</traffic>\n`,
  },
  {
    name: "a stanza after a comment that is not an expectation",
    before: `<!-- seen on Monday -->${presence}\n`,
    after: `<!-- seen on Monday --><!-- expect: drop by quiet -->${presence}\n`,
  },
  {
    name: "CRLF line ends: the new line ends as the others do",
    before: `${hi}\r\n${presence}\r\n`,
    after: `<!-- expect: pass -->\r\n${hi}\r\n<!-- expect: drop by quiet -->\r\n${presence}\r\n`,
  },
  {
    // The comment reader takes the words as they are: a quoted location would never match.
    name: "a .pfw rule's location, unquoted (as an expect: comment names it)",
    rules: "::deliver\nKIND: presence\nDROP.\n",
    before: `${presence}\n`,
    after: `<!-- expect: drop by r.pfw:2 -->\n${presence}\n`,
  },
];

for (const c of trafficCases) {
  test(`test --update in a traffic file: ${c.name}`, async (t) => {
    const ruleFile = c.rules ? "r.pfw" : "r.sfw";
    const dir = workdir({ [ruleFile]: c.rules ?? rules, "r.test.sfw": header.replace("r.sfw", ruleFile), "t.xml": c.before });
    const first = await run(dir, "test", "--update");
    t.is(first.stderr, "");
    t.is(readFileSync(join(dir, "t.xml"), "utf8"), c.after);
    const second = await run(dir, "test", "--update");
    t.is(second.code, 0, second.stdout + second.stderr);
    t.is(readFileSync(join(dir, "t.xml"), "utf8"), c.after);
    t.regex(second.stdout, /^--update: every case already has an expectation/m);
  });
}

test("test --update: two sends on one line each get their own expectation, right after them", async (t) => {
  const m = `xml"<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>"`;
  const p = `xml"<presence from='x@remote.example/r' to='alice@example.org'/>"`;
  const tests = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "one line" { send ${m} send ${p} }\n`;
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": tests });
  await run(dir, "test", "--update");
  t.is(readFileSync(join(dir, "r.test.sfw"), "utf8"), tests.replace(`${m} send ${p} }`, `${m} expect bounce policy-violation by spam send ${p} expect drop by quiet }`));
  const again = await run(dir, "test");
  t.regex(again.stdout, /^1 passed, 0 failed$/m);
});

test("test --update: a send it does not record is named by line and column, so that two sends on one line are told apart", async (t) => {
  const limited = 'rate one = 1 per minute\nchain deliver {\n  rule flood {\n    when exceeds one per from.host\n    then bounce resource-constraint\n  }\n}\n';
  const s = (host: string) => `xml"<message from='x@${host}/r' to='alice@example.org'/>"`;
  const tests = `rules "r.sfw"\nworld { "hosts": ["example.org"] }\ncase "flood" {\n  send ${s("other.example")} expect pass send ${s("remote.example")} times 2\n}\n`;
  const dir = workdir({ "r.sfw": limited, "r.test.sfw": tests });
  const r = await run(dir, "test", "--update");
  t.is(r.stderr, "stanzafw: --update did not record r.test.sfw:4:84: its 2 copies have different outcomes (1 × pass, 1 × bounce resource-constraint by flood); split it into sends whose copies agree\n");
  t.is(readFileSync(join(dir, "r.test.sfw"), "utf8"), tests);
});

test("test --update: a traffic file two test files read gets one comment; when their rule sets disagree, none, and why", async (t) => {
  const other = "chain deliver {\n  rule none {\n    when kind == iq\n    then drop\n  }\n}\n";
  const dir = workdir({ "r.sfw": rules, "o.sfw": other, "a.test.sfw": header, "b.test.sfw": header, "t.xml": `${presence}\n${hi}\n` });
  await run(dir, "test", "--update");
  t.is(readFileSync(join(dir, "t.xml"), "utf8"), `<!-- expect: drop by quiet -->\n${presence}\n<!-- expect: pass -->\n${hi}\n`);
  writeFileSync(join(dir, "t.xml"), `${presence}\n${hi}\n`);
  writeFileSync(join(dir, "b.test.sfw"), header.replace("r.sfw", "o.sfw"));
  const r = await run(dir, "test", "--update");
  t.is(r.stderr, "stanzafw: --update did not record t.xml:1:1: the test files that read it see different outcomes (a.test.sfw: drop by quiet; b.test.sfw: pass), and one expectation cannot be both: write the expectation by hand, or give the test files traffic files of their own\n");
  t.is(readFileSync(join(dir, "t.xml"), "utf8"), `${presence}\n<!-- expect: pass -->\n${hi}\n`);
});

test("applyEdits refuses a stanza that is not where it was read (the file changed), and leaves that place alone", (t) => {
  const text = `${hi}\n${presence}\n`;
  const edit = { path: "/t.xml", display: "t.xml", by: "r.test.sfw", line: 2, column: 1, kind: "comment" as const, element: "message", expectation: "pass" };
  const r = applyEdits(text, [edit]);
  t.is(r.text, text);
  t.deepEqual(r.refused, [{ edit, why: "no <message> starts there any more (the file changed since it was read): run --update again" }]);
});

test("test --update writes through a symlinked test or traffic file to its target, and the link stays a link", async (t) => {
  const dir = workdir({ "r.sfw": rules });
  mkdirSync(join(dir, "shared"));
  mkdirSync(join(dir, "tests"));
  writeFileSync(join(dir, "shared", "t.xml"), `${presence}\n`);
  writeFileSync(join(dir, "shared", "r.test.sfw"), `rules "../r.sfw"\ntraffic "t.xml"\ncase "c" {\n  send xml"<presence from='x@remote.example/r' to='alice@example.org'/>"\n}\n`);
  // The test file's link in tests/, its traffic file's link beside it (the test file names t.xml).
  symlinkSync("../shared/r.test.sfw", join(dir, "tests", "r.test.sfw"));
  symlinkSync(join(dir, "shared", "t.xml"), join(dir, "tests", "t.xml"));
  const r = await run(dir, "test", "--update", "tests");
  t.is(r.stderr, "");
  t.true(lstatSync(join(dir, "tests", "r.test.sfw")).isSymbolicLink());
  t.true(lstatSync(join(dir, "tests", "t.xml")).isSymbolicLink());
  t.regex(readFileSync(join(dir, "shared", "r.test.sfw"), "utf8"), /'\/>" expect drop by quiet\n/);
  t.is(readFileSync(join(dir, "shared", "t.xml"), "utf8"), `<!-- expect: drop by quiet -->\n${presence}\n`);
  t.is((await run(dir, "test", "tests")).code, 0);
});

test("test --update does not write a traffic expectation the comment reader would read otherwise, and says why", async (t) => {
  const spaced = workdir({ "my rules.pfw": "::deliver\nKIND: presence\nDROP.\n", "r.test.sfw": header.replace("r.sfw", "my rules.pfw"), "t.xml": `${presence}\n` });
  const s = await run(spaced, "test", "--update");
  t.is(s.stderr, "stanzafw: --update did not record t.xml:1:1: the location of the rule that decided it ('my rules.pfw:2') has a space, and the words of an expect: comment are split at spaces: rename the file, or expect the verdict without 'by'\n");
  t.is(readFileSync(join(spaced, "t.xml"), "utf8"), `${presence}\n`);
  const dashes = workdir({ "r.pfw": "::deliver\nKIND: presence\nBOUNCE=x--ban\n", "r.test.sfw": header.replace("r.sfw", "r.pfw"), "t.xml": `${presence}\n` });
  const d = await run(dashes, "test", "--update");
  t.is(d.stderr, "stanzafw: --update did not record t.xml:1:1: its expectation 'bounce x--ban by r.pfw:2' holds '--', which an XML comment cannot: write it by hand without that part\n");
  t.is(readFileSync(join(dashes, "t.xml"), "utf8"), `${presence}\n`);
});

/**
 * Traffic files put together from stanzas (some over several lines, one with a character outside
 * the BMP), comments and line breaks, in a fixed pseudo-random order: `--update` leaves every
 * stanza as it was and the file well-formed, gives every stanza its own expectation (one case
 * each), and a second `--update` changes nothing.
 */
test("test --update on generated traffic layouts: the stanzas unchanged, each with its own expectation, a second run a no-op", async (t) => {
  const pieces = [
    hi,
    `<message from="x@remote.example/r" to="alice@example.org"><body>casino\n😀 two</body></message>`,
    presence,
    `<presence from="x@remote.example/r"\n  to="alice@example.org"/>`,
    `<message from="x@remote.example/r" to="alice@example.org" id="a\nb"><body>é</body></message>`,
    "<!-- note -->",
    "<!-- expect: drop -->",
    "<!-- expect: pass -->",
    "\n",
    "  ",
    "\r\n",
  ];
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const stanzas = (text: string) => readTrafficText(text, "t.xml").map((i) => (i.kind === "stanza" ? i.stanza.toString() : `problem: ${i.message}`));
  const dir = workdir({ "r.sfw": rules, "r.test.sfw": header });
  for (let k = 0; k < 60; k++) {
    const traffic = `${Array.from({ length: 2 + next(8) }, () => pieces[next(pieces.length)]).join("")}\n`;
    writeFileSync(join(dir, "t.xml"), traffic);
    const first = await run(dir, "test", "--update");
    const updated = readFileSync(join(dir, "t.xml"), "utf8");
    t.deepEqual(stanzas(updated), stanzas(traffic), JSON.stringify(traffic));
    t.is(first.stderr.match(/did not record.*/)?.[0], undefined, JSON.stringify(traffic));
    await run(dir, "test", "--update");
    t.is(readFileSync(join(dir, "t.xml"), "utf8"), updated, JSON.stringify(traffic));
    const tap = await run(dir, "test", "--reporter", "tap");
    t.regex(tap.stdout, new RegExp(`^1\\.\\.${stanzas(traffic).length + 1}$`, "m"), JSON.stringify(traffic));
  }
});
