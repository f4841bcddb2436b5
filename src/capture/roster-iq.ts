import type { RosterItemData, Subscription } from "../sim/world.js";
import { bareJid, type XmlElement } from "../sim/xml.js";

/**
 * What a roster iq the server sends a client says of the client's roster (RFC 6121 §2): a result
 * to a roster get holds the whole roster, a push (`set`) one changed item. They are the server's
 * own word on subscriptions, including those made before a capture began, which no presence in it
 * shows: a client fetches its roster at every login.
 */
export interface RosterIq {
  /** A result: the whole roster (items absent from it are not in it). */
  readonly full: boolean;
  /** Contact → item; `undefined` for an item removed (`subscription='remove'`). */
  readonly items: ReadonlyMap<string, RosterItemData | undefined>;
}

const rosterNs = "jabber:iq:roster";
const subscriptions: ReadonlySet<string> = new Set<Subscription>(["none", "to", "from", "both"]);

/** The roster a SEND of an iq carries, or undefined when it is no roster result or push. */
export function rosterIq(stanza: XmlElement): RosterIq | undefined {
  const type = stanza.attr.type;
  if (stanza.name !== "iq" || (type !== "result" && type !== "set")) return undefined;
  const query = stanza.getChild("query", rosterNs);
  if (!query) return undefined;
  const items = new Map<string, RosterItemData | undefined>();
  for (const item of query.tags) {
    if (item.name !== "item" || (item.attr.xmlns !== undefined && item.attr.xmlns !== rosterNs)) continue;
    const jid = bareJid(item.attr.jid);
    if (!jid) continue;
    const sub = item.attr.subscription ?? "none";
    if (sub === "remove") {
      items.set(jid, undefined);
      continue;
    }
    if (!subscriptions.has(sub)) continue;
    const groups = item.tags.filter((g) => g.name === "group").map((g) => g.getText() ?? "").filter((g) => g !== "");
    items.set(jid, { subscription: sub as Subscription, ...(groups.length > 0 ? { groups } : {}), ...(item.attr.ask === "subscribe" ? { ask: "subscribe" as const } : {}) });
  }
  return { full: type === "result", items };
}
