import { stanzaExpressions } from "./read-expressions.js";

/**
 * The helper locals mod_firewall's code generator declares in a chain's Lua before the first rule
 * that needs each (`include_dep` in mod_firewall.lua), as far as they decide whether the next
 * statement can be read into the line before it: a rule without conditions is emitted as its bare
 * action lines right after the locals it introduces, and LOG's statement starts with `(`. Three of
 * those locals end in a call without a `;` (`local bare_from = jid_bare(from)`, `bare_to`, and a
 * search path's `tostring(…)`); after one of them, a LOG raises for every stanza.
 *
 * Only locals matter here; helpers that live in the chain's header (`jid_bare`, lists, rates) are
 * left out. The tables follow the Debian snapshot's conditions.lib.lua and actions.lib.lua.
 */

/** A local's own dependencies, declared before it. */
const depends: Readonly<Record<string, readonly string[]>> = {
  split_to: ["to"],
  split_from: ["from"],
  bare_to: ["to"],
  bare_from: ["from"],
  roster_entry: ["split_to", "bare_from"],
  time: ["date_time"],
};

const locals = new Set(["to", "from", "type", "name", "split_to", "split_from", "bare_to", "bare_from", "date_time", "time", "timestamp", "roster_entry", "search", "pattern", "tokens"]);

/** Whether a local's declaration ends in a call without a `;`. */
export function endsOpen(dep: string): boolean {
  const base = dep.split(":")[0]!;
  return base === "bare_to" || base === "bare_from" || base === "search";
}

/** What `meta` adds for the `$<…>` expressions of a text, in order (only where mod_firewall collects them). */
function expressionDeps(text: string | undefined): string[] {
  const out: string[] = [];
  for (const { path, functions } of stanzaExpressions(text ?? "")) {
    const attr = path.slice(1);
    if (!path.startsWith("@") || (attr !== "to" && attr !== "from" && attr !== "type")) continue;
    out.push(attr);
    const first = functions[0];
    if (attr === "type" || first === undefined) continue;
    if (first === "bare") out.push(`bare_${attr}`);
    else if (first === "node" || first === "host" || first === "resource") out.push(`split_${attr}`);
  }
  return out;
}

/** The locals a condition line asks for, in mod_firewall's order. */
export function conditionDeps(name: string, argument: string | undefined): string[] {
  const arg = argument ?? "";
  switch (name) {
    case "KIND":
      return ["name"];
    case "TYPE":
      return ["type", "name"];
    case "TO":
      return ["split_to"];
    case "FROM":
      return ["split_from"];
    case "FROM EXACTLY":
      return ["from", ...expressionDeps(arg)];
    case "TO EXACTLY":
      return ["to", ...expressionDeps(arg)];
    case "ENTERING":
    case "LEAVING":
      return ["split_to", "split_from", "bare_to", "bare_from"];
    case "IN ROSTER":
    case "IN ROSTER GROUP":
      return ["roster_entry"];
    case "SUBSCRIBED":
    case "PENDING SUBSCRIPTION FROM SENDER":
      return ["split_to", "bare_to", "bare_from"];
    case "INSPECT": {
      const m = /^(.*?)([~/$]*)=/.exec(arg);
      return m && m[2]!.includes("$") ? expressionDeps(arg.slice(m[0].length)) : [];
    }
    case "FROM GROUP":
    case "FROM ADMIN OF":
    case "FROM ADMIN":
    case "FROM ROLE":
      return ["bare_from"];
    case "TO GROUP":
    case "TO ADMIN OF":
    case "TO ADMIN":
    case "TO ROLE":
      return ["bare_to"];
    case "CROSSING GROUPS":
      return ["bare_to", "bare_from"];
    case "DAY":
      return ["time:day"];
    case "TIME":
      return ["time:hour,min"];
    case "LIMIT":
    case "CHECK LIST":
      return expressionDeps(arg);
    case "ORIGIN MARKED":
    case "USER MARKED":
      return /\(\d+s\)\s*$/.test(arg) ? ["timestamp"] : [];
    case "SENT DIRECTED PRESENCE TO SENDER":
      return ["from"];
    case "TO FULL JID":
      return ["to"];
    case "SCAN": {
      const m = /^(\S+) for (\S+) in /.exec(arg);
      return m ? [`search:${m[1]}`, `pattern:${m[2]}`, `tokens:${m[1]}-${m[2]}`] : [];
    }
    case "COUNT": {
      const m = /^(\S+) in (\S+) /.exec(arg);
      return m ? [`search:${m[2]}`, `pattern:${m[1]}`] : [];
    }
    default:
      return [];
  }
}

/** The locals an action line asks for, in mod_firewall's order. */
export function actionDeps(name: string, argument: string | undefined): string[] {
  switch (name) {
    case "LOG":
      return expressionDeps(argument);
    case "ADD TO":
      return expressionDeps(argument?.replace(/^\S+ /, ""));
    case "BOUNCE":
      return ["type", "name"];
    case "MARK ORIGIN":
    case "MARK USER":
    case "UNMARK USER":
      return ["timestamp"];
    case "UNSUBSCRIBE SENDER":
      return ["split_to", "bare_to", "bare_from"];
    case "RULEDEP":
      return argument !== undefined ? [argument] : [];
    default:
      return [];
  }
}

/**
 * Declares `dep` (its own dependencies first) unless the chain has it already; returns the locals
 * newly declared, in order, as `include_dep` emits them.
 */
export function include(dep: string, included: Set<string>): string[] {
  if (included.has(dep)) return [];
  included.add(dep);
  const base = dep.split(":")[0]!;
  const before = base === "tokens" ? [] : (depends[base] ?? []);
  const out: string[] = [];
  for (const d of before) out.push(...include(d, included));
  if (base === "tokens") {
    const [search, pattern] = dep.slice("tokens:".length).split("-");
    out.push(...include(`search:${search}`, included), ...include(`pattern:${pattern}`, included));
  }
  if (locals.has(base)) out.push(dep);
  return out;
}
