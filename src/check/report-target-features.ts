import type { CheckContext } from "./context.js";
import type { CheckedChain } from "./model.js";
import { literalsOf } from "./formula.js";
import { pfwConditionsByKey, conditionKey } from "../vocab/pfw-conditions.js";
import { pfwActionsByKey, actionKey } from "../vocab/pfw-actions.js";
import { targetDescriptions } from "../vocab/targets.js";
import type { Span } from "../diag/span.js";
import type { Availability } from "../vocab/targets.js";

/** Reports conditions and actions the target's mod_firewall lacks (SFW401) or has broken (SFW402). */
export function reportTargetFeatures(ctx: CheckContext, chains: readonly CheckedChain[]): void {
  const check = (feature: string, availability: Availability | undefined, span: Span): void => {
    if (!availability || availability.kind === "available") return;
    if (availability.kind === "missing") ctx.report("SFW401", span, { feature, target: targetDescriptions[ctx.target] });
    else ctx.report("SFW402", span, { feature, why: availability.why });
  };
  for (const chain of chains) {
    for (const rule of chain.rules) {
      for (const lit of literalsOf(rule.condition)) {
        check(`the condition ${lit.name}`, pfwConditionsByKey.get(conditionKey(lit.name))?.availability[ctx.target], lit.span);
        if (lit.name === "FROM FULL JID" && ctx.target !== "0.12") {
          ctx.report("SFW402", lit.span, { feature: "from_full_jid", why: "a bug in mod_firewall makes it never true" });
        }
      }
      for (const a of rule.actions) check(`the action ${a.name}`, pfwActionsByKey.get(actionKey(a.name))?.availability[ctx.target], a.span);
    }
  }
}
