import { luaFind, luaGmatch, luaMatch, LuaPatternError } from "../lua/string-functions.js";
import type { TargetVersion } from "../vocab/targets.js";
import { CannotSimulate, compileError, FirewallRuntimeError, helperFrom, helperTo, sessionOf, splitFrom, splitTo, type EventContext } from "./context.js";
import { MultiThrottle, Throttle, type Definitions } from "./definitions.js";
import { codeChainError, evaluateTemplate, parseTemplate, type Template } from "./template.js";
import { bareJid, splitJid } from "./xml.js";

/**
 * mod_firewall's conditions as evaluators. `compileCondition` does what the condition handler
 * and code generator do at load time (and throws their errors); the evaluator does what the
 * generated Lua does for one stanza.
 */

/** Per chain handler state: mod_firewall creates rate limiter instances per generated handler. */
export interface HandlerState {
  readonly throttles: Map<string, Throttle>;
  readonly multiThrottles: Map<string, MultiThrottle>;
}

export interface ConditionEnv {
  readonly definitions: Definitions;
  readonly target: TargetVersion;
}

export type Evaluator = (ctx: EventContext, handler: HandlerState) => boolean;

export interface CompiledCondition {
  /** Identity of the generated code (for hoisting): same name and argument. */
  readonly key: string;
  readonly evaluate: Evaluator;
  /** Tier-2 problems (unknown rate, list …) are load errors too; tier-3 ones disable only the chain. */
  readonly chainError?: string;
}

const dayNumbers012: Readonly<Record<string, number>> = { sun: 0, mon: 2, tue: 3, wed: 4, thu: 5, fri: 6, sat: 7 };
const dayNumbers13: Readonly<Record<string, number>> = { sun: 1, mon: 2, tue: 3, wed: 4, thu: 5, fri: 6, sat: 7 };

function required(arg: string | undefined, message: string): string {
  if (arg === undefined) throw new Error(message);
  return arg;
}

/** `[^%s,|]+` items of KIND and TYPE. */
function comparisonList(values: string): string[] {
  return values.match(/[^\s,|]+/g) ?? [];
}

/** One part of a TO/FROM pattern, as compile_jid_match_part builds it. */
function jidPart(match: string | undefined): (value: string | undefined) => boolean {
  if (match === undefined) return (v) => v === undefined;
  const inner = /^<(.*)>$/s.exec(match)?.[1];
  if (inner === undefined) return (v) => v === match;
  if (inner === "*") return (v) => v !== undefined;
  let pattern: string;
  const luaPattern = /^<(.*)>$/s.exec(inner)?.[1];
  if (luaPattern !== undefined) pattern = luaPattern;
  else {
    // Escape every punctuation character, then turn %* into .* and %? into . (a glob).
    pattern = inner.replace(/[!-/:-@[-`{-~]/g, (c) => `%${c}`).replace(/%([!-/:-@[-`{-~])/g, (whole, c: string) => (c === "*" ? ".*" : c === "?" ? "." : whole));
  }
  const anchored = `^${pattern}$`;
  return (v) => {
    if (v === undefined) return false;
    try {
      return luaFind(v, anchored) !== undefined;
    } catch (e) {
      if (e instanceof LuaPatternError) throw new FirewallRuntimeError(`malformed pattern in JID match: ${e.message}`);
      throw e;
    }
  };
}

function jidMatcher(which: "to" | "from", arg: string | undefined): Evaluator {
  const [node, host, resource] = splitJid(arg);
  const parts = [jidPart(node), jidPart(host), ...(resource !== undefined ? [jidPart(resource)] : [])];
  return (ctx) => {
    const split = which === "to" ? splitTo(ctx) : splitFrom(ctx);
    return parts.every((p, i) => p(split[i]));
  };
}

/** mod_groups raises for a group its file does not define (the world lists every group when it gives `groups`). */
function inGroup(ctx: EventContext, group: string, jid: string | undefined): boolean {
  const r = ctx.world.groupContains(group, jid, ctx.assume);
  if (r === undefined) throw new FirewallRuntimeError(`attempt to index a nil value: mod_groups has no group '${group}'`);
  return r;
}

function rosterEntry(ctx: EventContext) {
  const [toNode, toHost] = splitTo(ctx);
  if (toNode === undefined || toHost === undefined) return undefined;
  if (!ctx.world.isLocalHost(toHost)) ctx.assume.add(`roster of ${toNode}@${toHost} looked up although the recipient is not local: assumed empty`);
  return ctx.world.rosterItem(bareTo(ctx)!, bareJid(helperFrom(ctx)), ctx.assume);
}

function bareTo(ctx: EventContext): string | undefined {
  return bareJid(helperTo(ctx));
}

function bareFrom(ctx: EventContext): string | undefined {
  return bareJid(helperFrom(ctx));
}

/** The local date and time of the event in the server's time zone (`os.date("*t")`). */
function localTime(ctx: EventContext): { day: number; hour: number; min: number } {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: ctx.world.timezone, day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23" }).formatToParts(new Date(ctx.now * 1000));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { day: get("day"), hour: get("hour"), min: get("minute") };
}

function markSpec(arg: string | undefined): { name: string; seconds: number | undefined } {
  const a = required(arg, "attempt to index a nil value (local 'name_and_time')");
  const timed = /^\s*([A-Za-z0-9_]+)\s+\(([^)]+)s\)\s*$/.exec(a);
  const name = timed?.[1] ?? /^\s*([A-Za-z0-9_]+)\s*$/.exec(a)?.[1];
  if (name === undefined) throw new Error("Error parsing mark name, see documentation for usage examples");
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error("attempt to concatenate a nil value");
  let seconds: number | undefined;
  if (timed) {
    seconds = Number(timed[2]);
    if (!/^\s*\d+\s*$/.test(timed[2]!)) throw new Error("bad argument #2 to 'format' (number expected)");
  }
  return { name, seconds };
}

function patternOf(defs: Definitions, name: string): string {
  const p = defs.patterns.get(name);
  if (p === undefined) throw new Error(`Undefined pattern: ${name}`);
  return p;
}

function searchOf(defs: Definitions, name: string): string {
  const s = defs.searches.get(name);
  if (s === undefined) throw new Error(`Undefined search path: ${name}`);
  return s;
}

function listOf(defs: Definitions, name: string) {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid list name: ${name}`);
  const list = defs.lists.get(name);
  if (!list) throw new Error(defs.lists.size === 0 ? "attempt to index a nil value (field 'LIST')" : `Unknown list: ${name}`);
  return list;
}

function searchText(ctx: EventContext, path: string): string {
  const found = ctx.stanza.find(path);
  return found === undefined ? "" : found.toString();
}

function patternRuntime<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LuaPatternError) throw new FirewallRuntimeError(`malformed pattern: ${e.message}`);
    throw e;
  }
}

/** Compiles one condition (name with spaces, argument as read). Throws mod_firewall's load error. */
export function compileCondition(name: string, argument: string | undefined, env: ConditionEnv): CompiledCondition {
  const arg = argument === "" ? undefined : argument;
  const key = `${name}\u0000${arg ?? ""}`;
  const defs = env.definitions;
  const ok = (evaluate: Evaluator, chainError?: string): CompiledCondition => (chainError ? { key, evaluate, chainError } : { key, evaluate });
  switch (name) {
    case "KIND": {
      const kinds = comparisonList(required(arg, "Expected stanza kind to match against"));
      return ok((ctx) => kinds.includes(ctx.stanza.name), kinds.length === 0 ? compileError("KIND without any value generates invalid Lua") : undefined);
    }
    case "TYPE": {
      const types = comparisonList(required(arg, "Expected 'type' value to match against"));
      return ok((ctx) => {
        const s = ctx.stanza;
        const t = s.attr.type ?? (s.name === "message" ? "normal" : s.name === "presence" ? "available" : undefined);
        return t !== undefined && types.includes(t);
      }, types.length === 0 ? compileError("TYPE without any value generates invalid Lua") : undefined);
    }
    case "TO":
      return ok(jidMatcher("to", arg));
    case "FROM":
      return ok(jidMatcher("from", arg));
    case "TO EXACTLY":
    case "FROM EXACTLY": {
      const text = required(arg, "bad argument #1 to 'format' (string expected, got nil)");
      const template = parseTemplate(text, name);
      const which = name === "TO EXACTLY" ? helperTo : helperFrom;
      return ok((ctx) => which(ctx) === evaluateTemplate(template, ctx), codeChainError(text, name));
    }
    case "TO SELF":
      return ok((ctx) => ctx.stanza.attr.to === undefined);
    case "TO FULL JID":
      return ok((ctx) => ctx.world.isOnline(helperTo(ctx), ctx.assume));
    case "FROM FULL JID":
      // Compiles to `not from_resource == nil`: never true.
      return ok(() => false);
    case "ENTERING":
    case "LEAVING": {
      const zoneName = required(arg, "attempt to index a nil value");
      if (zoneName !== "$local" && !/^[A-Za-z][A-Za-z0-9_]*$/.test(zoneName)) throw new Error(`Invalid zone name: ${zoneName}`);
      const inside = name === "ENTERING" ? "to" : "from";
      // A world without hosts: the host handling the event is local (routing assumes the same).
      const side = (ctx: EventContext, full: string | undefined): boolean => {
        if (zoneName === "$local" && ctx.world.hosts.size === 0) {
          const host = splitJid(full)[1];
          const local = host === ctx.host || full === ctx.host || bareJid(full) === ctx.host;
          if (local) ctx.assume.add(`no local hosts given in the world: assumed ${ctx.host} is local`);
          return local;
        }
        return defs.jidInZone(zoneName, full);
      };
      return ok((ctx) => (inside === "to" ? side(ctx, helperTo(ctx)) && !side(ctx, helperFrom(ctx)) : side(ctx, helperFrom(ctx)) && !side(ctx, helperTo(ctx))));
    }
    case "IN ROSTER": {
      const want = (arg ?? "yes").toLowerCase();
      const requirement = want === "yes" || want === "true";
      return ok((ctx) => (rosterEntry(ctx) !== undefined) === requirement);
    }
    case "IN ROSTER GROUP": {
      const group = arg ?? "";
      return ok((ctx) => rosterEntry(ctx)?.groups?.includes(group) ?? false);
    }
    case "SUBSCRIBED":
      return ok((ctx) => {
        if (bareTo(ctx) === bareFrom(ctx)) return true;
        const [toNode, toHost] = splitTo(ctx);
        if (toNode === undefined || toHost === undefined) return false;
        const item = ctx.world.rosterItem(bareTo(ctx)!, bareFrom(ctx), ctx.assume);
        const s = item?.subscription ?? "none";
        // Debian's snapshot asks "does the sender receive the recipient's presence"; newer versions the reverse.
        return env.target === "13" ? s === "to" || s === "both" : s === "from" || s === "both";
      });
    case "PENDING SUBSCRIPTION FROM SENDER":
      return ok((ctx) => {
        if (bareTo(ctx) === bareFrom(ctx)) return true;
        const [toNode, toHost] = splitTo(ctx);
        if (toNode === undefined || toHost === undefined) return false;
        return ctx.world.pendingIn(bareTo(ctx)!, bareFrom(ctx), ctx.assume);
      });
    case "SENT DIRECTED PRESENCE TO SENDER":
      return ok((ctx) => {
        const from = helperFrom(ctx);
        return from !== undefined && sessionOf(ctx).directed.has(from);
      });
    case "PAYLOAD": {
      const ns = required(arg, "bad argument #2 to 'format' (string expected, got nil)");
      return ok((ctx) => ctx.stanza.getChild(undefined, ns) !== undefined);
    }
    case "INSPECT":
      const path = required(arg, "attempt to index a nil value (local 'path')");
      const comparison = /^(.*?)([~/$]*)=(.*)$/s.exec(path);
      return ok(compileInspect(path), comparison?.[2]!.includes("$") ? codeChainError(comparison[3]!, "INSPECT") : undefined);
    case "FROM GROUP":
    case "TO GROUP": {
      const group = arg ?? "";
      const who = name === "FROM GROUP" ? bareFrom : bareTo;
      return ok((ctx) => inGroup(ctx, group, who(ctx)));
    }
    case "CROSSING GROUPS": {
      const groups = [...required(arg, "attempt to index a nil value").matchAll(/([^, ][^,]+)/g)].map((m) => m[1]!.trim());
      // No group: the generated condition has no operand (the chain's Lua does not compile).
      if (groups.length === 0) return ok(() => false, compileError("CROSSING GROUPS with no group name generates invalid Lua"));
      // `not G1 or G2 or …`: the generated code negates only the first group (operator precedence).
      return ok((ctx) => {
        const both = (g: string): boolean => inGroup(ctx, g, bareTo(ctx)) && inGroup(ctx, g, bareFrom(ctx));
        return !both(groups[0]!) || groups.slice(1).some(both);
      });
    }
    case "FROM ADMIN":
    case "TO ADMIN":
    case "FROM ADMIN OF":
    case "TO ADMIN OF": {
      if (env.target === "13") throw new Error(`Unknown condition: ${name}`);
      const who = name.startsWith("FROM") ? bareFrom : bareTo;
      if (!name.endsWith(" OF")) return ok((ctx) => ctx.world.isAdmin(who(ctx), ctx.host, ctx.assume));
      const host = required(arg, "bad argument #1 to 'format'");
      const site = name === "FROM ADMIN OF" ? "FROM ADMIN OF" : "TO ADMIN OF";
      const template = host === "*" ? undefined : parseTemplate(host, site);
      return ok((ctx) => ctx.world.isAdmin(who(ctx), template ? evaluateTemplate(template, ctx) : undefined, ctx.assume), host === "*" ? undefined : codeChainError(host, site));
    }
    case "MAY":
      return ok(() => {
        if (env.target === "0.12") throw new FirewallRuntimeError("attempt to call a nil value (method 'may')");
        throw new CannotSimulate("MAY asks Prosody 13's role and permission system, which the simulator does not model");
      });
    case "TO ROLE":
    case "FROM ROLE": {
      const role = arg;
      const who = name === "FROM ROLE" ? bareFrom : bareTo;
      return ok((ctx) => {
        if (env.target === "0.12") throw new FirewallRuntimeError("attempt to call a nil value (global 'get_jid_role')");
        return ctx.world.role(who(ctx), ctx.assume) === role;
      });
    }
    case "DAY":
      return ok(compileDay(required(arg, "attempt to index a nil value (local 'days')"), env.target));
    case "TIME":
      return ok(compileTime(required(arg, "attempt to index a nil value (local 'ranges')")));
    case "LIMIT":
      return compileLimit(key, required(arg, "attempt to index a nil value (local 'spec')"), defs);
    case "ORIGIN MARKED": {
      const { name: mark, seconds } = markSpec(arg);
      return ok((ctx) => {
        const at = sessionOf(ctx).marks.get(mark);
        if (seconds === undefined) return at !== undefined;
        return ctx.now - (at ?? 0) < seconds;
      });
    }
    case "USER MARKED": {
      const { name: mark, seconds } = markSpec(arg);
      return ok((ctx) => {
        const table = sessionOf(ctx).userMarks;
        const at = table?.get(mark);
        if (seconds === undefined) return at !== undefined;
        return ctx.now - (at ?? 0) < seconds;
      });
    }
    case "CHECK LIST": {
      const m = /(\S+) contains (.+)$/s.exec(required(arg, "attempt to index a nil value"));
      if (!m) throw new Error("Error parsing list check, syntax: LISTNAME contains EXPRESSION");
      const template = parseTemplate(m[2]!, "CHECK LIST");
      const list = listOf(defs, m[1]!);
      return ok((ctx) => list.contains(evaluateTemplate(template, ctx), ctx.assume), codeChainError(m[2]!, "CHECK LIST"));
    }
    case "SCAN": {
      const m = /(\S+) for (\S+) in (\S+)$/s.exec(required(arg, "attempt to index a nil value"));
      if (!m) throw new Error("Error parsing SCAN expression, syntax: SEARCH for PATTERN in LIST");
      const list = listOf(defs, m[3]!);
      const search = searchOf(defs, m[1]!);
      const pattern = patternOf(defs, m[2]!);
      return ok((ctx) =>
        patternRuntime(() => {
          for (const caps of luaGmatch(searchText(ctx, search), pattern)) if (list.contains(String(caps[0]), ctx.assume)) return true;
          return false;
        }),
      );
    }
    case "COUNT":
      return compileCount(key, required(arg, "attempt to index a nil value"), defs);
    case "FROM COUNTRY":
    case "FROM IP":
    case "FROM SUBNET":
      if (env.target === "0.12") throw new Error(`Unknown condition: ${name}`);
      return ok(() => {
        throw new CannotSimulate(`${name} looks at the client's IP address, which the simulator does not model`);
      });
  }
  throw new Error(`Unknown condition: ${name}`);
}

function compileInspect(path: string): Evaluator {
  if (!path.includes("=")) return (ctx) => ctx.stanza.find(path) !== undefined;
  const m = /^(.*?)([~/$]*)=(.*)$/s.exec(path)!;
  const query = m[1]!;
  let matchType = m[2]!;
  const value = m[3]!;
  if (!/#$/.test(query) && !/@[^/]+/.test(query)) throw new Error("Stanza path does not return a string (append # for text content or @name for value of named attribute)");
  let template: Template = [{ kind: "text", text: value }];
  if (matchType.includes("$")) {
    matchType = matchType.replace(/\$/g, "");
    template = parseTemplate(value, "INSPECT");
  }
  const found = (ctx: EventContext): string | undefined => {
    const f = ctx.stanza.find(query);
    return f === undefined ? undefined : f.toString();
  };
  switch (matchType) {
    case "~":
      return (ctx) => patternRuntime(() => luaMatch(found(ctx) ?? "", evaluateTemplate(template, ctx)) !== undefined);
    case "/":
      return (ctx) => (found(ctx) ?? "").includes(evaluateTemplate(template, ctx));
    case "":
      return (ctx) => found(ctx) === evaluateTemplate(template, ctx);
  }
  throw new Error(`Unrecognised comparison '${matchType}='`);
}

function compileDay(days: string, target: TargetVersion): Evaluator {
  const numbers = target === "13" ? dayNumbers13 : dayNumbers012;
  const resolve = (d: string): number => {
    const n = numbers[d.slice(0, 3).toLowerCase()];
    if (n === undefined) throw new Error(`Unknown day name: ${d}`);
    return n;
  };
  const tests: ((day: number) => boolean)[] = [];
  for (const range of days.match(/[^,]+/g) ?? []) {
    const r = /([A-Za-z]+)\s*-\s*([A-Za-z]+)/.exec(range);
    if (r) {
      const start = resolve(r[1]!);
      const end = resolve(r[2]!);
      tests.push(end < start ? (d) => d >= start || d <= end : (d) => d >= start && d <= end);
    } else if (/[A-Za-z]/.test(range)) {
      const day = resolve(/[A-Za-z]+/.exec(range)![0]);
      tests.push((d) => d === day);
    } else throw new Error(`Unable to parse day/day range: ${range}`);
  }
  if (tests.length === 0) throw new Error("Expected a list of days or day ranges");
  // mod_firewall compares with the day of the month (os.date("*t").day), not the weekday.
  return (ctx) => {
    const { day } = localTime(ctx);
    return tests.some((t) => t(day));
  };
}

function compileTime(ranges: string): Evaluator {
  const clauses: ((h: number, m: number) => boolean)[] = [];
  for (const raw of ranges.match(/[^,]+/g) ?? []) {
    const range = raw
      .toLowerCase()
      .replace(/(\d+):?(\d*) *am/g, (_, h: string, m: string) => `${Number(h) % 12}:${m === "" ? "00" : Number(m)}`)
      .replace(/(\d+):?(\d*) *pm/g, (_, h: string, m: string) => `${(Number(h) % 12) + 12}:${m === "" ? "00" : Number(m)}`);
    const start = /(\d+):(\d+) *-/.exec(range);
    const end = /- *(\d+):(\d+)/.exec(range);
    if (!start || !end) throw new Error("attempt to compare nil with number");
    const sh = Number(start[1]);
    const sm = Number(start[2]);
    const eh = Number(end[1]);
    const em = Number(end[2]);
    const or = sh > eh;
    // The generated code refers to an undefined `current_minute` when a boundary has minutes:
    // comparing it raises, but only when the hour test before it lets the comparison run.
    const check = (op: ">" | "<", hour: number, minute: number) => (h: number): boolean => {
      const adjusted = op === "<" ? h < hour : h >= hour;
      if (minute === 0) return adjusted;
      if (op === ">" ? h > hour : h < hour) return true;
      if (h === hour) throw new FirewallRuntimeError("attempt to compare number with nil (TIME with minutes)");
      return false;
    };
    const a = check(">", sh, sm);
    const b = check("<", eh, em);
    clauses.push((h) => (or ? a(h) || b(h) : a(h) && b(h)));
  }
  return (ctx) => {
    const { hour, min } = localTime(ctx);
    return clauses.some((c) => c(hour, min));
  };
}

function compileLimit(key: string, spec: string, defs: Definitions): CompiledCondition {
  const withKey = /^([A-Za-z0-9]+) on (.+)$/s.exec(spec);
  const name = withKey?.[1] ?? /^[A-Za-z0-9]+$/.exec(spec)?.[0];
  if (name === undefined) throw new Error("Unable to parse LIMIT specification");
  const param = withKey ? parseTemplate(withKey[2]!, "LIMIT") : undefined;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid rate limit name: ${name}`);
  const def = defs.rates.get(name);
  if (!def) throw new Error(`Unknown rate limit: ${name}`);
  const chainError = withKey ? codeChainError(withKey[2]!, "LIMIT") : undefined;
  return {
    key,
    ...(chainError ? { chainError } : {}),
    evaluate: (ctx, handler) => {
      if (!param) {
        let t = handler.throttles.get(name);
        if (!t) {
          t = new Throttle(def.rate * def.burst, def.burst, ctx.now);
          handler.throttles.set(name, t);
        }
        return !t.poll(1, ctx.now);
      }
      let m = handler.multiThrottles.get(name);
      if (!m) {
        m = new MultiThrottle(def);
        handler.multiThrottles.set(name, m);
      }
      return !m.pollOn(evaluateTemplate(param, ctx), 1, ctx.now, (text) => ctx.logs.push(`warn: ${text.replace("Multirate", `Multirate '${name}'`)}`));
    },
  };
}

function compileCount(key: string, expression: string, defs: Definitions): CompiledCondition {
  const m = /(\S+) in (\S+) (.+)$/s.exec(expression);
  if (!m) throw new Error("Error parsing COUNT expression, syntax: PATTERN in SEARCH COMPARATOR");
  let value: number | undefined;
  const rest = m[3]!.replace(/\d+/g, (digits) => {
    value = Number(digits);
    return "";
  });
  if (value === undefined) throw new Error("Error parsing COUNT expression, expected value");
  const op = rest.replace(/\s+/g, "");
  if (![">", "<", "=", "==", "<=", ">="].includes(op)) throw new Error(`Error parsing COUNT expression, unknown comparison operator: ${op}`);
  const search = searchOf(defs, m[2]!);
  const pattern = patternOf(defs, m[1]!);
  const n = value;
  const compare = (count: number): boolean => (op === ">" ? count > n : op === "<" ? count < n : op === "<=" ? count <= n : op === ">=" ? count >= n : count === n);
  const evaluate: Evaluator = (ctx) => patternRuntime(() => compare([...luaGmatch(searchText(ctx, search), pattern)].length));
  // `COUNT … = N` generates `x = N` inside an `if`: invalid Lua, the whole chain is not loaded.
  return op === "=" ? { key, evaluate, chainError: compileError("COUNT with '=' generates invalid Lua") } : { key, evaluate };
}
