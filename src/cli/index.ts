import { Command, CommanderError, Option } from "commander";
import { toolVersion } from "../version.js";
import { targetVersions, type TargetVersion } from "../vocab/targets.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";
import { parseFormat } from "./diagnostics-output.js";
import { runCheck } from "./command-check.js";
import { runCompile } from "./command-compile.js";
import { runSim, type PrintChoice } from "./command-sim.js";
import { runTest, type Reporter } from "./command-test.js";
import { runDiff } from "./command-diff.js";

function targetOption(): Option {
  return new Option("--target <version>", "override the file's target Prosody version").choices([...targetVersions]);
}

/**
 * Builds the command-line program over the library. Commands record their exit status in
 * `status`; `runCli` maps errors to statuses in one place.
 */
export function createCli(io: CliIo, status: { code: number }): Command {
  const program = new Command("stanzafw")
    .description("Typed firewall rules for Prosody's mod_firewall: check, compile, simulate, test.")
    .version(toolVersion)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError();

  program
    .command("check")
    .description("report every error and warning in .sfw and .pfw files (directories are searched)")
    .argument("[paths...]", "files or directories", [])
    .option("--format <format>", "text, json or sarif", "text")
    .addOption(targetOption())
    .action((paths: string[], opts: { format: string; target?: TargetVersion }) => {
      status.code = runCheck(io, paths, { format: parseFormat(opts.format), ...(opts.target ? { target: opts.target } : {}) });
    });

  program
    .command("compile")
    .description("compile a .sfw rule set to a mod_firewall script")
    .argument("<file>", "the .sfw file")
    .option("-o, --output <file>", "write the .pfw here (atomically) instead of standard output")
    .option("--config", "print the prosody.cfg.lua lines that load the script")
    .option("--script-path <path>", "where the .pfw will be installed, for --config")
    .option("--format <format>", "diagnostics as text, json or sarif", "text")
    .addOption(targetOption())
    .action((file: string, opts: { output?: string; config?: boolean; scriptPath?: string; format: string; target?: TargetVersion }) => {
      status.code = runCompile(io, file, {
        config: opts.config === true,
        format: parseFormat(opts.format),
        ...(opts.output ? { output: opts.output } : {}),
        ...(opts.scriptPath ? { scriptPath: opts.scriptPath } : {}),
        ...(opts.target ? { target: opts.target } : {}),
      });
    });

  program
    .command("sim")
    .description("simulate rule sets (.sfw or .pfw) on sample stanzas: verdict and deciding rule for each")
    .argument("<rules...>", "rule files, loaded in this order like firewall_scripts")
    .option("--traffic <files...>", "captures: XML, JSON lines or Prosody logs, gzip or not (standard input when absent)")
    .option("--world <file>", "world JSON: hosts, accounts, rosters, groups, marks, lists, time zone (docs/world.md)")
    .option("--format <format>", "text or json (one JSON object per stanza)", "text")
    .option("--trace", "show every condition evaluated")
    .option("--chain <chain>", "run every stanza through this chain only, instead of routing it")
    .addOption(new Option("--input-format <format>", "the captures' format (detected from the content otherwise)").choices(["xml", "jsonl", "prosody-log"]))
    .option("--report <file>", "also write a self-contained HTML report")
    .option("--show-world", "print the world in use (given and inferred from the traffic) as JSON on stderr")
    .addOption(new Option("--print <stanzas>", "which stanzas get a line: all, those a rule decided or that did not pass, or none (the summary and skipped records only)").choices(["all", "decided", "none"]).default("all"))
    .addOption(targetOption())
    .action(async (rules: string[], opts: { traffic?: string[]; world?: string; format: string; trace?: boolean; chain?: string; target?: TargetVersion; inputFormat?: "xml" | "jsonl" | "prosody-log"; report?: string; showWorld?: boolean; print: PrintChoice }) => {
      if (opts.format !== "text" && opts.format !== "json") throw new UsageError(`unknown format '${opts.format}' (expected text or json)`);
      status.code = await runSim(io, rules, {
        traffic: opts.traffic ?? [],
        format: opts.format,
        trace: opts.trace === true,
        ...(opts.world ? { world: opts.world } : {}),
        ...(opts.chain ? { chain: opts.chain } : {}),
        ...(opts.target ? { target: opts.target } : {}),
        ...(opts.inputFormat ? { inputFormat: opts.inputFormat } : {}),
        ...(opts.report ? { report: opts.report } : {}),
        ...(opts.showWorld ? { showWorld: true } : {}),
        print: opts.print,
      });
    });

  program
    .command("test")
    .description("run the tests of rule sets: *.test.sfw files, with the traffic files they name (traffic \"t.xml\": its expect: comments are cases)")
    .argument("[paths...]", "test files (*.test.sfw) or directories searched for them", [])
    .option("--reporter <reporter>", "text, tap, junit or github", "text")
    .option("--output <file>", "write the report to this file (the summary line still goes to standard output)")
    .option("--coverage", "per rule: cases that reached it and cases it decided; rules never deciding")
    .option("--min-coverage <percent>", "fail when fewer rules than this decided at least one case")
    .option("--update", "record the current verdicts where a case has no expectation, and show the diff")
    .action(async (paths: string[], opts: { reporter: string; output?: string; coverage?: boolean; minCoverage?: string; update?: boolean }) => {
      if (!["text", "tap", "junit", "github"].includes(opts.reporter)) throw new UsageError(`unknown reporter '${opts.reporter}' (expected text, tap, junit or github)`);
      const min = opts.minCoverage === undefined ? undefined : Number(opts.minCoverage);
      if (min !== undefined && !(min >= 0 && min <= 100)) throw new UsageError(`--min-coverage takes a percentage from 0 to 100, not ${opts.minCoverage}`);
      status.code = await runTest(io, paths, {
        reporter: opts.reporter as Reporter,
        coverage: opts.coverage === true || min !== undefined,
        update: opts.update === true,
        ...(opts.output ? { output: opts.output } : {}),
        ...(min !== undefined ? { minCoverage: min } : {}),
      });
    });

  program
    .command("diff")
    .description("run the same traffic through two versions of a rule set and show what changes")
    .argument("<old>", "the old rule set: a .sfw or .pfw file, or git:REV:path")
    .argument("<new>", "the new rule set")
    .option("--traffic <files...>", "captures: XML, JSON lines or Prosody logs, gzip or not")
    .option("--world <file>", "world JSON (docs/world.md); inferred from the captures when absent")
    .option("--format <format>", "text or json", "text")
    .option("--fail-on-change", "exit 1 when any verdict changed (a CI gate)")
    .option("--report <file>", "also write a self-contained HTML report of the new rule set's verdicts and what changed")
    .addOption(new Option("--input-format <format>", "the captures' format (detected from the content otherwise)").choices(["xml", "jsonl", "prosody-log"]))
    .option("--show-world", "print the world in use (given and inferred from the traffic) as JSON on stderr")
    .addOption(targetOption())
    .action(async (oldSpec: string, newSpec: string, opts: { traffic?: string[]; world?: string; format: string; failOnChange?: boolean; target?: TargetVersion; report?: string; inputFormat?: "xml" | "jsonl" | "prosody-log"; showWorld?: boolean }) => {
      if (opts.format !== "text" && opts.format !== "json") throw new UsageError(`unknown format '${opts.format}' (expected text or json)`);
      status.code = await runDiff(io, oldSpec, newSpec, {
        traffic: opts.traffic ?? [],
        format: opts.format,
        failOnChange: opts.failOnChange === true,
        ...(opts.report ? { report: opts.report } : {}),
        ...(opts.world ? { world: opts.world } : {}),
        ...(opts.target ? { target: opts.target } : {}),
        ...(opts.inputFormat ? { inputFormat: opts.inputFormat } : {}),
        ...(opts.showWorld ? { showWorld: true } : {}),
      });
    });

  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const status = { code: exitCodes.ok as number };
  const program = createCli(io, status);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return status.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit with 0; every other commander error is a usage problem.
      return e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (e instanceof UsageError) {
      io.stderr(`stanzafw: ${e.message}\n`);
      return exitCodes.usage;
    }
    throw e;
  }
}

/**
 * Standard input read from a terminal. `sim` without `--traffic` reads its stanzas there, and a
 * terminal gives none until someone types them: without a word the command would sit silent, like
 * a hung one. The notice goes out when the input is first asked for, so runs that never read it
 * (`--traffic` given, other commands) stay quiet.
 */
export function terminalStdin(read: () => AsyncIterable<Uint8Array>, stderr: (text: string) => void): () => AsyncIterable<Uint8Array> {
  return () => {
    stderr("stanzafw: no --traffic file given: reading stanzas from standard input (end with Ctrl-D)\n");
    return read();
  };
}
