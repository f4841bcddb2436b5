import { createHash } from "node:crypto";
import { luaMatch, LuaPatternError } from "../lua/string-functions.js";
import type { PfwDefinition } from "../pfw/model.js";
import type { Assumptions, World } from "./world.js";
import { SetOrderCache } from "./set-order-cache.js";
import { bareJid, splitJid } from "./xml.js";

/**
 * The objects behind `%ZONE`, `%RATE`, `%LIST`, `%PATTERN` and `%SEARCH`, built as
 * definitions.lib.lua builds them. Errors are mod_firewall's load errors (the script is not loaded).
 */

// ------------------------------------------------------------------ rates

/** util.throttle: `max` tokens refilled over `period` seconds, starting full. */
export class Throttle {
  private readonly rate: number;
  private balance: number;
  private t: number;

  constructor(
    readonly max: number,
    period: number,
    now: number,
  ) {
    this.rate = max / period;
    this.balance = max;
    this.t = now;
  }

  update(now: number): number {
    const elapsed = now - this.t;
    this.t = now;
    const balance = this.rate * elapsed + this.balance;
    this.balance = balance > this.max ? this.max : balance;
    return this.balance;
  }

  /** As util.throttle: the clock is only read when the stored balance is not enough. */
  poll(cost: number, now: number): boolean {
    if (this.balance >= cost || this.update(now) >= cost) {
      this.balance -= cost;
      return true;
    }
    return false;
  }

  get full(): boolean {
    return this.balance >= this.max;
  }
}

export interface RateDefinition {
  readonly kind: "rate";
  readonly rate: number;
  readonly burst: number;
  readonly entries: number;
  readonly denyWhenFull: boolean;
}

/** `LIMIT: r on KEY`: one throttle per key in a util.cache of `entries` throttles. */
export class MultiThrottle {
  // A key is only ever set once here (when it is new): the cache evicts in order of first use.
  private readonly cache = new SetOrderCache<Throttle>();

  constructor(private readonly def: RateDefinition) {}

  pollOn(key: string, cost: number, now: number, warn: (text: string) => void): boolean {
    let throttle = this.cache.get(key);
    if (!throttle) {
      throttle = new Throttle(this.def.rate * this.def.burst, this.def.burst, now);
      if (this.cache.size >= this.def.entries) {
        const oldest = this.cache.oldest()!.value;
        if (this.def.denyWhenFull) {
          oldest.update(now);
          if (!oldest.full) {
            warn(`Multirate has hit its maximum number of active throttles (${this.def.entries}), denying new events`);
            return false;
          }
        }
        this.cache.deleteOldest();
      }
      this.cache.set(key, throttle);
    }
    return throttle.poll(cost, now);
  }
}

function parseRate(value: string, world: World): RateDefinition {
  const rate = /([\d.]+)/.exec(value)?.[1];
  const r = rate === undefined ? Number.NaN : luaToNumber(rate);
  if (Number.isNaN(r)) throw new Error("Unable to parse rate");
  const burst = /\(\s*burst\s+([\d.]+)\s*\)/.exec(value)?.[1];
  const entries = /\(\s*entries\s+(\d+)\s*\)/.exec(value)?.[1];
  const b = burst !== undefined ? luaToNumber(burst) : Number.NaN;
  return {
    kind: "rate",
    rate: r,
    burst: Number.isNaN(b) ? 1 : b,
    entries: entries !== undefined ? Number(entries) : world.multirateLimit,
    denyWhenFull: !value.includes("(allow overflow)"),
  };
}

/** Lua's tonumber on `[%d.]+` text: NaN where Lua gives nil (`1.2.3`, `.`). */
function luaToNumber(text: string): number {
  return /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
}

// ------------------------------------------------------------------ lists

type Filter = (s: string | undefined) => string | undefined;

const digest = (algorithm: string): Filter => (s) => (s === undefined ? undefined : createHash(algorithm).update(s, "utf8").digest().toString("latin1"));

const filterFunctions: Readonly<Record<string, Filter>> = {
  upper: (s) => s?.toUpperCase(),
  lower: (s) => s?.toLowerCase(),
  md5: digest("md5"),
  sha1: digest("sha1"),
  sha256: digest("sha256"),
  // jid.prep: stringprep; lower-casing and NFKC is what it does to ordinary addresses.
  prep: (s) => s?.normalize("NFKC").toLowerCase(),
  bare: (s) => bareJid(s),
};

export class FirewallList {
  /** The items, in the order util.cache keeps them (adding bumps an item to the newest place). */
  private readonly items: SetOrderCache<true> | undefined;

  constructor(
    readonly name: string,
    readonly backend: "memory" | "file" | "http" | "pubsubitemid",
    private readonly limit: number | undefined,
    initial: readonly string[] | undefined,
    private readonly filter: Filter | undefined,
    private readonly hash: Filter | undefined,
    /** Set when the list's contents come from outside and the world did not give them. */
    readonly unknownContents: string | undefined,
  ) {
    this.items = backend === "pubsubitemid" && initial === undefined ? undefined : new SetOrderCache();
    for (const i of initial ?? []) this.items!.set(i, true);
  }

  add(item: string): void {
    const v = this.filter ? this.filter(item) : item;
    if (this.backend === "http" || v === undefined || !this.items) return;
    // A full list forgets the least recently added item.
    if (this.limit !== undefined && !this.items.has(v) && this.items.size >= this.limit) this.items.deleteOldest();
    this.items.set(v, true);
  }

  contains(item: string | undefined, assume: Assumptions): boolean {
    if (this.unknownContents) assume.add(this.unknownContents);
    let v = this.filter ? this.filter(item) : item;
    if (this.hash) v = this.hash(v);
    return v !== undefined && this.items?.has(v) === true;
  }
}

function parseList(name: string, value: string, world: World): FirewallList {
  const backendWord = /^[A-Za-z0-9]+/.exec(value)?.[0];
  const spec = /^\S+/.exec(value)?.[0] ?? "";
  const opts: Record<string, string> = {};
  const optString = /^\S+\s+\((.+)\)/s.exec(value)?.[1];
  if (optString) for (const m of optString.matchAll(/([A-Za-z0-9]+): ?([^,]+)/g)) opts[m[1]!] = m[2]!;
  const backend = backendWord === "https" ? "http" : backendWord;
  if (backend !== "memory" && backend !== "file" && backend !== "http" && backend !== "pubsubitemid") throw new Error(`Unknown list type '${backendWord ?? ""}'`);
  let limit: number | undefined;
  let hash: Filter | undefined;
  if (backend === "memory" && opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!Number.isFinite(limit)) throw new Error("Invalid list limit");
  }
  if (backend === "http") {
    if (!Number.isFinite(Number(opts.ttl ?? "3600"))) throw new Error(`invalid ttl for <${spec}> (expected number of seconds)`);
    if (opts.pattern !== undefined && emptyMatchError(opts.pattern) !== undefined) throw new Error(`invalid pattern for <${spec}>`);
    if (opts.hash !== undefined) {
      const h = filterFunctions[opts.hash];
      if (!/^[A-Za-z0-9]+$/.test(opts.hash) || !["md5", "sha1", "sha256"].includes(opts.hash) || !h) throw new Error(`invalid hash function: ${opts.hash}`);
      hash = h;
    }
  }
  let filter: Filter | undefined;
  if (opts.filter !== undefined) {
    const filters: Filter[] = [];
    for (const f of opts.filter.match(/[A-Za-z0-9_]+/g) ?? []) {
      if (f === "log") filters.push((s) => s);
      else {
        const fn = filterFunctions[f];
        if (!fn) throw new Error(`Unknown list filter: ${f}`);
        filters.push(fn);
      }
    }
    filter = filters.length === 1 ? filters[0] : (s) => filters.reduce<string | undefined>((acc, fn) => fn(acc ?? ""), s);
  }
  // The world gives the items themselves (as the file's lines, or as the URL's pattern would extract them).
  const given = world.listItems(name);
  const initial = given;
  let unknown: string | undefined;
  if (given === undefined && backend !== "memory") {
    unknown = `contents of list '${name}' (${spec}) not given in the world: assumed ${backend === "http" ? "not fetched yet (empty)" : "empty"}`;
  }
  return new FirewallList(name, backend, limit, initial, filter, hash, unknown);
}

/** mod_firewall validates patterns with `pcall(string.match, "", pattern)`: only faults reached on an empty subject count. */
function emptyMatchError(pattern: string): string | undefined {
  try {
    luaMatch("", pattern);
    return undefined;
  } catch (e) {
    if (e instanceof LuaPatternError) return e.message;
    throw e;
  }
}

// ------------------------------------------------------------------ all definitions of a host

export class Definitions {
  readonly zones = new Map<string, Set<string>>();
  readonly rates = new Map<string, RateDefinition>();
  readonly lists = new Map<string, FirewallList>();
  readonly patterns = new Map<string, string>();
  readonly searches = new Map<string, string>();

  constructor(private readonly world: World) {}

  /** Applies one definition (a later one of the same type and name replaces the earlier). Throws mod_firewall's load error. */
  define(def: PfwDefinition): void {
    switch (def.type) {
      case "ZONE":
        this.zones.set(def.name, new Set(def.value.match(/[^, ]+/g) ?? []));
        return;
      case "RATE":
        this.rates.set(def.name, parseRate(def.value, this.world));
        return;
      case "LIST":
        this.lists.set(def.name, parseList(def.name, def.value, this.world));
        return;
      case "PATTERN": {
        const error = emptyMatchError(def.value);
        if (error !== undefined) throw new Error(`Invalid pattern '${def.name}': ${error}`);
        this.patterns.set(def.name, def.value);
        return;
      }
      case "SEARCH":
        this.searches.set(def.name, def.value);
        return;
    }
  }

  /**
   * Whether a JID is in a zone, as mod_firewall asks: its host, the JID itself, or its bare JID is
   * a member. `$local` is this server's hosts; a `%ZONE` is looked up when asked (a later script
   * may redefine it); an undefined zone is empty. Zones normally list host names only: then a
   * JID with `@` or `/` cannot be a member itself, and only its host is looked up.
   */
  jidInZone(name: string, jid: string | undefined): boolean {
    const members = name === "$local" ? this.world.hosts : this.zones.get(name);
    if (jid === undefined || members === undefined) return false;
    if (members.has(splitJid(jid)[1]!)) return true;
    if (!this.holdsJids(members)) return false;
    return members.has(jid) || members.has(bareJid(jid)!);
  }

  private readonly jidMembers = new WeakMap<ReadonlySet<string>, boolean>();

  private holdsJids(members: ReadonlySet<string>): boolean {
    let holds = this.jidMembers.get(members);
    if (holds === undefined) {
      holds = [...members].some((m) => m === "" || m.includes("@") || m.includes("/"));
      this.jidMembers.set(members, holds);
    }
    return holds;
  }
}
