import type { DecidingRule } from "./engine.js";

/**
 * A compiled `.sfw` rule may become several `.pfw` rules, named `name (1 of 2)` or
 * `name (jump to helper)`; people and tests refer to the `.sfw` rule by its plain name.
 */
export function baseRuleName(name: string): string {
  return name.replace(/ \((?:\d+ of \d+|jump to helper)\)$/, "");
}

/** How reports name a deciding rule: `name (file.sfw:line)`, or the `.pfw` location of a hand-written rule. */
export function ruleLabel(rule: DecidingRule): string {
  return rule.name ? `${baseRuleName(rule.name)} (${rule.sfw ?? rule.pfw})` : rule.pfw;
}
