import { execFileSync } from "node:child_process";
import { formatDiagnostics } from "./diagnostics-output.js";
import { checkWritable, displayPath, readText, writeAtomically } from "./files.js";
import { HtmlReport } from "../report/html-report.js";
import { stanzaAsSeen } from "../sim/replay.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";
import { nothingSimulated, readWorld } from "./command-sim.js";
import { loadRules } from "../sim/load-rules.js";
import type { TrafficProblem } from "../sim/traffic.js";
import type { CaptureFormat } from "../capture/read-capture.js";
import { textLine } from "../sim/output.js";
import { diffJson, diffText, VerdictDiffer, type DiffSide } from "../testing/verdict-diff.js";
import { HeapGuard } from "../capture/heap-guard.js";
import { progressFor, trafficBatches, worldForCaptures } from "./traffic-input.js";
import type { TargetVersion } from "../vocab/targets.js";

export interface DiffCommandOptions {
  readonly traffic: readonly string[];
  readonly world?: string;
  readonly format: "text" | "json";
  readonly failOnChange: boolean;
  readonly target?: TargetVersion;
  readonly report?: string;
  readonly inputFormat?: CaptureFormat;
  readonly showWorld?: boolean;
}

/**
 * A rule set from a file, or from git: `git:REV:path` (so CI can compare with the previous commit).
 * The path is relative to the working directory, as the other side's is (`git show REV:path`
 * alone would take it from the repository's root, so `git:HEAD~1:x.sfw x.sfw` failed in a subdirectory).
 */
function readSide(io: CliIo, spec: string): { name: string; text: string } {
  const m = /^git:([^:]+):(.+)$/.exec(spec);
  if (!m) return { name: displayPath(io.cwd, spec), text: readText(io.cwd, spec) };
  const path = /^\.\.?\//.test(m[2]!) ? m[2]! : `./${m[2]!}`;
  try {
    const text = execFileSync("git", ["show", `${m[1]}:${path}`], { cwd: io.cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { name: m[2]!, text };
  } catch (e) {
    throw new UsageError(`cannot read ${spec} from git: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
  }
}

/** `stanzafw diff OLD NEW --traffic FILE…`. */
export async function runDiff(io: CliIo, oldSpec: string, newSpec: string, options: DiffCommandOptions): Promise<number> {
  if (options.traffic.length === 0) throw new UsageError("diff needs --traffic FILE…: the stanzas both rule sets are run on");
  if (options.report) checkWritable(io.cwd, options.report, "the report");
  const world = await worldForCaptures(io, readWorld(io, options.world), options.traffic, options.inputFormat, options.showWorld === true);
  // Each side is simulated under its own name, so its rules' lines are its own (the .pfw diff
  // leaves the names and lines out: pfwForDiff).
  const side = (spec: string): DiffSide | undefined => {
    const { name, text } = readSide(io, spec);
    const loaded = loadRules(text, name, options.target ? { target: options.target } : {});
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0 || !loaded.source) {
      io.stderr(formatDiagnostics(errors, new Map([[name, text]]), "text"));
      return undefined;
    }
    return { label: spec, sources: [loaded.source], pfwText: loaded.pfwText ?? text, target: loaded.target };
  };
  const oldSide = side(oldSpec);
  const newSide = side(newSpec);
  if (!oldSide || !newSide) return exitCodes.failed;
  const report = options.report ? new HtmlReport(`stanzafw diff: ${oldSpec} → ${newSpec}`, [], newSide.sources) : undefined;
  let index = 0;
  const differ = new VerdictDiffer(oldSide, newSide, world, report
    ? (item, time, before, after) => {
        report.add({ kind: "record", index: index++, file: item.file, line: item.line, column: item.column, time, input: item, result: after });
        if (before.verdict !== after.verdict) report.addChange(`${before.verdict} → ${after.verdict}`, `${item.file}:${item.line} ${stanzaAsSeen(item).slice(0, 160)}`);
      }
    : undefined);
  const progress = progressFor(io, options.traffic);
  const heap = new HeapGuard();
  const problems: TrafficProblem[] = [];
  for await (const batch of trafficBatches(io, options.traffic, options.inputFormat, progress)) {
    for (const item of batch) differ.step(item, problems);
    // Skipped records are reported where they are, on stderr: standard output stays the diff (or its JSON).
    if (problems.length > 0) {
      const text = problems.map((p) => `${textLine(p)}\n`).join("");
      if (progress) progress.interrupt(() => io.stderr(text));
      else io.stderr(text);
    }
    problems.length = 0;
    progress?.stanzas(batch.length);
    heap.check();
  }
  progress?.done();
  if (report && options.report) writeAtomically(io.cwd, options.report, report.render());
  io.stdout(options.format === "json" ? diffJson(differ.result) : diffText(differ.result));
  const nothing = nothingSimulated(differ.result.stanzas, differ.result.skipped);
  if (nothing) io.stderr(nothing);
  return (options.failOnChange && (differ.result.changed > 0 || differ.result.generatedChanged > 0)) || nothing ? exitCodes.failed : exitCodes.ok;
}
