import type { CheckContext } from "./context.js";
import type { CheckedChain, CheckedRule } from "./model.js";
import { toDnf, signedKey } from "./formula.js";
import { isTerminal } from "./report-dead-actions.js";

/** A positive KIND or TYPE test and its alternatives (`KIND: message|presence`). */
const enumTest = /^(KIND|TYPE): ([a-z|]+)$/;

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
  // `kind == message` implies `kind in [message, presence]`: the keys of earlier terminal
  // KIND/TYPE tests whose alternatives include all of this one's count as this rule's too.
  // Each distinct test once (a chain of 10,000 rules has thousands of KIND tests, a few different ones).
  const alternatives = new Map<string, Map<string, ReadonlySet<string>>>();
  const implied = (key: string): string[] => {
    const m = enumTest.exec(key);
    const known = m && alternatives.get(m[1]!);
    if (!known) return [];
    const mine = m[2]!.split("|");
    return [...known].filter(([k, values]) => k !== key && mine.every((v) => values.has(v))).map(([k]) => k);
  };
  const cover = (mine: readonly string[]): { order: number; rule: CheckedRule } | undefined => {
    const set = new Set(mine);
    for (const k of mine) for (const i of implied(k)) set.add(i);
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
        for (const key of k) {
          const m = enumTest.exec(key);
          if (!m) continue;
          const known = alternatives.get(m[1]!) ?? new Map<string, ReadonlySet<string>>();
          if (!known.has(key)) known.set(key, new Set(m[2]!.split("|")));
          alternatives.set(m[1]!, known);
        }
      });
    }
  }
}
