/**
 * The mod_firewall versions stanzafw knows. `"0.12"` is Debian bookworm's prosody-modules snapshot
 * (hg 2023-02-23) on Prosody 0.12 — what `apt-get install prosody-modules` installs; `"13"` is the
 * newest upstream module, which needs Prosody 13.
 */
export type TargetVersion = "0.12" | "13";

/** The versions, in order, for "did you mean" and messages. */
export const targetVersions: readonly TargetVersion[] = ["0.12", "13"];

/** The target assumed when a file declares none. */
export const defaultTarget: TargetVersion = "0.12";

/** How a target is described to users. */
export const targetDescriptions: Readonly<Record<TargetVersion, string>> = {
  "0.12": "Prosody 0.12 with mod_firewall from Debian's prosody-modules (2023-02-23)",
  "13": "Prosody 13 with the newest mod_firewall",
};

/** Whether a feature is available, missing, or present but broken on a target. */
export type Availability =
  | { readonly kind: "available" }
  | { readonly kind: "missing" }
  /** Compiles but fails or misbehaves at run time; `why` says how. */
  | { readonly kind: "broken"; readonly why: string };

export const available: Availability = { kind: "available" };
export const missing: Availability = { kind: "missing" };
export function broken(why: string): Availability {
  return { kind: "broken", why };
}
