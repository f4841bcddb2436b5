import { didYouMean } from "../diag/did-you-mean.js";
import { bareJid, splitJid } from "./xml.js";

/**
 * The world a simulation runs in: what Prosody would know when a stanza arrives. Given as JSON
 * (schema in docs/world.md) or built in code. Every question the simulator asks the world goes
 * through here, so that when the world is silent and a default is assumed, the assumption is
 * recorded for the stanza being simulated.
 */

export type Subscription = "none" | "to" | "from" | "both";

export interface RosterItemData {
  readonly subscription?: Subscription;
  readonly groups?: readonly string[];
  /** `subscribe` when the owner's own request to the contact is pending. */
  readonly ask?: "subscribe";
  /** The owner approved a subscription the contact has not asked for yet (RFC 6121 §3.4, a pre-approval). */
  readonly approved?: boolean;
}

export interface SessionData {
  /** JIDs this session sent directed presence to. */
  readonly directed?: readonly string[];
  /** Origin marks already set: name → ISO time. */
  readonly marks?: Readonly<Record<string, string>>;
}

export interface WorldData {
  /** Local hosts (VirtualHosts and components). Default: the hosts of the `to`/`from` addresses of local accounts, else none. */
  readonly hosts?: readonly string[];
  /** Registered accounts (bare JIDs). */
  readonly accounts?: readonly string[];
  /** Owner bare JID → contact bare JID → item. An owner listed here has exactly these items. */
  readonly rosters?: Readonly<Record<string, Readonly<Record<string, RosterItemData>>>>;
  /** Owner bare JID → contacts whose subscription request is pending at the owner. */
  readonly pending?: Readonly<Record<string, readonly string[]>>;
  /** mod_groups: group name → member bare JIDs. */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /** Host (or `*` for server-wide) → admin bare JIDs. */
  readonly admins?: Readonly<Record<string, readonly string[]>>;
  /** Bare JID → role name (Prosody 13 roles). */
  readonly roles?: Readonly<Record<string, string>>;
  /** Full JIDs with a session connected now (TO FULL JID). */
  readonly online?: readonly string[];
  /**
   * Full JIDs of local clients whose available presence the server holds when the traffic begins
   * (they sent it before): their presence answers probes and reaches their other resources. A
   * client not listed becomes available when its presence is simulated.
   */
  readonly available?: readonly string[];
  /** Session id (`c2s:FULLJID`, `s2s:DOMAIN`) → state. */
  readonly sessions?: Readonly<Record<string, SessionData>>;
  /** User marks: bare JID → mark → ISO time. */
  readonly userMarks?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** List name → items (the contents of file and http lists; initial items of memory lists). */
  readonly lists?: Readonly<Record<string, readonly string[]>>;
  /** IANA time zone of the server (TIME, DAY). Default UTC. */
  readonly timezone?: string;
  /** Time of the first event when the traffic gives none (ISO 8601). Default 2026-01-05T12:00:00Z. */
  readonly start?: string;
  /** Prosody options that change mod_firewall's behaviour. */
  readonly config?: {
    readonly firewall_experimental_user_marks?: boolean;
    readonly firewall_multirate_cache_limit?: number;
  };
}

const none: readonly string[] = Object.freeze([]);
const noItems: readonly (readonly [string, RosterItemData])[] = Object.freeze([]);

/** Whether the owner of a roster item with this subscription sends the contact its presence (`from` or `both`). */
export function sendsPresenceTo(subscription: Subscription | undefined): boolean {
  return subscription === "from" || subscription === "both";
}

/** `table[key]` for a table read from JSON whose keys come from the traffic: own keys only (a JID may be `constructor`). */
function own<V>(table: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Records what a verdict rests on when the world did not say. */
export class Assumptions {
  // A verdict rests on a handful of assumptions at most: an array beats hashing each text into a Set.
  private items: string[] | undefined;
  add(text: string): void {
    if (!this.items) this.items = [text];
    else if (!this.items.includes(text)) this.items.push(text);
  }
  list(): readonly string[] {
    return this.items ?? none;
  }
}

/**
 * A copy of a JID that keeps nothing else alive: kept for the whole run, a slice of a stanza's
 * text (or a concatenation of slices) would keep the whole record it came from.
 */
function flat(s: string): string {
  return (" " + s).slice(1);
}

/** For the questions the world asks itself while changing a roster: what they assume was noted when the stanza asked. */
class NoAssumptions extends Assumptions {
  override add(): void {}
}
const ignored: Assumptions = new NoAssumptions();

export class World {
  readonly hosts: ReadonlySet<string>;
  readonly timezone: string;
  readonly startMs: number;
  readonly userMarksEnabled: boolean;
  readonly multirateLimit: number;

  /**
   * Roster items and pending requests as the simulation changed them (subscription presence that
   * mod_presence handles, UNSUBSCRIBE SENDER): owner → contact → item, or whether the contact's
   * request is pending. A world is shared by runs ({@link fork}): the changes are not.
   */
  private readonly rosterEdits = new Map<string, Map<string, RosterItemData>>();
  private readonly pendingEdits = new Map<string, Map<string, boolean>>();

  /** The rosters and sessions as maps: looked up for every stanza, by keys that come from the traffic. */
  private readonly rosters: ReadonlyMap<string, ReadonlyMap<string, RosterItemData>> | undefined;
  private readonly sessions: ReadonlyMap<string, SessionData> | undefined;
  private readonly accounts: ReadonlySet<string> | undefined;
  private readonly online: ReadonlySet<string> | undefined;
  private readonly available = new Map<string, string[]>();

  constructor(readonly data: WorldData = {}) {
    this.accounts = data.accounts ? new Set(data.accounts) : undefined;
    this.online = data.online ? new Set(data.online) : undefined;
    this.rosters = data.rosters ? new Map(Object.entries(data.rosters).map(([owner, items]) => [owner, new Map(Object.entries(items))])) : undefined;
    this.sessions = data.sessions ? new Map(Object.entries(data.sessions)) : undefined;
    for (const jid of data.available ?? []) {
      const bare = bareJid(jid);
      if (bare === undefined || bare === jid) continue;
      const list = this.available.get(bare) ?? [];
      if (!list.includes(jid)) list.push(jid);
      this.available.set(bare, list);
    }
    const hosts = new Set(data.hosts ?? []);
    if (!data.hosts) for (const a of data.accounts ?? []) { const h = splitJid(a)[1]; if (h) hosts.add(h); }
    this.hosts = hosts;
    this.timezone = data.timezone ?? "UTC";
    this.startMs = Date.parse(data.start ?? "2026-01-05T12:00:00Z");
    this.userMarksEnabled = data.config?.firewall_experimental_user_marks ?? false;
    this.multirateLimit = data.config?.firewall_multirate_cache_limit ?? 1000;
  }

  isLocalHost(host: string | undefined): boolean {
    return host !== undefined && this.hosts.has(host);
  }

  /** The same world as given, without the changes a simulation made to it: each run starts from it. */
  fork(): World {
    return new World(this.data);
  }

  /** The recipient's roster item for a contact, as `rostermanager.load_roster(node, host)[contact]`. */
  rosterItem(owner: string, contact: string | undefined, assume: Assumptions): RosterItemData | undefined {
    if (contact === undefined) return undefined;
    const roster = this.rosters?.get(owner);
    if (!roster) assume.add(`no roster given for ${owner}: assumed empty`);
    const edited = this.rosterEdits.size > 0 ? this.rosterEdits.get(owner)?.get(contact) : undefined;
    return edited ?? roster?.get(contact);
  }

  /** The owner's whole roster, as `pairs(roster)` walks it (in the world's order, contacts added since after), with the changes made during the simulation. */
  rosterOf(owner: string, assume: Assumptions): readonly (readonly [string, RosterItemData])[] {
    const roster = this.rosters?.get(owner);
    if (!roster) assume.add(`no roster given for ${owner}: assumed empty`);
    const edits = this.rosterEdits.size > 0 ? this.rosterEdits.get(owner) : undefined;
    if (!edits) return roster ? [...roster] : noItems;
    const items: (readonly [string, RosterItemData])[] = [...(roster ?? [])].map(([contact, item]) => [contact, edits.get(contact) ?? item] as const);
    for (const [contact, item] of edits) if (!roster?.has(contact)) items.push([contact, item]);
    return items;
  }

  pendingIn(owner: string, contact: string | undefined, assume: Assumptions): boolean {
    const pending = own(this.data.pending, owner);
    if (!pending) assume.add(`no pending subscription requests given for ${owner}: assumed none`);
    if (contact === undefined) return false;
    const edited = this.pendingEdits.size > 0 ? this.pendingEdits.get(owner)?.get(contact) : undefined;
    return edited ?? (pending !== undefined && pending.includes(contact));
  }

  // What rostermanager (Prosody 0.12) does to a roster, by the function's name; owner and contact are bare JIDs.

  private item(owner: string, contact: string): RosterItemData | undefined {
    return this.rosterItem(owner, contact, ignored);
  }

  private setItem(owner: string, contact: string, item: RosterItemData): void {
    let edits = this.rosterEdits.get(owner);
    if (!edits) this.rosterEdits.set(flat(owner), (edits = new Map()));
    edits.set(flat(contact), item);
  }

  private setPending(owner: string, contact: string, pending: boolean): void {
    let edits = this.pendingEdits.get(owner);
    if (!edits) this.pendingEdits.set(flat(owner), (edits = new Map()));
    edits.set(flat(contact), pending);
  }

  /** `set_contact_pending_out`: the owner asked the contact for a subscription. */
  setContactPendingOut(owner: string, contact: string): void {
    const item = this.item(owner, contact);
    if (item && (item.ask !== undefined || item.subscription === "to" || item.subscription === "both")) return;
    this.setItem(owner, contact, { subscription: "none", groups: [], ...item, ask: "subscribe" });
  }

  /** `unsubscribe`: the owner no longer wants the contact's presence. */
  unsubscribe(owner: string, contact: string): void {
    const item = this.item(owner, contact);
    if (!item || ((item.subscription === undefined || item.subscription === "none" || item.subscription === "from") && item.ask === undefined)) return;
    const { ask: _, ...rest } = item;
    this.setItem(owner, contact, { ...rest, subscription: item.subscription === "both" ? "from" : item.subscription === "to" ? "none" : (item.subscription ?? "none") });
  }

  /** `subscribed`: the owner approves the contact's request, or approves in advance (a pre-approval). */
  subscribed(owner: string, contact: string): void {
    const item = this.item(owner, contact);
    if (this.pendingIn(owner, contact, ignored)) {
      this.setItem(owner, contact, { groups: [], ...item, subscription: (item?.subscription ?? "none") === "none" ? "from" : "both" });
      this.setPending(owner, contact, false);
    } else if (!item || (item.subscription ?? "none") === "none" || item.subscription === "to") {
      this.setItem(owner, contact, { subscription: "none", groups: [], ...item, approved: true });
    }
  }

  /** `unsubscribed`: the owner refuses the contact's request or cancels its subscription. Whether a request was pending, and whether the contact was subscribed. */
  unsubscribed(owner: string, contact: string): { pending: boolean; subscribed: boolean } {
    const pending = this.pendingIn(owner, contact, ignored);
    if (pending) this.setPending(owner, contact, false);
    const item = this.item(owner, contact);
    const subscribed = item !== undefined && sendsPresenceTo(item.subscription);
    if (item && subscribed) this.setItem(owner, contact, { ...item, subscription: item.subscription === "both" ? "to" : "none" });
    return { pending, subscribed };
  }

  /** `is_contact_preapproved`. */
  isContactPreapproved(owner: string, contact: string): boolean {
    return this.item(owner, contact)?.approved === true;
  }

  /** `set_contact_pending_in`: the contact's request waits for the owner (not when the contact is subscribed). */
  setContactPendingIn(owner: string, contact: string): void {
    if (sendsPresenceTo(this.item(owner, contact)?.subscription)) return;
    this.setPending(owner, contact, true);
  }

  /** `process_inbound_subscription_approval`: the contact approved the owner's request. */
  processInboundSubscriptionApproval(owner: string, contact: string): void {
    const item = this.item(owner, contact);
    if (!item || item.ask === undefined) return;
    const { ask: _, ...rest } = item;
    this.setItem(owner, contact, { ...rest, subscription: (item.subscription ?? "none") === "none" ? "to" : "both" });
  }

  /** `process_inbound_subscription_cancellation`: the contact refused the owner's request or cancelled the owner's subscription; the same change as the owner's own `unsubscribe`. */
  processInboundSubscriptionCancellation(owner: string, contact: string): void {
    this.unsubscribe(owner, contact);
  }

  /** `process_inbound_unsubscribe`: the contact no longer wants the owner's presence; the same change as the owner's own `unsubscribed`. */
  processInboundUnsubscribe(owner: string, contact: string): void {
    this.unsubscribed(owner, contact);
  }

  /** Full JIDs with available presence when the traffic begins ({@link WorldData.available}), by bare JID. */
  availableAtStart(bare: string): readonly string[] {
    return this.available.get(bare) ?? none;
  }

  /** mod_groups' group_contains; undefined when mod_groups would raise (a group its file does not define). */
  groupContains(group: string, jid: string | undefined, assume: Assumptions): boolean | undefined {
    const members = own(this.data.groups, group);
    if (!members) {
      if (this.data.groups) return undefined;
      assume.add(`group '${group}' not given: assumed empty`);
      return false;
    }
    return jid !== undefined && members.includes(jid);
  }

  /** `is_admin(jid, host)`; host undefined means server-wide admins. */
  isAdmin(jid: string | undefined, host: string | undefined, assume: Assumptions): boolean {
    const key = host ?? "*";
    const admins = own(this.data.admins, key);
    if (!admins) {
      assume.add(`no admins given for ${key}: assumed none`);
      return false;
    }
    // Server-wide admins are admins of every host.
    return jid !== undefined && (admins.includes(jid) || (host !== undefined && (own(this.data.admins, "*") ?? []).includes(jid)));
  }

  role(jid: string | undefined, assume: Assumptions): string | undefined {
    if (jid === undefined) return undefined;
    const role = own(this.data.roles, jid);
    if (role === undefined) assume.add(`no role given for ${jid}: assumed none`);
    return role;
  }

  isOnline(fullJid: string | undefined, assume: Assumptions): boolean {
    if (!this.data.online) {
      assume.add("no online sessions given: assumed none");
      return false;
    }
    return fullJid !== undefined && this.online!.has(fullJid);
  }

  listItems(name: string): readonly string[] | undefined {
    return own(this.data.lists, name);
  }

  session(id: string): SessionData | undefined {
    return this.sessions?.get(id);
  }

  userMarks(bare: string): Readonly<Record<string, string>> | undefined {
    return own(this.data.userMarks, bare);
  }

  isAccount(jid: string | undefined): boolean {
    return jid !== undefined && this.accounts !== undefined && this.accounts.has(bareJid(jid) ?? "");
  }

  /**
   * Whether the server refuses a stanza whatever its firewall says: addressed to an account of a
   * local host that the world's accounts do not hold (undefined when the world gives no accounts).
   */
  noSuchAccount(jid: string | undefined): boolean {
    const [node, host] = splitJid(jid);
    return this.accounts !== undefined && node !== undefined && this.isLocalHost(host) && !this.isAccount(jid);
  }
}

/** Checks a parsed JSON value against the world schema; returns problems as readable strings. */
export function validateWorld(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["the world must be a JSON object"];
  const v = value as Record<string, unknown>;
  const known = ["hosts", "accounts", "rosters", "pending", "groups", "admins", "roles", "online", "available", "sessions", "userMarks", "lists", "timezone", "start", "config", "$schema", "description"];
  for (const key of Object.keys(v)) {
    if (known.includes(key)) continue;
    const shown = known.filter((k) => !k.startsWith("$"));
    const guess = didYouMean(key, shown);
    problems.push(`unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ""} (known: ${shown.join(", ")})`);
  }
  const stringArray = (key: string, x: unknown): void => {
    if (x !== undefined && (!Array.isArray(x) || x.some((i) => typeof i !== "string"))) problems.push(`'${key}' must be an array of strings`);
  };
  stringArray("hosts", v.hosts);
  stringArray("accounts", v.accounts);
  stringArray("online", v.online);
  stringArray("available", v.available);
  const mapOf = (key: string, x: unknown, check: (k: string, item: unknown) => void): void => {
    if (x === undefined) return;
    if (typeof x !== "object" || x === null || Array.isArray(x)) {
      problems.push(`'${key}' must be an object`);
      return;
    }
    for (const [k, item] of Object.entries(x)) check(`${key}.${k}`, item);
  };
  mapOf("rosters", v.rosters, (k, roster) =>
    mapOf(k, roster, (kk, item) => {
      if (typeof item !== "object" || item === null) problems.push(`'${kk}' must be an object`);
      else {
        const i = item as Record<string, unknown>;
        if (i.subscription !== undefined && !["none", "to", "from", "both"].includes(i.subscription as string)) problems.push(`'${kk}.subscription' must be none, to, from or both`);
        stringArray(`${kk}.groups`, i.groups);
        if (i.ask !== undefined && i.ask !== "subscribe") problems.push(`'${kk}.ask' must be "subscribe"`);
        if (i.approved !== undefined && typeof i.approved !== "boolean") problems.push(`'${kk}.approved' must be true or false`);
      }
    }),
  );
  mapOf("pending", v.pending, stringArray);
  mapOf("groups", v.groups, stringArray);
  mapOf("admins", v.admins, stringArray);
  mapOf("lists", v.lists, stringArray);
  mapOf("roles", v.roles, (k, r) => {
    if (typeof r !== "string") problems.push(`'${k}' must be a string`);
  });
  if (v.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: String(v.timezone) });
    } catch {
      problems.push(`'timezone' is not a known time zone: ${String(v.timezone)}`);
    }
  }
  if (v.start !== undefined && Number.isNaN(Date.parse(String(v.start)))) problems.push(`'start' is not an ISO 8601 time: ${String(v.start)}`);
  return problems;
}
