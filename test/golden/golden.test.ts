import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { goldenCases, goldenDir, produce } from "./golden-cases.js";
import { repoPath } from "../helpers/repo.js";

// Expected files are reviewed output: regenerate with `npm run golden:update` and read the diff.
for (const name of goldenCases()) {
  test(`golden: ${name}`, (t) => {
    const got = produce(name);
    const pfwPath = repoPath(goldenDir, name, "expected.pfw");
    const diagPath = repoPath(goldenDir, name, "expected.diagnostics.txt");
    t.true(existsSync(diagPath), `missing ${diagPath}: run npm run golden:update and review it`);
    t.is(got.diagnostics, readFileSync(diagPath, "utf8"));
    if (got.pfw === undefined) t.false(existsSync(pfwPath), "the case no longer compiles");
    else t.is(got.pfw, existsSync(pfwPath) ? readFileSync(pfwPath, "utf8") : "(missing expected.pfw)");
  });
}
