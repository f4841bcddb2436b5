import type { GeneratedStanza, ScriptSource, SimResult, Verdict } from "../sim/engine.js";
import { traceText } from "../sim/output.js";
import { escapeXml } from "../sim/xml.js";
import { stanzaAsSeen, type ReplayItem } from "../sim/replay.js";
import { ruleLabel } from "../sim/rule-names.js";
import { bareJid, splitJid } from "../sim/xml.js";
import { TopCounts } from "./top-counts.js";

/**
 * A self-contained HTML report of a dry run: totals, verdicts over time (an inline SVG chart),
 * top deciding rules, rules never hit, top senders and domains stopped, and a searchable table of
 * decided stanzas with their trace. No network access is needed to open it. Built incrementally,
 * so a capture of millions of stanzas only keeps counts and the first rows of the table.
 */

const verdicts: readonly Verdict[] = ["pass", "drop", "bounce", "redirect", "default", "error", "unsimulatable"];
const colors: Readonly<Record<Verdict, string>> = { pass: "#3a8f4c", drop: "#c0392b", bounce: "#e67e22", redirect: "#8e44ad", default: "#2c7fb8", error: "#7f1d1d", unsimulatable: "#888888" };
const maxRows = 2000;
const buckets = 48;

interface Row {
  readonly where: string;
  readonly time: number;
  readonly verdict: Verdict;
  readonly rule: string;
  readonly summary: string;
  readonly trace: readonly string[];
}

export class HtmlReport {
  private readonly totals = new Map<Verdict, number>();
  /** The presence Prosody made of the stanzas (src/sim/presence-traffic.ts), per verdict. */
  private readonly generatedTotals = new Map<Verdict, number>();
  private readonly rules = new Map<string, number>();
  private readonly senders = new TopCounts();
  private readonly domains = new TopCounts();
  private readonly times: { time: number; verdict: Verdict }[] = [];
  private readonly rows: Row[] = [];
  private decided = 0;
  private skipped = 0;
  private stanzas = 0;
  private timeSample = 1;
  private readonly changes = new Map<string, { count: number; examples: string[] }>();

  constructor(
    private readonly title: string,
    private readonly allRules: readonly string[],
    /** The rule sets run: traces name the `.sfw` rule of each condition. */
    private readonly sources: readonly ScriptSource[] = [],
  ) {}

  add(item: ReplayItem): void {
    if (item.kind === "problem") {
      if (!item.kept) this.skipped++;
      return;
    }
    this.stanzas++;
    const r = item.result;
    this.totals.set(r.verdict, (this.totals.get(r.verdict) ?? 0) + 1);
    // Keep a bounded sample of times for the chart (every n-th stanza, n doubling as needed).
    if (this.stanzas % this.timeSample === 0) {
      this.times.push({ time: item.time, verdict: r.verdict });
      if (this.times.length > 20000) {
        this.timeSample *= 2;
        for (let i = 0; i < this.times.length / 2; i++) this.times[i] = this.times[i * 2]!;
        this.times.length = Math.floor(this.times.length / 2);
      }
    }
    const from = item.input.stanza.attr.from ?? item.input.annotations.origin?.replace(/^c2s:/, "");
    if (r.verdict !== "pass" && from) {
      const bare = bareJid(from) ?? from;
      this.senders.add(bare);
      const host = splitJid(from)[1] ?? from;
      this.domains.add(host);
    }
    this.decision(`${item.file}:${item.line}`, item.time, r, () => stanzaAsSeen(item.input));
    // What Prosody made of it: its rules' hits and its decided rows (its senders are the server's users).
    const made = (g: GeneratedStanza): void => {
      this.generatedTotals.set(g.result.verdict, (this.generatedTotals.get(g.result.verdict) ?? 0) + 1);
      this.decision(`${item.file}:${item.line}, then Prosody: ${g.why}`, item.time, g.result, () => g.stanza.toString());
      g.result.generated.forEach(made);
    };
    r.generated.forEach(made);
  }

  /** A rule's hit, and a row of the table when a rule decided or the stanza was stopped. */
  private decision(where: string, time: number, r: SimResult, summary: () => string): void {
    const rule = r.rule ? ruleLabel(r.rule) : "";
    if (rule) this.rules.set(rule, (this.rules.get(rule) ?? 0) + 1);
    if (!rule && r.verdict === "pass") return;
    this.decided++;
    if (this.rows.length < maxRows) this.rows.push({ where, time, verdict: r.verdict, rule, summary: summary().slice(0, 400), trace: traceText(r, this.sources) });
  }

  /** For `diff`: a verdict that changed between the two rule sets. */
  addChange(transition: string, example: string): void {
    const c = this.changes.get(transition) ?? { count: 0, examples: [] };
    c.count++;
    if (c.examples.length < 5) c.examples.push(example);
    this.changes.set(transition, c);
  }

  private changesHtml(): string {
    if (this.changes.size === 0) return "";
    const rows = [...this.changes].sort((a, b) => b[1].count - a[1].count).map(([t, c]) => `<tr><td>${escapeXml(t)}</td><td class="num">${c.count}</td><td><ul>${c.examples.map((e) => `<li><code>${escapeXml(e)}</code></li>`).join("")}</ul></td></tr>`);
    return `<h2>What changed</h2><table id="changes"><tr><th>verdict change</th><th>stanzas</th><th>examples</th></tr>${rows.join("")}</table>`;
  }

  private generatedHtml(): string {
    const n = [...this.generatedTotals.values()].reduce((a, b) => a + b, 0);
    if (n === 0) return "";
    return `, and <span id="generated">${n} presence stanza${n === 1 ? "" : "s"} Prosody made of them (${verdicts.filter((v) => this.generatedTotals.has(v)).map((v) => `${this.generatedTotals.get(v)} ${v}`).join(", ")})</span>`;
  }

  render(): string {
    const total = this.stanzas;
    const cards = verdicts
      .filter((v) => this.totals.has(v))
      .map((v) => `<div class="card" style="border-color:${colors[v]}"><div class="n" data-verdict="${v}">${this.totals.get(v)}</div><div>${v}</div></div>`)
      .join("");
    const top = (m: Map<string, number> | TopCounts, n = 15) => (m instanceof TopCounts ? m.top(n) : [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n));
    const approximate = (m: TopCounts) => (m.approximate ? '<p class="none">Counts are approximate: too many different addresses to keep them all.</p>' : "");
    const table = (rows: [string, number][], head: string) =>
      rows.length === 0 ? "<p class=\"none\">none</p>" : `<table class="list"><tr><th>${head}</th><th>stanzas</th></tr>${rows.map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td class="num">${v}</td></tr>`).join("")}</table>`;
    const never = this.allRules.filter((r) => !this.rules.has(r));
    const rowsHtml = this.rows
      .map(
        (r) =>
          `<tr data-search="${escapeXml(`${r.where} ${r.verdict} ${r.rule} ${r.summary}`.toLowerCase())}"><td>${escapeXml(r.where)}</td><td>${new Date(r.time * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")}</td><td><span class="v" style="background:${colors[r.verdict]}">${r.verdict}</span></td><td>${escapeXml(r.rule)}</td><td><details><summary><code>${escapeXml(r.summary.slice(0, 120))}</code></summary><pre>${escapeXml(r.summary)}\n\n${escapeXml(r.trace.join("\n"))}</pre></details></td></tr>`,
      )
      .join("\n");
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(this.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border-left:6px solid;padding:.5em 1em;background:#f6f6f6;min-width:6em}.card .n{font-size:1.6em;font-weight:600}
table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}.num{text-align:right}
.v{color:#fff;padding:0 .4em;border-radius:3px}pre{white-space:pre-wrap;max-width:80em}.none{color:#888}.two{display:flex;gap:3em;flex-wrap:wrap}
input{font-size:1em;padding:.3em;width:30em}
</style></head><body>
<h1>${escapeXml(this.title)}</h1>
<p id="overview">${total} stanzas simulated${this.skipped ? `, ${this.skipped} skipped (malformed input)` : ""}${this.generatedHtml()}; ${this.decided} decided by a rule or stopped.</p>
<div class="cards" id="totals">${cards}</div>
${this.changesHtml()}
<h2>Verdicts over time</h2>
${this.chart()}
<div class="two">
<div><h2>Top deciding rules</h2>${table(top(this.rules), "rule")}</div>
<div><h2>Rules never hit</h2>${never.length ? `<ul id="never">${never.map((r) => `<li>${escapeXml(r)}</li>`).join("")}</ul>` : '<p class="none">every rule decided at least one stanza</p>'}</div>
</div>
<div class="two">
<div><h2>Top senders stopped</h2>${table(top(this.senders), "sender")}${approximate(this.senders)}</div>
<div><h2>Top domains stopped</h2>${table(top(this.domains), "domain")}${approximate(this.domains)}</div>
</div>
<h2>Decided stanzas</h2>
<p><input id="q" type="search" placeholder="search: rule, verdict, address, text…" autocomplete="off"> <span id="shown"></span></p>
${this.decided > this.rows.length ? `<p class="none">The first ${this.rows.length} of ${this.decided} are listed.</p>` : ""}
<table id="decided"><tr><th>where</th><th>time (UTC)</th><th>verdict</th><th>rule</th><th>stanza and trace</th></tr>
${rowsHtml}
</table>
<script>
(function(){var q=document.getElementById("q"),rows=[].slice.call(document.querySelectorAll("#decided tr[data-search]")),shown=document.getElementById("shown");
function f(){var t=q.value.toLowerCase(),n=0;rows.forEach(function(r){var ok=!t||r.getAttribute("data-search").indexOf(t)>=0;r.style.display=ok?"":"none";if(ok)n++;});shown.textContent=n+" shown";}
q.addEventListener("input",f);f();})();
</script>
</body></html>
`;
  }

  /** Stacked bars of verdicts per time bucket, as inline SVG. */
  private chart(): string {
    if (this.times.length === 0) return '<p class="none">no stanzas</p>';
    const min = Math.min(...this.times.map((t) => t.time));
    const max = Math.max(...this.times.map((t) => t.time));
    const span = Math.max(max - min, 1);
    const counts = Array.from({ length: buckets }, () => new Map<Verdict, number>());
    for (const t of this.times) {
      const b = Math.min(buckets - 1, Math.floor(((t.time - min) / span) * buckets));
      counts[b]!.set(t.verdict, (counts[b]!.get(t.verdict) ?? 0) + this.timeSample);
    }
    const peak = Math.max(1, ...counts.map((c) => [...c.values()].reduce((a, b) => a + b, 0)));
    const w = 800;
    const h = 160;
    const bw = w / buckets;
    const bars: string[] = [];
    counts.forEach((c, i) => {
      let y = h;
      for (const v of verdicts) {
        const n = c.get(v) ?? 0;
        if (!n) continue;
        const bh = (n / peak) * (h - 10);
        y -= bh;
        bars.push(`<rect x="${(i * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${colors[v]}"><title>${v}: ${n}</title></rect>`);
      }
    });
    const label = (t: number) => new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
    return `<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 20}" role="img" aria-label="verdicts over time">${bars.join("")}<text x="0" y="${h + 15}" font-size="11">${label(min)}</text><text x="${w}" y="${h + 15}" font-size="11" text-anchor="end">${label(max)}</text></svg>`;
  }
}
