import { writeFileSync, rmSync } from "node:fs";
import { goldenCases, goldenDir, produce } from "./golden-cases.js";
import { repoPath } from "../helpers/repo.js";

// Rewrites every expected file from the current compiler. Review the diff before committing.
for (const name of goldenCases()) {
  const got = produce(name);
  writeFileSync(repoPath(goldenDir, name, "expected.diagnostics.txt"), got.diagnostics);
  if (got.pfw === undefined) rmSync(repoPath(goldenDir, name, "expected.pfw"), { force: true });
  else writeFileSync(repoPath(goldenDir, name, "expected.pfw"), got.pfw);
  process.stdout.write(`${name}: ${got.pfw === undefined ? "does not compile" : "compiled"}\n`);
}
