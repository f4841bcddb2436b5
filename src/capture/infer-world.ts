import type { TrafficItem } from "../sim/traffic.js";
import type { WorldData } from "../sim/world.js";
import { bareJid, splitJid } from "../sim/xml.js";

/**
 * What a capture says about the server: local hosts (of client sessions, and the recipients of
 * stanzas from other servers), accounts (client sessions with a bound resource), presence subscriptions (approvals a local user sends: `subscribed`, `unsubscribed`)
 * and directed presence. A world file given by the operator overrides each inferred key.
 */
export class WorldInference {
  private readonly hosts = new Set<string>();
  private readonly accounts = new Set<string>();
  private readonly rosters = new Map<string, Map<string, "none" | "to" | "from" | "both">>();
  private readonly directed = new Map<string, Set<string>>();

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
    } else if (s.attr.type === undefined && s.attr.to) {
      const d = this.directed.get(origin) ?? new Set<string>();
      d.add(s.attr.to);
      this.directed.set(origin, d);
    }
  }

  private set(owner: string, contact: string, next: (current: string | undefined) => "none" | "to" | "from" | "both"): void {
    const roster = this.rosters.get(owner) ?? new Map();
    roster.set(contact, next(roster.get(contact)));
    this.rosters.set(owner, roster);
  }

  /** The inferred world, with the given world's keys taking precedence. */
  merge(given: WorldData): WorldData {
    const inferred: WorldData = {
      ...(this.hosts.size ? { hosts: [...this.hosts].sort() } : {}),
      ...(this.accounts.size ? { accounts: [...this.accounts].sort() } : {}),
      ...(this.rosters.size
        ? { rosters: Object.fromEntries([...this.rosters].filter(([o]) => this.hosts.has(splitJid(o)[1] ?? "")).map(([o, r]) => [o, Object.fromEntries([...r].map(([c, sub]) => [c, { subscription: sub }]))])) }
        : {}),
      ...(this.directed.size ? { sessions: Object.fromEntries([...this.directed].map(([id, d]) => [id, { directed: [...d] }])) } : {}),
    };
    return { ...inferred, ...given };
  }
}
