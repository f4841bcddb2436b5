import { sendsPresenceTo, type Assumptions, type World } from "./world.js";
import { bareJid, XmlElement } from "./xml.js";

/**
 * What Prosody's mod_presence does with a local client's presence between the preroute and the
 * deliver chains (its `pre-presence/*` handler runs after mod_firewall's, at a lower priority,
 * and only when preroute returned nothing). A subscription presence is taken over: its `from`
 * and `to` become the two bare JIDs and it is posted anew, so deliver (or deliver_remote) sees
 * it addressed bare; a `subscribed` or `unsubscribed` is posted only if the contact asked for a
 * subscription or has one (else it is dropped silently, RFC 6121 §3.2); a presence of a type
 * that is not one of XMPP's is answered with bad-request and goes nowhere. Available, unavailable
 * and error presence, probes and presence to the sender's own bare JID go on unchanged.
 *
 * The roster changes these make on the server (a request asked, a pending request approved, a
 * subscription cancelled, an approval stored) are made in the world as Prosody's rostermanager
 * makes them, before the stanza goes on.
 */
export type OutboundPresence =
  | { readonly kind: "unchanged" }
  /** `contactSubscribed`, for `subscribed` and `unsubscribed`: whether the contact had a subscription (`from` or `both`) before. */
  | { readonly kind: "rewritten"; readonly stanza: XmlElement; readonly contactSubscribed?: boolean }
  /** `user` and `contact` for a `subscribed` not routed on: Prosody still probes the contact if the user is subscribed to it. */
  | { readonly kind: "stopped"; readonly reason: string; readonly unroutedApproval?: { readonly user: string; readonly contact: string } };

const unchanged: OutboundPresence = { kind: "unchanged" };
const subscriptionTypes = new Set(["subscribe", "subscribed", "unsubscribe", "unsubscribed"]);

/** `stanza` as stamped with the client's full JID. */
export function outboundPresence(stanza: XmlElement, world: World, assume: Assumptions): OutboundPresence {
  const type = stanza.attr.type;
  const to = stanza.attr.to;
  if (stanza.name !== "presence" || to === undefined || type === undefined || type === "unavailable" || type === "error" || type === "probe") return unchanged;
  const user = bareJid(stanza.attr.from);
  const contact = bareJid(to);
  // No self contacts; a `to` that is no JID is left as it is (Prosody would post it without one).
  if (user === undefined || contact === undefined || contact === user) return unchanged;
  if (!subscriptionTypes.has(type)) return { kind: "stopped", reason: `Prosody answers a presence of type '${type}' with bad-request and routes it no further (mod_presence)` };
  const rewritten = new XmlElement(stanza.name, { ...stanza.attr, from: user, to: contact }, stanza.children);
  // The roster changes before the stanza is posted on (rostermanager, from mod_presence's handler).
  if (type === "subscribed" || type === "unsubscribed") {
    const contactSubscribed = sendsPresenceTo(world.rosterItem(user, contact, assume)?.subscription);
    const pending = world.pendingIn(user, contact, assume);
    if (type === "subscribed") world.subscribed(user, contact);
    else world.unsubscribed(user, contact);
    if (!pending && !contactSubscribed) {
      const stored = type === "subscribed" ? " (it stores the approval for a later request)" : "";
      const reason = `Prosody routes a '${type}' only when ${contact} asked for a subscription or has one, and neither is so: mod_presence drops it before deliver${stored}`;
      return type === "subscribed" ? { kind: "stopped", reason, unroutedApproval: { user, contact } } : { kind: "stopped", reason };
    }
    return { kind: "rewritten", stanza: rewritten, contactSubscribed };
  }
  if (type === "subscribe") world.setContactPendingOut(user, contact);
  else world.unsubscribe(user, contact);
  return { kind: "rewritten", stanza: rewritten };
}

/**
 * The directed-presence bookkeeping of mod_presence's outbound handler, for a presence with `to`
 * that a local client's session sends (or Prosody posts from it): addressed to anyone its user's
 * roster does not give a subscription `from` or `both`, an available presence adds the address
 * to the session's directed set and an unavailable or error presence removes it. (Prosody keys
 * the set by the address as written, full or bare.) On unavailable presence without `to`, the
 * session's directed set is sent a copy each (src/sim/presence-traffic.ts).
 */
export function trackDirected(stanza: XmlElement, directed: Set<string>, world: World, assume: Assumptions): void {
  const to = stanza.attr.to;
  const type = stanza.attr.type;
  if (stanza.name !== "presence" || to === undefined || (type !== undefined && type !== "unavailable" && type !== "error")) return;
  const user = bareJid(stanza.attr.from);
  if (user === undefined) return;
  if (sendsPresenceTo(world.rosterItem(user, bareJid(to), assume)?.subscription)) return;
  if (type === undefined) directed.add(to);
  else directed.delete(to);
}
