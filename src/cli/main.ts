import { runCli, terminalStdin } from "./index.js";

// `stanzafw sim … | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

/** Entry point of the `stanzafw` command. */
const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stdoutBytes: (b) => process.stdout.write(b),
  // A pipe to a slow reader (`| less`) must slow the replay down, not fill memory.
  outputDrained: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once("drain", resolve)) : Promise.resolve()),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  stderrIsTty: process.stderr.isTTY === true,
  stdoutIsTty: process.stdout.isTTY === true,
  stdin: process.stdin.isTTY ? terminalStdin(() => process.stdin, (s) => process.stderr.write(s)) : () => process.stdin,
});
process.exitCode = code;
