import test from "ava";
import { formatRate } from "../../src/check/rate-numbers.js";
import { toDnf, signedKey } from "../../src/check/formula.js";
import type { Formula, Literal } from "../../src/check/model.js";
import { encodeDefinitionValue, unsafeReason, commentSafe } from "../../src/check/text-safety.js";
import { splitJid } from "../../src/check/jids.js";
import { fileSpan } from "../../src/diag/span.js";
import { didYouMean, editDistance } from "../../src/diag/did-you-mean.js";

const rateCases: [number, number][] = [
  [5 / 60, 5],
  [10 / 60, 10],
  [2, 20],
  [6 / 3600, 20],
  [1 / 86400, 1],
  [100, 100],
  [1 / 3, 7],
];
for (const [perSecond, capacity] of rateCases) {
  test(`rate ${perSecond}/s with capacity ${capacity}: mod_firewall's R×B is at least the capacity and the refill rate is right`, (t) => {
    const { rate, burst } = formatRate(perSecond, capacity);
    t.regex(rate, /^[0-9.]+$/); // mod_firewall reads [%d.]+: no exponent, no sign
    t.regex(burst, /^[0-9.]+$/);
    const r = Number(rate);
    const b = Number(burst);
    t.true(r * b >= capacity, `${r} × ${b} < ${capacity}`);
    t.true(r * b < capacity + 1e-6, "capacity grew");
    t.true(Math.abs(r - perSecond) / perSecond < 1e-6, "refill rate drifted");
  });
}

const span = fileSpan("t.sfw");
const L = (name: string, sideEffect = false): Literal => ({ kind: "literal", name, argument: undefined, span, sideEffect });
const keys = (f: Formula) => toDnf(f)!.map((c) => c.map(signedKey).join(" & "));

test("DNF keeps source order and applies De Morgan", (t) => {
  const a = L("A"), b = L("B"), c = L("C");
  t.deepEqual(keys({ kind: "and", operands: [a, { kind: "or", operands: [b, c] }] }), ["A & B", "A & C"]);
  t.deepEqual(keys({ kind: "not", operand: { kind: "and", operands: [a, b] } }), ["NOT A", "NOT B"]);
  t.deepEqual(keys({ kind: "not", operand: { kind: "or", operands: [a, b] } }), ["NOT A & NOT B"]);
  t.deepEqual(keys({ kind: "and", operands: [a, { kind: "not", operand: a }] }), []);
});

test("DNF gives up beyond its limit", (t) => {
  const ors = Array.from({ length: 7 }, (_, i): Formula => ({ kind: "or", operands: [L(`X${i}`), L(`Y${i}`)] }));
  t.is(toDnf({ kind: "and", operands: ors }, 64), undefined);
  t.is(toDnf({ kind: "and", operands: ors.slice(0, 6) }, 64)?.length, 64);
});

test("a rate test written twice in a conjunction is kept twice", (t) => {
  const r = L("LIMIT", true);
  t.deepEqual(keys({ kind: "and", operands: [r, r] }), ["LIMIT & LIMIT"]);
});

test("text safety: what cannot be written into a .pfw line", (t) => {
  t.is(unsafeReason("hello world", "argument"), undefined);
  t.regex(unsafeReason("a\nb", "argument")!, /line break/);
  t.regex(unsafeReason("a\\", "argument")!, /backslash/);
  t.regex(unsafeReason("a\\  ", "argument")!, /backslash/);
  t.regex(unsafeReason("$(x)", "expression-argument")!, /expression/);
  t.is(unsafeReason("$(x)", "argument"), undefined);
  t.regex(unsafeReason("", "argument")!, /empty/);
  t.is(unsafeReason("a\nb", "definition-value"), undefined);
  t.is(encodeDefinitionValue("a\\b\nc\td"), "a\\\\b\\nc\\td");
  t.is(commentSafe("x\ny\\"), "x?y");
});

test("JIDs split as XMPP addresses", (t) => {
  t.deepEqual(splitJid("a@b/c/d"), { node: "a", domain: "b", resource: "c/d" });
  t.deepEqual(splitJid("b"), { node: undefined, domain: "b", resource: undefined });
  t.deepEqual(splitJid("b/r@x"), { node: undefined, domain: "b", resource: "r@x" });
});

test("did you mean", (t) => {
  t.is(editDistance("kitten", "sitting"), 3);
  t.is(didYouMean("mesage", ["message", "presence", "iq"]), "message");
  t.is(didYouMean("xyzzy", ["message", "presence", "iq"]), undefined);
  t.is(didYouMean("blocked_domain", ["blocked_domains", "reported"]), "blocked_domains");
});
