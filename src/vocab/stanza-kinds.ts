/** The three stanza kinds (`stanza.name`). */
export type StanzaKind = "message" | "presence" | "iq";

export const stanzaKinds: readonly StanzaKind[] = ["message", "presence", "iq"];

/**
 * The `type` values each kind can carry (RFC 6120 §5.2.2, RFC 6121 §4.7.1 and §5.2.2).
 * A message without type counts as `normal`, a presence without type as `available` (mod_firewall's TYPE).
 */
export const stanzaTypes: Readonly<Record<StanzaKind, readonly string[]>> = {
  message: ["chat", "error", "groupchat", "headline", "normal"],
  presence: ["available", "error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"],
  iq: ["error", "get", "result", "set"],
};

/** Every type of any kind, for "did you mean". */
export const allStanzaTypes: readonly string[] = [...new Set(Object.values(stanzaTypes).flat())].sort();
