import type { Diagnostic } from "../diag/diagnostic.js";
import type { Span } from "../diag/span.js";
import { diag } from "../diag/diagnostic.js";
import { logAfterCall } from "../pfw/log-after-call.js";
import type { LoweredAction, LoweredChain, LoweredCondition, LoweredScript } from "./lowered.js";

/** mod_firewall's Lua functions hold at most 200 locals; helpers take about 20 of them. */
const maxHoistedConditions = 180;

/**
 * Reports combinations that mod_firewall compiles into Lua that fails (SFW314): LOG directly
 * after INJECT or EVENT (the generated statements run together into one call), and chains with
 * more repeated conditions than a Lua function can hold as locals.
 */
export function reportCodegenHazards(script: LoweredScript): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const chain of script.chains) {
    // A rule split into several (an `or`) is reported once.
    const told = new Set<Span>();
    for (const { log, name } of logAfterCall(chain.rules)) {
      const at = chain.rules[log.rule]!.origin.span;
      if (told.has(at)) continue;
      told.add(at);
      out.push(
        diag("SFW314", at, {
          message: `'log' right after '${name.toLowerCase()}' compiles into Lua that fails for every stanza (mod_firewall emits the two statements without a separator); log first, or put another action between them`,
        }),
      );
    }
    out.push(...staleHoistedConditions(chain));
    const uses = new Map<string, number>();
    for (const rule of chain.rules) {
      for (const c of rule.conditions) {
        const key = conditionLine(c);
        uses.set(key, (uses.get(key) ?? 0) + 1);
      }
    }
    const repeated = [...uses.values()].filter((n) => n > 1).length;
    if (repeated > maxHoistedConditions && chain.rules[0]) {
      out.push(
        diag("SFW314", chain.rules[0].origin.span, {
          message: `chain '${chain.name}' repeats ${repeated} different conditions; mod_firewall keeps each in a Lua local and a function can hold only 200; split the chain`,
        }),
      );
    }
  }
  return out;
}

/** A condition as mod_firewall compares conditions to hoist them: its line's text. */
function conditionLine(c: LoweredCondition): string {
  return `${c.name}: ${c.argument ?? ""}`;
}

/** What an action changes that a condition may test, as a key both share; undefined when nothing of that kind. */
function changedBy(action: LoweredAction): string | undefined {
  const first = (action.argument ?? "").split(" ")[0];
  switch (action.name) {
    case "ADD TO":
      return `list ${first}`;
    case "INJECT":
    case "STRIP":
      return "content";
    case "MARK ORIGIN":
    case "UNMARK ORIGIN":
      return `origin mark ${first}`;
    case "MARK USER":
    case "UNMARK USER":
      return `user mark ${first}`;
    default:
      return undefined;
  }
}

function testedBy(condition: LoweredCondition): string | undefined {
  const arg = condition.argument ?? "";
  const first = arg.split(" ")[0];
  switch (condition.name) {
    case "CHECK LIST":
      return `list ${first}`;
    case "INSPECT":
    case "PAYLOAD":
    case "COUNT":
    case "SCAN":
      return "content";
    case "ORIGIN MARKED":
      return `origin mark ${first}`;
    case "USER MARKED":
      return `user mark ${first}`;
    default:
      return undefined;
  }
}

/**
 * mod_firewall computes a condition used by several rules of a chain once, before the first of
 * them (SFW315): a later rule does not see what an action in between did to it for this stanza —
 * `add from.bare to reported` then `from.bare in reported` is still false, and the stanza passes.
 * One pass: the last rule that changed each thing is kept, and a repeated condition is stale
 * when that rule is at or after the condition's first use.
 */
function staleHoistedConditions(chain: LoweredChain): Diagnostic[] {
  const out: Diagnostic[] = [];
  const firstUse = new Map<string, number>();
  const lastChange = new Map<string, { rule: number; action: LoweredAction }>();
  const reported = new Set<string>();
  chain.rules.forEach((rule, j) => {
    for (const c of rule.conditions) {
      const key = conditionLine(c);
      const first = firstUse.get(key);
      if (first === undefined) {
        firstUse.set(key, j);
        continue;
      }
      const what = testedBy(c);
      const change = what === undefined ? undefined : lastChange.get(what);
      if (!change || change.rule < first || reported.has(`${key}\n${rule.origin.ruleName}`)) continue;
      reported.add(`${key}\n${rule.origin.ruleName}`);
      out.push(
        diag("SFW315", rule.origin.span, {
          text: key,
          chain: chain.name,
          first: chain.rules[first]!.origin.ruleName,
          action: `${change.action.name}${change.action.argument !== undefined ? `=${change.action.argument}` : ""}`,
          changer: chain.rules[change.rule]!.origin.ruleName,
          later: rule.origin.ruleName,
        }),
      );
    }
    for (const a of rule.actions) {
      const what = changedBy(a);
      if (what !== undefined) lastChange.set(what, { rule: j, action: a });
    }
  });
  return out;
}
