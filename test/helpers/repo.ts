import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

/** The repository root (tests run from compiled files under dist/test/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A path inside the repository. */
export function repoPath(...parts: string[]): string {
  return resolve(repoRoot, ...parts);
}
