import type { Session } from "./context.js";
import { sendsPresenceTo, type Assumptions, type RosterItemData, type World } from "./world.js";
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
 * - `handle_inbound_presence_subscriptions_and_probes`, for a probe or a subscription request
 *   that deliver let through to a local user ({@link probeAnswers}, {@link subscribeAnswers}).
 * - `handle_outbound_presence_subscriptions_and_probes`, after it routed a client's approval or
 *   cancellation ({@link subscriptionFollowUps}).
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

const interested = (item: RosterItemData): boolean => sendsPresenceTo(item.subscription);
const subscribedTo = (item: RosterItemData): boolean => item.subscription === "to" || item.subscription === "both";

function addressed(stanza: XmlElement, to: string): XmlElement {
  return new XmlElement(stanza.name, { ...stanza.attr, to }, stanza.children);
}

/** `send_presence_of_available_resources`: each available session's kept presence, from that session, to `to`. */
function presenceOfResources(available: readonly Session[], to: string, why: string): Posted[] {
  return available.map((res) => ({ why, stanza: new XmlElement("presence", { ...res.presence!.attr, from: res.fullJid!, to }, res.presence!.children), origin: res.id }));
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
  const items = state.world.rosterOf(user, state.assume);
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
  return presenceOfResources(available, prober, "answer to a probe: a resource's presence");
}

/**
 * What mod_presence's outbound handler posts after routing a `subscribed` or `unsubscribed` that
 * `user` sent to `contact` (`handle_outbound_presence_subscriptions_and_probes`): for an approval,
 * the presence of each of the user's available resources (from their sessions) and, if the user
 * is subscribed to the contact too, a probe of the contact (posted without pre-events: it meets
 * no preroute); for a cancellation of a subscription the contact had, unavailable presence from
 * each available resource. `hadSubscription`: the contact's subscription (`from` or `both`)
 * before the stanza. `posted`: whether the approval was routed on (one nobody asked for is not,
 * and then only the probe follows).
 */
export function subscriptionFollowUps(type: "subscribed" | "unsubscribed", user: string, contact: string, origin: string, hadSubscription: boolean, posted: boolean, available: readonly Session[], world: World, assume: Assumptions): (Posted & { readonly preevents: boolean })[] {
  if (type === "unsubscribed") {
    if (!hadSubscription) return [];
    return available.map((res) => ({ why: "unavailable presence of a resource, after cancelling a subscription", stanza: new XmlElement("presence", { type: "unavailable", from: res.fullJid!, to: contact }), origin: res.id, preevents: true }));
  }
  const out: (Posted & { readonly preevents: boolean })[] = posted ? presenceOfResources(available, contact, "a resource's presence, after approving a subscription").map((p) => ({ ...p, preevents: true })) : [];
  const item = world.rosterItem(user, contact, assume);
  if (item && subscribedTo(item)) out.push({ why: "probe of the contact, after approving its subscription", stanza: new XmlElement("presence", { type: "probe", from: user, to: contact }), origin, preevents: false });
  return out;
}

/**
 * The answers to a subscription request `request` that deliver let through to the local user
 * `owner` on `host` (`handle_inbound_presence_subscriptions_and_probes`): from a contact already
 * subscribed, `subscribed` again and the presence of the owner's available resources (unavailable
 * presence from the owner if none); from anyone else, unavailable presence from the owner, which
 * acknowledges receipt; from a contact the owner approved in advance, `subscribed`, unless its
 * request is pending already (then nothing).
 */
export function subscribeAnswers(request: XmlElement, owner: string, host: string, available: readonly Session[], world: World, assume: Assumptions): Posted[] {
  const requester = bareJid(request.attr.from);
  if (requester === undefined) return [];
  const item = world.rosterItem(owner, requester, assume);
  const fromHost = (type: string, why: string): Posted => ({ why, stanza: new XmlElement("presence", { from: owner, to: requester, type }), origin: `local:${host}` });
  if (item?.approved && !interested(item)) return world.pendingIn(owner, requester, assume) ? [] : [fromHost("subscribed", "answer to a subscription request the user approved in advance")];
  if (!item || !interested(item)) return [fromHost("unavailable", "receipt of a subscription request acknowledged")];
  const presence = available.length === 0 ? [fromHost("unavailable", "answer to a subscription request: no resource available")] : presenceOfResources(available, requester, "answer to a subscription request: a resource's presence");
  return [fromHost("subscribed", "answer to a subscription request from a contact already subscribed"), ...presence];
}
