import { createTwoFilesPatch } from "diff";
import type { ScriptSource, SimResult, Verdict } from "../sim/engine.js";
import { allGenerated, Simulator } from "../sim/engine.js";
import { eventOf, ReplayClock, stanzaAsSeen } from "../sim/replay.js";
import type { TrafficItem, TrafficProblem, TrafficStanza } from "../sim/traffic.js";
import type { World } from "../sim/world.js";
import type { TargetVersion } from "../vocab/targets.js";
import { baseRuleName, ruleLabel } from "../sim/rule-names.js";
import { describeResult } from "./run-tests.js";

/** One side of a comparison: the rule set and the `.pfw` text that is simulated. */
export interface DiffSide {
  readonly label: string;
  readonly sources: readonly ScriptSource[];
  readonly pfwText: string;
  readonly target: TargetVersion | undefined;
}

export interface TransitionExample {
  readonly file: string;
  readonly line: number;
  readonly stanza: string;
  readonly old: string;
  readonly new: string;
}

export interface Transition {
  readonly from: Verdict;
  readonly to: Verdict;
  count: number;
  /** `old rule → new rule` with counts. */
  readonly rules: Map<string, number>;
  readonly examples: TransitionExample[];
}

export interface VerdictDiff {
  readonly old: string;
  readonly new: string;
  stanzas: number;
  changed: number;
  /** Same verdict, but another rule (or another error) decided. */
  sameVerdictOtherRule: number;
  /** The presence Prosody made of the traffic's stanzas (src/sim/presence-traffic.ts) whose verdict changed, or that only one side made. */
  generatedChanged: number;
  readonly generatedExamples: TransitionExample[];
  skipped: number;
  readonly transitions: Map<string, Transition>;
  readonly pfwDiff: string;
}

const maxExamples = 3;

function ruleOf(r: SimResult): string {
  return r.rule ? ruleLabel(r.rule) : "no rule";
}

/** A rule's identity across versions: its name, or its line for hand-written `.pfw`. */
function sameRule(r: SimResult): string {
  return r.rule ? (r.rule.name !== undefined ? baseRuleName(r.rule.name) : r.rule.pfw.replace(/^.*:/, "")) : "";
}

/** Runs the same traffic through both rule sets, an item at a time, and counts what changed. */
export class VerdictDiffer {
  readonly result: VerdictDiff;
  private readonly oldSim: Simulator;
  private readonly newSim: Simulator;
  private readonly clock: ReplayClock;

  constructor(
    oldSide: DiffSide,
    newSide: DiffSide,
    world: World,
    private readonly onPair?: (item: TrafficStanza, time: number, before: SimResult, after: SimResult) => void,
  ) {
    this.oldSim = new Simulator(oldSide.sources, world, { trace: onPair !== undefined, ...(oldSide.target ? { target: oldSide.target } : {}) });
    this.newSim = new Simulator(newSide.sources, world, { trace: onPair !== undefined, ...(newSide.target ? { target: newSide.target } : {}) });
    this.clock = new ReplayClock(world.startMs);
    this.result = {
      old: oldSide.label,
      new: newSide.label,
      stanzas: 0,
      changed: 0,
      sameVerdictOtherRule: 0,
      generatedChanged: 0,
      generatedExamples: [],
      skipped: 0,
      transitions: new Map(),
      pfwDiff: createTwoFilesPatch(oldSide.label, newSide.label, pfwForDiff(oldSide.pfwText), pfwForDiff(newSide.pfwText), undefined, undefined, { context: 3 }),
    };
  }

  /** Compares the verdicts on one item; skipped records and unreadable times go to `problems`. */
  step(item: TrafficItem, problems: TrafficProblem[]): void {
    const result = this.result;
    if (item.kind === "problem") {
      // A warning (a log without stanzas) skips nothing.
      if (!item.kept) result.skipped++;
      problems.push(item);
      return;
    }
    const time = this.clock.advance(item, problems);
    const event = eventOf(item, time);
    const before = this.oldSim.simulate(event);
    const after = this.newSim.simulate(event);
    this.onPair?.(item, time, before, after);
    result.stanzas++;
    this.compareGenerated(item, before, after);
    if (before.verdict === after.verdict) {
      if (sameRule(before) !== sameRule(after) || before.error?.condition !== after.error?.condition) result.sameVerdictOtherRule++;
      return;
    }
    result.changed++;
    const key = `${before.verdict}→${after.verdict}`;
    let t = result.transitions.get(key);
    if (!t) {
      t = { from: before.verdict, to: after.verdict, count: 0, rules: new Map(), examples: [] };
      result.transitions.set(key, t);
    }
    t.count++;
    const rules = `${ruleOf(before)} → ${ruleOf(after)}`;
    t.rules.set(rules, (t.rules.get(rules) ?? 0) + 1);
    if (t.examples.length < maxExamples) t.examples.push({ file: item.file, line: item.line, stanza: stanzaAsSeen(item), old: describeResult(before), new: describeResult(after) });
  }

  /** What Prosody made of the stanza on each side, in the order it was made: paired in that order. */
  private compareGenerated(item: TrafficStanza, before: SimResult, after: SimResult): void {
    if (before.generated.length === 0 && after.generated.length === 0) return;
    const a = allGenerated(before);
    const b = allGenerated(after);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x && y && x.result.verdict === y.result.verdict && x.stanza.toString() === y.stanza.toString()) continue;
      this.result.generatedChanged++;
      if (this.result.generatedExamples.length < maxExamples) {
        const made = (x ?? y)!;
        this.result.generatedExamples.push({ file: item.file, line: item.line, stanza: `${made.stanza.toString()} (${made.why})`, old: x ? describeResult(x.result) : "not made", new: y ? describeResult(y.result) : "not made" });
      }
    }
  }
}


/**
 * Compiled text as the `.pfw` diff compares it: without what only says where it came from (the
 * generated header, `FILE.sfw:LINE` in the comments), so that a comment added to the `.sfw` or a
 * rule moved down is no change, and each side's own file name does not show as one.
 */
export function pfwForDiff(text: string): string {
  return text.replace(/^# Generated by stanzafw .*\n# Source sha256: .*\n/, "").replace(/^# \S+\.sfw:\d+ /gm, "# ");
}

export function diffText(d: VerdictDiff): string {
  const made = d.generatedChanged ? `; ${d.generatedChanged} of the presence stanzas Prosody made of them changed` : "";
  const out: string[] = [`${d.old} → ${d.new}: ${d.stanzas} stanza${d.stanzas === 1 ? "" : "s"}, ${d.changed} verdict${d.changed === 1 ? "" : "s"} changed${d.sameVerdictOtherRule ? `, ${d.sameVerdictOtherRule} with the same verdict from another rule` : ""}${made}${d.skipped ? `; ${d.skipped} skipped (malformed input)` : ""}`];
  for (const t of [...d.transitions.values()].sort((a, b) => b.count - a.count)) {
    out.push("", `${t.from} → ${t.to}: ${t.count}`);
    for (const [rules, n] of [...t.rules].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(6)}  ${rules}`);
    for (const e of t.examples) out.push(...exampleLines(e));
  }
  if (d.generatedChanged > 0) {
    out.push("", `presence Prosody made (broadcasts, probes, answers): ${d.generatedChanged} changed`);
    for (const e of d.generatedExamples) out.push(...exampleLines(e));
  }
  out.push("", d.pfwDiff.includes("\n@@ ") ? d.pfwDiff.split("\n").filter((l) => !l.startsWith("====")).join("\n") : "the compiled .pfw rules are the same (comments pointing at .sfw lines left out)");
  return out.join("\n") + "\n";
}

function exampleLines(e: TransitionExample): string[] {
  return [`    e.g. ${e.file}:${e.line}  ${e.stanza.length > 120 ? `${e.stanza.slice(0, 119)}…` : e.stanza}`, `         was: ${e.old}`, `         now: ${e.new}`];
}

export function diffJson(d: VerdictDiff): string {
  return (
    JSON.stringify(
      {
        old: d.old,
        new: d.new,
        stanzas: d.stanzas,
        changed: d.changed,
        sameVerdictOtherRule: d.sameVerdictOtherRule,
        generatedChanged: d.generatedChanged,
        generatedExamples: d.generatedExamples,
        skipped: d.skipped,
        transitions: [...d.transitions.values()].map((t) => ({ from: t.from, to: t.to, count: t.count, rules: [...t.rules].map(([rules, count]) => ({ rules, count })), examples: t.examples })),
        pfwDiff: d.pfwDiff,
      },
      null,
      2,
    ) + "\n"
  );
}
