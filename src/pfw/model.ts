import type { Span } from "../diag/span.js";

/**
 * A mod_firewall script as mod_firewall's own parser sees it: definitions and chains of rules,
 * conditions and actions with their raw argument text. Produced by the `.pfw` reader and by the
 * compiler (before printing), consumed by the printer and the simulator.
 */
export interface PfwScript {
  readonly file: string;
  /** In file order; a later definition of the same type and name replaces an earlier one. */
  readonly definitions: readonly PfwDefinition[];
  /** Chains in order of first appearance. `deliver` (the default chain) is always present. */
  readonly chains: readonly PfwChain[];
}

/** The five definition types (`%ZONE`, `%RATE`, …). */
export type PfwDefinitionType = "ZONE" | "RATE" | "LIST" | "PATTERN" | "SEARCH";

export const pfwDefinitionTypes: readonly PfwDefinitionType[] = ["ZONE", "RATE", "LIST", "PATTERN", "SEARCH"];

/** `%TYPE name: value`. */
export interface PfwDefinition {
  readonly type: PfwDefinitionType;
  readonly name: string;
  /** The value after mod_firewall's backslash-escape decoding (`\n`, `\\`, …). */
  readonly value: string;
  readonly span: Span;
}

/** `::name` and the rules after it (all sections of the same name, in file order). */
export interface PfwChain {
  readonly name: string;
  readonly rules: readonly PfwRule[];
}

/** A rule: conditions ANDed, then actions in order. */
export interface PfwRule {
  /** From the first line of the rule to its last line. */
  readonly span: Span;
  readonly conditions: readonly PfwCondition[];
  readonly actions: readonly PfwAction[];
  /**
   * mod_firewall's parser stored this rule object a second time (a non-action line right after
   * an action line). The reader puts the same rule in the chain twice and sets this on both.
   */
  readonly storedTwice?: boolean;
}

/** A condition line. */
export interface PfwCondition {
  /** Canonical name with spaces, e.g. `TO FULL JID` (the handler name with `_` → space). */
  readonly name: string;
  readonly negated: boolean;
  /** Text after the first `:` with one optional whitespace character skipped; undefined without `:`. */
  readonly argument: string | undefined;
  readonly span: Span;
}

/** An action line. */
export interface PfwAction {
  /** Canonical upper-case name with spaces, e.g. `JUMP CHAIN`. */
  readonly name: string;
  /** Text after the first `=`; undefined for `NAME.`. */
  readonly argument: string | undefined;
  readonly span: Span;
}
