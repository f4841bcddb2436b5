import { readFileSync, readdirSync, statSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { dirname, basename, join, resolve, relative, isAbsolute } from "node:path";
import { UsageError } from "./io.js";

/** Reads a UTF-8 text file or throws a UsageError that names it. */
export function readText(cwd: string, path: string): string {
  try {
    return readFileSync(resolve(cwd, path), "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${whyUnreadable(e)}`);
  }
}

/** Why a file could not be read, in words (the error code stays for searching). */
export function whyUnreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: "no such file", EISDIR: "it is a directory", EACCES: "permission denied", ENOTDIR: "a part of the path is not a directory" };
  return code === undefined ? (e as Error).message : words[code] ? `${words[code]} (${code})` : code;
}

/** Rule files under the given paths: files as given, directories searched recursively for `.sfw`/`.pfw` (test files excluded). */
export function findRuleFiles(cwd: string, paths: readonly string[], extensions: readonly string[] = [".sfw", ".pfw"], includeTests = false): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(resolve(cwd, p));
    } catch {
      throw new UsageError(`no such file or directory: ${p}`);
    }
    if (st.isFile()) out.push(p);
    else if (st.isDirectory()) walk(cwd, p, extensions, out, includeTests);
  }
  return out;
}

function walk(cwd: string, dir: string, extensions: readonly string[], out: string[], includeTests: boolean): void {
  const entries = readdirSync(resolve(cwd, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(cwd, path, extensions, out, includeTests);
    else if (extensions.some((x) => e.name.endsWith(x)) && (includeTests || !e.name.endsWith(".test.sfw"))) out.push(path);
  }
}

/** Writes a file atomically: a temporary file beside it, then a rename, so readers never see half a file. */
export function writeAtomically(cwd: string, path: string, text: string): void {
  const target = resolve(cwd, path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A path for display: relative to cwd when inside it. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
