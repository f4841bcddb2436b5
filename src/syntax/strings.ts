import { diag, type Diagnostic } from "../diag/diagnostic.js";
import type { Span } from "../diag/span.js";

const simpleEscapes: Readonly<Record<string, string>> = { "\\": "\\", '"': '"', n: "\n", t: "\t", r: "\r" };

/**
 * Decodes the escapes of a string literal's content (`\\ \" \n \t \r \u{hex}`). An invalid
 * escape is reported at its position (SFW107) and kept as written, so later checks still run.
 */
export function decodeString(inner: string, span: Span, report: (d: Diagnostic) => void): string {
  if (!inner.includes("\\")) return inner;
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = inner[i + 1] ?? "";
    const simple = simpleEscapes[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const unicode = /^u\{([0-9A-Fa-f]{1,6})\}/.exec(inner.slice(i + 1));
    if (unicode && Number.parseInt(unicode[1]!, 16) <= 0x10ffff) {
      out += String.fromCodePoint(Number.parseInt(unicode[1]!, 16));
      i += unicode[0].length;
      continue;
    }
    const length = unicode ? unicode[0].length + 1 : next ? 2 : 1;
    const start = { offset: span.start.offset + i, line: span.start.line, column: span.start.column + i };
    report(diag("SFW107", { file: span.file, start, end: { offset: start.offset + length, line: start.line, column: start.column + length } }, { text: `'${inner.slice(i, i + length)}'` }));
    out += inner.slice(i, i + length);
    i += length - 1;
  }
  return out;
}
