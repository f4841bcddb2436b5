import type { Formula, Literal } from "./model.js";
import { literalKey } from "./model.js";

/** A literal with its polarity: one condition line of a mod_firewall rule (`NOT` when negated). */
export interface SignedLiteral {
  readonly literal: Literal;
  readonly negated: boolean;
}

/** A conjunction of signed literals: the conditions of one mod_firewall rule. */
export type Conjunction = readonly SignedLiteral[];

/** Identity of a signed literal (textual, as mod_firewall compares conditions). */
export function signedKey(s: SignedLiteral): string {
  return (s.negated ? "NOT " : "") + literalKey(s.literal);
}

/**
 * Disjunctive normal form: an OR of conjunctions, operands kept in source order (so evaluation
 * order within each conjunction matches the source's left-to-right order). Contradictory
 * conjunctions (x and not x) are dropped, duplicates within a conjunction removed.
 * Returns undefined when the result would exceed `limit` conjunctions.
 */
export function toDnf(f: Formula, limit = 64): Conjunction[] | undefined {
  // The checker and the emitter both ask for the same rules' forms: compute each once.
  const cached = dnfCache.get(f)?.get(limit);
  if (cached !== undefined) return cached === "too big" ? undefined : cached;
  let result: Conjunction[] | "too big";
  try {
    result = dnf(f, false, limit);
  } catch (e) {
    if (!(e instanceof TooBig)) throw e;
    result = "too big";
  }
  const byLimit = dnfCache.get(f) ?? new Map<number, Conjunction[] | "too big">();
  byLimit.set(limit, result);
  dnfCache.set(f, byLimit);
  return result === "too big" ? undefined : result;
}

const dnfCache = new WeakMap<Formula, Map<number, Conjunction[] | "too big">>();

class TooBig extends Error {}

function dnf(f: Formula, negate: boolean, limit: number): Conjunction[] {
  switch (f.kind) {
    case "literal":
      return [[{ literal: f, negated: negate }]];
    case "not":
      return dnf(f.operand, !negate, limit);
    case "and":
    case "or": {
      // De Morgan: under negation, and ↔ or.
      const isAnd = (f.kind === "and") !== negate;
      const parts = f.operands.map((o) => dnf(o, negate, limit));
      if (!isAnd) {
        const all = parts.flat();
        if (all.length > limit) throw new TooBig();
        return all;
      }
      let acc: Conjunction[] = [[]];
      for (const part of parts) {
        const next: Conjunction[] = [];
        for (const a of acc) {
          for (const b of part) {
            const merged = mergeConjunctions(a, b);
            if (merged) next.push(merged);
            if (next.length > limit) throw new TooBig();
          }
        }
        acc = next;
      }
      return acc;
    }
  }
}

function mergeConjunctions(a: Conjunction, b: Conjunction): Conjunction | undefined {
  const out = [...a];
  const keys = new Map(a.map((s) => [literalKey(s.literal), s.negated]));
  for (const s of b) {
    const k = literalKey(s.literal);
    const existing = keys.get(k);
    if (existing === undefined) {
      keys.set(k, s.negated);
      out.push(s);
    } else if (existing !== s.negated && !s.literal.sideEffect) {
      return undefined; // x and not x: never true
    } else if (s.literal.sideEffect) {
      out.push(s); // a rate test written twice is evaluated twice
    }
  }
  return out;
}

/** Every literal of a formula, in source order. */
export function literalsOf(f: Formula | undefined): Literal[] {
  if (!f) return [];
  switch (f.kind) {
    case "literal":
      return [f];
    case "not":
      return literalsOf(f.operand);
    default:
      return f.operands.flatMap(literalsOf);
  }
}
