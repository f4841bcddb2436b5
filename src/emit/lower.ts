import type { Diagnostic } from "../diag/diagnostic.js";
import { diag } from "../diag/diagnostic.js";
import type { CheckedChain, CheckedFile, CheckedRule, Formula, Literal } from "../check/model.js";
import { literalKey } from "../check/model.js";
import { literalsOf, toDnf, type Conjunction, type SignedLiteral } from "../check/formula.js";
import { isTerminal } from "../check/report-dead-actions.js";
import { reportRateBuckets, reportRatesAcrossChains } from "./report-rate-buckets.js";
import type { LoweredAction, LoweredChain, LoweredCondition, LoweredRule, LoweredScript, RuleOrigin } from "./lowered.js";

/** Largest number of mod_firewall rules one `.sfw` rule may lower to. */
export const maxConjunctions = 64;

/**
 * Lowers the checked model to mod_firewall rules. mod_firewall ANDs the conditions of a rule, so
 * a condition with `or`/`not` becomes its disjunctive normal form: one rule per conjunction when
 * the actions end the chain (the first rule that fires decides), or, when they do not, a jump to a
 * helper chain holding one rule per conjunction, each ending in RETURN, so the actions run once.
 * Rate tests (LIMIT) count every time they are evaluated and mod_firewall evaluates a condition
 * repeated in a chain once, before its first use; lowering never changes how often one runs.
 */
export function lower(model: CheckedFile): { script: LoweredScript; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const chains: LoweredChain[] = [];
  const helpers: LoweredChain[] = [];
  const bySourceChain: { readonly name: string; readonly lowered: readonly LoweredChain[] }[] = [];
  for (const chain of model.chains) {
    const rules: LoweredRule[] = [];
    const firstHelper = helpers.length;
    for (const rule of chain.rules) rules.push(...lowerRule(chain, rule, helpers, diagnostics));
    const main: LoweredChain = { name: chain.pfwName, rules, helperFor: undefined };
    chains.push(main);
    const lowered = [main, ...helpers.slice(firstHelper)];
    diagnostics.push(...reportRateBuckets(chain.name, lowered));
    bySourceChain.push({ name: chain.name, lowered });
  }
  diagnostics.push(...reportRatesAcrossChains(bySourceChain));
  return { script: { definitions: model.definitions, chains: [...chains, ...helpers].map(guardLeadingLog) }, diagnostics };
}

/**
 * mod_firewall emits LOG as a statement that starts with `(`, and a rule without conditions as its
 * bare action lines, right after the helper locals the rule needs first; some of those
 * (`local bare_from = jid_bare(from)`, `bare_to`, search paths) end in a call without a `;`, and
 * Lua then reads the two as one call, which raises for every stanza (checked against Prosody:
 * `log "…" + from.bare` as a chain's first rule). A condition that every stanza meets puts the
 * actions inside an `if` block instead, where they are safe whatever precedes.
 */
const alwaysTrue: LoweredCondition = { name: "KIND", negated: false, argument: "message presence iq", why: "keeps the LOG below from running into the line before it in mod_firewall's Lua" };

function guardLeadingLog(chain: LoweredChain): LoweredChain {
  const leadsWithLog = (r: LoweredRule) => r.conditions.length === 0 && r.actions[0]?.name === "LOG";
  if (!chain.rules.some(leadsWithLog)) return chain;
  return { ...chain, rules: chain.rules.map((r) => (leadsWithLog(r) ? { ...r, conditions: [alwaysTrue] } : r)) };
}

function origin(rule: CheckedRule, part?: string): RuleOrigin {
  return { span: rule.span, ruleName: rule.name, part };
}

function toCondition(s: SignedLiteral): LoweredCondition {
  return s.literal.sideEffect ? { name: s.literal.name, negated: s.negated, argument: s.literal.argument, rateTest: s.literal } : { name: s.literal.name, negated: s.negated, argument: s.literal.argument };
}

function lowerRule(chain: CheckedChain, rule: CheckedRule, helpers: LoweredChain[], diagnostics: Diagnostic[], helperBase = `user/sfw:${chain.name}:${rule.name}`): LoweredRule[] {
  const actions: LoweredAction[] = rule.actions.map((a) => ({ name: a.name, argument: a.argument }));
  if (!rule.condition) return [{ conditions: [], actions, origin: origin(rule) }];
  const dnf = toDnf(rule.condition, maxConjunctions);
  if (!dnf) {
    diagnostics.push(diag("SFW313", rule.span, { count: `more than ${maxConjunctions}`, limit: maxConjunctions }));
    return [];
  }
  if (dnf.length === 0) {
    diagnostics.push(diag("SFW309", rule.span, { message: `the condition of rule '${rule.name}' can never be true, so the rule is left out` }, { severity: "warning" }));
    return [];
  }
  const rateProblems = rateTestProblems(rule, dnf);
  if (rateProblems.length > 0) {
    const split = lowerBeforeRate(chain, rule, helpers, diagnostics, helperBase);
    if (split) return split;
    diagnostics.push(...rateProblems);
    return [];
  }
  if (dnf.length === 1) return [{ conditions: dnf[0]!.map(toCondition), actions, origin: origin(rule) }];

  if (actions.some((a) => isTerminal(a.name))) {
    return dnf.map((c, i) => ({ conditions: c.map(toCondition), actions, origin: origin(rule, `${i + 1} of ${dnf.length}`) }));
  }

  // Non-terminal actions: run them once, from a helper chain.
  const prefix = commonPrefix(dnf);
  const rest = dnf.map((c) => c.slice(prefix.length));
  const rateInRest = rest.flat().find((s) => s.literal.sideEffect);
  if (rateInRest) {
    const split = lowerBeforeRate(chain, rule, helpers, diagnostics, helperBase);
    if (split) return split;
    diagnostics.push(
      diag("SFW309", rateInRest.literal.span, {
        message: `this rate test is inside an 'or' whose actions do not end the chain; mod_firewall would need a helper chain with its own rate buckets. Test the rate first ('${rateTestSource(rateInRest.literal)} and (…)') or end the actions with a terminal action`,
      }),
    );
    return [];
  }
  const helperName = helperBase;
  const helperRules: LoweredRule[] = [];
  for (const [i, c] of rest.entries()) {
    helperRules.push({ conditions: c.map(toCondition), actions: [...actions, { name: "RETURN", argument: undefined }], origin: origin(rule, `${i + 1} of ${rest.length}`) });
    if (c.length === 0) break; // every later conjunction is absorbed by this one
  }
  helpers.push({ name: helperName, rules: helperRules, helperFor: origin(rule) });
  return [{ conditions: prefix.map(toCondition), actions: [{ name: "JUMP CHAIN", argument: helperName }], origin: origin(rule, "jump to helper") }];
}

/** The literals (by identity and sign) that start every conjunction. */
function commonPrefix(dnf: readonly Conjunction[]): SignedLiteral[] {
  const first = dnf[0]!;
  const prefix: SignedLiteral[] = [];
  for (let i = 0; i < first.length; i++) {
    const s = first[i]!;
    if (dnf.every((c) => c[i] !== undefined && c[i]!.literal === s.literal && c[i]!.negated === s.negated)) prefix.push(s);
    else break;
  }
  return prefix;
}

/** How a rate test reads in the rule language, for a hint (`LIMIT: r on $<…>` is `exceeds r per …`). */
function rateTestSource(literal: Literal): string {
  const argument = literal.argument ?? "";
  const name = argument.split(" ")[0]!;
  return `exceeds ${name}${argument.includes(" on ") ? " per …" : ""}`;
}

/**
 * `(a or b) and exceeds r …`: the alternatives before the rate test are tested in a helper chain,
 * each jumping, when it matches, to a second helper that holds the rate test and the rest of the
 * rule, then returning — so the rate counts exactly the stanzas the alternatives select, once each,
 * as the source says. (Split into one rule per alternative, the rate test would be hoisted by
 * mod_firewall and count every stanza.) The second helper's verdict goes back up as the rule's:
 * `true` from drop, bounce, redirect; `false` from pass (each caller then passes, as a pass in the
 * rule itself would); `nil` when it falls through, and the jump's `return` ends the first helper.
 * Not for rules whose actions would mean something else inside a jumped-to chain: `default` (there
 * it passes) and `return` (there it ends only the helper). Undefined where this does not apply.
 */
function lowerBeforeRate(chain: CheckedChain, rule: CheckedRule, helpers: LoweredChain[], diagnostics: Diagnostic[], base: string): LoweredRule[] | undefined {
  const condition = rule.condition;
  if (condition?.kind !== "and") return undefined;
  if (rule.actions.some((a) => a.name === "DEFAULT" || a.name === "RETURN")) return undefined;
  const at = condition.operands.findIndex((o) => literalsOf(o).some((l) => l.sideEffect));
  if (at <= 0) return undefined;
  const conjunction = (operands: readonly Formula[]): Formula => (operands.length === 1 ? operands[0]! : { kind: "and", operands });
  const before = toDnf(conjunction(condition.operands.slice(0, at)), maxConjunctions);
  if (!before || before.length === 0 || rateTestProblems(rule, before).length > 0) return undefined;
  const rateHelper = `${base}:rate`;
  const alternatives: LoweredRule[] = [];
  for (const [i, c] of before.entries()) {
    alternatives.push({ conditions: c.map(toCondition), actions: [{ name: "JUMP CHAIN", argument: rateHelper }, { name: "RETURN", argument: undefined }], origin: origin(rule, `alternative ${i + 1} of ${before.length}`) });
    if (c.length === 0) break;
  }
  const rest: CheckedRule = { ...rule, condition: conjunction(condition.operands.slice(at)) };
  const restRules = lowerRule(chain, rest, helpers, diagnostics, `${base}:rest`);
  if (restRules.length === 0) return [];
  helpers.push({ name: base, rules: alternatives, helperFor: origin(rule), note: "tests the alternatives before its rate test, and runs the rate test once for a stanza they select" });
  helpers.push({ name: rateHelper, rules: restRules, helperFor: origin(rule), note: "the rate test and what follows it, reached only from the alternatives before it" });
  return [{ conditions: [], actions: [{ name: "JUMP CHAIN", argument: base }], origin: origin(rule, "jump to helper") }];
}

/**
 * A rate test may be shared by several conjunctions only as the same source occurrence at the
 * start of each (mod_firewall's hoisting then evaluates it once, as the source does); two
 * occurrences of one rate test in a rule would be hoisted into one evaluation.
 */
function rateTestProblems(rule: CheckedRule, dnf: readonly Conjunction[]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const byKey = new Map<string, Literal[]>();
  const misplaced = new Set<Literal>();
  for (const c of dnf) {
    c.forEach((s, index) => {
      if (!s.literal.sideEffect) return;
      const same = byKey.get(literalKey(s.literal)) ?? [];
      if (!same.includes(s.literal)) same.push(s.literal);
      byKey.set(literalKey(s.literal), same);
      const shared = dnf.filter((d) => d.some((x) => x.literal === s.literal)).length > 1;
      if (index > 0 && shared && !misplaced.has(s.literal)) {
        misplaced.add(s.literal);
        problems.push(
          diag("SFW309", s.literal.span, {
            message: `in rule '${rule.name}' this rate test would also be evaluated for stanzas the 'or' before it does not select (mod_firewall evaluates a condition repeated across rules before the first of them); move it to the front: '${rateTestSource(s.literal)} and (…)'`,
          }),
        );
      }
    });
  }
  for (const [key, literals] of byKey) {
    if (literals.length > 1) {
      problems.push(diag("SFW309", literals[1]!.span, { message: `rule '${rule.name}' tests '${key}' more than once; mod_firewall would evaluate it only once per stanza` }));
    }
  }
  return problems;
}
