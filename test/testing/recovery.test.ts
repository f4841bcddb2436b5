import test from "ava";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIn, workdir as tempdir } from "../helpers/cli.js";
import { spamAndQuiet as rules } from "../helpers/rule-sets.js";


/**
 * A test file with a syntax error is not run, but the names it gives further on (a rule after
 * `by`, an error condition, a chain) are still checked where the parser read them soundly: each
 * case lists every diagnostic the run reports, as `CODE line:col`. What is left unchecked is where a
 * check could only give an echo of the syntax error (a name of the step the error is in, or one
 * that may be the next step's first word), or where a rule set may be missing. (The report is in
 * the order of the file.)
 */
const cases: [string, string, string[]][] = [
  [
    "a misspelt step: the names in the rest of its case and in the next case",
    `rules "r.sfw"\ncase "a" {\n  snd xml"<message/>"\n  send xml"<message/>" expect pass by spma\n}\ncase "b" {\n  send xml"<message/>" expect bounce policy-violaton\n}\n`,
    ["SFW102 3:3", "SFW606 4:39", "SFW609 7:38"],
  ],
  [
    "a case's missing '}': the names before and after it",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by spma\ncase "b" {\n  send xml"<message/>" expect bounce policy-violaton\n}\n`,
    ["SFW606 3:39", "SFW102 4:1", "SFW609 5:38"],
  ],
  [
    "the end of the file inside a case",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by spma\n`,
    ["SFW606 3:39", "SFW102 4:1"],
  ],
  [
    "an option's value of the wrong kind: that step is not checked, the next one is",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" times "3" expect pass by spma\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 3:30", "SFW606 4:39"],
  ],
  [
    "a word too many after a rule's name: that name is not checked (it may be the same slip)",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by snd spam\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 3:43", "SFW606 4:39"],
  ],
  [
    "a string too many after a chain's: that chain is not checked",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" chain "x" "deliver" expect pass\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 3:34", "SFW606 4:39"],
  ],
  [
    "'by' at a line's end: the next step's 'send' is not taken for a rule's name",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by\n  send xml"<message/>" expect pass by qiet\n}\n`,
    // The next step is the parser's echo too: it went on from `xml"…"`, past that step's `by qiet`.
    ["SFW102 4:8"],
  ],
  [
    "'expect' without a verdict: no unknown verdict 'send'",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 4:8"],
  ],
  [
    "a misspelt step after a verdict is not taken for the verdict's error condition",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect drop\n  snd xml"<message/>"\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 4:7", "SFW606 5:39"],
  ],
  [
    "an unterminated string: its step is not checked, the next case is",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" origin "c2s:a@b expect pass by spma\n}\ncase "b" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW106 3:31", "SFW102 4:1", "SFW606 6:39"],
  ],
  [
    "a character the lexer drops inside a name: not that name, the next one",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by sp$am\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW101 3:41", "SFW102 3:42", "SFW606 4:39"],
  ],
  [
    "a misspelt 'case': the next case",
    `rules "r.sfw"\ncse "a" {\n  send xml"<message/>" expect pass by spma\n}\ncase "b" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 2:1", "SFW606 6:39"],
  ],
  [
    "a misspelt top-level word: the names after it",
    `rules "r.sfw"\nwrld { }\ncase "a" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 2:1", "SFW606 4:39"],
  ],
  [
    "a misspelt 'rules': no name is checked (its rule set is not known), nor is the rules line missing",
    `rule "r.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 1:1"],
  ],
  [
    "a 'rules' line without its comma: no name is checked (a rule set is not known)",
    `rules "r.sfw" "o.sfw"\ncase "a" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 1:15"],
  ],
  [
    "a 'rules' line without its path: no name is checked, nor is the rules line missing",
    `rules\ncase "a" {\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW102 2:1"],
  ],
  [
    "an unknown chain after a syntax error",
    `rules "r.sfw"\ncase "a" {\n  snd xml"<message/>"\n  send xml"<message/>" chain "delivr" expect pass\n}\n`,
    ["SFW102 3:3", "SFW610 4:30"],
  ],
  [
    "no syntax error, an unknown verdict: the other steps' names too",
    `rules "r.sfw"\ncase "a" {\n  send xml"<message/>" expect bounced\n  send xml"<message/>" expect pass by qiet\n}\n`,
    ["SFW601 3:31", "SFW606 4:39"],
  ],
];

for (const [name, text, expected] of cases) {
  test(`test-file errors past a syntax error: ${name}`, async (t) => {
    const r = await runIn(tempdir({ "r.sfw": rules, "o.sfw": rules, "x.test.sfw": text }, "stanzafw-recovery-"), ["test", "x.test.sfw"]);
    const found = [...r.stderr.matchAll(/^x\.test\.sfw:(\d+):(\d+): \w+\[(SFW\d+)\]/gm)].map((m) => `${m[3]} ${m[1]}:${m[2]}`);
    t.deepEqual(found, expected, r.stderr);
    // A file with errors is checked, not run.
    t.is(r.code, 1);
    t.regex(r.stdout, /^0 passed, 0 failed$/m);
  });
}

/**
 * Every single-token slip (a token deleted, one inserted before it, a word misspelt) of a file
 * whose wrong names are known: past the syntax error it makes, no name error but those is
 * reported. (The names the slip itself touches are left alone.)
 */
test("test-file errors past a syntax error: no single-token slip makes a name error of its own", async (t) => {
  const file = `rules "r.sfw"
world { "hosts": ["example.org"] }
case "a" {
  send xml"<message to='a@example.org'><body>casino</body></message>" origin "c2s:x@example.org/r" expect bounce policy-violation by spam
  send xml"<presence to='a@example.org'/>" chain "deliver" expect drop by quiet
  wait 5s
  send xml"<message/>" times 2 expect bounce policy-violaton
}
case "b" {
  send xml"<presence/>"
    expect drop by qiet emits xml"<message/>"
  send xml"<message/>" chain "delivr" expect bounce policy-violation
}
`;
  const wrong = ["policy-violaton", "qiet", "delivr"];
  const inserted = ["send", "by", "expect", "case", "{", "}", ",", "snd", "rule", '"x"', "bounce", "times", "3", 'xml"<m/>"'];
  const dir = tempdir({ "r.sfw": rules }, "stanzafw-recovery-");
  const slips: [string, string][] = [];
  for (const m of file.matchAll(/xml"[^"]*"|"[^"]*"|[\w-]+|[{}:,[\]]/g)) {
    if (wrong.includes(m[0])) continue;
    const [before, after] = [file.slice(0, m.index), file.slice(m.index + m[0].length)];
    slips.push([`${m[0]} deleted`, before + after]);
    for (const x of inserted) slips.push([`${x} before ${m[0]}`, `${before}${x} ${m[0]}${after}`]);
    if (/^[a-z]/.test(m[0])) slips.push([`${m[0]} misspelt`, `${before}${m[0].slice(1)}${after}`]);
  }
  let damaged = 0;
  for (const [slip, text] of slips) {
    writeFileSync(join(dir, "x.test.sfw"), text);
    const r = await runIn(dir, ["test", "x.test.sfw"]);
    if (!/error\[SFW10[126]\]/.test(r.stderr)) continue;
    damaged++;
    const names = [...r.stderr.matchAll(/error\[SFW6(?:01|06|09|10)\]: [^']*'([^']*)'/g)].map((m) => m[1]!);
    const echoes = names.filter((n) => !wrong.includes(n));
    if (echoes.length > 0) t.fail(`${slip}: ${echoes.join(", ")}\n${r.stderr}`);
  }
  t.true(damaged > 700, `${damaged} of ${slips.length} slips are syntax errors`);
});
