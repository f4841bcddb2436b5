import test from "ava";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { messages } from "../../src/diag/messages.js";
import { catalogMarkdown } from "../../src/diag/catalog-doc.js";
import { repoPath } from "../helpers/repo.js";

test("docs/diagnostics.md is generated from the catalog (run npm run docs)", (t) => {
  t.is(readFileSync(repoPath("docs/diagnostics.md"), "utf8"), catalogMarkdown());
});

test("every code has a doc line, a sensible template and a test that names it", (t) => {
  const testText: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".test.ts") && !p.endsWith("catalog.test.ts")) testText.push(readFileSync(p, "utf8"));
    }
  };
  walk(repoPath("test"));
  const all = testText.join("\n");
  for (const [code, entry] of Object.entries(messages)) {
    t.regex(code, /^SFW[1-6]\d\d$/);
    t.true(entry.doc.length > 10, `${code} has no doc`);
    t.true([`"${code}"`, `"${code}@`, `"${code} `].some((form) => all.includes(form)), `${code} is not exercised by any test`);
  }
});
