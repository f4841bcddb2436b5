import test from "ava";
import { readPfw } from "../../src/pfw/read.js";

/** The rules of a script, compactly: conditions => actions per chain. */
function shape(text: string): string[] {
  const { script } = readPfw(text, "t.pfw");
  return script.chains.flatMap((c) =>
    c.rules.map((r) => `${c.name}:${r.conditions.length > 0 ? " " : ""}${r.conditions.map((x) => `${x.negated ? "!" : ""}${x.name}${x.argument !== undefined ? `(${x.argument})` : ""}`).join(" & ")} => ${r.actions.map((a) => `${a.name}${a.argument !== undefined ? `(${a.argument})` : ""}`).join(", ")}${r.storedTwice ? " [twice]" : ""}`),
  );
}


const readCases: [string, string, string[]][] = [
  ["default chain, NOT before and after the name", "KIND: message\nNOT TYPE: error\nTYPE NOT: chat\nDROP.\n", ["deliver: KIND(message) & !TYPE(error) & !TYPE(chat) => DROP"]],
  ["? and spaces or underscores in names", "TO_FULL JID?\nIN ROSTER\nPASS.\n", ["deliver: TO FULL JID & IN ROSTER => PASS"]],
  ["one optional space after ':', none skipped after '='", "TO:  a@b\nLOG= x\n", ["deliver: TO( a@b) => LOG( x)"]],
  ["action names are case-insensitive, text after '.' ignored", "drop. whatever\n", ["deliver: => DROP"]],
  ["chains and user chains", "::preroute\nKIND: iq\nJUMP CHAIN=user/x\n\n::user/x\nRETURN.\n", ["preroute: KIND(iq) => JUMP CHAIN(user/x)", "user/x: => RETURN"]],
  ["a comment does not end a rule", "KIND: message\n# note\nDROP.\n", ["deliver: KIND(message) => DROP"]],
  ["a trailing backslash joins lines, before comments are seen", "KIND: mess\\\nage\nDROP.\n\n# c \\\nDROP.\n", ["deliver: KIND(message) => DROP"]],
  ["a condition after actions is swallowed and the rule stored twice", "LOG=a\nKIND: presence\nDROP.\n", ["deliver: => LOG(a) [twice]", "deliver: => LOG(a) [twice]", "deliver: => DROP"]],
  ["definitions decode escapes; ':<' is literal", "%ZONE z:< /etc/x\n%PATTERN p: a\\tb\n", []],
];

for (const [name, text, expected] of readCases) {
  test(`reading: ${name}`, (t) => {
    t.deepEqual(shape(text), expected);
  });
}

test("definitions are read as mod_firewall reads them", (t) => {
  const { script } = readPfw("%ZONE z:< /etc/x\n%PATTERN p: a\\tb\\q\n%RATE r:1 (burst 2)\n", "t.pfw");
  t.deepEqual(script.definitions.map((d) => [d.type, d.name, d.value]), [["ZONE", "z", "< /etc/x"], ["PATTERN", "p", "a\tb\\q"], ["RATE", "r", "1 (burst 2)"]]);
});

// The oracle against Prosody's own compiler (78 scripts) is in read.test.ts.
