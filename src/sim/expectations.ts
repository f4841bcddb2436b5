import type { SimResult, Verdict } from "./engine.js";

/** An expectation written in a comment before a stanza: `expect: bounce policy-violation by blocked_domain`. */
export interface Expectation {
  readonly verdict: Verdict;
  readonly condition?: string;
  /** A `.sfw` rule name, or a `.pfw` location `file:line`. */
  readonly rule?: string;
}

const verdicts: readonly Verdict[] = ["pass", "drop", "bounce", "redirect", "default", "error", "unsimulatable"];

/** Reads the expectation in a comment, if there is one; throws for a malformed one. */
export function parseExpectation(comment: string | undefined): Expectation | undefined {
  const m = /(?:^|\s)expect:\s*(.*)$/s.exec(comment ?? "");
  if (!m) return undefined;
  const words = m[1]!.trim().split(/\s+/);
  const verdict = words.shift() as Verdict;
  if (!verdicts.includes(verdict)) throw new Error(`unknown verdict '${verdict}' in expectation (one of ${verdicts.join(", ")})`);
  let condition: string | undefined;
  let rule: string | undefined;
  while (words.length > 0) {
    const w = words.shift()!;
    if (w === "by") rule = words.shift();
    else if (condition === undefined && rule === undefined) condition = w;
  }
  return { verdict, ...(condition ? { condition } : {}), ...(rule ? { rule } : {}) };
}

/** Why a result does not meet an expectation, or undefined when it does. */
export function unmet(expected: Expectation, result: SimResult): string | undefined {
  const problems: string[] = [];
  if (result.verdict !== expected.verdict) problems.push(`verdict ${result.verdict}, expected ${expected.verdict}`);
  if (expected.condition !== undefined && result.error?.condition !== expected.condition) problems.push(`error ${result.error?.condition ?? "none"}, expected ${expected.condition}`);
  if (expected.rule !== undefined) {
    const name = result.rule?.name?.replace(/ \(.*\)$/, "");
    if (name !== expected.rule && result.rule?.pfw !== expected.rule && result.rule?.sfw !== expected.rule) problems.push(`decided by ${name ?? result.rule?.pfw ?? "no rule"}, expected ${expected.rule}`);
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}
