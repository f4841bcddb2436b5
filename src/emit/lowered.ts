import type { Span } from "../diag/span.js";
import type { CheckedDefinition, Literal } from "../check/model.js";

/** A condition line to print. */
export interface LoweredCondition {
  readonly name: string;
  readonly negated: boolean;
  readonly argument: string | undefined;
  /** For a rate test: the source occurrence it comes from (for reports on where the lowering put it). */
  readonly rateTest?: Literal;
  /** Why the compiler added a condition the source does not have (printed as a comment above it). */
  readonly why?: string;
}

/** An action line to print. */
export interface LoweredAction {
  readonly name: string;
  readonly argument: string | undefined;
}

/** Where a printed rule comes from in the `.sfw` source. */
export interface RuleOrigin {
  readonly span: Span;
  readonly ruleName: string;
  /** e.g. "2 of 3" when an `or` was split into several rules, "helper" for a helper chain's jump. */
  readonly part: string | undefined;
}

export interface LoweredRule {
  readonly conditions: readonly LoweredCondition[];
  readonly actions: readonly LoweredAction[];
  readonly origin: RuleOrigin;
}

export interface LoweredChain {
  /** The `.pfw` name (`deliver`, `user/content`, `user/sfw:deliver:rule`). */
  readonly name: string;
  readonly rules: readonly LoweredRule[];
  /** For generated helper chains: the `.sfw` rule they implement. */
  readonly helperFor: RuleOrigin | undefined;
  /** What a helper chain does, for its comment (default: runs the rule's actions once when any alternative matches). */
  readonly note?: string;
}

/** The `.pfw` script before printing: definitions and chains with their origins. */
export interface LoweredScript {
  readonly definitions: readonly CheckedDefinition[];
  readonly chains: readonly LoweredChain[];
}
