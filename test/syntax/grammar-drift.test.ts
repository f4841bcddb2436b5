import test from "ava";
import { readFileSync } from "node:fs";
import { sfwParser } from "../../src/syntax/parser.js";
import { shapeDifferences, shapeOfEbnf, shapeOfParser } from "../../grammar/shape.js";
import { diagramsHtml } from "../../grammar/generate.js";
import { testFileParser } from "../../src/testing/test-parser.js";
import { repoPath } from "../helpers/repo.js";

test("grammar/sfw.ebnf names the same rules and words as the parser", (t) => {
  const ebnf = shapeOfEbnf(readFileSync(repoPath("grammar/sfw.ebnf"), "utf8"));
  const parser = shapeOfParser(sfwParser().getSerializedGastProductions());
  t.true(parser.size > 30);
  t.deepEqual(shapeDifferences(ebnf, parser), []);
});

test("the drift check notices a word missing from the EBNF", (t) => {
  const text = readFileSync(repoPath("grammar/sfw.ebnf"), "utf8").replace("( 'allow' 'overflow' )?", "");
  const differences = shapeDifferences(shapeOfEbnf(text), shapeOfParser(sfwParser().getSerializedGastProductions()));
  t.deepEqual(differences, ["rateDecl: the parser has 'allow' 'overflow' which the EBNF does not"]);
});

test("grammar/diagrams.html is the railroad diagram of the current parser (npm run grammar)", (t) => {
  t.is(readFileSync(repoPath("grammar/diagrams.html"), "utf8"), diagramsHtml());
});

test("grammar/sfw-test.ebnf names the same rules and words as the test-file parser", (t) => {
  const ebnf = shapeOfEbnf(readFileSync(repoPath("grammar/sfw-test.ebnf"), "utf8"));
  const parser = shapeOfParser(testFileParser().getSerializedGastProductions());
  t.deepEqual(shapeDifferences(ebnf, parser), []);
});
