import type { Diagnostic } from "../diag/diagnostic.js";
import { diag } from "../diag/diagnostic.js";
import type { LoweredScript } from "./lowered.js";

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
    let previousTail: string | undefined;
    for (const rule of chain.rules) {
      const names = rule.actions.map((a) => a.name);
      const sequence = rule.conditions.length === 0 && previousTail ? [previousTail, ...names] : names;
      for (let i = 1; i < sequence.length; i++) {
        if (sequence[i] === "LOG" && (sequence[i - 1] === "INJECT" || sequence[i - 1] === "EVENT")) {
          out.push(
            diag("SFW314", rule.origin.span, {
              message: `'log' right after '${sequence[i - 1]!.toLowerCase()}' compiles into Lua that fails for every stanza (mod_firewall emits the two statements without a separator); log first, or put another action between them`,
            }),
          );
        }
      }
      previousTail = rule.conditions.length === 0 ? names[names.length - 1] : undefined;
    }
    const uses = new Map<string, number>();
    for (const rule of chain.rules) {
      for (const c of rule.conditions) {
        const key = `${c.name}: ${c.argument ?? ""}`;
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
