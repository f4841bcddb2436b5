import type { TrafficItem } from "../sim/traffic.js";
import type { RosterItemData, WorldData } from "../sim/world.js";
import type { RosterIq } from "./roster-iq.js";
import { bareJid, splitJid } from "../sim/xml.js";

/**
 * What a capture says about the server: local hosts (of client sessions, and the recipients of
 * stanzas from other servers), accounts (client sessions with a bound resource) and presence
 * subscriptions: the roster results and pushes the server sends its clients in a Prosody log (its
 * own word, which also tells of subscriptions older than the capture), and, for the rosters no such
 * iq tells of, the approvals a local user sends (`subscribed`, `unsubscribed`). A world file given
 * by the operator overrides each inferred key.
 *
 * Directed presence is not inferred: the only condition that reads it (SENT DIRECTED PRESENCE TO
 * SENDER) looks at the sending session's own list, which holds its own address practically never.
 */
export class WorldInference {
  private readonly hosts = new Set<string>();
  private readonly accounts = new Set<string>();
  private readonly rosters = new Map<string, Map<string, "none" | "to" | "from" | "both">>();
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
    if (s.attr.type === "subscribed") {
      this.set(bare, to, (x) => (x === "to" || x === "both" ? "both" : "from"));
      this.set(to, bare, (x) => (x === "from" || x === "both" ? "both" : "to"));
    } else if (s.attr.type === "unsubscribed") {
      this.set(bare, to, (x) => (x === "both" ? "to" : "none"));
      this.set(to, bare, (x) => (x === "both" ? "from" : "none"));
    }
  }

  private set(owner: string, contact: string, next: (current: string | undefined) => "none" | "to" | "from" | "both"): void {
    const roster = this.rosters.get(owner) ?? new Map();
    roster.set(contact, next(roster.get(contact)));
    this.rosters.set(owner, roster);
  }

  /** What was inferred (plain data: it crosses threads); see {@link withGivenWorld}. */
  inferred(): WorldData {
    const rosters = new Map<string, Record<string, RosterItemData>>();
    for (const [owner, roster] of this.rosters) {
      if (this.hosts.has(splitJid(owner)[1] ?? "")) rosters.set(owner, Object.fromEntries([...roster].map(([c, subscription]) => [c, { subscription }])));
    }
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
    }
    return {
      ...(this.hosts.size ? { hosts: [...this.hosts].sort() } : {}),
      ...(this.accounts.size ? { accounts: [...this.accounts].sort() } : {}),
      ...(rosters.size ? { rosters: Object.fromEntries(rosters) } : {}),
    };
  }
}

/** The inferred world under the given one: each key the given world has takes precedence whole. */
export function withGivenWorld(inferred: WorldData, given: WorldData): WorldData {
  return { ...inferred, ...given };
}
