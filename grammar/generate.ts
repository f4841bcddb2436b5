import { createSyntaxDiagramsCode } from "chevrotain";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sfwParser } from "../src/syntax/parser.js";

/** The railroad diagrams of the parser, as a standalone HTML page. */
export function diagramsHtml(): string {
  return createSyntaxDiagramsCode(sfwParser().getSerializedGastProductions());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = new URL("../../grammar/diagrams.html", import.meta.url);
  writeFileSync(target, diagramsHtml());
  console.log(`wrote ${fileURLToPath(target)}`);
}
