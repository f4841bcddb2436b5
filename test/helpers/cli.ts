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

/**
 * Runs `stanzafw ARGV…` in `cwd`, in process; `stdin` is what standard input holds; `tty`: stderr
 * is a terminal; `byteOutput`: standard output also takes UTF-8 bytes, as the real one does.
 */
export async function runIn(cwd: string, argv: readonly string[], stdin?: string | Uint8Array, tty = false, byteOutput = false): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const code = await runCli([...argv], {
    cwd,
    stdout: (s) => (stdout += s),
    ...(byteOutput ? { stdoutBytes: (b: Uint8Array) => (stdout += decoder.decode(b)) } : {}),
    stderr: (s) => (stderr += s),
    stderrIsTty: tty,
    ...(stdin !== undefined ? { stdin: () => bytes(stdin) } : {}),
  });
  return { code, stdout, stderr };
}

/** Standard input as a pipe gives it: a text (or bytes) in small pieces. */
async function* bytes(input: string | Uint8Array): AsyncGenerator<Uint8Array> {
  const all = typeof input === "string" ? Buffer.from(input) : Buffer.from(input);
  for (let i = 0; i < all.length; i += 7) yield all.subarray(i, i + 7);
}

/** A fresh temporary directory holding these files. */
export function workdir(files: Readonly<Record<string, string>>, prefix = "stanzafw-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
