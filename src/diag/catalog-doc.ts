import { messages } from "./messages.js";

/** The Markdown page listing every diagnostic code (docs/diagnostics.md), generated from the catalog. */
export function catalogMarkdown(): string {
  const rows = Object.entries(messages)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, e]) => `| ${code} | ${e.severity} | ${e.doc.replace(/\|/g, "\\|")} |`);
  return [
    "# Diagnostics",
    "",
    "Generated from `src/diag/messages*.ts` (`npm run docs`); a test keeps it in sync.",
    "Ranges: SFW1xx syntax, SFW2xx names and types, SFW3xx rule structure and reachability,",
    "SFW4xx target features, SFW5xx reading `.pfw` scripts, SFW6xx simulation input.",
    "",
    "| code | default severity | meaning |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
