import test from "ava";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CstParser } from "../../src/syntax/chevrotain.js";

test("Chevrotain's single-file build is there to be loaded (the fallback costs 0.3 s at every start) and has the API", (t) => {
  t.true(existsSync(fileURLToPath(new URL("../chevrotain.min.mjs", import.meta.resolve("chevrotain")))));
  t.is(typeof CstParser, "function");
});
