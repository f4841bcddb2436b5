import type { CheckContext } from "./context.js";
import type { CheckedChain, CheckedRule } from "./model.js";
import { toDnf, signedKey, type Conjunction } from "./formula.js";
import { isTerminal } from "./report-dead-actions.js";

/**
 * Reports rules that can never fire because an earlier rule of the chain always decides first:
 * an earlier unconditional terminal rule (SFW303), or an earlier terminal rule whose conditions
 * are all among this rule's conditions (SFW304). Conditions with side effects (rate tests) are
 * left out of the reasoning, since an earlier rule's rate test may be false when this one's is true.
 */
export function reportUnreachableRules(ctx: CheckContext, chain: CheckedChain): void {
  const deciders: { rule: CheckedRule; conjunctions: Conjunction[] }[] = [];
  for (const rule of chain.rules) {
    const own = rule.condition ? toDnf(rule.condition) : [[]];
    if (own === undefined) continue;
    const always = deciders.find((d) => d.conjunctions.some((c) => c.length === 0));
    if (always) {
      ctx.report("SFW303", rule.span, { name: rule.name, earlier: always.rule.name }, { notes: [{ message: `rule '${always.rule.name}' has no conditions and always ends the chain`, span: always.rule.span }] });
      continue;
    }
    const shadow = own.length > 0 && own.every((mine) => findCover(deciders, mine) !== undefined) ? findCover(deciders, own[0]!) : undefined;
    if (shadow) {
      ctx.report("SFW304", rule.span, { name: rule.name, earlier: shadow.name }, { notes: [{ message: `rule '${shadow.name}' decides first`, span: shadow.span }] });
      continue;
    }
    const last = rule.actions[rule.actions.length - 1];
    if (rule.actions.some((a) => isTerminal(a.name)) && last) {
      const pure = own.filter((c) => c.every((s) => !s.literal.sideEffect));
      if (pure.length > 0) deciders.push({ rule, conjunctions: pure });
    }
  }
}

function findCover(deciders: readonly { rule: CheckedRule; conjunctions: Conjunction[] }[], mine: Conjunction): CheckedRule | undefined {
  const keys = new Set(mine.map(signedKey));
  for (const d of deciders) {
    if (d.conjunctions.some((c) => c.every((s) => keys.has(signedKey(s))))) return d.rule;
  }
  return undefined;
}
