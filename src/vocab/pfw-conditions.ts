import { available, broken, missing, type Availability, type TargetVersion } from "./targets.js";

/** Whether a mod_firewall condition takes an argument after `:`. */
export type ArgumentUse = "required" | "optional" | "none";

/** A condition of mod_firewall's `.pfw` language, as its Lua source defines it. */
export interface PfwConditionInfo {
  /** Canonical name with spaces, as written in scripts (`TO FULL JID`). */
  readonly name: string;
  readonly argument: ArgumentUse;
  /** Whether `$<…>`/`$(…)` expressions are substituted in the argument. */
  readonly expressions: boolean;
  readonly availability: Readonly<Record<TargetVersion, Availability>>;
}

const both = { "0.12": available, "13": available } as const;
const newOnly = { "0.12": missing, "13": available } as const;
const removedIn13 = { "0.12": available, "13": missing } as const;
const needs13 = (why: string) => ({ "0.12": broken(why), "13": available }) as const;

function c(name: string, argument: ArgumentUse, expressions: boolean, availability: PfwConditionInfo["availability"] = both): PfwConditionInfo {
  return { name, argument, expressions, availability };
}

/** Every condition of mod_firewall (the 35 of the Debian snapshot, then the newer ones). */
export const pfwConditions: readonly PfwConditionInfo[] = [
  c("KIND", "required", false),
  c("TYPE", "required", false),
  c("TO", "required", false),
  c("FROM", "required", false),
  c("TO EXACTLY", "required", true),
  c("FROM EXACTLY", "required", true),
  c("TO SELF", "none", false),
  c("TO FULL JID", "none", false),
  c("ENTERING", "required", false),
  c("LEAVING", "required", false),
  c("IN ROSTER", "optional", false),
  c("IN ROSTER GROUP", "required", false),
  c("SUBSCRIBED", "none", false),
  c("PENDING SUBSCRIPTION FROM SENDER", "none", false),
  c("SENT DIRECTED PRESENCE TO SENDER", "none", false),
  c("PAYLOAD", "required", false),
  c("INSPECT", "required", true),
  c("FROM GROUP", "required", false),
  c("TO GROUP", "required", false),
  c("CROSSING GROUPS", "required", false),
  c("FROM ADMIN", "none", false, removedIn13),
  c("TO ADMIN", "none", false, removedIn13),
  c("FROM ADMIN OF", "required", true, removedIn13),
  c("TO ADMIN OF", "required", true, removedIn13),
  c("MAY", "required", false, needs13("on Prosody 0.12 it raises 'attempt to call a nil value (method 'may')' for every stanza")),
  c("TO ROLE", "required", false, needs13("on Prosody 0.12 get_jid_role does not exist: every evaluation raises")),
  c("FROM ROLE", "required", false, needs13("on Prosody 0.12 get_jid_role does not exist: every evaluation raises")),
  c("DAY", "required", false),
  c("TIME", "required", false),
  c("LIMIT", "required", true),
  c("ORIGIN MARKED", "required", false),
  c("USER MARKED", "required", false),
  c("CHECK LIST", "required", true),
  c("SCAN", "required", false),
  c("COUNT", "required", false),
  c("FROM FULL JID", "none", false, newOnly),
  c("FROM COUNTRY", "optional", false, newOnly),
  c("FROM IP", "required", false, newOnly),
  c("FROM SUBNET", "required", false, newOnly),
];

/** Handler-style key of a condition name: spaces become `_` (`TO_FULL_JID`), as mod_firewall looks them up. */
export function conditionKey(name: string): string {
  return name.replace(/ /g, "_");
}

/** Conditions by handler key. */
export const pfwConditionsByKey: ReadonlyMap<string, PfwConditionInfo> = new Map(
  pfwConditions.map((info) => [conditionKey(info.name), info]),
);
