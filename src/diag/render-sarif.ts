import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { sortDiagnostics, type Diagnostic, type Severity } from "./diagnostic.js";
import { messages, type Code } from "./messages.js";

const levels: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

/** Diagnostics as a SARIF 2.1.0 log, for code-scanning uploads (GitHub and others). */
export function renderSarif(diagnostics: readonly Diagnostic[], options: { toolVersion: string }): string {
  const sorted = sortDiagnostics(diagnostics);
  const codes = [...new Set(sorted.map((d) => d.code))].sort() as Code[];
  const index = new Map(codes.map((c, i) => [c, i]));
  const location = (file: string, region: Record<string, number>) => ({ physicalLocation: { artifactLocation: artifactLocation(file), region } });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "stanzafw",
            version: options.toolVersion,
            informationUri: "https://github.com/stanzafw/stanzafw",
            rules: codes.map((code) => ({
              id: code,
              shortDescription: { text: messages[code].doc },
              defaultConfiguration: { level: levels[messages[code].severity] },
            })),
          },
        },
        results: sorted.map((d) => ({
          ruleId: d.code,
          ruleIndex: index.get(d.code),
          level: levels[d.severity],
          message: { text: d.hint !== undefined ? `${d.message} (${d.hint})` : d.message },
          locations: [location(d.span.file, { startLine: d.span.start.line, startColumn: d.span.start.column, endLine: d.span.end.line, endColumn: d.span.end.column })],
          ...(d.notes && d.notes.length > 0
            ? { relatedLocations: d.notes.map((n, i) => ({ id: i, message: { text: n.message }, ...location(n.span.file, { startLine: n.span.start.line, startColumn: n.span.start.column }) })) }
            : {}),
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

/** An absolute path becomes a file: URI; a relative one stays relative (forward slashes, escaped) to %SRCROOT%. */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  let uri = encodeURI(file.replace(/\\/g, "/")).replace(/[?#]/g, (c) => encodeURIComponent(c));
  // A colon in the first segment would read as a URI scheme.
  if (/^[^/]*:/.test(uri)) uri = `./${uri}`;
  return { uri, uriBaseId: "%SRCROOT%" };
}
