import type { CheckContext } from "./context.js";
import type { CheckedChain } from "./model.js";
import { literalsOf } from "./formula.js";
import { literalKey } from "./model.js";

/** Warns when the same rate test appears in several rules of a chain: mod_firewall hoists it (SFW310). */
export function reportRepeatedRates(ctx: CheckContext, chain: CheckedChain): void {
  const uses = new Map<string, { count: number; first: import("../diag/span.js").Span }>();
  for (const rule of chain.rules) {
    const seen = new Set<string>();
    for (const lit of literalsOf(rule.condition)) {
      if (!lit.sideEffect) continue;
      const key = literalKey(lit);
      if (seen.has(key)) continue;
      seen.add(key);
      const u = uses.get(key);
      if (u) u.count++;
      else uses.set(key, { count: 1, first: lit.span });
    }
  }
  for (const [text, u] of uses) if (u.count > 1) ctx.report("SFW310", u.first, { text, count: u.count, chain: chain.name });
}
