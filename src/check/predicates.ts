/** What argument a named predicate takes. */
export type PredicateArgument =
  | "none"
  /** A plain string (namespace, group, permission, role, IP, …). */
  | "string"
  | "optional-string"
  /** A zone name or `local`. */
  | "zone"
  /** A list literal of group names. */
  | "groups"
  /** A host string (expressions allowed) or `*`. */
  | "host-or-star";

/** A named predicate of the DSL and the mod_firewall condition it compiles to. */
export interface PredicateInfo {
  readonly condition: string;
  readonly argument: PredicateArgument;
  /** Reads the recipient's roster: meaningless where the recipient is not a local account. */
  readonly roster: boolean;
  /** One line for docs and hints. */
  readonly doc: string;
}

function p(condition: string, argument: PredicateArgument, doc: string, roster = false): PredicateInfo {
  return { condition, argument, roster, doc };
}

/** Every named predicate, by DSL name. */
export const predicates: Readonly<Record<string, PredicateInfo>> = {
  to_self: p("TO SELF", "none", "the stanza has no 'to' (addressed to the sender's own account)"),
  to_full_jid: p("TO FULL JID", "none", "'to' is the full JID of a session connected right now"),
  from_full_jid: p("FROM FULL JID", "none", "'from' has a resource (newer mod_firewall; never true there because of a bug)"),
  in_roster: p("IN ROSTER", "none", "the sender is in the recipient's roster", true),
  in_roster_group: p("IN ROSTER GROUP", "string", "the sender is in that group of the recipient's roster", true),
  subscribed: p("SUBSCRIBED", "none", "the sender receives the recipient's presence (roster subscription from/both), or sender and recipient are the same account", true),
  pending_subscription: p("PENDING SUBSCRIPTION FROM SENDER", "none", "the sender's subscription request is pending at the recipient", true),
  sent_directed_presence: p("SENT DIRECTED PRESENCE TO SENDER", "none", "the origin session sent directed presence to the sender"),
  payload: p("PAYLOAD", "string", "the stanza has a direct child element in that namespace"),
  entering: p("ENTERING", "zone", "the recipient is in the zone and the sender is not"),
  leaving: p("LEAVING", "zone", "the sender is in the zone and the recipient is not"),
  crossing_groups: p("CROSSING GROUPS", "groups", "for none of the groups are both sender and recipient members"),
  from_admin: p("FROM ADMIN", "none", "the sender is an admin of this host"),
  to_admin: p("TO ADMIN", "none", "the recipient is an admin of this host"),
  from_admin_of: p("FROM ADMIN OF", "host-or-star", "the sender is an admin of that host (* = server-wide)"),
  to_admin_of: p("TO ADMIN OF", "host-or-star", "the recipient is an admin of that host (* = server-wide)"),
  may: p("MAY", "string", "the origin has that permission in Prosody's role system"),
  to_role: p("TO ROLE", "string", "the recipient has that role on this host"),
  from_role: p("FROM ROLE", "string", "the sender has that role on this host"),
  from_country: p("FROM COUNTRY", "optional-string", "the origin's IP is located in that country (GeoIP)"),
  from_ip: p("FROM IP", "string", "the origin's IP address equals it"),
  from_subnet: p("FROM SUBNET", "string", "the origin's IP address is in that CIDR subnet"),
};
