import type { DecidingRule, GeneratedStanza, LoadReport, ScriptSource, SimResult, Verdict } from "./engine.js";
import { stanzaSummary, type ReplayItem, type ReplayRecord } from "./replay.js";

/** Counts for the summary: per verdict, per deciding rule, problems in the input. */
export class ReplaySummary {
  readonly verdicts = new Map<Verdict, number>();
  readonly hits = new Map<string, { count: number; label: string }>();
  problems = 0;
  warnings = 0;
  stanzas = 0;
  /** The stanzas Prosody made of them and sent through the chains (mod_presence), per verdict. */
  readonly generated = new Map<Verdict, number>();

  add(item: ReplayItem): void {
    if (item.kind === "problem") {
      if (item.kept) this.warnings++;
      else this.problems++;
      return;
    }
    this.stanzas++;
    this.count(item.result, this.verdicts);
  }

  /** A result's verdict, its rule's hit, and the same for what Prosody made of its stanza. */
  private count(result: SimResult, verdicts: Map<Verdict, number>): void {
    const v = result.verdict;
    verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
    const rule = result.rule;
    if (rule) {
      const h = this.hits.get(rule.pfw) ?? { count: 0, label: ruleLabel(result) };
      h.count++;
      this.hits.set(rule.pfw, h);
    }
    for (const g of result.generated) this.count(g.result, this.generated);
  }
}

function ruleLabel(r: SimResult): string {
  return r.rule ? labelOf(r.rule) : "-";
}

const verdictOrder: readonly Verdict[] = ["pass", "drop", "bounce", "redirect", "default", "error", "unsimulatable"];

/** One line per stanza, for people. */
export function textLine(item: ReplayItem): string {
  if (item.kind === "problem") return `${item.file}:${item.line}:${item.column}: ${item.kept ? "warning" : "skipped"}: ${item.message}`;
  const r = item.result;
  const stanza = item.input.stanza;
  // The origin (the event's, or the traffic's for all its events) stands in for a missing `from` only.
  const origin = stanza.attr.from === undefined ? (item.input.annotations.origin ?? item.input.defaults.origin)?.replace(/^c2s:/, "") : undefined;
  const unbound = item.input.annotations.unbound ? "  (sent by Prosody: the client disconnected)" : "";
  const line = `${item.file}:${item.line}  ${verdictText(r)} ${stanzaSummary(stanza, origin)}${unbound}${decision(r)}`;
  return r.generated.length === 0 ? line : [line, ...generatedLines(r, "    ")].join("\n");
}

function verdictText(r: SimResult): string {
  return (r.verdict + (r.verdict === "bounce" && r.error ? ` ${r.error.condition}` : "")).padEnd(10);
}

function decision(r: SimResult): string {
  const rule = r.rule ? `  by ${labelOf(r.rule)}` : "";
  const extra = r.reason ? `  (${r.reason})` : "";
  const assumed = r.assumptions.length > 0 ? `  [assumed: ${r.assumptions.join("; ")}]` : "";
  return `${rule}${extra}${assumed}`;
}

/** A line for each stanza Prosody made of this one (and of those, indented further). */
function generatedLines(r: SimResult, indent: string): string[] {
  return r.generated.flatMap((g) => [`${indent}then Prosody: ${verdictText(g.result)} ${stanzaSummary(g.stanza)}  (${g.why})${decision(g.result)}`, ...generatedLines(g.result, `${indent}  `)]);
}

/** Labels of deciding rules, made once per rule (a replay prints millions of lines). */
const labels = new WeakMap<DecidingRule, string>();

function labelOf(rule: DecidingRule): string {
  let label = labels.get(rule);
  if (label === undefined) {
    label = rule.name !== undefined ? `${rule.name} (${rule.sfw}, ${rule.pfw})` : rule.pfw;
    labels.set(rule, label);
  }
  return label;
}

/** The trace of one stanza, indented, for `--trace`; then that of each stanza Prosody made of it. */
export function textTrace(item: ReplayRecord, sources: readonly ScriptSource[]): string[] {
  const traces = (r: SimResult, indent: string): string[] => [
    ...traceText(r, sources).map((l) => `${indent}${l}`),
    ...r.generated.flatMap((g) => {
      const lines = traces(g.result, `${indent}  `);
      return lines.length > 0 ? [`${indent}then Prosody (${g.why}, to ${g.stanza.attr.to ?? "(no to)"}):`, ...lines] : [];
    }),
  ];
  return traces(item.result, "    ");
}

/**
 * A result's trace, a line per condition evaluated: the chain and the `.pfw` line, and for a
 * script compiled from `.sfw` the rule it comes from (the `.pfw` is a file its author never reads).
 */
export function traceText(result: SimResult, sources: readonly ScriptSource[]): string[] {
  return (result.trace ?? []).map((t) => {
    const origin = sources.find((s) => s.file === t.script)?.origins?.get(`${t.chain}#${t.rule}`);
    const where = origin ? ` (rule ${origin.name}, ${origin.sfw})` : "";
    return `${t.chain} line ${t.line}${where}: ${t.text} → ${t.result}${t.hoisted ? " (computed once for the chain, before its first use)" : ""}`;
  });
}

/** The summary block: totals per verdict, hits per rule, rules never hit. */
export function textSummary(summary: ReplaySummary, allRules: readonly { pfw: string; label: string }[]): string {
  const lines: string[] = [];
  const counts = verdictOrder.filter((v) => summary.verdicts.has(v)).map((v) => `${summary.verdicts.get(v)} ${v}`);
  lines.push(`${summary.stanzas} stanza${summary.stanzas === 1 ? "" : "s"}: ${counts.join(", ") || "none"}${summary.problems ? `; ${summary.problems} skipped (malformed input)` : ""}${summary.warnings ? `; ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}` : ""}`);
  const made = [...summary.generated.values()].reduce((a, b) => a + b, 0);
  if (made > 0) lines.push(`and ${made} presence stanza${made === 1 ? "" : "s"} Prosody made of them (broadcasts, probes, answers): ${verdictOrder.filter((v) => summary.generated.has(v)).map((v) => `${summary.generated.get(v)} ${v}`).join(", ")}`);
  const hits = [...summary.hits.values()].sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
  if (hits.length > 0) {
    lines.push("decided by:");
    for (const h of hits) lines.push(`  ${String(h.count).padStart(6)}  ${h.label}`);
  }
  // A rule mod_firewall stores twice (a condition line right after an action) is one rule of the file.
  const never = [...new Map(allRules.filter((r) => !summary.hits.has(r.pfw)).map((r) => [r.pfw, r])).values()];
  if (never.length > 0) {
    lines.push("never decided:");
    for (const r of never) lines.push(`          ${r.label}`);
  }
  return lines.join("\n") + "\n";
}

/** Prosody's view of the scripts: a script it would not load means a server running without it. */
export function textLoadReports(reports: readonly LoadReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    if (!r.loaded) lines.push(`${r.file}${r.line !== undefined ? `:${r.line}` : ""}: Prosody would NOT load this script (${r.error}); it would run without these rules`);
    for (const c of r.skippedChains) lines.push(`${r.file}: Prosody would skip chain ${c.chain} (${c.error})`);
  }
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}

/** One JSON object per stanza (schema in the README). */
export function jsonLine(item: ReplayItem, withTrace: boolean): string {
  if (item.kind === "problem") return JSON.stringify({ kind: item.kept ? "warning" : "skipped", file: item.file, line: item.line, column: item.column, message: item.message });
  const r = item.result;
  return JSON.stringify({
    index: item.index,
    file: item.file,
    line: item.line,
    time: new Date(item.time * 1000).toISOString(),
    chain: r.chains.map((c) => c.chain).join(",") || null,
    verdict: r.verdict,
    rule: ruleJson(r.rule),
    error: r.error ?? null,
    emitted: r.emitted.map((e) => e.xml),
    assumptions: r.assumptions,
    reason: r.reason ?? null,
    generated: r.generated.map((g) => generatedJson(g, withTrace)),
    ...(withTrace ? { trace: r.trace ?? [] } : {}),
  });
}

/** A stanza Prosody made of the one simulated, in {@link jsonLine}'s terms. */
function generatedJson(g: GeneratedStanza, withTrace: boolean): unknown {
  const r = g.result;
  return {
    why: g.why,
    stanza: g.stanza.toString(),
    chain: r.chains.map((c) => c.chain).join(",") || null,
    verdict: r.verdict,
    rule: ruleJson(r.rule),
    error: r.error ?? null,
    reason: r.reason ?? null,
    generated: r.generated.map((x) => generatedJson(x, withTrace)),
    ...(withTrace ? { trace: r.trace ?? [] } : {}),
  };
}

/** The deciding rule, in {@link jsonLine}'s terms. */
function ruleJson(rule: DecidingRule | undefined): unknown {
  return rule ? { pfw: rule.pfw, sfw: rule.sfw ?? null, name: rule.name ?? null, chain: rule.chain, action: rule.action } : null;
}
