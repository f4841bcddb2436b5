import type { CheckContext } from "./context.js";
import type { CheckedChain } from "./model.js";
import { literalsOf } from "./formula.js";
import { chainRecipientIsLocal, isBuiltinChain } from "../vocab/chains.js";
import { reachingBuiltins } from "./report-chain-graph.js";

const rosterConditions = new Set(["IN ROSTER", "IN ROSTER GROUP", "SUBSCRIBED", "PENDING SUBSCRIPTION FROM SENDER"]);

/** Reports roster conditions and UNSUBSCRIBE SENDER in chains where the recipient need not be a local account (SFW305). */
export function reportRosterContext(ctx: CheckContext, chains: readonly CheckedChain[]): void {
  const reach = reachingBuiltins(chains);
  for (const chain of chains) {
    const origins = [...(reach.get(chain.pfwName) ?? [])].filter((b) => isBuiltinChain(b) && !chainRecipientIsLocal[b]);
    if (origins.length === 0) continue;
    const via = chain.builtin ? chain.name : `${chain.name} (reached from ${origins.join(", ")})`;
    const why = origins.includes("deliver_remote") ? "is on a remote server" : "may be on a remote server";
    for (const rule of chain.rules) {
      for (const lit of literalsOf(rule.condition)) {
        if (rosterConditions.has(lit.name)) ctx.report("SFW305", lit.span, { name: lit.name.toLowerCase(), chain: via, why });
      }
      for (const a of rule.actions) {
        if (a.name === "UNSUBSCRIBE SENDER") ctx.report("SFW305", a.span, { name: "unsubscribe_sender", chain: via, why });
      }
    }
  }
}
