import { actionDeps, conditionDeps, endsOpen, include } from "./lua-dependencies.js";

/** An action's place: the rule's index in its chain, the action's in the rule. */
export interface ActionPlace {
  readonly rule: number;
  readonly action: number;
}

interface Line {
  readonly name: string;
  readonly argument?: string | undefined;
}

/** What a LOG runs into: an action's call, or a helper local's (declared just before the rule). */
export type LogHazard =
  | { readonly kind: "action"; readonly call: ActionPlace; readonly log: ActionPlace; readonly name: string }
  | { readonly kind: "local"; readonly log: ActionPlace; readonly name: string };

/**
 * mod_firewall's code generator emits LOG as a statement starting with `(`. Where the code just
 * before it ends in a call without a `;`, Lua reads the two as one call expression, which fails for
 * every stanza that gets there. Such code is INJECT's and EVENT's, within a rule or across rules
 * without conditions (their actions are emitted one after the other), and three of the helper
 * locals declared before the first rule that needs them (src/pfw/lua-dependencies.ts), when a
 * rule without conditions starts with LOG. A rule with conditions wraps its actions in an `if`
 * block, and any other local or action ends with `;` or `end`. RULEDEP emits no code. The places
 * found, for the reader, the simulator and the compiler alike.
 */
export function logHazards(rules: readonly { readonly conditions: readonly Line[]; readonly actions: readonly Line[] }[]): LogHazard[] {
  const out: LogHazard[] = [];
  const included = new Set<string>();
  // What the code so far ends with: a call LOG would extend, or nothing (a separated statement).
  let open: { readonly call?: ActionPlace; readonly name: string } | undefined;
  rules.forEach((rule, r) => {
    const deps = [...rule.conditions.flatMap((c) => conditionDeps(c.name, c.argument)), ...rule.actions.flatMap((a) => actionDeps(a.name, a.argument))];
    for (const dep of deps) {
      const declared = include(dep, included);
      const last = declared[declared.length - 1];
      if (last !== undefined) open = endsOpen(last) ? { name: `the helper local '${last.split(":")[0]}'` } : undefined;
    }
    const wrapped = rule.conditions.length > 0;
    let before = wrapped ? undefined : open;
    rule.actions.forEach((a, i) => {
      if (a.name === "LOG" && before) out.push(before.call ? { kind: "action", call: before.call, log: { rule: r, action: i }, name: before.name } : { kind: "local", log: { rule: r, action: i }, name: before.name });
      if (a.name === "RULEDEP") return;
      before = a.name === "INJECT" || a.name === "EVENT" ? { call: { rule: r, action: i }, name: a.name } : undefined;
    });
    open = wrapped ? undefined : before;
  });
  return out;
}

/** The pairs of an action and a LOG it runs into (see {@link logHazards}). */
export function logAfterCall(rules: readonly { readonly conditions: readonly Line[]; readonly actions: readonly Line[] }[]): { readonly call: ActionPlace; readonly log: ActionPlace; readonly name: string }[] {
  return logHazards(rules).flatMap((h) => (h.kind === "action" ? [h] : []));
}
