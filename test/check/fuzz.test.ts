import test from "ava";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { analyzeSfw, compileSfw } from "../../src/pipeline.js";
import { repoPath } from "../helpers/repo.js";

// Random and mutated inputs never crash the parser, checker or lowering: they only produce
// diagnostics, each with a span inside the text.

const seeds = [
  readFileSync(repoPath("rules/public-server.sfw"), "utf8"),
  readFileSync(repoPath("test/fixtures/compile/all-features/input.sfw"), "utf8"),
  readFileSync(repoPath("test/fixtures/compile/or-lowering/input.sfw"), "utf8"),
];

/** Splits text into tokens and the separators between them, keeping everything. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w-]*|\d+(?:\.\d+)?|\s+|./g) ?? [];
}

type Mutation = { kind: "delete" | "duplicate" | "swap" | "insert"; at: number; other: number; insert: string };

function mutate(text: string, mutations: readonly Mutation[]): string {
  const t = tokens(text);
  for (const m of mutations) {
    if (t.length === 0) break;
    const i = m.at % t.length;
    const j = m.other % t.length;
    if (m.kind === "delete") t.splice(i, 1);
    else if (m.kind === "duplicate") t.splice(i, 0, t[i]!);
    else if (m.kind === "swap") [t[i], t[j]] = [t[j]!, t[i]!];
    else t.splice(i, 0, m.insert);
  }
  return t.join("");
}

function assertWellFormed(text: string): void {
  const result = analyzeSfw(text, "fuzz.sfw");
  for (const d of result.diagnostics) {
    if (!/^SFW[1-6]\d\d$/.test(d.code)) throw new Error(`bad code ${d.code}`);
    const { start, end } = d.span;
    if (!(start.offset >= 0 && start.offset <= end.offset && end.offset <= text.length)) throw new Error(`span out of range for ${d.code}: ${JSON.stringify(d.span)}`);
    if (!(start.line >= 1 && start.column >= 1)) throw new Error(`bad position for ${d.code}`);
  }
  compileSfw(text, "fuzz.sfw");
}

const mutation = fc.record({
  kind: fc.constantFrom("delete", "duplicate", "swap", "insert"),
  at: fc.nat(),
  other: fc.nat(),
  insert: fc.constantFrom("(", ")", "{", "}", "[", "]", "and", "or", "not", "when", "then", ";", ",", "..", "==", '"', "rule", "chain", "drop", "exceeds", "in", "+", "*", "lua\"[\"", "path\"\"", "jid\"<\"", "\n", "#"),
}) as fc.Arbitrary<Mutation>;

test("mutated rule sets never crash the checker", (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ms) => {
      assertWellFormed(mutate(seed, ms));
    }),
    { numRuns: 400 },
  );
  t.pass();
});

test("random text never crashes the checker", (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => assertWellFormed(s)),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...tokens(seeds[0]!)), { maxLength: 80 }), (ts) => assertWellFormed(ts.join(" "))),
    { numRuns: 300 },
  );
  t.pass();
});
