import test from "ava";
import { diag, type Diagnostic } from "../../src/diag/diagnostic.js";
import { messages } from "../../src/diag/messages.js";
import { renderJson } from "../../src/diag/render-json.js";
import { renderSarif } from "../../src/diag/render-sarif.js";
import { renderText } from "../../src/diag/render-text.js";
import type { Span } from "../../src/diag/span.js";

/** A span from 1-based line/column pairs of `text` (offsets computed from the text). */
function span(file: string, text: string, startLine: number, startColumn: number, endLine = startLine, endColumn = startColumn): Span {
  const offset = (line: number, column: number): number => {
    const lines = text.split("\n");
    let o = 0;
    for (let i = 0; i < line - 1; i++) o += (lines[i] ?? "").length + 1;
    return o + column - 1;
  };
  return {
    file,
    start: { offset: offset(startLine, startColumn), line: startLine, column: startColumn },
    end: { offset: offset(endLine, endColumn), line: endLine, column: endColumn },
  };
}

const esc = "\u001b[";
const plain = { color: false };

const xFile = "rules/x.sfw";
const xText = [
  "chain pre_routing",
  "",
  "list blocked_domains: set<domain> = [\"spam.example\"]",
  "",
  "chain deliver",
  "  rule r1",
  "    when kind == message",
  "    then drop",
  "",
  "",
  "  rule block",
  "    when from.host in blocked_domain",
  "    then drop",
].join("\n");

function unknownList(): Diagnostic {
  return diag("SFW201", span(xFile, xText, 12, 23, 12, 37), { what: "list", name: "blocked_domain" }, {
    notes: [{ message: "'blocked_domains' is declared here", span: span(xFile, xText, 3, 6, 3, 21) }],
    hint: "did you mean 'blocked_domains'?",
  });
}

// ---------------------------------------------------------------- text

test("text: single-line span with a note and a hint", (t) => {
  const out = renderText([unknownList()], new Map([[xFile, xText]]), plain);
  t.is(
    out,
    [
      "rules/x.sfw:12:23: error[SFW201]: unknown list 'blocked_domain'",
      "   |",
      "12 |     when from.host in blocked_domain",
      "   |                       ^^^^^^^^^^^^^^",
      "   = note: rules/x.sfw:3:6: 'blocked_domains' is declared here",
      "   = help: did you mean 'blocked_domains'?",
      "",
      "1 error",
      "",
    ].join("\n"),
  );
});

test("text: gutter width follows the line number", (t) => {
  const text = "a\nlist x\n";
  const d = diag("SFW308", span("f.sfw", text, 2, 6, 2, 7), { what: "list", name: "x" });
  t.is(renderText([d], new Map([["f.sfw", text]]), plain), ["f.sfw:2:6: warning[SFW308]: list 'x' is never used", "  |", "2 | list x", "  |      ^", "", "1 warning", ""].join("\n"));
});

test("text: a zero-width span gets one caret", (t) => {
  const text = "chain deliver\n  rule r\n    when\n";
  const d = diag("SFW102", span("z.sfw", text, 3, 9), { expected: "a condition", found: "end of line" });
  t.is(
    renderText([d], new Map([["z.sfw", text]]), plain),
    ["z.sfw:3:9: error[SFW102]: expected a condition but found end of line", "  |", "3 |     when", "  |         ^", "", "1 error", ""].join("\n"),
  );
});

test("text: tabs are expanded to 4 spaces in the line and in the caret column", (t) => {
  const text = "\trule r\n\t\twhen kind == mesage\n";
  // 'mesage' starts at UTF-16 column 16 (two tabs + "when kind == ").
  const d = diag("SFW201", span("t.sfw", text, 2, 16, 2, 22), { what: "stanza kind", name: "mesage" });
  const out = renderText([d], new Map([["t.sfw", text]]), plain);
  t.is(
    out,
    ["t.sfw:2:16: error[SFW201]: unknown stanza kind 'mesage'", "  |", "2 |         when kind == mesage", "  |                      ^^^^^^", "", "1 error", ""].join("\n"),
  );
  t.false(out.includes("\t"));
  const lines = out.split("\n");
  const source = lines[2] ?? "";
  const carets = lines[3] ?? "";
  t.is(source.slice(carets.indexOf("^"), carets.lastIndexOf("^") + 1), "mesage");
});

test("text: tabs after the span start do not move the carets", (t) => {
  const text = "ab\tcd";
  const d = diag("SFW201", span("t.sfw", text, 1, 1, 1, 3), { what: "list", name: "ab" });
  const lines = renderText([d], new Map([["t.sfw", text]]), plain).split("\n");
  t.is(lines[2], "1 | ab    cd");
  t.is(lines[3], "  | ^^");
});

test("text: without the source only the header, notes and help are printed", (t) => {
  const out = renderText([unknownList()], new Map(), plain);
  t.is(
    out,
    [
      "rules/x.sfw:12:23: error[SFW201]: unknown list 'blocked_domain'",
      "   = note: rules/x.sfw:3:6: 'blocked_domains' is declared here",
      "   = help: did you mean 'blocked_domains'?",
      "",
      "1 error",
      "",
    ].join("\n"),
  );
});

test("text: a line beyond the end of the source prints only the header", (t) => {
  const text = "one line\n";
  const d = diag("SFW102", span("s.sfw", text, 40, 1), { expected: "'}'", found: "end of file" });
  t.is(renderText([d], new Map([["s.sfw", text]]), plain), ["s.sfw:40:1: error[SFW102]: expected '}' but found end of file", "", "1 error", ""].join("\n"));
});

test("text: a column beyond the end of the line does not crash", (t) => {
  const text = "rule r\nshort\n";
  const d = diag("SFW102", span("s.sfw", text, 2, 20, 2, 25), { expected: "'then'", found: "end of line" });
  const out = renderText([d], new Map([["s.sfw", text]]), plain);
  t.is(out, ["s.sfw:2:20: error[SFW102]: expected 'then' but found end of line", "  |", "2 | short", `  | ${" ".repeat(19)}^^^^^`, "", "1 error", ""].join("\n"));
});

test("text: a multi-line span shows its first line with carets to the end and a marker", (t) => {
  const text = "chain c\n  rule r {\n    when x\n  }\n";
  const d = diag("SFW201", span("m.sfw", text, 2, 3, 4, 4), { what: "rule", name: "r" });
  t.is(
    renderText([d], new Map([["m.sfw", text]]), plain),
    ["m.sfw:2:3: error[SFW201]: unknown rule 'r'", "  |", "2 |   rule r {", "  |   ^^^^^^^^ ...", "", "1 error", ""].join("\n"),
  );
});

test("text: CRLF line endings are not printed", (t) => {
  const text = "list a\r\nlist b\r\n";
  const d = diag("SFW308", span("c.sfw", text, 2, 6, 2, 7), { what: "list", name: "b" });
  const out = renderText([d], new Map([["c.sfw", text]]), plain);
  t.false(out.includes("\r"));
  t.true(out.includes("2 | list b\n"));
});

test("text: an empty source line has no trailing space", (t) => {
  const text = "a\n\nb";
  const d = diag("SFW102", span("e.sfw", text, 2, 1), { expected: "x", found: "end of line" });
  t.true(renderText([d], new Map([["e.sfw", text]]), plain).includes("\n2 |\n  | ^\n"));
});

test("text: diagnostics are sorted by file and position", (t) => {
  const text = "aaaa\nbbbb\n";
  const later = diag("SFW308", span("b.sfw", text, 2, 1, 2, 5), { what: "list", name: "later" });
  const second = diag("SFW308", span("a.sfw", text, 2, 1, 2, 5), { what: "list", name: "second" });
  const first = diag("SFW201", span("a.sfw", text, 1, 1, 1, 5), { what: "list", name: "first" });
  const headers = renderText([later, second, first], new Map(), plain)
    .split("\n")
    .filter((l) => l.includes("["));
  t.deepEqual(headers, [
    "a.sfw:1:1: error[SFW201]: unknown list 'first'",
    "a.sfw:2:1: warning[SFW308]: list 'second' is never used",
    "b.sfw:2:1: warning[SFW308]: list 'later' is never used",
  ]);
});

test("text: summary wording", (t) => {
  const text = "x\n";
  const at = (n: number) => span("s.sfw", text, 1, n);
  const err = (n: number) => diag("SFW201", at(n), { what: "list", name: "x" });
  const warn = (n: number) => diag("SFW308", at(n), { what: "list", name: "x" });
  const info = (n: number) => diag("SFW405", at(n), { message: "needs a module" });
  const summary = (ds: Diagnostic[]): string => {
    const lines = renderText(ds, new Map(), plain).split("\n");
    t.is(lines[lines.length - 1], "");
    return lines[lines.length - 2] ?? "";
  };
  t.is(summary([err(1)]), "1 error");
  t.is(summary([err(1), err(2)]), "2 errors");
  t.is(summary([warn(1)]), "1 warning");
  t.is(summary([warn(1), warn(2)]), "2 warnings");
  t.is(summary([err(1), warn(2)]), "1 error, 1 warning");
  t.is(summary([err(1), err(2), warn(3), warn(4), warn(5)]), "2 errors, 3 warnings");
  t.is(summary([warn(1), info(2)]), "1 warning, 1 note");
  t.is(summary([info(1), info(2)]), "2 notes");
  t.is(summary([err(1), warn(2), info(3)]), "1 error, 1 warning, 1 note");
});

test("text: nothing at all when there are no diagnostics", (t) => {
  t.is(renderText([], new Map([[xFile, xText]]), plain), "");
  t.is(renderText([], new Map(), { color: true }), "");
});

test("text: colors only when asked", (t) => {
  const text = "x\n";
  const ds = [
    unknownList(),
    diag("SFW308", span("s.sfw", text, 1, 1, 1, 2), { what: "list", name: "x" }),
    diag("SFW405", span("s.sfw", text, 1, 1, 1, 2), { message: "needs a module" }),
  ];
  const sources = new Map([
    [xFile, xText],
    ["s.sfw", text],
  ]);
  const off = renderText(ds, sources, { color: false });
  t.false(off.includes("\u001b"));
  const on = renderText(ds, sources, { color: true });
  t.true(on.includes(esc));
  t.true(on.includes(`${esc}1;31merror[SFW201]`), "bold red error");
  t.true(on.includes(`${esc}1;33mwarning[SFW308]`), "yellow warning");
  t.true(on.includes(`${esc}1;36minfo[SFW405]`), "cyan info");
  t.true(on.includes(`${esc}34m`), "blue gutter");
  t.true(on.includes(`${esc}1;31m^^^^^^^^^^^^^^${esc}0m`), "colored carets");
  // Stripping the escapes gives the plain output back.
  t.is(on.replace(/\u001b\[[0-9;]*m/g, ""), off);
});

// ---------------------------------------------------------------- JSON

test("json: document shape, sorted order, notes, hint only when present, summary", (t) => {
  const text = "x\n";
  const warning = diag("SFW308", span("a.sfw", text, 1, 1, 1, 2), { what: "list", name: "x" });
  const info = diag("SFW405", span("z.sfw", text, 1, 1), { message: "needs a module" });
  const out = renderJson([unknownList(), info, warning]);
  t.true(out.endsWith("}\n"));
  t.true(out.startsWith('{\n  "version": 1,\n'), "pretty printed with 2 spaces");
  const doc = JSON.parse(out) as unknown;
  t.deepEqual(doc, {
    version: 1,
    diagnostics: [
      { code: "SFW308", severity: "warning", message: "list 'x' is never used", file: "a.sfw", line: 1, column: 1, endLine: 1, endColumn: 2, notes: [] },
      {
        code: "SFW201",
        severity: "error",
        message: "unknown list 'blocked_domain'",
        file: "rules/x.sfw",
        line: 12,
        column: 23,
        endLine: 12,
        endColumn: 37,
        notes: [{ message: "'blocked_domains' is declared here", file: "rules/x.sfw", line: 3, column: 6 }],
        hint: "did you mean 'blocked_domains'?",
      },
      { code: "SFW405", severity: "info", message: "needs a module", file: "z.sfw", line: 1, column: 1, endLine: 1, endColumn: 1, notes: [] },
    ],
    summary: { errors: 1, warnings: 1, infos: 1 },
  });
});

test("json: no diagnostics", (t) => {
  t.deepEqual(JSON.parse(renderJson([])), { version: 1, diagnostics: [], summary: { errors: 0, warnings: 0, infos: 0 } });
});

// ---------------------------------------------------------------- SARIF

interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine?: number;
  endColumn?: number;
}
interface SarifLocation {
  id?: number;
  message?: { text: string };
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: SarifRegion };
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: { id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }[] } };
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: SarifLocation[]; relatedLocations?: SarifLocation[] }[];
  }[];
}

function sarifDiagnostics(): Diagnostic[] {
  const text = "x\n";
  return [
    unknownList(),
    diag("SFW308", span("a.sfw", text, 1, 1, 1, 2), { what: "list", name: "x" }),
    diag("SFW201", span("a.sfw", text, 1, 1, 1, 2), { what: "chain", name: "y" }),
    diag("SFW405", span("sub\\dir\\c.sfw", text, 1, 1), { message: "needs a module" }),
    diag("SFW308", span("b.sfw", text, 1, 1, 1, 2), { what: "list", name: "z" }, { severity: "error" }),
  ];
}

test("sarif: required 2.1.0 structure", (t) => {
  const out = renderSarif(sarifDiagnostics(), { toolVersion: "9.8.7" });
  t.true(out.endsWith("\n"));
  const log = JSON.parse(out) as SarifLog;
  t.is(log.version, "2.1.0");
  t.is(log.$schema, "https://json.schemastore.org/sarif-2.1.0.json");
  t.is(log.runs.length, 1);
  const run = log.runs[0]!;
  const driver = run.tool.driver;
  t.is(driver.name, "stanzafw");
  t.is(driver.version, "9.8.7");
  t.is(driver.informationUri, "https://github.com/stanzafw/stanzafw");
  // One rule per code used, each once.
  t.deepEqual(
    driver.rules.map((r) => r.id),
    ["SFW201", "SFW308", "SFW405"],
  );
  for (const rule of driver.rules) {
    const entry = messages[rule.id as keyof typeof messages];
    t.is(rule.shortDescription.text, entry.doc);
    t.is(rule.defaultConfiguration.level, entry.severity === "info" ? "note" : entry.severity);
  }
  t.is(run.results.length, 5);
  for (const r of run.results) {
    t.is(typeof r.ruleId, "string");
    t.is(driver.rules[r.ruleIndex]?.id, r.ruleId, "ruleIndex points at the rule");
    t.true(["error", "warning", "note"].includes(r.level));
    t.is(typeof r.message.text, "string");
    t.true(r.message.text.length > 0);
    t.is(r.locations.length, 1);
    const loc = r.locations[0]!.physicalLocation;
    t.is(typeof loc.artifactLocation.uri, "string");
    t.true(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
  }
});

test("sarif: results in sorted order with levels, regions, hints and related locations", (t) => {
  const log = JSON.parse(renderSarif(sarifDiagnostics(), { toolVersion: "0.1.0" })) as SarifLog;
  const results = log.runs[0]!.results;
  t.deepEqual(
    results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.artifactLocation.uri]),
    [
      ["SFW201", "error", "a.sfw"],
      ["SFW308", "warning", "a.sfw"],
      ["SFW308", "error", "b.sfw"],
      ["SFW201", "error", "rules/x.sfw"],
      ["SFW405", "note", "sub/dir/c.sfw"],
    ],
  );
  const x = results[3]!;
  t.is(x.message.text, "unknown list 'blocked_domain' (did you mean 'blocked_domains'?)");
  t.deepEqual(x.locations[0], {
    physicalLocation: { artifactLocation: { uri: "rules/x.sfw", uriBaseId: "%SRCROOT%" }, region: { startLine: 12, startColumn: 23, endLine: 12, endColumn: 37 } },
  });
  t.deepEqual(x.relatedLocations, [
    {
      id: 0,
      message: { text: "'blocked_domains' is declared here" },
      physicalLocation: { artifactLocation: { uri: "rules/x.sfw", uriBaseId: "%SRCROOT%" }, region: { startLine: 3, startColumn: 6 } },
    },
  ]);
  t.is(results[0]!.relatedLocations, undefined);
  t.is(results[0]!.message.text, "unknown chain 'y'");
});

test("sarif: absolute paths become file URIs without a base id", (t) => {
  const d = diag("SFW308", span("/srv/rules/my file.sfw", "x", 1, 1, 1, 2), { what: "list", name: "x" });
  const log = JSON.parse(renderSarif([d], { toolVersion: "0.1.0" })) as SarifLog;
  t.deepEqual(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation, { uri: "file:///srv/rules/my%20file.sfw" });
});

test("sarif: deterministic and independent of input order", (t) => {
  const ds = sarifDiagnostics();
  const a = renderSarif(ds, { toolVersion: "0.1.0" });
  t.is(renderSarif([...ds].reverse(), { toolVersion: "0.1.0" }), a);
  t.is(renderSarif(ds, { toolVersion: "0.1.0" }), a);
});

test("sarif: no diagnostics gives an empty run", (t) => {
  const log = JSON.parse(renderSarif([], { toolVersion: "0.1.0" })) as SarifLog;
  t.is(log.runs.length, 1);
  t.deepEqual(log.runs[0]!.tool.driver.rules, []);
  t.deepEqual(log.runs[0]!.results, []);
});
