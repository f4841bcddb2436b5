import type { Span } from "../diag/span.js";
import type { PfwDefinitionType } from "../pfw/model.js";
import type { TargetVersion } from "../vocab/targets.js";

/**
 * The checked model: the `.sfw` file with every name resolved and every condition and action
 * translated to mod_firewall's vocabulary, but not yet lowered (conditions are still formulas
 * with `and`/`or`/`not`). Produced by `check()`, consumed by `lower()`.
 */
export interface CheckedFile {
  readonly file: string;
  readonly target: TargetVersion;
  readonly definitions: readonly CheckedDefinition[];
  readonly chains: readonly CheckedChain[];
  /** Extra configuration the rules need (modules, options), for `compile --config`. */
  readonly requirements: readonly Requirement[];
}

/** A `%TYPE name: value` line to emit, with the `.sfw` declaration it comes from. */
export interface CheckedDefinition {
  readonly type: PfwDefinitionType;
  readonly name: string;
  /** The value as mod_firewall must receive it (before the emitter's escape encoding). */
  readonly value: string;
  readonly span: Span;
  readonly declKind: string;
  /** What the value means, for a reader of the `.pfw` (a rate's figures are mod_firewall's units, not the rule's). */
  readonly note?: string;
}

export interface CheckedChain {
  /** The name in `.sfw` (`deliver`, `content`). */
  readonly name: string;
  /** The name in `.pfw` (`deliver`, `user/content`). */
  readonly pfwName: string;
  readonly builtin: boolean;
  readonly span: Span;
  readonly rules: readonly CheckedRule[];
}

export interface CheckedRule {
  readonly name: string;
  readonly span: Span;
  /** Undefined: the rule applies to every stanza. */
  readonly condition: Formula | undefined;
  readonly actions: readonly CheckedAction[];
}

/** A boolean formula over mod_firewall conditions. */
export type Formula =
  | { readonly kind: "and"; readonly operands: readonly Formula[] }
  | { readonly kind: "or"; readonly operands: readonly Formula[] }
  | { readonly kind: "not"; readonly operand: Formula }
  | Literal;

/** One mod_firewall condition (unnegated); negation lives in the formula. */
export interface Literal {
  readonly kind: "literal";
  /** Canonical condition name with spaces (`CHECK LIST`). */
  readonly name: string;
  readonly argument: string | undefined;
  readonly span: Span;
  /** True for conditions with side effects (LIMIT takes a token each time it is evaluated). */
  readonly sideEffect: boolean;
}

/** One mod_firewall action. */
export interface CheckedAction {
  readonly name: string;
  readonly argument: string | undefined;
  readonly span: Span;
}

/** Something `prosody.cfg.lua` must provide for a feature the rules use. */
export interface Requirement {
  readonly kind: "module" | "option";
  /** Module name (`groups`) or option assignment (`firewall_experimental_user_marks = true`). */
  readonly text: string;
  readonly reason: string;
}

/** Identity of a literal for hoisting and shadowing: the condition line mod_firewall compares textually. */
export function literalKey(lit: Pick<Literal, "name" | "argument">): string {
  return lit.argument === undefined ? lit.name : `${lit.name}: ${lit.argument}`;
}
