import { positionAt } from "../diag/span.js";
import type { Diagnostic } from "../diag/diagnostic.js";
import { hasErrors } from "../diag/diagnostic.js";
import { Simulator, type ScriptSource, type SimResult } from "../sim/engine.js";
import { loadRules } from "../sim/load-rules.js";
import { jsonLine, ReplaySummary, textLine, textLoadReports, textSummary, textTrace } from "../sim/output.js";
import { Replayer, type ReplayItem } from "../sim/replay.js";
import type { CaptureFormat } from "../capture/read-capture.js";
import { HeapGuard } from "../capture/heap-guard.js";
import { progressFor, trafficBatches, worldForCaptures } from "./traffic-input.js";
import { validateWorld, World, type WorldData } from "../sim/world.js";
import { HtmlReport } from "../report/html-report.js";
import { baseRuleName } from "../sim/rule-names.js";
import { LogCheck, type StanzaKey } from "../capture/log-check.js";
import type { XmlElement } from "../sim/xml.js";
import type { TargetVersion } from "../vocab/targets.js";
import { formatDiagnostics } from "./diagnostics-output.js";
import { checkWritable, displayPath, readText, writeAtomically } from "./files.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";

export interface SimCommandOptions {
  readonly traffic: readonly string[];
  readonly world?: string;
  readonly format: "text" | "json";
  readonly trace: boolean;
  readonly chain?: string;
  readonly target?: TargetVersion;
  readonly inputFormat?: CaptureFormat;
  readonly report?: string;
  readonly showWorld?: boolean;
  /** Which stanzas get an output line (default all); skipped records always do. */
  readonly print?: PrintChoice;
}

export type PrintChoice = "all" | "decided" | "none";

/** Whether a replayed item gets an output line under `--print`. */
export function printed(r: ReplayItem, choice: PrintChoice): boolean {
  if (r.kind === "problem" || choice === "all") return true;
  return choice === "decided" && decided(r.result);
}

/** A rule decided the stanza, or it did not pass; or so of what Prosody made of it. */
function decided(r: SimResult): boolean {
  return r.rule !== undefined || r.verdict !== "pass" || r.generated.some((g) => decided(g.result));
}

/** `file:line:col` where JSON.parse says it stopped ("at position N"), or the file alone when it does not say. */
function jsonErrorPlace(path: string, text: string, message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return path;
  const { line, column } = positionAt(text, Number(at[1]));
  return `${path}:${line}:${column}`;
}

/** Reads and checks a world file; problems are usage errors (exit 2). */
export function readWorld(io: CliIo, path: string | undefined): World {
  if (path === undefined) return new World();
  let data: unknown;
  const text = readText(io.cwd, path);
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${jsonErrorPlace(path, text, (e as Error).message)} is not valid JSON: ${(e as Error).message}`);
  }
  const problems = validateWorld(data);
  if (problems.length > 0) throw new UsageError(`${path}: ${problems.join("; ")}`);
  return new World(data as WorldData);
}

/** Loads rule files for simulation; diagnostics are returned for display. */
export function loadRuleFiles(io: CliIo, files: readonly string[], target: TargetVersion | undefined): { sources: ScriptSource[]; diagnostics: Diagnostic[]; texts: Map<string, string>; target: TargetVersion | undefined; failed: boolean } {
  const sources: ScriptSource[] = [];
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  let failed = false;
  let resolvedTarget = target;
  for (const f of files) {
    if (!f.endsWith(".sfw") && !f.endsWith(".pfw")) throw new UsageError(`rule files are .sfw or .pfw, not ${f}`);
    const name = displayPath(io.cwd, f);
    const text = readText(io.cwd, f);
    texts.set(name, text);
    const loaded = loadRules(text, name, target ? { target } : {});
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.source) failed = true;
    else sources.push(loaded.source);
    resolvedTarget ??= loaded.target;
  }
  return { sources, diagnostics, texts, target: resolvedTarget, failed };
}

/** `stanzafw sim RULES… [--traffic FILE…] [--world W] [--format text|json] [--trace]`. */
export async function runSim(io: CliIo, rules: readonly string[], options: SimCommandOptions): Promise<number> {
  if (options.report) checkWritable(io.cwd, options.report, "the report");
  const world = await worldForCaptures(io, readWorld(io, options.world), options.traffic, options.inputFormat, options.showWorld === true);
  const loaded = loadRuleFiles(io, rules, options.target);
  const shown = loaded.diagnostics.filter((d) => d.severity !== "info");
  if (shown.length > 0) io.stderr(formatDiagnostics(shown, loaded.texts, "text", io.stderrIsTty === true));
  if (loaded.failed) return exitCodes.failed;
  const sim = new Simulator(loaded.sources, world, { trace: options.trace || options.report !== undefined, ...(loaded.target ? { target: loaded.target } : {}) });
  const chainProblem = options.chain !== undefined ? sim.chainProblem(options.chain) : undefined;
  if (chainProblem) throw new UsageError(`--chain: ${chainProblem}`);
  const reports = textLoadReports(sim.loadReports());
  if (reports) io.stderr(reports);
  const summary = new ReplaySummary();
  // A script Prosody would not load has no rules that could decide: they are not listed as never deciding.
  const refused = new Set(sim.loadReports().filter((r) => !r.loaded).map((r) => r.file));
  const allRules = loaded.sources.filter((s) => !refused.has(s.file)).flatMap((s) =>
    s.script.chains.flatMap((c) =>
      c.rules.map((r, i) => {
        const origin = s.origins?.get(`${c.name}#${i}`);
        const pfw = `${s.file}:${r.span.start.line}`;
        return { pfw, label: origin ? `${origin.name} (${origin.sfw}, ${pfw})` : pfw, report: origin ? `${baseRuleName(origin.name)} (${origin.sfw})` : pfw };
      }),
    ),
  );
  const report = options.report ? new HtmlReport(`stanzafw dry run: ${rules.join(", ")} on ${options.traffic.join(", ") || "standard input"}`, [...new Set(allRules.map((r) => r.report))], loaded.sources) : undefined;
  const progress = progressFor(io, options.traffic);
  const logCheck = new LogCheck();
  const out = new BufferedOutput(io, progress && io.stdoutIsTty ? (write) => progress.interrupt(write) : undefined);
  const forced = options.chain;
  const print = options.print ?? "all";
  const replayer = new Replayer(sim);
  const results: ReplayItem[] = [];
  const heap = new HeapGuard();
  // One await per chunk of the capture; everything else runs synchronously, item by item.
  for await (const batch of trafficBatches(io, options.traffic, options.inputFormat, progress, logCheck)) {
    for (const input of batch) {
      const item = forced && input.kind === "stanza" && input.annotations.chain === undefined ? { ...input, annotations: { ...input.annotations, chain: forced } } : input;
      results.length = 0;
      replayer.step(item, results);
      for (const r of results) {
        summary.add(r);
        report?.add(r);
        // Only a log's stanzas (they have its session) are compared with its SEND lines.
        if (r.kind === "record" && r.input.annotations.session !== undefined) logCheck.predict(r.file, r.line, r.input.annotations.session, r.input.stanza.attr.from ?? r.input.annotations.origin?.replace(/^c2s:/, ""), r.input.stanza.attr.id, r.result, r.result.verdict === "pass" && errorExplained(r.input.stanza, world), subscriptionKey(r.input.stanza));
        if (!printed(r, print)) continue;
        if (options.format === "json") out.write(jsonLine(r, options.trace) + "\n");
        else {
          out.write(textLine(r) + "\n");
          if (options.trace && r.kind === "record") for (const l of textTrace(r, loaded.sources)) out.write(l + "\n");
        }
      }
    }
    progress?.stanzas(batch.length);
    heap.check();
    if (io.outputDrained) await io.outputDrained();
  }
  out.flush();
  progress?.done();
  if (options.format === "text") io.stdout(textSummary(summary, allRules));
  const disagreements = logCheck.text();
  if (disagreements) (options.format === "text" ? io.stdout : io.stderr)(disagreements);
  if (report && options.report) writeAtomically(io.cwd, options.report, report.render());
  const nothing = nothingSimulated(summary.stanzas, summary.problems);
  if (nothing) io.stderr(nothing);
  return hasErrors(loaded.diagnostics) || sim.loadReports().some((r) => !r.loaded) || nothing ? exitCodes.failed : exitCodes.ok;
}

/** A presence's name, type and recipient, by which the log check matches subscriptions; undefined for other stanzas (matched by id). */
function subscriptionKey(stanza: XmlElement): StanzaKey | undefined {
  return stanza.name === "presence" ? { name: stanza.name, type: stanza.attr.type, to: stanza.attr.to } : undefined;
}

/**
 * Whether the server answering a stanza with an error tells nothing of its firewall (asked of
 * passed stanzas only: an error back contradicts no other verdict): an iq
 * request (whoever receives one may refuse it: a client without the feature, the server for an
 * account) or a stanza for an account the world says does not exist (spam to made-up addresses).
 */
function errorExplained(stanza: XmlElement, world: World): boolean {
  const type = stanza.attr.type;
  return (stanza.name === "iq" && (type === "get" || type === "set")) || world.noSuchAccount(stanza.attr.to);
}

/**
 * A run whose every record was skipped (the wrong file, a capture format misread) tells nothing of
 * the rules: it fails, so that a script or CI job does not take it for a clean run. Empty traffic
 * is not a failure.
 */
export function nothingSimulated(stanzas: number, skipped: number): string | undefined {
  if (stanzas > 0 || skipped === 0) return undefined;
  return `stanzafw: no stanza was simulated: ${skipped === 1 ? "the one record was" : `all ${skipped} records were`} skipped (see above)\n`;
}

/**
 * Output lines gathered into large writes: one write per stanza costs more than simulating it.
 * Where the output takes bytes, each line is encoded into the buffer as it comes: joining a
 * million lines into strings first cost more than making them (measured).
 */
class BufferedOutput {
  private parts: string[] = [];
  private size = 0;
  private bytes: Buffer | undefined;
  private used = 0;
  private static readonly capacity = 1 << 16;

  constructor(
    private readonly io: CliIo,
    /** Runs each write to stdout (to keep it off the progress line when both are one terminal). */
    private readonly around?: (write: () => void) => void,
  ) {}

  write(text: string): void {
    if (!this.io.stdoutBytes) {
      this.parts.push(text);
      this.size += text.length;
      if (this.size >= BufferedOutput.capacity) this.flush();
      return;
    }
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + 3 * text.length > BufferedOutput.capacity) {
      this.flush();
      if (3 * text.length > BufferedOutput.capacity) {
        const write = () => this.io.stdoutBytes!(Buffer.from(text, "utf8"));
        if (this.around) this.around(write);
        else write();
        return;
      }
    }
    // A new buffer for each write: a stream may hold on to the one it was given.
    this.bytes ??= Buffer.allocUnsafe(BufferedOutput.capacity);
    this.used += this.bytes.write(text, this.used, "utf8");
  }

  flush(): void {
    if (this.around && (this.used > 0 || this.parts.length > 0)) this.around(() => this.emit());
    else this.emit();
  }

  private emit(): void {
    if (this.bytes) {
      if (this.used > 0) this.io.stdoutBytes!(this.bytes.subarray(0, this.used));
      this.bytes = undefined;
      this.used = 0;
    }
    if (this.parts.length === 0) return;
    this.io.stdout(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}
