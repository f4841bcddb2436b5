import test from "ava";
import { spawnSync } from "node:child_process";
import { checkLua, checkLuaExpression } from "../../src/lua/expression.js";
import { luaTokens } from "../../src/lua/lex.js";

// The Lua 5.4 expression checker: table-driven cases, each also compiled by the real luac5.4 as
// `local function f() return (EXPR\n) end` (a function without '...', like mod_firewall's handlers).

const valid: readonly string[] = [
  "x",
  "nil",
  "true and false or nil",
  "1",
  "0x1F",
  "0x.8p1",
  "3.14e-2",
  ".5",
  "1e+10",
  "'single'",
  '"double \\"quoted\\" \\n \\t \\65 \\x41 \\u{48} \\z   end"',
  "[[long]]",
  "[==[with ]] inside]==]",
  "a.b.c",
  "a[1][b]",
  "a:b()",
  'a:b"s"',
  "a:b{1}",
  "f()",
  "f(1, 2, g(3))",
  'f"x"',
  "f[[x]]",
  "f{}",
  "(f)(x)",
  "(x)",
  "((x))",
  "-x",
  "not not x",
  "#t",
  "~x",
  "- - x",
  "a + b * c ^ d .. e .. f",
  "a // b % c",
  "a & b | c ~ d << 1 >> 2",
  "a == b and c ~= d or e <= f and g >= h or i < j or k > l",
  "{}",
  "{1, 2, 3,}",
  "{a = 1; b = 2, [3] = 4, 5}",
  "{{}, {x = {y = {}}}}",
  "function() end",
  "function(a, b, ...) return ... end",
  "function(...) end",
  "function() if x then return 1 elseif y then return 2 else return 3 end end",
  "function() for i = 1, 2 do while x do repeat local y = 1 until y end end end",
  "function() do end end",
  "(function() return 1 end)()",
  "session.host",
  "stanza:get_child_text('body')",
  "session.full_jid or session.host",
  "stanza.attr.to:match('@(.*)$')",
  "x --[[ a long comment ]] + 1",
  "x -- a comment to the end",
];

/** [expression, Lua's message (without the chunk name)] */
const invalid: readonly (readonly [string, string])[] = [
  ["", "unexpected symbol near <eof>"],
  ["1 2", "'<eof>' expected near '2'"],
  ["(1 2)", "')' expected near '2'"],
  ["(", "unexpected symbol near <eof>"],
  [")", "unexpected symbol near ')'"],
  ["x)", "'<eof>' expected near ')'"],
  ["x +", "unexpected symbol near <eof>"],
  ["* x", "unexpected symbol near '*'"],
  ["a.", "<name> expected near <eof>"],
  ["a.end", "<name> expected near 'end'"],
  ["a.1", "'<eof>' expected near '.1'"],
  ["a:b", "function arguments expected near <eof>"],
  ["a:b.c", "function arguments expected near '.'"],
  ["a[1", "']' expected near <eof>"],
  ["f(1,)", "unexpected symbol near ')'"],
  ["f(,)", "unexpected symbol near ','"],
  ["{1 2}", "'}' expected near '2'"],
  ["{[1] 2}", "'=' expected near '2'"],
  ["{a = }", "unexpected symbol near '}'"],
  ["x = 1", "'<eof>' expected near '='"],
  ["local x", "unexpected symbol near 'local'"],
  ["return x", "unexpected symbol near 'return'"],
  ["...", "cannot use '...' outside a vararg function near '...'"],
  ["f(...)", "cannot use '...' outside a vararg function near '...'"],
  ['"unfinished', "unfinished string near '\"unfinished'"],
  ["'a\\qb'", "invalid escape sequence near ''a\\q'"],
  ["'\\300'", "decimal escape too large near ''\\300''"],
  ["'\\xZZ'", "hexadecimal digit expected near ''\\xZ'"],
  ["[[open", "unfinished long string (starting at line 1) near <eof>"],
  ["x --[[ open", "unfinished long comment (starting at line 1) near <eof>"],
  ["[=x", "invalid long string delimiter near '[='"],
  ["3x", "malformed number near '3x'"],
  ["0x", "malformed number near '0x'"],
  ["1..2", "malformed number near '1..2'"],
  ["$x", "unexpected symbol near '$'"],
  ["x ! y", "'<eof>' expected near '!'"],
  ["a \\ b", "'<eof>' expected near '\\'"],
  ["function end", "'(' expected near 'end'"],
  ["function(a,) end", "<name> expected near ')'"],
  ["function(... , a) end", "')' expected near ','"],
  ["function() return 1", "'end' expected near <eof>"],
  ["function() $ end", "unexpected symbol near '$'"],
  ["not", "unexpected symbol near <eof>"],
  ['"a" "b"', "'<eof>' expected near '\"b\"'"],
  ["x.y = 1", "'<eof>' expected near '='"],
];

for (const [i, text] of valid.entries()) {
  test(`valid #${i + 1}: ${text}`, (t) => {
    t.deepEqual(checkLuaExpression(text), { kind: "valid" });
  });
}

for (const [text, message] of invalid) {
  test(`invalid: ${JSON.stringify(text)}`, (t) => {
    const v = checkLuaExpression(text);
    t.is(v.kind, "invalid");
    if (v.kind === "invalid") t.is(v.message, message);
  });
}

test("a piece of a chunk: running out of text, or stopping before its end, is undecided", (t) => {
  t.is(checkLua("f(x", { context: "piece" }).kind, "undecided");
  t.is(checkLua("x --", { context: "piece" }).kind, "valid");
  t.is(checkLua("f(x --)", { context: "piece" }).kind, "undecided");
  t.is(checkLua("f([[x", { context: "piece" }).kind, "undecided");
  t.is(checkLua("f(function() x", { context: "piece" }).kind, "undecided");
  t.is(checkLua("x) and (y", { context: "piece" }).kind, "undecided");
  // …but a malformed token or a stray byte fails whatever follows.
  t.is(checkLua("x) and (y $", { context: "piece" }).kind, "invalid");
  t.is(checkLua('x) and (y "', { context: "piece" }).kind, "invalid");
  t.is(checkLua("f(1 2", { context: "piece" }).kind, "invalid");
});

test("call statements: a call, then ';', then the end; an assignment is undecided", (t) => {
  t.deepEqual(checkLua("(session.log or log)('info', '%s', x);", { form: "call statement", context: "piece" }), { kind: "valid" });
  t.deepEqual(checkLua("list_l:add(x);", { form: "call statement", context: "piece" }), { kind: "valid" });
  t.like(checkLua("a.b;", { form: "call statement", context: "piece" }), { kind: "invalid", message: "syntax error near ';'" });
  t.is(checkLua("f(); g(", { form: "call statement", context: "piece" }).kind, "undecided");
  t.is(checkLua("a, b = 1", { form: "call statement", context: "piece" }).kind, "undecided");
});

test("tokens: strings, long brackets and comments hide what is inside them", (t) => {
  t.deepEqual(
    luaTokens("a['b'] .. [=[c]=] --[[d]] -- e\n...").map((x) => x.text),
    ["a", "[", "'b'", "]", "..", "[=[c]=]", "..."],
  );
});

const luac = spawnSync("luac5.4", ["-v"]).error === undefined;

test("every case agrees with luac5.4", (t) => {
  if (!luac) {
    t.log("SKIPPED: luac5.4 is not installed");
    if (process.env.CI) t.fail("luac5.4 is missing under CI");
    else t.pass();
    return;
  }
  const disagreements: string[] = [];
  for (const [text, expected] of [...valid.map((v) => [v, "valid"] as const), ...invalid.map(([v]) => [v, "invalid"] as const)]) {
    const r = spawnSync("luac5.4", ["-p", "-"], { input: `local function f() return (${text}\n)\nend\n`, encoding: "utf8" });
    const real = r.status === 0 ? "valid" : "invalid";
    if (real !== expected) disagreements.push(`${JSON.stringify(text)}: expected ${expected}, luac5.4 says ${real} ${r.stderr}`);
  }
  t.deepEqual(disagreements, []);
});
