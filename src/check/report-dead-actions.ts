import type { CheckContext } from "./context.js";
import type { CheckedRule } from "./model.js";
import { pfwActionsByKey, actionKey } from "../vocab/pfw-actions.js";

/** Whether a mod_firewall action always ends the chain. */
export function isTerminal(actionName: string): boolean {
  return pfwActionsByKey.get(actionKey(actionName))?.termination === "terminal";
}

/** Reports actions that follow a terminal action in the same rule (SFW302). */
export function reportDeadActions(ctx: CheckContext, rule: CheckedRule): void {
  const firstTerminal = rule.actions.findIndex((a) => isTerminal(a.name));
  if (firstTerminal < 0) return;
  const terminal = rule.actions[firstTerminal]!;
  for (const dead of rule.actions.slice(firstTerminal + 1)) {
    ctx.report("SFW302", dead.span, { terminal: terminal.name.toLowerCase().replace(/ /g, "_") }, { notes: [{ message: "the chain ends here", span: terminal.span }] });
  }
}
