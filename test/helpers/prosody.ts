import type { ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";

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

/**
 * Runs Prosody's own mod_firewall compiler on a script (absolute path). It is ok when the compiler
 * exits 0 and, where `luac5.4` is installed, the Lua it generated is valid Lua too (prosodyctl
 * prints the code without loading it).
 */
export function compileWithProsody(absolutePath: string): { ok: boolean; output: string } {
  const r = spawnSync("prosodyctl", ["mod_firewall", absolutePath], { encoding: "utf8", timeout: 30_000 });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0) return { ok: false, output };
  const luac = spawnSync("luac5.4", ["-p", "-"], { input: r.stdout ?? "", encoding: "utf8" });
  if (luac.error) return { ok: true, output };
  return { ok: luac.status === 0, output: luac.status === 0 ? output : `generated Lua does not compile: ${luac.stderr}\n${output}` };
}

/** Runs a script's deliver chain on stanzas (one per line) with `prosodyctl mod_firewall test`. */
export function testWithProsody(absolutePath: string, stanzas: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("prosodyctl", ["mod_firewall", "test", absolutePath], { input: stanzas, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
