import type { Span } from "../diag/span.js";

/**
 * The `.sfw` abstract syntax tree: plain readonly data discriminated by `kind`.
 * Built from Chevrotain's CST by `build-ast.ts`; consumed by the checker.
 * Nodes under a recovered (syntax-error) region may be partial: the builder leaves out what it
 * could not build rather than inventing it.
 */

/** An identifier occurrence (a name of a declaration, rule, chain, predicate, enum member, …). */
export interface Name {
  readonly kind: "name";
  readonly text: string;
  readonly span: Span;
}

/** A whole `.sfw` file. */
export interface SfwFile {
  readonly kind: "file";
  readonly span: Span;
  readonly items: readonly TopItem[];
}

export type TopItem = TargetDecl | Declaration | ChainDecl;
export type Declaration = ZoneDecl | ListDecl | RateDecl | PatternDecl | SearchDecl;

/** `target prosody "0.12"` */
export interface TargetDecl {
  readonly kind: "target";
  readonly span: Span;
  readonly product: Name;
  readonly version: StringLit;
}

/** `zone partners = ["partner.example", "trusted.example"]` */
export interface ZoneDecl {
  readonly kind: "zone";
  readonly span: Span;
  readonly name: Name;
  readonly members: readonly StringLit[];
}

/** `list blocked: set<domain> = file("/etc/x.txt", missing: ignore)`; the type is optional. */
export interface ListDecl {
  readonly kind: "list";
  readonly span: Span;
  readonly name: Name;
  readonly type: TypeRef | undefined;
  readonly source: ListSource;
}

/** `set<domain>` */
export interface TypeRef {
  readonly kind: "type-ref";
  readonly span: Span;
  readonly name: Name;
  readonly args: readonly TypeRef[];
}

/** `memory`, `memory(limit: 100)`, `file("/p", missing: ignore)`, `http("https://…", ttl: 1h)`, `pubsub("svc/node")`. */
export interface ListSource {
  readonly kind: "list-source";
  readonly span: Span;
  readonly backend: Name;
  /** Positional arguments (the path or URL). */
  readonly args: readonly Value[];
  readonly options: readonly ListOption[];
}

/** `key: value` inside a list source's parentheses. */
export interface ListOption {
  readonly kind: "list-option";
  readonly span: Span;
  readonly key: Name;
  readonly value: Value;
}

/** `rate strangers = 5 per minute burst 10 entries 2000 allow overflow` */
export interface RateDecl {
  readonly kind: "rate";
  readonly span: Span;
  readonly name: Name;
  readonly amount: NumberLit;
  /** `second`, `minute`, `hour` or `day` (checked by the checker). */
  readonly per: Name;
  readonly burst: NumberLit | undefined;
  readonly entries: NumberLit | undefined;
  readonly allowOverflow: boolean;
}

/** `pattern link = lua"https?://%S+"` */
export interface PatternDecl {
  readonly kind: "pattern";
  readonly span: Span;
  readonly name: Name;
  readonly pattern: Value;
}

/** `search body = path"body#"` */
export interface SearchDecl {
  readonly kind: "search";
  readonly span: Span;
  readonly name: Name;
  readonly path: Value;
}

/** `chain deliver { rule … }` — a built-in chain or a custom one. */
export interface ChainDecl {
  readonly kind: "chain";
  readonly span: Span;
  readonly name: Name;
  readonly rules: readonly RuleDecl[];
}

/** `rule name { when COND then ACTION; ACTION }` */
export interface RuleDecl {
  readonly kind: "rule";
  readonly span: Span;
  readonly name: Name;
  readonly when: Condition | undefined;
  readonly actions: readonly Action[];
}

// ---------------------------------------------------------------- conditions

export type Condition = AndCondition | OrCondition | NotCondition | Atom;

export interface AndCondition {
  readonly kind: "and";
  readonly span: Span;
  readonly operands: readonly Condition[];
}

export interface OrCondition {
  readonly kind: "or";
  readonly span: Span;
  readonly operands: readonly Condition[];
}

export interface NotCondition {
  readonly kind: "not";
  readonly span: Span;
  readonly operand: Condition;
}

export type Atom = CompareAtom | InAtom | InGroupAtom | PredicateAtom | ExceedsAtom | MarkedAtom | ScanAtom | CountAtom | HasAtom;

export type CompareOperator = "==" | "!=" | "matches" | "contains";

/** `kind == message`, `to == "a@b"`, `from matches jid"<*>@x"`, `body contains "viagra"`. */
export interface CompareAtom {
  readonly kind: "compare";
  readonly span: Span;
  readonly left: Value;
  readonly operator: CompareOperator;
  readonly operatorSpan: Span;
  readonly right: Value;
}

/** `type in [chat, normal]`, `from.host in blocked_domains`, `day in [mon..fri]`, `x not in …`. */
export interface InAtom {
  readonly kind: "in";
  readonly span: Span;
  readonly left: Value;
  readonly negated: boolean;
  /** A list literal, or a reference to a declared list or zone. */
  readonly right: Value;
}

/** `from in group "staff"` / `to in group "staff"`. */
export interface InGroupAtom {
  readonly kind: "in-group";
  readonly span: Span;
  readonly subject: Name;
  readonly negated: boolean;
  readonly group: Value;
}

/** A named predicate with at most one argument: `in_roster`, `payload "urn:x"`, `entering partners`. */
export interface PredicateAtom {
  readonly kind: "predicate";
  readonly span: Span;
  readonly name: Name;
  readonly argument: Value | undefined;
}

/** `exceeds strangers` / `exceeds strangers per from.host` (mod_firewall LIMIT: true when over the limit). */
export interface ExceedsAtom {
  readonly kind: "exceeds";
  readonly span: Span;
  readonly rate: Name;
  readonly per: Value | undefined;
}

/** `origin_marked spammer`, `user_marked spammer within 1h`. */
export interface MarkedAtom {
  readonly kind: "marked";
  readonly span: Span;
  readonly scope: "origin" | "user";
  readonly mark: Name;
  readonly within: DurationLit | undefined;
}

/** `scan body for word in badwords` (SEARCH for PATTERN in LIST). */
export interface ScanAtom {
  readonly kind: "scan";
  readonly span: Span;
  readonly search: Name;
  readonly pattern: Name;
  readonly list: Name;
}

export type CountOperator = "<" | ">" | "<=" | ">=" | "==";

/** `count link in body > 2` (PATTERN in SEARCH OP N). */
export interface CountAtom {
  readonly kind: "count";
  readonly span: Span;
  readonly pattern: Name;
  readonly search: Name;
  readonly operator: CountOperator;
  readonly value: NumberLit;
}

/** `has path"{urn:xmpp:receipts}request"`: the path yields something (INSPECT without comparison). */
export interface HasAtom {
  readonly kind: "has";
  readonly span: Span;
  readonly path: Value;
}

// ---------------------------------------------------------------- values

export type Value =
  | RefValue
  | StringLit
  | NumberLit
  | DurationLit
  | TimeLit
  | PrefixedLit
  | ListLit
  | RangeLit
  | StarLit
  | ConcatValue;

/** `from`, `from.host`, `kind`, `message`, `blocked_domains`, `local` — resolved by the checker. */
export interface RefValue {
  readonly kind: "ref";
  readonly span: Span;
  readonly parts: readonly Name[];
}

/** `"text"`; `value` has escapes decoded. */
export interface StringLit {
  readonly kind: "string";
  readonly span: Span;
  readonly value: string;
}

/** `5`, `0.5` */
export interface NumberLit {
  readonly kind: "number";
  readonly span: Span;
  readonly value: number;
  readonly text: string;
}

/** `30s`, `10m`, `24h`, `7d`, `2w` */
export interface DurationLit {
  readonly kind: "duration";
  readonly span: Span;
  readonly seconds: number;
  readonly text: string;
}

/** `09:00`, `17:30` (24-hour clock). */
export interface TimeLit {
  readonly kind: "time";
  readonly span: Span;
  readonly hour: number;
  readonly minute: number;
  readonly text: string;
}

/** The prefixes of typed string literals. */
export type LiteralPrefix = "jid" | "lua" | "path" | "xml" | "unsafe_lua";

/** `jid"<*>@example.com"`, `lua"https?://%S+"`, `path"body#"`, `xml"<x/>"`, `unsafe_lua"session.ip"`; optional JID functions after a path (`path"@from".host`). */
export interface PrefixedLit {
  readonly kind: "prefixed";
  readonly span: Span;
  readonly prefix: LiteralPrefix;
  readonly value: string;
  /** Span of the text between the quotes, for diagnostics inside the literal. */
  readonly valueSpan: Span;
  readonly accessors: readonly Name[];
}

/** `[a, b, c]` */
export interface ListLit {
  readonly kind: "list-literal";
  readonly span: Span;
  readonly items: readonly Value[];
}

/** `mon..fri`, `09:00..17:00` (only inside list literals). */
export interface RangeLit {
  readonly kind: "range";
  readonly span: Span;
  readonly from: Value;
  readonly to: Value;
}

/** `*` (any element in `strip`, any host in `from_admin_of`). */
export interface StarLit {
  readonly kind: "star";
  readonly span: Span;
}

/** `"text " + from.bare + " more"` (only where mod_firewall substitutes expressions). */
export interface ConcatValue {
  readonly kind: "concat";
  readonly span: Span;
  readonly parts: readonly Value[];
}

// ---------------------------------------------------------------- actions

export type Action =
  | BareAction
  | BounceAction
  | JidAction
  | ReplyAction
  | LogAction
  | StripAction
  | InjectAction
  | MarkAction
  | AddAction
  | JumpAction
  | EventAction
  | RuledepAction
  | ReportAction
  | TagTraceAction;

export type BareVerb = "pass" | "drop" | "default" | "return" | "unsubscribe_sender";

/** `pass`, `drop`, `default`, `return`, `unsubscribe_sender` */
export interface BareAction {
  readonly kind: "bare-action";
  readonly span: Span;
  readonly verb: BareVerb;
}

/** `bounce`, `bounce policy-violation`, `bounce resource-constraint "Slow down"`, `bounce not-allowed type auth "…"` */
export interface BounceAction {
  readonly kind: "bounce";
  readonly span: Span;
  readonly condition: Name | undefined;
  readonly errorType: Name | undefined;
  readonly text: StringLit | undefined;
}

/** `redirect "jid"`, `copy "jid"`, `forward "jid"` */
export interface JidAction {
  readonly kind: "redirect" | "copy" | "forward";
  readonly span: Span;
  readonly target: Value;
}

/** `reply "text"` */
export interface ReplyAction {
  readonly kind: "reply";
  readonly span: Span;
  readonly text: Value;
}

/** `log "text"`, `log warn "text " + from` */
export interface LogAction {
  readonly kind: "log";
  readonly span: Span;
  readonly level: Name | undefined;
  readonly message: Value;
}

/** `strip "html" "http://jabber.org/protocol/xhtml-im"`, `strip * "urn:x"` */
export interface StripAction {
  readonly kind: "strip";
  readonly span: Span;
  readonly element: Value;
  readonly namespace: Value | undefined;
}

/** `inject xml"<x xmlns='urn:example'/>"` */
export interface InjectAction {
  readonly kind: "inject";
  readonly span: Span;
  readonly xml: Value;
}

/** `mark origin spammer`, `unmark user spammer` */
export interface MarkAction {
  readonly kind: "mark";
  readonly span: Span;
  readonly unmark: boolean;
  readonly scope: "origin" | "user";
  readonly mark: Name;
}

/** `add from.bare to reported` */
export interface AddAction {
  readonly kind: "add";
  readonly span: Span;
  readonly value: Value;
  readonly list: Name;
}

/** `jump content` (JUMP CHAIN) */
export interface JumpAction {
  readonly kind: "jump";
  readonly span: Span;
  readonly chain: Name;
}

/** `event "name"` (EVENT, result ignored) and `jump_event "name"` (JUMP EVENT, terminal). */
export interface EventAction {
  readonly kind: "event";
  readonly span: Span;
  readonly jump: boolean;
  readonly event: Value;
}

/** `ruledep "name"` (internal helper of mod_firewall). */
export interface RuledepAction {
  readonly kind: "ruledep";
  readonly span: Span;
  readonly dependency: Value;
}

/** `report_to "abuse@example.org" spam "text"` (newer mod_firewall only). */
export interface ReportAction {
  readonly kind: "report";
  readonly span: Span;
  readonly target: Value;
  readonly reason: Name | undefined;
  readonly text: StringLit | undefined;
}

/** `tag_trace name` (newer mod_firewall only). */
export interface TagTraceAction {
  readonly kind: "tag-trace";
  readonly span: Span;
  readonly tag: Name;
}

/** Every node kind, for exhaustive handler maps. */
export type Node = SfwFile | TopItem | RuleDecl | Condition | Value | Action | Name | TypeRef | ListSource | ListOption;
