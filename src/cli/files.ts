import { chmodSync, chownSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync, renameSync, rmSync, type Stats } from "node:fs";
import { dirname, basename, join, resolve, relative, isAbsolute } from "node:path";
import { positionAt } from "../diag/span.js";
import { UsageError } from "./io.js";

/**
 * Reads a UTF-8 text file or throws a UsageError that names it. Bytes that are not UTF-8 are
 * refused with their position: decoded as U+FFFD they would compile into rules that never match
 * (a Latin-1 `café` in a `contains`).
 */
export function readText(cwd: string, path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(cwd, path));
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${whyUnreadable(e)}`);
  }
  const text = bytes.toString("utf8");
  const bad = invalidUtf8At(bytes, text);
  if (bad !== undefined) {
    const { line, column } = positionAt(text, bad);
    const at = Buffer.byteLength(text.slice(0, bad));
    throw new UsageError(`${path}:${line}:${column}: invalid UTF-8 (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}): the file must be UTF-8 text`);
  }
  return text;
}

/**
 * Where the first U+FFFD of `text` stands for bytes that are not UTF-8, as an index into `text`;
 * undefined when every U+FFFD is one the file really holds (EF BF BD). Before the first bad
 * sequence the text decodes exactly, so its byte length finds the sequence.
 */
export function invalidUtf8At(bytes: Uint8Array, text: string): number | undefined {
  for (let i = text.indexOf("\uFFFD"); i >= 0; i = text.indexOf("\uFFFD", i + 1)) {
    const p = Buffer.byteLength(text.slice(0, i));
    if (bytes[p] !== 0xef || bytes[p + 1] !== 0xbf || bytes[p + 2] !== 0xbd) return i;
  }
  return undefined;
}

/** A test file named where a rule set is wanted (check, compile): read as one, it gives syntax errors about its first line. */
export function refuseTestFile(path: string): void {
  if (path.endsWith(".test.sfw")) throw new UsageError(`${path} is a test file: run it with 'stanzafw test ${path}'`);
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
    } catch (e) {
      // Worded as every command words a file it cannot read.
      throw new UsageError(`cannot read ${p}: ${whyUnreadable(e)}`);
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
  // A file that is there is replaced where it really is (a symlink stays a link), and keeps its
  // permissions and owner: a compiled script is often readable by Prosody's group only.
  const target = existingTarget(resolve(cwd, path));
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, text, { encoding: "utf8", flag: "wx" });
    keepModeAndOwner(target, tmp);
    renameSync(tmp, target);
  } catch (e) {
    removeTemporary(tmp);
    throw new UsageError(`cannot write ${path}: ${whyUnwritable(cwd, path) ?? (e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The file a path names, through symlinks, when there is one; else the path. */
function existingTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Gives the new file the mode and owner of the one it replaces (the owner only where the process may). */
function keepModeAndOwner(target: string, tmp: string): void {
  let old: Stats;
  try {
    old = statSync(target);
  } catch {
    return;
  }
  chmodSync(tmp, old.mode & 0o7777);
  if (process.getuid?.() === 0) chownSync(tmp, old.uid, old.gid);
}

/** A failed write's temporary file, if it was made: where a part of the path is a file, it cannot have been. */
function removeTemporary(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOTDIR") throw e;
  }
}

/**
 * A file a command writes at the end of a long run (a replay's report), checked before the run
 * starts: a mistyped directory is a usage error at once, not a day-long replay wasted.
 */
export function checkWritable(cwd: string, path: string, what: string): void {
  const why = whyUnwritable(cwd, path);
  if (why) throw new UsageError(`cannot write ${what} ${path}: ${why}`);
}

/** Why a file cannot be written at `path`, in words, as far as can be seen before writing: undefined when its directory is there and it is not a directory itself. */
function whyUnwritable(cwd: string, path: string): string | undefined {
  const target = resolve(cwd, path);
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dirname(target));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `the directory ${dir} does not exist`;
    return code === "ENOTDIR" ? `a part of ${dir} is not a directory` : whyUnreadable(e);
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  return statSync(target, { throwIfNoEntry: false })?.isDirectory() ? `${path} is a directory` : undefined;
}

/** A path for display: relative to cwd when inside it. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
