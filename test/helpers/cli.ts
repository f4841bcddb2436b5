import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/index.js";

/** What one in-process run of the command line gave. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `stanzafw ARGV…` in `cwd`, in process; `stdin` is what standard input holds; `tty`: stderr is a terminal. */
export async function runIn(cwd: string, argv: readonly string[], stdin?: string, tty = false): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli([...argv], { cwd, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), stderrIsTty: tty, ...(stdin !== undefined ? { readStdin: async () => stdin } : {}) });
  return { code, stdout, stderr };
}

/** A fresh temporary directory holding these files. */
export function workdir(files: Readonly<Record<string, string>>, prefix = "stanzafw-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
