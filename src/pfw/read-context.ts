import { diag, type Diagnostic, type DiagnosticNote, type MessageData } from "../diag/diagnostic.js";
import type { Code } from "../diag/messages.js";
import type { Position, Span } from "../diag/span.js";
import { pfwActions } from "../vocab/pfw-actions.js";
import { pfwConditions } from "../vocab/pfw-conditions.js";
import { targetDescriptions, type Availability, type TargetVersion } from "../vocab/targets.js";
import type { PfwAction, PfwCondition, PfwDefinition } from "./model.js";
import { positionIn, type LogicalLine } from "./read-lines.js";

/**
 * What the reader's steps share while they read one script, made anew for each `readPfw` call:
 * the diagnostics in the order they are found, what has been read so far (definitions, chains
 * and their rules, the chain being read), and what can only be checked once the whole file is
 * read (names the generated code looks up, jump targets). The steps (lines, definitions,
 * conditions, actions, rules) are functions that take it as their first argument.
 */
export class ReadContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly definitions: PfwDefinition[] = [];
  /** The chains in order of first appearance, each with its rules as mod_firewall stores them. */
  readonly chainOrder = new Map<string, RuleDraft[]>([["deliver", []]]);
  readonly uses: Use[] = [];
  readonly jumps: { name: string; span: Span }[] = [];
  /** Each LIMIT's rate and the chain it is in: a chain's handler has buckets of its own. */
  readonly rateTests: { rate: string; chain: string; span: Span }[] = [];
  /** Chains with `$(…)` code whose effect on the generated Lua after it is not decided. */
  readonly undecidedChains = new Set<string>();
  /** Condition and action names of the target, for "did you mean". */
  readonly conditionNames: string[];
  readonly actionNames: string[];
  /** The chain the rules being read go to: `deliver` until a `::chain` header. */
  chain = "deliver";

  constructor(
    readonly file: string,
    readonly target: TargetVersion,
  ) {
    this.conditionNames = availableIn(pfwConditions, target).map((c) => c.name);
    this.actionNames = availableIn(pfwActions, target).map((a) => a.name);
  }

  report(code: Code, span: Span, data: MessageData = {}, extra: { hint?: string | undefined; notes?: readonly DiagnosticNote[]; severity?: Diagnostic["severity"] } = {}): void {
    const e: { hint?: string; notes?: readonly DiagnosticNote[]; severity?: Diagnostic["severity"] } = {};
    if (extra.hint !== undefined) e.hint = extra.hint;
    if (extra.notes) e.notes = extra.notes;
    if (extra.severity) e.severity = extra.severity;
    this.diagnostics.push(diag(code, span, data, e));
  }

  /** The span of the characters `from` to `to` of a logical line. */
  span(l: LogicalLine, from: number, to: number): Span {
    return { file: this.file, start: positionIn(l, from), end: positionIn(l, Math.max(from, to)) };
  }

  availability(what: string, availability: Availability, span: Span): void {
    if (availability.kind === "broken") this.report("SFW515", span, { what, target: targetDescriptions[this.target], why: availability.why });
  }

  /** `#` or `;` after white space inside a value looks like a trailing comment but is not one. */
  commentChars(l: LogicalLine, from: number, where: string): void {
    const m = /[ \t]([#;])/.exec(l.text.slice(from));
    if (m) {
      const at = from + m.index + 1;
      this.report("SFW513", this.span(l, at, at + 1), { char: m[1]!, where }, { hint: "comments must be on a line of their own, starting with # or ;" });
    }
  }

  /** A name the generated code looks up, checked once the whole file is read. */
  use(kind: Use["kind"], name: string, span: Span): void {
    this.uses.push({ kind, name, span });
  }
}

/** A rule being read; the chain's list holds it twice when mod_firewall stores it twice. */
export interface RuleDraft {
  readonly chain: string;
  readonly conditions: PfwCondition[];
  readonly actions: PfwAction[];
  readonly start: Position;
  end: Position;
  twice: boolean;
  /** The first line of the rule, for notes. */
  readonly firstSpan: Span;
}

/** A name the generated code looks up once the whole file is parsed. */
export interface Use {
  readonly kind: "LIST" | "RATE" | "SEARCH" | "PATTERN" | "ZONE";
  readonly name: string;
  readonly span: Span;
}

function availableIn<T extends { availability: Readonly<Record<TargetVersion, Availability>> }>(list: readonly T[], target: TargetVersion): T[] {
  return list.filter((x) => x.availability[target].kind !== "missing");
}
