import { diag, type Diagnostic } from "../diag/diagnostic.js";
import { wordList } from "../diag/word-list.js";
import type { Span } from "../diag/span.js";
import { literalKey } from "../check/model.js";
import type { LoweredChain } from "./lowered.js";

/**
 * What mod_firewall does with the rate tests of one source chain once it is lowered (the chain
 * and the helper chains made for its rules). It keeps a rate's buckets per chain, and evaluates a
 * condition repeated in rules of one chain once, before the first of them. So:
 * - one rate tested by rules the lowering put in different chains (one of them through a helper
 *   chain, for an `or` before the test) is a rate per chain: each lets the whole allowance through
 *   (SFW320);
 * - the same rate test in several rules of one (lowered) chain is evaluated up front (SFW310).
 */
export function reportRateBuckets(sourceChain: string, lowered: readonly LoweredChain[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Rate name → chain → the source rules testing it, and where; test text → the same, for hoisting.
  const byRate = new Map<string, Map<string, Use>>();
  const byTest = new Map<string, Map<string, Use>>();
  // Source rules in the order they are written.
  const order = new Map<string, number>();
  for (const chain of lowered) {
    for (const rule of chain.rules) {
      if (!order.has(rule.origin.ruleName) || rule.origin.span.start.offset < order.get(rule.origin.ruleName)!) order.set(rule.origin.ruleName, rule.origin.span.start.offset);
      for (const c of rule.conditions) {
        if (!c.rateTest) continue;
        const rate = (c.argument ?? "").split(" ")[0]!;
        note(byRate, rate, chain.name, rule.origin.ruleName, c.rateTest.span);
        note(byTest, literalKey(c.rateTest), chain.name, rule.origin.ruleName, c.rateTest.span);
      }
    }
  }
  for (const [rate, chains] of byRate) {
    if (chains.size < 2) continue;
    const uses = [...chains.values()];
    const rules = [...new Set(uses.flatMap((u) => [...u.rules]))].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const where = [...chains].sort(([, a], [, b]) => a.first.start.offset - b.first.start.offset).map(([chain, u]) => `${[...u.rules].map((r) => `'${r}'`).join(", ")} in ${chain === sourceChain ? `chain '${chain}'` : "a helper chain"}`).join("; ");
    diagnostics.push(diag("SFW320", first(uses), { rate, rules: wordList(rules.map((r) => `'${r}'`), "and"), chain: sourceChain, where }));
  }
  // Rules left in one chain still share an up-front evaluation, whether or not others were split off.
  for (const [text, chains] of byTest) {
    for (const [chain, u] of chains) {
      if (u.rules.size > 1) diagnostics.push(diag("SFW310", u.first, { text, count: u.rules.size, chain: chain === sourceChain ? chain : `${chain}' (made for chain '${sourceChain}')` }));
    }
  }
  return diagnostics;
}

/**
 * One rate tested in several source chains: mod_firewall makes a chain's buckets when it builds
 * the chain's handler, so each chain has its own and lets the whole allowance through (SFW321).
 * Reported once per rate, at its first test in the second chain.
 */
export function reportRatesAcrossChains(sourceChains: readonly { readonly name: string; readonly lowered: readonly LoweredChain[] }[]): Diagnostic[] {
  const byRate = new Map<string, Map<string, Span>>();
  for (const { name, lowered } of sourceChains) {
    for (const chain of lowered) {
      for (const rule of chain.rules) {
        for (const c of rule.conditions) {
          if (!c.rateTest) continue;
          const rate = (c.argument ?? "").split(" ")[0]!;
          let chains = byRate.get(rate);
          if (!chains) byRate.set(rate, (chains = new Map()));
          const span = chains.get(name);
          if (!span || c.rateTest.span.start.offset < span.start.offset) chains.set(name, c.rateTest.span);
        }
      }
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const [rate, chains] of byRate) {
    if (chains.size < 2) continue;
    const ordered = [...chains].sort(([, a], [, b]) => a.start.offset - b.start.offset);
    diagnostics.push(diag("SFW321", ordered[1]![1], { rate, chains: wordList(ordered.map(([chain]) => `'${chain}'`), "and") }));
  }
  return diagnostics;
}

interface Use {
  readonly rules: Set<string>;
  first: Span;
}

function note(map: Map<string, Map<string, Use>>, key: string, chain: string, rule: string, span: Span): void {
  let chains = map.get(key);
  if (!chains) map.set(key, (chains = new Map()));
  const u = chains.get(chain);
  if (!u) chains.set(chain, { rules: new Set([rule]), first: span });
  else {
    u.rules.add(rule);
    if (span.start.offset < u.first.start.offset) u.first = span;
  }
}

function first(uses: readonly Use[]): Span {
  return uses.map((u) => u.first).reduce((a, b) => (b.start.offset < a.start.offset ? b : a));
}
