/** An action's place: the rule's index in its chain, the action's in the rule. */
export interface ActionPlace {
  readonly rule: number;
  readonly action: number;
}

/**
 * mod_firewall's code generator emits INJECT and EVENT as a call without a trailing `;` and LOG
 * as a statement starting with `(`: where LOG directly follows one of them, Lua reads the two as
 * one call expression, which fails for every stanza that gets there. "Directly" is within a rule,
 * or across rules without conditions (their actions are emitted one after the other); a rule
 * with conditions wraps its actions in an `if` block. The pairs found, for the reader, the
 * simulator and the compiler alike.
 */
export function logAfterCall(rules: readonly { readonly conditions: readonly unknown[]; readonly actions: readonly { readonly name: string }[] }[]): { readonly call: ActionPlace; readonly log: ActionPlace; readonly name: string }[] {
  const sequence: (ActionPlace | undefined)[] = [];
  rules.forEach((rule, r) => {
    const wrapped = rule.conditions.length > 0;
    if (wrapped) sequence.push(undefined);
    rule.actions.forEach((_, a) => sequence.push({ rule: r, action: a }));
    if (wrapped) sequence.push(undefined);
  });
  const out: { call: ActionPlace; log: ActionPlace; name: string }[] = [];
  for (let i = 0; i + 1 < sequence.length; i++) {
    const call = sequence[i];
    const log = sequence[i + 1];
    if (!call || !log) continue;
    const name = rules[call.rule]!.actions[call.action]!.name;
    if ((name === "INJECT" || name === "EVENT") && rules[log.rule]!.actions[log.action]!.name === "LOG") out.push({ call, log, name });
  }
  return out;
}
