import type { Session } from "./context.js";
import type { Assumptions, RosterItemData, World } from "./world.js";
import { bareJid, splitJid, XmlElement } from "./xml.js";

/**
 * The presence Prosody 0.12's mod_presence makes of a presence that passed the firewall, each
 * posted with `core_post_stanza(origin, stanza, true)`: through preroute on the origin's host, and
 * then deliver (a local recipient) or deliver_remote, as if the origin had sent it. Pure: what is
 * posted, by whom and why; the simulator runs each one (src/sim/engine.ts).
 *
 * - `handle_normal_presence`, for a client's presence without `to` (available or unavailable)
 *   that deliver let through: a copy to each of the user's other available resources and to
 *   each contact with a subscription `from` or `both`; on the session's initial presence, a probe
 *   to each contact with `to` or `both`, the presence of each other available resource to the new
 *   one (from that resource's session), and the user's pending outgoing subscription requests
 *   again; on unavailable presence, after these, a copy to each JID the session sent directed
 *   presence to (the engine posts those: the copies before change the set).
 * - `handle_inbound_presence_subscriptions_and_probes`, for a probe that deliver let through to
 *   a local user: the presence of each of the user's available resources (from their sessions) if
 *   the prober is subscribed (`from` or `both`), unavailable presence from the user's bare JID if
 *   none is available, and `unsubscribed` if the prober is not subscribed (both from the host).
 *
 * Prosody walks its session and roster tables with `pairs`, in an order it does not define: the
 * copies are posted in the order the world lists the roster and the resources became available.
 */
export interface Posted {
  /** Why Prosody sends it, for people: "presence broadcast to a contact". */
  readonly why: string;
  readonly stanza: XmlElement;
  /** The session id it is posted from (`c2s:FULLJID`, or `local:HOST` for the server itself). */
  readonly origin: string;
}

/** What the simulator knows of a user's sessions and roster when mod_presence runs. */
export interface PresenceState {
  readonly world: World;
  readonly assume: Assumptions;
  /** The user's other sessions with available presence, the sender excluded. */
  readonly otherResources: readonly Session[];
}

function roster(world: World, owner: string, assume: Assumptions): readonly (readonly [string, RosterItemData])[] {
  return world.rosterOf(owner, assume);
}

const interested = (item: RosterItemData): boolean => item.subscription === "from" || item.subscription === "both";
const subscribedTo = (item: RosterItemData): boolean => item.subscription === "to" || item.subscription === "both";

function addressed(stanza: XmlElement, to: string): XmlElement {
  return new XmlElement(stanza.name, { ...stanza.attr, to }, stanza.children);
}

/**
 * `handle_normal_presence` for `stanza` (stamped, without `to`) from `session`, a local client's;
 * `initial`: the session had no available presence before this one.
 */
export function normalPresence(stanza: XmlElement, session: Session, initial: boolean, state: PresenceState): Posted[] {
  const user = bareJid(session.fullJid);
  if (user === undefined) return [];
  const out: Posted[] = [];
  for (const res of state.otherResources) out.push({ why: "presence broadcast to another resource of the user", stanza: addressed(stanza, res.fullJid!), origin: session.id });
  const items = roster(state.world, user, state.assume);
  for (const [jid, item] of items) if (interested(item)) out.push({ why: "presence broadcast to a contact", stanza: addressed(stanza, jid), origin: session.id });
  const type = stanza.attr.type;
  if (type === undefined && initial) {
    for (const [jid, item] of items) if (subscribedTo(item)) out.push({ why: "probe of a contact, for the initial presence", stanza: new XmlElement("presence", { from: session.fullJid!, type: "probe", to: jid }), origin: session.id });
    for (const res of state.otherResources) out.push({ why: "another resource's presence, to the new one", stanza: addressed(res.presence!, session.fullJid!), origin: res.id });
    for (const [jid, item] of items) if (item.ask === "subscribe") out.push({ why: "pending subscription request sent again, for the initial presence", stanza: new XmlElement("presence", { type: "subscribe", from: user, to: jid }), origin: session.id });
  }
  return out;
}

/**
 * The presence mod_presence keeps as the session's (`origin.presence`) after broadcasting an
 * available one: the stanza with a delay stamp (XEP-0203) from the host.
 */
export function keptPresence(stanza: XmlElement, host: string, now: number): XmlElement {
  const attr = { ...stanza.attr };
  delete attr.to;
  const stamp = new Date(Math.floor(now) * 1000).toISOString().replace(".000Z", "Z");
  return new XmlElement(stanza.name, attr, [...stanza.children, new XmlElement("delay", { xmlns: "urn:xmpp:delay", from: host, stamp })]);
}

/**
 * The answers to `probe`, which deliver let through to the local user `owner` on `host`;
 * `available`: the owner's sessions with available presence.
 */
export function probeAnswers(probe: XmlElement, owner: string, host: string, available: readonly Session[], world: World, assume: Assumptions): Posted[] {
  const prober = probe.attr.from;
  const proberBare = bareJid(prober);
  if (prober === undefined || proberBare === undefined || splitJid(owner)[0] === undefined) return [];
  const item = world.rosterItem(owner, proberBare, assume);
  if (!item || !interested(item)) return [{ why: "answer to a probe from a contact without a subscription", stanza: new XmlElement("presence", { from: owner, to: proberBare, type: "unsubscribed" }), origin: `local:${host}` }];
  if (available.length === 0) return [{ why: "answer to a probe: no resource available", stanza: new XmlElement("presence", { from: owner, to: prober, type: "unavailable" }), origin: `local:${host}` }];
  return available.map((res) => ({ why: "answer to a probe: a resource's presence", stanza: new XmlElement("presence", { ...res.presence!.attr, from: res.fullJid!, to: prober }, res.presence!.children), origin: res.id }));
}
