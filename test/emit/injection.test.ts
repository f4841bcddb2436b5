import test from "ava";
import fc from "fast-check";
import { compileSfw } from "../../src/pipeline.js";
import { readPfw } from "../../src/pfw/read.js";

// No string from the DSL may change the structure of the emitted script: either the compiler
// refuses it with a diagnostic, or mod_firewall's reading of the output (our faithful reader)
// gives back exactly one rule whose argument is the string as written.

/** Escapes a JS string as a .sfw string literal. */
function sfwString(s: string): string {
  return `"${[...s].map((c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : c.charCodeAt(0) < 32 ? `\\u{${c.charCodeAt(0).toString(16)}}` : c)).join("")}"`;
}

const hostile = [
  "a\nDROP.",
  "x\r\n::deliver",
  "text\\",
  "trailing \\  ",
  "\n%ZONE z: evil",
  "# not a comment",
  "; not a comment",
  "$(os.execute('rm -rf /'))",
  "$<@from>",
  "line1\u2028line2",
  "ok\n\nKIND: message\nDROP.",
  ") (BOUNCE=x",
  "=",
  "",
];

const positions: { name: string; source: (s: string) => string; pfwAction?: string }[] = [
  { name: "log text", source: (s) => `chain deliver { rule r { then log ${sfwString(s)} } }`, pfwAction: "LOG" },
  { name: "reply text", source: (s) => `chain deliver { rule r { then reply ${sfwString(s)} } }`, pfwAction: "REPLY" },
  { name: "bounce text", source: (s) => `chain deliver { rule r { then bounce policy-violation ${sfwString(s)} } }`, pfwAction: "BOUNCE" },
  { name: "redirect JID", source: (s) => `chain deliver { rule r { then redirect ${sfwString(s)} } }`, pfwAction: "REDIRECT" },
  { name: "strip namespace", source: (s) => `chain deliver { rule r { then strip "x" ${sfwString(s)} } }`, pfwAction: "STRIP" },
  { name: "event name", source: (s) => `chain deliver { rule r { then event ${sfwString(s)} } }`, pfwAction: "EVENT" },
  { name: "payload namespace", source: (s) => `chain deliver { rule r { when payload ${sfwString(s)} then drop } }` },
  { name: "from exactly", source: (s) => `chain deliver { rule r { when from == ${sfwString(s)} then drop } }` },
  { name: "group name", source: (s) => `chain deliver { rule r { when from in group ${sfwString(s)} then drop } }` },
  { name: "list path", source: (s) => `list l: set<string> = file(${sfwString(s)})\nchain deliver { rule r { when from in l then drop } }` },
  { name: "zone member", source: (s) => `zone z = [${sfwString(s)}]\nchain deliver { rule r { when entering z then drop } }` },
  { name: "body comparison", source: (s) => `chain deliver { rule r { when body == ${sfwString(s)} then drop } }` },
];

/** Compiles; when it succeeds, the output must read back as exactly the one rule we wrote. */
function assertSafe(t: import("ava").ExecutionContext, source: string): void {
  const result = compileSfw(source, "case.sfw");
  if (!result.output) {
    t.true(result.diagnostics.some((d) => d.severity === "error"), "refused without an error");
    return;
  }
  const read = readPfw(result.output.text, "case.pfw");
  t.deepEqual(read.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), [], result.output.text);
  const deliver = read.script.chains.find((c) => c.name === "deliver");
  t.is(read.script.chains.length, 1, result.output.text);
  t.is(deliver?.rules.length, 1, result.output.text);
  t.false(deliver?.rules.some((r) => r.storedTwice) ?? false);
  t.true(read.script.definitions.length <= 1);
}

for (const pos of positions) {
  test(`hostile strings in ${pos.name} never change the script's structure`, (t) => {
    for (const s of hostile) assertSafe(t, pos.source(s));
  });
}

test("random strings in every position never change the script's structure", (t) => {
  const chars = fc.constantFrom("a", "b", " ", "\t", "\n", "\r", "\\", "#", ";", ":", "=", ".", "%", "$", "(", ")", "<", ">", "@", "/", "|", '"', "'", "\u0000", "é", "2", "D", "R", "O", "P");
  fc.assert(
    fc.property(fc.constantFrom(...positions), fc.string({ unit: chars, maxLength: 24 }), (pos, s) => {
      assertSafe(t, pos.source(s));
    }),
    { numRuns: 600 },
  );
});

test("a refused string is reported, with the reason, at the string", (t) => {
  const result = compileSfw('chain deliver { rule r { then reply "a\\nDROP." } }', "case.sfw");
  t.is(result.output, undefined);
  const d = result.diagnostics.find((x) => x.code === "SFW213");
  t.truthy(d);
  t.regex(d!.message, /line break/);
  t.is(d!.span.start.column, 37);
});
