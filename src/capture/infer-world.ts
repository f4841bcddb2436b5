import type { TrafficItem } from "../sim/traffic.js";
import { sendsPresenceTo, type RosterItemData, type WorldData } from "../sim/world.js";
import type { RosterIq } from "./roster-iq.js";
import { bareJid, splitJid } from "../sim/xml.js";

/**
 * What a capture says about the server: local hosts (of client sessions, and the recipients of
 * stanzas from other servers), accounts (client sessions with a bound resource) and presence
 * subscriptions: the roster results and pushes the server sends its clients in a Prosody log (its
 * own word, which also tells of subscriptions older than the capture), and, for the rosters no such
 * iq tells of, what a local user's first `subscribed` or `unsubscribed` to a contact says of the
 * time before it: a request was pending (or, for `unsubscribed`, the contact was subscribed), as
 * Prosody routes them only then. The world is where the traffic starts: the simulation makes the
 * changes these presences make when it reaches them (src/sim/world.ts). A world file given by the
 * operator overrides each inferred key.
 *
 * Directed presence is not inferred: the only condition that reads it (SENT DIRECTED PRESENCE TO
 * SENDER) looks at the sending session's own list, which holds its own address practically never.
 */
export class WorldInference {
  private readonly hosts = new Set<string>();
  private readonly accounts = new Set<string>();
  /** Owner → contact → what the owner's first approval or cancellation to the contact was. */
  private readonly firstAnswers = new Map<string, Map<string, "subscribed" | "unsubscribed">>();
  /** What the server's roster iqs said, in the log's order: owner → contact → item (undefined: removed). */
  private readonly served = new Map<string, Map<string, RosterItemData | undefined>>();

  /** A roster result (the whole roster) or push (one item) the server sent `owner` (bound: handed to readers as a callback). */
  readonly roster = (owner: string, iq: RosterIq): void => {
    this.hosts.add(owner.slice(owner.lastIndexOf("@") + 1));
    this.accounts.add(owner);
    let roster = this.served.get(owner);
    if (!roster || iq.full) {
      roster = new Map();
      this.served.set(owner, roster);
    }
    for (const [contact, item] of iq.items) roster.set(contact, item);
  };

  add(item: TrafficItem): void {
    if (item.kind !== "stanza") return;
    const origin = item.annotations.origin ?? item.defaults.origin;
    if (origin?.startsWith("s2s:")) {
      if ((item.annotations.chain ?? item.defaults.chain) === "deliver_remote") return;
      // A server accepts stanzas from other servers only for its own hosts.
      const to = splitJid(item.stanza.attr.to)[1];
      if (to) this.hosts.add(to);
      return;
    }
    if (!origin?.startsWith("c2s:")) return;
    const full = origin.slice(4);
    const bare = bareJid(full);
    const host = splitJid(full)[1];
    if (!bare || !host) return;
    this.hosts.add(host);
    this.accounts.add(bare);
    const s = item.stanza;
    const to = bareJid(s.attr.to);
    if (s.name !== "presence" || !to) return;
    const type = s.attr.type;
    if (type !== "subscribed" && type !== "unsubscribed") return;
    let answers = this.firstAnswers.get(bare);
    if (!answers) this.firstAnswers.set(bare, (answers = new Map()));
    if (!answers.has(to)) answers.set(to, type);
  }

  /** What was inferred (plain data: it crosses threads); see {@link withGivenWorld}. */
  inferred(): WorldData {
    // Before a local user's first answer to a contact: for `subscribed`, the contact's request
    // was pending (and asked, in the contact's roster if it is local); for `unsubscribed`, the
    // contact was subscribed (`from`; `to` on the contact's side).
    const items = new Map<string, Map<string, { from: boolean; to: boolean; ask: boolean }>>();
    const local = (jid: string) => this.hosts.has(splitJid(jid)[1] ?? "");
    const item = (owner: string, contact: string) => {
      let roster = items.get(owner);
      if (!roster) items.set(owner, (roster = new Map()));
      let i = roster.get(contact);
      if (!i) roster.set(contact, (i = { from: false, to: false, ask: false }));
      return i;
    };
    const pending = new Map<string, string[]>();
    for (const [owner, answers] of this.firstAnswers) {
      for (const [contact, type] of answers) {
        if (type === "subscribed") {
          let waiting = pending.get(owner);
          if (!waiting) pending.set(owner, (waiting = []));
          waiting.push(contact);
          if (local(contact)) item(contact, owner).ask = true;
        } else {
          item(owner, contact).from = true;
          if (local(contact)) item(contact, owner).to = true;
        }
      }
    }
    const rosters = new Map<string, Record<string, RosterItemData>>();
    for (const [owner, roster] of items) {
      if (!local(owner)) continue;
      rosters.set(owner, Object.fromEntries([...roster].map(([c, i]) => [c, { subscription: i.from ? (i.to ? "both" : "from") : i.to ? "to" : "none", ...(i.ask ? { ask: "subscribe" as const } : {}) }])));
    }
    for (const owner of pending.keys()) if (!rosters.has(owner)) rosters.set(owner, {});
    // The server's word stands over what presence suggested, contact by contact. (Presence an
    // offline owner's contact sent after the owner's last roster iq is not seen by that iq: what
    // presence alone suggests for other contacts is kept.)
    for (const [owner, served] of this.served) {
      const roster = rosters.get(owner) ?? {};
      for (const [contact, item] of served) {
        if (item) roster[contact] = item;
        else delete roster[contact];
      }
      rosters.set(owner, roster);
      // A request is never pending from a contact the server says is subscribed.
      const waiting = pending.get(owner)?.filter((c) => !sendsPresenceTo(roster[c]?.subscription));
      if (waiting?.length) pending.set(owner, waiting);
      else pending.delete(owner);
    }
    return {
      ...(this.hosts.size ? { hosts: [...this.hosts].sort() } : {}),
      ...(this.accounts.size ? { accounts: [...this.accounts].sort() } : {}),
      ...(rosters.size ? { rosters: Object.fromEntries(rosters) } : {}),
      ...(pending.size ? { pending: Object.fromEntries(pending) } : {}),
    };
  }
}

/**
 * The inferred world under the given one: each key the given world has takes precedence whole.
 * Pending requests inferred go with the rosters inferred: under given rosters they are dropped.
 */
export function withGivenWorld(inferred: WorldData, given: WorldData): WorldData {
  const { pending, ...rest } = inferred;
  return { ...rest, ...(pending && !given.rosters ? { pending } : {}), ...given };
}
