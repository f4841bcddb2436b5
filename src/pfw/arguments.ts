/**
 * Structured forms of condition, action and definition arguments, parsed exactly as mod_firewall's
 * handlers parse them. The reader uses the parsers to report what mod_firewall refuses at load time;
 * the simulator uses the results to evaluate.
 */

/** A piece of text with `$<…>` and `$(…)` expressions, as in LOG, TO EXACTLY, LIMIT … on, CHECK LIST, ADD TO, INSPECT `$=`. */
export type Template = readonly TemplatePart[];

export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  /** `$<path|f1|f2>`; `attribute` set for `@attr` paths. A `||"default"` suffix is kept but, as in every mod_firewall version, has no effect. */
  | { readonly kind: "stanza"; readonly path: string; readonly functions: readonly JidFunction[]; readonly brokenDefault: string | undefined }
  /** `$(lua code)`: arbitrary Lua. */
  | { readonly kind: "code"; readonly code: string };

export type JidFunction = "bare" | "node" | "host" | "resource";

/** One part of a TO/FROM JID pattern. */
export type JidPartMatcher =
  | { readonly kind: "exact"; readonly value: string }
  /** `<*>`: present, any value. */
  | { readonly kind: "any" }
  /** `<glob>` with `*` and `?`, anchored. */
  | { readonly kind: "glob"; readonly glob: string }
  /** `<<lua pattern>>`, anchored. */
  | { readonly kind: "lua"; readonly pattern: string };

/** A TO/FROM argument split like a JID; an absent node must be absent in the stanza, an absent resource is ignored. */
export interface JidPattern {
  readonly node: JidPartMatcher | undefined;
  readonly host: JidPartMatcher | undefined;
  readonly resource: JidPartMatcher | undefined;
}

export type InspectOperator = "=" | "/=" | "~=";

/** A day-of-week range as mod_firewall numbers days (it then compares them with the day of the month). */
export interface DayRange {
  readonly start: number;
  readonly end: number;
}

/** A time of day as mod_firewall converts it (`9:30am` → 9:30). */
export interface ClockTime {
  readonly hour: number;
  readonly minute: number;
}

export interface TimeRange {
  readonly start: ClockTime;
  readonly end: ClockTime;
}

export type CountOperator = "<" | ">" | "<=" | ">=" | "==" | "=";

/** A condition's argument, parsed. `kind` is the canonical condition name. */
export type ConditionArgument =
  | { readonly kind: "KIND" | "TYPE"; readonly values: readonly string[] }
  | { readonly kind: "TO" | "FROM"; readonly pattern: JidPattern }
  | { readonly kind: "TO EXACTLY" | "FROM EXACTLY"; readonly value: Template }
  | { readonly kind: "TO SELF" | "TO FULL JID" | "FROM FULL JID" | "SUBSCRIBED" | "PENDING SUBSCRIPTION FROM SENDER" | "SENT DIRECTED PRESENCE TO SENDER" | "FROM ADMIN" | "TO ADMIN" }
  | { readonly kind: "ENTERING" | "LEAVING"; readonly zone: string }
  /** `IN ROSTER: no` negates (deprecated form). */
  | { readonly kind: "IN ROSTER"; readonly negate: boolean }
  | { readonly kind: "IN ROSTER GROUP" | "FROM GROUP" | "TO GROUP"; readonly group: string }
  | { readonly kind: "PAYLOAD"; readonly namespace: string }
  | { readonly kind: "INSPECT"; readonly path: string; readonly comparison: { readonly operator: InspectOperator; readonly expressions: boolean; readonly value: Template } | undefined }
  /** Groups shorter than two characters are already removed, as mod_firewall skips them. */
  | { readonly kind: "CROSSING GROUPS"; readonly groups: readonly string[] }
  | { readonly kind: "FROM ADMIN OF" | "TO ADMIN OF"; readonly host: Template }
  | { readonly kind: "MAY"; readonly permission: string }
  | { readonly kind: "TO ROLE" | "FROM ROLE"; readonly role: string }
  | { readonly kind: "DAY"; readonly ranges: readonly DayRange[] }
  | { readonly kind: "TIME"; readonly ranges: readonly TimeRange[] }
  | { readonly kind: "LIMIT"; readonly rate: string; readonly key: Template | undefined }
  | { readonly kind: "ORIGIN MARKED" | "USER MARKED"; readonly mark: string; readonly seconds: number | undefined }
  | { readonly kind: "CHECK LIST"; readonly list: string; readonly value: Template }
  | { readonly kind: "SCAN"; readonly search: string; readonly pattern: string; readonly list: string }
  | { readonly kind: "COUNT"; readonly pattern: string; readonly search: string; readonly operator: CountOperator; readonly value: number }
  | { readonly kind: "FROM COUNTRY"; readonly field: "code" | "code3" | "continent" | undefined; readonly value: string | undefined }
  | { readonly kind: "FROM IP"; readonly ip: string }
  | { readonly kind: "FROM SUBNET"; readonly cidr: string };

/** A minimal XML element, as INJECT's reader builds it. */
export interface MiniElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (MiniElement | string)[];
}

/** An action's argument, parsed. `kind` is the canonical action name. */
export type ActionArgument =
  | { readonly kind: "PASS" | "DROP" | "DEFAULT" | "RETURN" | "UNSUBSCRIBE SENDER" }
  | { readonly kind: "BOUNCE"; readonly condition: string; readonly errorType: string; readonly text: string | undefined }
  | { readonly kind: "REDIRECT" | "COPY" | "FORWARD"; readonly jid: string | undefined }
  | { readonly kind: "REPLY"; readonly text: string | undefined }
  | { readonly kind: "LOG"; readonly level: string; readonly message: Template }
  | { readonly kind: "STRIP"; readonly name: string; readonly namespace: string | undefined }
  | { readonly kind: "INJECT"; readonly element: MiniElement }
  | { readonly kind: "JUMP CHAIN"; readonly chain: string }
  | { readonly kind: "JUMP EVENT" | "EVENT"; readonly event: string | undefined }
  | { readonly kind: "MARK ORIGIN" | "UNMARK ORIGIN" | "MARK USER" | "UNMARK USER"; readonly mark: string }
  | { readonly kind: "ADD TO"; readonly list: string; readonly value: Template }
  | { readonly kind: "RULEDEP"; readonly dependency: string }
  | { readonly kind: "REPORT TO"; readonly jid: string; readonly reason: string | undefined; readonly text: string | undefined }
  | { readonly kind: "TAG TRACE"; readonly tag: string };

/** A list backend, with the options mod_firewall reads for it. */
export type ListSpec =
  | { readonly backend: "memory"; readonly limit: number | undefined; readonly filters: readonly string[] }
  | { readonly backend: "file"; readonly path: string; readonly missingIgnore: boolean; readonly filters: readonly string[] }
  | { readonly backend: "http"; readonly url: string; readonly ttl: number; readonly pattern: string; readonly hash: string | undefined; readonly checkcert: string | undefined; readonly filters: readonly string[] }
  | { readonly backend: "pubsubitemid"; readonly spec: string; readonly filters: readonly string[] };

/** A definition's value, parsed. */
export type DefinitionValue =
  | { readonly type: "ZONE"; readonly members: readonly string[] }
  | { readonly type: "RATE"; readonly rate: number; readonly burst: number; readonly entries: number; readonly allowOverflow: boolean }
  | { readonly type: "LIST"; readonly spec: ListSpec }
  | { readonly type: "PATTERN"; readonly pattern: string }
  | { readonly type: "SEARCH"; readonly path: string };

/** Result of parsing an argument: the value, or mod_firewall's error message for it. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };
