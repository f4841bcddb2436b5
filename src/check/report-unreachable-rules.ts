import type { CheckContext } from "./context.js";
import type { CheckedChain, CheckedRule } from "./model.js";
import { toDnf, signedKey } from "./formula.js";
import { EarlierTests } from "./implications.js";
import { isTerminal } from "./report-dead-actions.js";

/**
 * Reports rules that can never fire because an earlier rule of the chain always decides first:
 * an earlier unconditional terminal rule (SFW303), or an earlier terminal rule whose conditions
 * are all among this rule's conditions (SFW304). Conditions with side effects (rate tests) are
 * left out of the reasoning, since an earlier rule's rate test may be false when this one's is true.
 */
export function reportUnreachableRules(ctx: CheckContext, chain: CheckedChain): void {
  const rules = chain.rules.map((rule) => {
    const own = rule.condition ? toDnf(rule.condition) : [[]];
    return { rule, own, keys: own?.map((c) => c.map(signedKey)) };
  });
  // Each earlier terminal conjunction is indexed under its rarest literal: a conjunction can only
  // be contained in this rule's if that literal is among this rule's, so few candidates are tried.
  const frequency = new Map<string, number>();
  for (const r of rules) for (const c of r.keys ?? []) for (const k of new Set(c)) frequency.set(k, (frequency.get(k) ?? 0) + 1);
  const index = new Map<string, { order: number; rule: CheckedRule; keys: readonly string[] }[]>();
  let always: CheckedRule | undefined;
  let order = 0;
  // `kind == message` implies `kind in [message, presence]`, `body contains "buy now"` implies
  // `body contains "buy"`…: the earlier terminal lines this rule's lines imply count as its own.
  const earlier = new EarlierTests();
  const cover = (mine: readonly string[]): { order: number; rule: CheckedRule } | undefined => {
    const set = new Set(mine);
    for (const k of mine) for (const i of earlier.impliedBy(k)) set.add(i);
    let best: { order: number; rule: CheckedRule } | undefined;
    for (const k of set) {
      for (const d of index.get(k) ?? []) {
        if ((!best || d.order < best.order) && d.keys.every((x) => set.has(x))) best = d;
      }
    }
    return best;
  };
  for (const { rule, own, keys } of rules) {
    if (own === undefined || keys === undefined) continue;
    if (always) {
      ctx.report("SFW303", rule.span, { name: rule.name, earlier: always.name }, { notes: [{ message: `rule '${always.name}' has no conditions and always ends the chain`, span: always.span }] });
      continue;
    }
    const covers = keys.length > 0 ? keys.map(cover) : [];
    if (covers.length > 0 && covers.every((c) => c !== undefined)) {
      const shadow = covers[0]!.rule;
      ctx.report("SFW304", rule.span, { name: rule.name, earlier: shadow.name }, { notes: [{ message: `rule '${shadow.name}' decides first`, span: shadow.span }] });
      continue;
    }
    if (rule.actions.some((a) => isTerminal(a.name))) {
      own.forEach((c, i) => {
        if (c.some((s) => s.literal.sideEffect)) return;
        const k = keys[i]!;
        if (k.length === 0) {
          always ??= rule;
          return;
        }
        const rarest = k.reduce((a, b) => ((frequency.get(b) ?? 0) < (frequency.get(a) ?? 0) ? b : a));
        const bucket = index.get(rarest) ?? [];
        bucket.push({ order: order++, rule, keys: k });
        index.set(rarest, bucket);
        for (const key of k) earlier.add(key);
      });
    }
  }
}
