import test from "ava";
import { runIn, workdir } from "../helpers/cli.js";
import { terminalStdin } from "../../src/cli/index.js";

// The mistakes of a first run: the wrong file given to a command. Each is a usage error (exit 2)
// whose message names the file and what to do instead, not syntax errors about its first line.
const rules = 'chain deliver {\n  rule r { when kind == message then drop }\n}\n';
const testFile = 'rules "r.sfw"\ncase "c" {\n  send xml"<message from=\'a@b.example/r\' to=\'c@d.example\'/>"\n    expect drop\n}\n';
const files = { "r.sfw": rules, "r.txt": rules, "r.test.sfw": testFile, "r.pfw": "::deliver\nKIND: message\nDROP.\n" };

const cases: { argv: string[]; message: RegExp }[] = [
  { argv: ["check", "r.txt"], message: /^stanzafw: check takes \.sfw and \.pfw files \(or directories\), not r\.txt$/m },
  { argv: ["check", "r.test.sfw"], message: /^stanzafw: r\.test\.sfw is a test file: run it with 'stanzafw test r\.test\.sfw'$/m },
  { argv: ["compile", "r.pfw"], message: /^stanzafw: compile takes a \.sfw file, not r\.pfw: a \.pfw is already a mod_firewall script \(check it with 'stanzafw check r\.pfw'\)$/m },
  { argv: ["compile", "r.test.sfw"], message: /^stanzafw: r\.test\.sfw is a test file: run it with 'stanzafw test r\.test\.sfw'$/m },
  { argv: ["compile", "r.txt"], message: /^stanzafw: compile takes a \.sfw file, not r\.txt$/m },
  // A file that is not there: the same words from every command.
  { argv: ["check", "nope.sfw"], message: /^stanzafw: cannot read nope\.sfw: no such file \(ENOENT\)$/m },
  { argv: ["compile", "nope.sfw"], message: /^stanzafw: cannot read nope\.sfw: no such file \(ENOENT\)$/m },
  { argv: ["sim", "nope.sfw"], message: /^stanzafw: cannot read nope\.sfw: no such file \(ENOENT\)$/m },
  { argv: ["test", "nope/"], message: /^stanzafw: cannot read nope\/: no such file \(ENOENT\)$/m },
];
for (const { argv, message } of cases) {
  test(`first mistakes: ${argv.join(" ")} is a usage error that says what to do`, async (t) => {
    const r = await runIn(workdir(files), argv);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
    t.is(r.stdout, "");
  });
}

test("first mistakes: a directory with test files is still checked (they are left out, not refused)", async (t) => {
  const r = await runIn(workdir(files), ["check", "."]);
  t.is(r.code, 0, r.stderr);
});

test("first mistakes: sim without --traffic on a terminal says it reads standard input, once it does", async (t) => {
  let stderr = "";
  async function* none(): AsyncGenerator<Uint8Array> {}
  const stdin = terminalStdin(none, (s) => (stderr += s));
  t.is(stderr, "");
  stdin();
  t.is(stderr, "stanzafw: no --traffic file given: reading stanzas from standard input (end with Ctrl-D)\n");
});
