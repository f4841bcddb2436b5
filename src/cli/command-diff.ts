import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { formatDiagnostics } from "./diagnostics-output.js";
import { displayPath, readText, writeAtomically } from "./files.js";
import { HtmlReport } from "../report/html-report.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";
import { readWorld } from "./command-sim.js";
import { loadRules } from "../sim/load-rules.js";
import type { TrafficItem } from "../sim/traffic.js";
import { readCapture } from "../capture/read-capture.js";
import { diffJson, diffText, diffVerdicts, type DiffSide } from "../testing/verdict-diff.js";
import type { TargetVersion } from "../vocab/targets.js";

export interface DiffCommandOptions {
  readonly traffic: readonly string[];
  readonly world?: string;
  readonly format: "text" | "json";
  readonly failOnChange: boolean;
  readonly target?: TargetVersion;
  readonly report?: string;
}

/** A rule set from a file, or from git: `git:REV:path` (so CI can compare with the previous commit). */
function readSide(io: CliIo, spec: string): { name: string; text: string } {
  const m = /^git:([^:]+):(.+)$/.exec(spec);
  if (!m) return { name: displayPath(io.cwd, spec), text: readText(io.cwd, spec) };
  try {
    const text = execFileSync("git", ["show", `${m[1]}:${m[2]}`], { cwd: io.cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { name: m[2]!, text };
  } catch (e) {
    throw new UsageError(`cannot read ${spec} from git: ${String((e as { stderr?: string }).stderr ?? e).trim()}`);
  }
}

/** `stanzafw diff OLD NEW --traffic FILE…`. */
export async function runDiff(io: CliIo, oldSpec: string, newSpec: string, options: DiffCommandOptions): Promise<number> {
  if (options.traffic.length === 0) throw new UsageError("diff needs --traffic FILE…: the stanzas both rule sets are run on");
  const world = readWorld(io, options.world);
  // Both sides are compiled under the new side's name, so the .pfw diff shows rule changes, not paths.
  const common = readSide(io, newSpec).name;
  const side = (spec: string): DiffSide | undefined => {
    const { name, text } = readSide(io, spec);
    const kind = name.endsWith(".pfw") ? ".pfw" : ".sfw";
    const ruleName = common.endsWith(kind) ? common : `${common.replace(/\.(sfw|pfw)$/, "")}${kind}`;
    const loaded = loadRules(text, ruleName, options.target ? { target: options.target } : {});
    const errors = loaded.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0 || !loaded.source) {
      io.stderr(formatDiagnostics(errors, new Map([[ruleName, text]]), "text"));
      return undefined;
    }
    return { label: spec, sources: [loaded.source], pfwText: loaded.pfwText ?? text, target: loaded.target };
  };
  const oldSide = side(oldSpec);
  const newSide = side(newSpec);
  if (!oldSide || !newSide) return exitCodes.failed;
  async function* traffic(): AsyncGenerator<TrafficItem> {
    for (const f of options.traffic) yield* readCapture(resolve(io.cwd, f), displayPath(io.cwd, f));
  }
  const report = options.report ? new HtmlReport(`stanzafw diff: ${oldSpec} → ${newSpec}`, []) : undefined;
  let index = 0;
  const d = await diffVerdicts(oldSide, newSide, world, traffic(), report
    ? (item, time, before, after) => {
        report.add({ kind: "record", index: index++, file: item.file, line: item.line, column: item.column, time, input: item, result: after });
        if (before.verdict !== after.verdict) report.addChange(`${before.verdict} → ${after.verdict}`, `${item.file}:${item.line} ${item.stanza.toString().slice(0, 160)}`);
      }
    : undefined);
  if (report && options.report) writeAtomically(io.cwd, options.report, report.render());
  io.stdout(options.format === "json" ? diffJson(d) : diffText(d));
  return options.failOnChange && d.changed > 0 ? exitCodes.failed : exitCodes.ok;
}
