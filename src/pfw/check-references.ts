import { didYouMean } from "../diag/did-you-mean.js";
import { wordList } from "../diag/word-list.js";
import { idsafe } from "./lua-text.js";
import type { ReadContext, Use } from "./read-context.js";

/**
 * The checks that need the whole file, run once every line is read: the names the generated
 * code looks up (lists, rates, searches, patterns, zones) and the chains JUMP CHAIN jumps to.
 */

/** SFW507 (or SFW519 for a zone) for a name looked up but not defined or invalid, SFW522 for a jump to no chain, SFW523 for a rate tested in several chains. */
export function checkReferences(cx: ReadContext): void {
  const defined = (kind: Use["kind"], name: string): boolean => cx.definitions.some((d) => d.type === kind && d.name === name);
  const what: Record<Use["kind"], string> = { LIST: "list", RATE: "rate limit", SEARCH: "search path", PATTERN: "pattern", ZONE: "zone" };
  for (const u of cx.uses) {
    const names = cx.definitions.filter((d) => d.type === u.kind).map((d) => d.name);
    const guess = didYouMean(u.name, names);
    const hint = guess ? `did you mean '${guess}'?` : `define it in this file: %${u.kind} ${idsafe(u.name) ? u.name : "name"}: …`;
    if ((u.kind === "LIST" || u.kind === "RATE" || u.kind === "ZONE") && !idsafe(u.name)) {
      cx.report("SFW507", u.span, { message: `invalid ${what[u.kind]} name: ${u.name}` }, { hint: "names start with a letter and contain only letters, digits and _" });
    } else if (!defined(u.kind, u.name)) {
      if (u.kind === "ZONE") cx.report("SFW519", u.span, { message: `zone '${u.name}' is not defined in this file: it is empty unless another script defines it, and never matches` }, { hint });
      else cx.report("SFW507", u.span, { message: `${u.kind === "SEARCH" || u.kind === "PATTERN" ? "undefined" : "unknown"} ${what[u.kind]}: ${u.name}` }, { hint });
    }
  }
  // One rate in several chains: each chain's handler makes buckets of its own.
  const chainsOf = new Map<string, Map<string, ReadContext["rateTests"][number]>>();
  for (const t of cx.rateTests) {
    if (!defined("RATE", t.rate)) continue;
    let chains = chainsOf.get(t.rate);
    if (!chains) chainsOf.set(t.rate, (chains = new Map()));
    if (!chains.has(t.chain)) chains.set(t.chain, t);
  }
  for (const [rate, chains] of chainsOf) {
    if (chains.size < 2) continue;
    const tests = [...chains.values()];
    cx.report("SFW523", tests[1]!.span, { rate, chains: wordList(tests.map((t) => `'${t.chain}'`), "and") }, { hint: "to share one allowance, test the rate in one chain (user/…) that the others jump to; to keep them apart, define a rate per chain" });
  }
  for (const j of cx.jumps) {
    if (cx.chainOrder.has(j.name)) continue;
    const guess = didYouMean(j.name, [...cx.chainOrder.keys()]);
    cx.report("SFW522", j.span, { name: j.name }, { hint: guess ? `did you mean '${guess}'?` : `define it with '::${j.name}'` });
  }
}
