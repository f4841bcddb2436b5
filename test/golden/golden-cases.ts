import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { compileSfw } from "../../src/pipeline.js";
import { renderText } from "../../src/diag/render-text.js";
import { repoPath } from "../helpers/repo.js";

/** Folder of golden compile cases: each holds input.sfw, expected.pfw (when it compiles) and expected.diagnostics.txt. */
export const goldenDir = "test/fixtures/compile";

export interface GoldenOutput {
  readonly name: string;
  readonly pfw: string | undefined;
  readonly diagnostics: string;
}

/** Every case name, sorted. */
export function goldenCases(): string[] {
  return readdirSync(repoPath(goldenDir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(repoPath(goldenDir, e.name, "input.sfw")))
    .map((e) => e.name)
    .sort();
}

/** What the compiler produces now for a case (paths relative to the repository root). */
export function produce(name: string): GoldenOutput {
  const file = join(goldenDir, name, "input.sfw");
  const text = readFileSync(repoPath(file), "utf8");
  const result = compileSfw(text, file);
  return { name, pfw: result.output?.text, diagnostics: renderText(result.diagnostics, new Map([[file, text]]), { color: false }) };
}
