import test from "ava";
import { parse } from "../../src/syntax/parse.js";
import type * as ast from "../../src/syntax/ast.js";

/** Compact rendering of diagnostics: code, line:column, message, hint. */
function problems(source: string): string[] {
  return parse(source, "t.sfw").diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}${d.hint ? ` (${d.hint})` : ""}`);
}

function onlyRule(source: string): ast.RuleDecl {
  const result = parse(source, "t.sfw");
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  const chain = result.ast.items.find((i): i is ast.ChainDecl => i.kind === "chain");
  return chain!.rules[0]!;
}

/** A condition printed back with explicit grouping, to test precedence. */
function show(c: ast.Condition | ast.Value | undefined): string {
  if (!c) return "-";
  switch (c.kind) {
    case "and":
    case "or":
      return `(${c.operands.map(show).join(` ${c.kind} `)})`;
    case "not":
      return `not ${show(c.operand)}`;
    case "compare":
      return `${show(c.left)} ${c.operator} ${show(c.right)}`;
    case "in":
      return `${show(c.left)} ${c.negated ? "not in" : "in"} ${show(c.right)}`;
    case "in-group":
      return `${c.subject.text} ${c.negated ? "not in" : "in"} group ${show(c.group)}`;
    case "predicate":
      return c.argument ? `${c.name.text}(${show(c.argument)})` : c.name.text;
    case "exceeds":
      return `exceeds ${c.rate.text}${c.per ? ` per ${show(c.per)}` : ""}`;
    case "marked":
      return `${c.scope}_marked ${c.mark.text}${c.within ? ` within ${c.within.seconds}s` : ""}`;
    case "scan":
      return `scan ${c.search.text} for ${c.pattern.text} in ${c.list.text}`;
    case "count":
      return `count ${c.pattern.text} in ${c.search.text} ${c.operator} ${c.value.value}`;
    case "has":
      return `has ${show(c.path)}`;
    case "ref":
      return c.parts.map((p) => p.text).join(".");
    case "string":
      return JSON.stringify(c.value);
    case "prefixed":
      return `${c.prefix}${JSON.stringify(c.value)}${c.accessors.map((a) => `.${a.text}`).join("")}`;
    case "list-literal":
      return `[${c.items.map(show).join(", ")}]`;
    case "range":
      return `${show(c.from)}..${show(c.to)}`;
    case "concat":
      return c.parts.map(show).join(" + ");
    case "number":
      return c.text;
    case "duration":
    case "time":
      return c.text;
    case "star":
      return "*";
  }
}

const conditionCases: [string, string][] = [
  ["a and b or c", "((a and b) or c)"],
  ["a or b and c", "(a or (b and c))"],
  ["not a and b", "(not a and b)"],
  ["not (a or b)", "not (a or b)"],
  ["kind == message", "kind == message"],
  ["from.host in blocked", "from.host in blocked"],
  ["from.host not in [\"a.example\", \"b.example\",]", 'from.host not in ["a.example", "b.example"]'],
  ["from in group \"staff\" and not to in group \"staff\"", '(from in group "staff" and not to in group "staff")'],
  ["payload \"jabber:x:oob\"", 'payload("jabber:x:oob")'],
  ["from_admin_of *", "from_admin_of(*)"],
  ["crossing_groups [\"a\", \"b\"]", 'crossing_groups(["a", "b"])'],
  ["in_roster and to_self", "(in_roster and to_self)"],
  ["exceeds strangers per from.host", "exceeds strangers per from.host"],
  ["origin_marked spammer within 1h or user_marked spammer", "(origin_marked spammer within 3600s or user_marked spammer)"],
  ["scan text for word in words", "scan text for word in words"],
  ["count link in text >= 2", "count link in text >= 2"],
  ["has path\"{urn:xmpp:receipts}request\"", 'has path"{urn:xmpp:receipts}request"'],
  ["path\"@from\".host == to.host", 'path"@from".host == to.host'],
  ["from matches jid\"<*>@<*.spam.example>\"", 'from matches jid"<*>@<*.spam.example>"'],
  ["day in [mon..fri, sun] and time in [09:00..17:00]", "(day in [mon..fri, sun] and time in [09:00..17:00])"],
  ["to == \"x\" + from.node + \"@example.org\"", 'to == "x" + from.node + "@example.org"'],
  ["type in [subscribe, error]", "type in [subscribe, error]"],
  // Contextual keywords are still names where a name is expected.
  ["count == 1 or search in list", "(count == 1 or search in list)"],
];

for (const [source, expected] of conditionCases) {
  test(`condition: ${source}`, (t) => {
    t.is(show(onlyRule(`chain deliver { rule r { when ${source} then drop } }`).when), expected);
  });
}

test("actions of every form", (t) => {
  const rule = onlyRule(`chain deliver { rule r { then
    log warn "caught " + from; log from.bare; bounce; bounce policy-violation; bounce resource-constraint type wait "Slow";
    strip "html" "urn:x"; strip *; mark origin m; unmark user m; add from.bare to reported; jump content;
    jump_event "e"; event "e"; redirect "a@b"; copy "a@b"; forward "a@b"; reply "no"; inject xml"<x/>"; ruledep "d";
    report_to "abuse@x" spam "why"; tag_trace t; unsubscribe_sender; pass; } }`);
  t.deepEqual(
    rule.actions.map((a) => a.kind),
    ["log", "log", "bounce", "bounce", "bounce", "strip", "strip", "mark", "mark", "add", "jump", "event", "event", "redirect", "copy", "forward", "reply", "inject", "ruledep", "report", "tag-trace", "bare-action", "bare-action"],
  );
  const [warn, plain, , named, full] = rule.actions as [ast.LogAction, ast.LogAction, ast.BounceAction, ast.BounceAction, ast.BounceAction];
  t.is(warn.level?.text, "warn");
  t.is(plain.level, undefined);
  t.is(show(plain.message), "from.bare");
  t.is(named.condition?.text, "policy-violation");
  t.is(full.errorType?.text, "wait");
  t.is(full.text?.value, "Slow");
});

test("declarations", (t) => {
  const result = parse(
    `target prosody "13"
zone z = ["a.example", "b@c.example"]
list l: set<domain> = file("/x", missing: ignore, filter: [lower])
list m = memory
rate r = 1.5 per minute burst 3 entries 10 allow overflow
pattern p = lua"%a+"
search s = path"body#"`,
    "t.sfw",
  );
  t.deepEqual(result.diagnostics, []);
  t.deepEqual(result.ast.items.map((i) => i.kind), ["target", "zone", "list", "list", "rate", "pattern", "search"]);
  const list = result.ast.items[2] as ast.ListDecl;
  t.is(list.type?.args[0]?.name.text, "domain");
  t.deepEqual(list.source.options.map((o) => o.key.text), ["missing", "filter"]);
  const rate = result.ast.items[4] as ast.RateDecl;
  t.deepEqual([rate.amount.value, rate.per.text, rate.burst?.value, rate.entries?.value, rate.allowOverflow], [1.5, "minute", 3, 10, true]);
});

test("strings decode escapes; spans point into the source", (t) => {
  const rule = onlyRule('chain deliver { rule r { then reply "a\\"b\\\\c\\n\\u{e9}" } }');
  const reply = rule.actions[0] as ast.ReplyAction;
  t.is((reply.text as ast.StringLit).value, 'a"b\\c\né');
  t.deepEqual([reply.span.start.column, reply.span.end.column], [31, 54]);
});

const errorCases: [string, string, string[]][] = [
  ["a misspelt action, with a suggestion", "chain deliver { rule r { then dorp } }", ["SFW103 1:31 expected an action (pass, drop, bounce, log, jump, …) but found 'dorp' (did you mean 'drop'?)"]],
  ["a missing condition", "chain deliver { rule r { when kind == message and then drop } }", ["SFW103 1:51 expected a condition but found 'then'"]],
  ["a missing then", "chain deliver { rule r { when in_roster drop } }", ["SFW102 1:41 expected 'then' or '}' but found 'drop'"]],
  ["a misspelt chain keyword", 'target prosody "0.12"\nchian deliver { }', ["SFW105 2:1 expected a declaration (target, zone, list, rate, pattern, search) or a chain but found 'chian' (did you mean 'chain'?)"]],
  ["an unexpected character", "chain deliver { rule r { when a ~ b then drop } }", ['SFW101 1:33 unexpected character "~"']],
  ["an unterminated string", 'chain deliver { rule r { then reply "oops } }', ["SFW106 1:37 unterminated string", "SFW102 1:46 expected '}' but found the end of the file"]],
  ["a bad escape", 'chain deliver { rule r { then reply "a\\qb" } }', ["SFW107 1:39 invalid escape sequence '\\q' in string"]],
  ["an empty list of actions", "chain deliver { rule r { when a then } }", ["SFW103 1:38 expected an action (pass, drop, bounce, log, jump, …) but found '}'"]],
  ["a rule keyword misspelt", "chain deliver {\n  rul r { then drop }\n  rule s { then pass }\n}", ["SFW103 2:3 expected 'rule' or '}' but found 'rul' (did you mean 'rule'?)"]],
  ["the last rule of a chain without its '}'", "chain deliver {\n  rule r { when kind == message then drop\n}", ["SFW102 3:1 expected ';' or '}' but found the '}' that closes the chain (rule 'r' is missing its closing '}')"]],
  ["'&&' for 'and': one error with a suggestion, not a second one at the next word", "chain deliver { rule r { when kind == message && type == chat then drop } }", ['SFW101 1:47 unexpected character "&&" (did you mean \'and\'?)']],
  ["'||' and '!'", "chain deliver {\n  rule r { when in_roster || subscribed then drop }\n  rule s { when !to_self then drop }\n}", ['SFW101 2:27 unexpected character "||" (did you mean \'or\'?)', 'SFW101 3:17 unexpected character "!" (did you mean \'not\'?)']],
  ["'=' for '=='", "chain deliver { rule r { when kind = message then drop } }", ["SFW102 1:36 expected 'then' or '}' but found '=' (did you mean '=='?)"]],
  ["a zone member that is not a string", "zone z = [1]", ["SFW102 1:11 expected a string (a host or JID) but found a number"]],
  [
    "a rate without its unit: the next declaration is not taken for it, and is read (its own mistake found too)",
    "rate r = 5 per\nchain deliver {\n  rule a { when kind == message drop }\n}",
    ["SFW103 2:1 expected a time unit (second, minute, hour, day) after 'per' but found 'chain'", "SFW102 3:33 expected 'then' or '}' but found 'drop'"],
  ],
  ...(
    [
      ["pattern p =", `expected a pattern (lua"…") after '='`],
      ["zone z =", `expected the zone's members (["host", …]) after '='`],
      ["list l: set<jid> =", "expected a list source (memory, file(…), http(…)) after '='"],
      ["search s =", `expected a stanza path (path"…") after '='`],
    ] as const
  ).map(([declaration, expected]): [string, string, string[]] => [
    `a declaration without its value: '${declaration}', then a chain`,
    `${declaration}\nchain deliver {\n  rule a { when kind == message drop }\n}`,
    [`SFW103 2:1 ${expected} but found 'chain'`, "SFW102 3:33 expected 'then' or '}' but found 'drop'"],
  ]),
];

for (const [name, source, expected] of errorCases) {
  test(`syntax error: ${name}`, (t) => {
    t.deepEqual(problems(source), expected);
  });
}

test("every broken rule of a file is reported, and the good rules after it are still parsed", (t) => {
  const source = `chain deliver {
  rule a { when kind == then drop }
  rule b { then dorp }
  rule c { when in_roster then pass }
  rule d { when ( then drop }
}
chain other {
  rule e { then pass
  rule f { then drop }
}
rate r = per minute
chain last { rule g { then pass } }
`;
  const result = parse(source, "t.sfw");
  t.deepEqual(
    result.diagnostics.map((d) => `${d.span.start.line}:${d.code}`),
    ["2:SFW104", "3:SFW103", "5:SFW104", "9:SFW102", "11:SFW102"],
  );
  const rules = result.ast.items.flatMap((i) => (i.kind === "chain" ? i.rules.map((r) => r.name.text) : []));
  t.deepEqual(rules, ["c", "e", "f", "g"]); // e lacks its "}" but is complete otherwise; the error is reported at f but belongs to e
});

test("a rule whose syntax error recovery cuts short is left out: no 'has no action' echo of a misspelt 'when'", (t) => {
  const source = 'chain deliver {\n  rule b {\n    wehn kind == message\n    then drop\n  }\n  rule c { then pass }\n}\n';
  const result = parse(source, "t.sfw");
  t.deepEqual(result.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column}:${d.code}`), ["3:5:SFW102"]);
  t.deepEqual(result.ast.items.flatMap((i) => (i.kind === "chain" ? i.rules.map((r) => r.name.text) : [])), ["c"]);
});

test("parsing never throws on arbitrary text", (t) => {
  const alphabet = ["chain", "rule", "when", "then", "{", "}", "(", ")", "[", "]", '"', "and", "not", "drop", "x", ".", ";", "\n", "#", "=", "in", "lua\"", "..", "+"];
  let seed = 7;
  for (let n = 0; n < 300; n++) {
    let text = "";
    for (let i = 0; i < 30; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      text += alphabet[seed % alphabet.length] + " ";
    }
    t.notThrows(() => parse(text, "fuzz.sfw"), text);
  }
});
