/** The error types of RFC 6120 §8.3.2. */
export type ErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export const errorTypes: readonly ErrorType[] = ["auth", "cancel", "continue", "modify", "wait"];

/**
 * The defined stanza error conditions of RFC 6120 §8.3.3 with the type mod_firewall's BOUNCE
 * gives each when none is written (conditions it does not list get `cancel`).
 */
export const errorConditions: ReadonlyMap<string, ErrorType> = new Map<string, ErrorType>([
  ["bad-request", "modify"],
  ["conflict", "cancel"],
  ["feature-not-implemented", "cancel"],
  ["forbidden", "auth"],
  ["gone", "cancel"],
  ["internal-server-error", "cancel"],
  ["item-not-found", "cancel"],
  ["jid-malformed", "modify"],
  ["not-acceptable", "modify"],
  ["not-allowed", "cancel"],
  ["not-authorized", "auth"],
  ["payment-required", "auth"],
  ["policy-violation", "modify"],
  ["recipient-unavailable", "wait"],
  ["redirect", "modify"],
  ["registration-required", "auth"],
  ["remote-server-not-found", "cancel"],
  ["remote-server-timeout", "wait"],
  ["resource-constraint", "wait"],
  ["service-unavailable", "cancel"],
  ["subscription-required", "auth"],
  ["undefined-condition", "cancel"],
  ["unexpected-request", "wait"],
]);
