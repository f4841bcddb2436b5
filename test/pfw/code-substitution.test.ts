import test from "ava";
import { substituteCode, type MetaSite } from "../../src/pfw/code-substitution.js";
import { readPfw } from "../../src/pfw/read.js";
import { compileWithProsody, requireProsody } from "../helpers/prosody.js";

// mod_firewall's `$(…)` substitution (meta's gsub("$(%b())") on the text each handler scans) and
// the reader's SFW508 for code that breaks a chain's Lua, checked against Prosody's own compiler.

/** [site, argument, codes found, verdict] */
const substitutions: readonly (readonly [MetaSite, string, readonly string[], "valid" | "invalid" | "undecided"])[] = [
  ["LOG", "plain text", [], "valid"],
  ["LOG", "host $(session.host) ok", ["session.host"], "valid"],
  // An unclosed $( in LOG balances against the ')' of the generated `…");`.
  ["LOG", "$(session.host", ['session.host"'], "invalid"],
  ["LOG", "$((session.host)", ['(session.host)"'], "invalid"],
  ["LOG", '$(")', ['"'], "invalid"],
  ["LOG", "$(1 2)", ["1 2"], "invalid"],
  ["LOG", "$(a) and $(b c)", ["a", "b c"], "invalid"],
  ["LOG", '$(stanza:get_child_text("body"))', ['stanza:get_child_text("body")'], "valid"],
  // Backslashes: %q doubles them and meta removes one again.
  ["LOG", '$(("a\\\\b"):len())', ['("a\\\\b"):len()'], "valid"],
  ["LOG", '$(f("$<@to>"))', ['f("$<@to>")'], "valid"],
  ["LOG", "$(...)", ["..."], "invalid"],
  ["LOG", "$(x --)", ["x --"], "undecided"],
  // Elsewhere meta scans the quoted argument alone: an unclosed $( is left as text.
  ["FROM EXACTLY", "$(session.host", [], "valid"],
  ["FROM EXACTLY", "$(1 2)", ["1 2"], "invalid"],
  ["TO ADMIN OF", "$(session.host)", ["session.host"], "valid"],
  ["INSPECT", "$(session.host host)", ["session.host host"], "invalid"],
  ["LIMIT", "$(session.host)", ["session.host"], "valid"],
  ["CHECK LIST", "$(session[)", ["session["], "invalid"],
  ["ADD TO", "$(function() return 1 end)", ["function() return 1 end"], "valid"],
  ["ADD TO", "$(a b)", ["a b"], "invalid"],
];

for (const [site, argument, codes, verdict] of substitutions) {
  test(`meta on ${site}: ${JSON.stringify(argument)}`, (t) => {
    const r = substituteCode(site, argument);
    t.deepEqual(
      r.substitutions.map((s) => s.code),
      codes,
    );
    t.is(r.verdict.kind, verdict, r.lua);
  });
}

test("the blamed substitution and its words", (t) => {
  const r = substituteCode("LOG", "a $(b) $(session.host");
  t.like(r.problem?.substitution, { at: 7, length: 14, runsPast: true });
  t.regex(r.problem!.message, /^\$\(session\.host has no closing parenthesis in its line: .*\('\)' expected near ';'\)$/);
  const second = substituteCode("ADD TO", "$(a) $(b c)");
  t.like(second.problem?.substitution, { at: 5, length: 6, runsPast: false });
  t.regex(second.problem!.message, /the code \$\(b c\) is not a Lua expression \('\)' expected near 'c'\)/);
});

/** Scripts with `$(…)` code; the reader's SFW508 must match whether Prosody's generated Lua compiles. */
const oracleScripts: readonly string[] = [
  "KIND: message\nDROP.\n\nKIND: presence\nLOG=$(session.host\n",
  'LOG=$(")\n',
  "LOG=$(1 2)\n",
  "LOG=[warn] $(session.host\n",
  "LOG=[debug] $((session.host)\n",
  "LOG=host $(session.host) ok\n",
  'LOG=$(stanza:get_child_text("body"))\n',
  "LOG=$(...)\n",
  "LOG=$(function() return 1 end)\n",
  "LOG=$(a) and $(b c)\n",
  'LOG=$(f("$<@to>"))\n',
  "LOG=$(session.host)) extra (\n",
  "LOG=$({1, 2; x = 3})\n",
  "LOG=$(x.)\n",
  "LOG=$(not)\n",
  "KIND: message\nLOG=$(session.host\n\n::preroute\nLOG=fine $(session.host)\n",
  "FROM EXACTLY: $(session.host\nDROP.\n",
  "FROM EXACTLY: $(1 2)\nDROP.\n",
  'FROM EXACTLY: $(session.username.."@"..session.host)\nDROP.\n',
  "TO EXACTLY: $(x y)\nDROP.\n",
  "FROM ADMIN OF: $(session.host)\nDROP.\n",
  "TO ADMIN OF: $(session.host host)\nDROP.\n",
  "INSPECT: body#$=$(session.host)\nDROP.\n",
  "INSPECT: body#$/=$(1 +)\nDROP.\n",
  "INSPECT: body#=$(1 2)\nDROP.\n",
  "%RATE r: 1\nLIMIT: r on $(session.host)\nDROP.\n",
  "%RATE r: 1\nLIMIT: r on $(session.host .)\nDROP.\n",
  "%LIST l: memory\nCHECK LIST: l contains $(session.host)\nDROP.\n",
  "%LIST l: memory\nCHECK LIST: l contains $(session[)\nDROP.\n",
  "%LIST l: memory\nADD TO=l $(session.host)\n",
  "%LIST l: memory\nADD TO=l $(a b)\n",
];

test("oracle: SFW508 for $(…) code exactly where Prosody's generated Lua does not compile", (t) => {
  if (!requireProsody(t)) return;
  t.timeout(120_000);
  const disagreements: string[] = [];
  oracleScripts.forEach((text, i) => {
    const diagnostics = readPfw(text, "t.pfw").diagnostics.filter((d) => d.severity === "error");
    const other = diagnostics.filter((d) => d.code !== "SFW508");
    if (other.length > 0) disagreements.push(`${JSON.stringify(text)}: unexpected ${other.map((d) => d.code).join(", ")}`);
    const reader = diagnostics.some((d) => d.code === "SFW508");
    const prosody = compileWithProsody(text, `code${i}`);
    if (reader === prosody.ok) disagreements.push(`${JSON.stringify(text)}: readPfw ${reader ? "reports SFW508" : "accepts"}, Prosody's Lua ${prosody.ok ? "compiles" : "does not compile"}: ${prosody.output.slice(0, 200)}`);
  });
  t.log(`${oracleScripts.length} scripts`);
  t.deepEqual(disagreements, []);
});

test("undecided code is never claimed: a comment that hides the rest of the line", (t) => {
  // Prosody refuses this one (the comment swallows `)).."");`), but what follows the line decides.
  t.deepEqual(readPfw("LOG=$(x --)\n", "t.pfw").diagnostics, []);
  // After undecided code, later code in the same chain is not judged either; other chains are.
  const codes = readPfw("LOG=$(x --[[)\nLOG=$(1 2)\n\n::preroute\nLOG=$(1 2)\n", "t.pfw").diagnostics.map((d) => `${d.code}@${d.span.start.line}`);
  t.deepEqual(codes, ["SFW508@5"]);
});
