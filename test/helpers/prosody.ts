import type { ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether Debian's `prosodyctl` (with prosody-modules' mod_firewall) is on this machine. */
export function prosodyctlAvailable(): boolean {
  const r = spawnSync("prosodyctl", ["--help"], { encoding: "utf8" });
  return !r.error;
}

const available = prosodyctlAvailable();

/**
 * Tests that need the real Prosody call this first. Without it they skip loudly on a developer's
 * machine and fail under CI (`CI` set), where `.ci/run` must have installed it.
 */
export function requireProsody(t: ExecutionContext): boolean {
  if (available) return true;
  if (process.env.CI) {
    t.fail("prosodyctl is missing: under CI the real Prosody must be installed (.ci/run installs Debian's prosody and prosody-modules)");
    return false;
  }
  t.log("SKIPPED: prosodyctl is not installed; this test needs Debian's prosody and prosody-modules");
  t.pass();
  return false;
}

let scratch: string | undefined;

/**
 * Writes a script where prosodyctl can read it: it drops privileges to the prosody user (so the
 * directory must be world-readable) and turns '-' in its arguments into spaces (so no dashes).
 */
export function prosodyScriptPath(text: string, name: string): string {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "stanzafw_"));
    chmodSync(scratch, 0o755);
  }
  const path = join(scratch, `${name.replace(/[^A-Za-z0-9_.]/g, "_")}.pfw`);
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

/**
 * Runs Prosody's own mod_firewall compiler on a script. It is ok when the compiler exits 0 and,
 * where `luac5.4` is installed, the Lua it generated is valid Lua too (prosodyctl prints the code
 * without loading it).
 */
export function compileWithProsody(text: string, name: string): { ok: boolean; output: string } {
  const absolutePath = prosodyScriptPath(text, name);
  const r = spawnSync("prosodyctl", ["mod_firewall", absolutePath], { encoding: "utf8", timeout: 30_000 });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) return { ok: false, output };
  // prosodyctl's own log lines ("mod_firewall  error\tDependency not found: …") share stdout with the code.
  const code = (r.stdout ?? "").split("\n").filter((l) => !/^\S+\s+(debug|info|warn|error)\t/.test(l)).join("\n");
  const luac = spawnSync("luac5.4", ["-p", "-"], { input: code, encoding: "utf8" });
  if (luac.error) return { ok: true, output };
  return { ok: luac.status === 0, output: luac.status === 0 ? output : `generated Lua does not compile: ${luac.stderr}\n${output}` };
}

/**
 * Runs a script's deliver chain on stanzas (one per line) with `prosodyctl mod_firewall test`.
 * It prints the stanzas that pass on stdout and what it sends back ("** Reply:") and its summary on
 * stderr: `output` is both, in the order printed.
 */
export function testWithProsody(text: string, name: string, stanzas: string): { status: number | null; output: string } {
  const absolutePath = prosodyScriptPath(text, name);
  const r = spawnSync("sh", ["-c", 'exec prosodyctl mod_firewall test "$1" 2>&1', "sh", absolutePath], { input: stanzas, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: r.stdout ?? "" };
}
