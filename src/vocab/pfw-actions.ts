import { available, missing, type Availability, type TargetVersion } from "./targets.js";

/** How an action ends the chain. */
export type Termination =
  /** Always returns from the chain (PASS, DROP, DEFAULT, RETURN, BOUNCE, REDIRECT, JUMP EVENT). */
  | "terminal"
  /** Returns only when the jumped-to chain decided (JUMP CHAIN). */
  | "conditional"
  | "none";

/** An action of mod_firewall's `.pfw` language. */
export interface PfwActionInfo {
  /** Canonical name with spaces (`JUMP CHAIN`). */
  readonly name: string;
  /** `required`: written `NAME=arg`; `none`: `NAME.`; `optional`: either. */
  readonly argument: "required" | "optional" | "none";
  readonly expressions: boolean;
  readonly termination: Termination;
  readonly availability: Readonly<Record<TargetVersion, Availability>>;
}

const both = { "0.12": available, "13": available } as const;
const newOnly = { "0.12": missing, "13": available } as const;

function a(name: string, argument: PfwActionInfo["argument"], termination: Termination, expressions = false, availability: PfwActionInfo["availability"] = both): PfwActionInfo {
  return { name, argument, expressions, termination, availability };
}

/** Every action of mod_firewall (the 22 of the Debian snapshot, then the newer ones). */
export const pfwActions: readonly PfwActionInfo[] = [
  a("PASS", "none", "terminal"),
  a("DROP", "none", "terminal"),
  a("DEFAULT", "none", "terminal"),
  a("RETURN", "none", "terminal"),
  a("BOUNCE", "optional", "terminal"),
  a("REDIRECT", "required", "terminal"),
  a("JUMP CHAIN", "required", "conditional"),
  a("JUMP EVENT", "required", "terminal"),
  a("EVENT", "required", "none"),
  a("COPY", "required", "none"),
  a("FORWARD", "required", "none"),
  a("REPLY", "required", "none"),
  a("LOG", "required", "none", true),
  a("STRIP", "required", "none"),
  a("INJECT", "required", "none"),
  a("MARK ORIGIN", "required", "none"),
  a("UNMARK ORIGIN", "required", "none"),
  a("MARK USER", "required", "none"),
  a("UNMARK USER", "required", "none"),
  a("ADD TO", "required", "none", true),
  a("UNSUBSCRIBE SENDER", "none", "none"),
  a("RULEDEP", "required", "none"),
  a("REPORT TO", "required", "none", false, newOnly),
  a("TAG TRACE", "required", "none", false, newOnly),
];

/** Handler-style key of an action name (`JUMP_CHAIN`). */
export function actionKey(name: string): string {
  return name.replace(/ /g, "_");
}

/** Actions by handler key. */
export const pfwActionsByKey: ReadonlyMap<string, PfwActionInfo> = new Map(pfwActions.map((info) => [actionKey(info.name), info]));
