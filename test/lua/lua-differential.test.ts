import test from "ava";
import fc from "fast-check";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { luaFind, luaGmatch, LuaPatternError, patternError } from "../../src/lua/string-functions.js";

// Our Lua patterns against the real Lua 5.4 (the interpreter Prosody 0.12 runs on Debian):
// string.find and string.gmatch on random patterns and subjects, all in one lua5.4 process.

const luaAvailable = !spawnSync("lua5.4", ["-v"]).error;

/** A Lua string literal made of decimal escapes: safe for any bytes. */
function luaString(s: string): string {
  return `"${[...Buffer.from(s, "utf8")].map((b) => `\\${b}`).join("")}"`;
}

function ours(subject: string, pattern: string): string {
  try {
    const f = luaFind(subject, pattern);
    const g = [...luaGmatch(subject, pattern)].slice(0, 20).map((c) => c.map(String).join(","));
    return `${f ? [f.start, f.end, ...f.captures.map(String)].join(" ") : "nil"}|${g.join(";")}`;
  } catch (e) {
    if (e instanceof LuaPatternError) return `error: ${e.message}`;
    throw e;
  }
}

const script = `
local function run(s, p)
  local ok, a = pcall(function()
    local r = table.pack(string.find(s, p))
    local out = {}
    if r[1] == nil then out[1] = "nil" else for i = 1, r.n do out[#out + 1] = tostring(r[i]) end end
    local g = {}
    for c1, c2, c3, c4, c5 in string.gmatch(s, p) do
      if #g >= 20 then break end
      local caps = {}
      for _, v in ipairs({c1, c2, c3, c4, c5}) do caps[#caps + 1] = tostring(v) end
      g[#g + 1] = table.concat(caps, ",")
    end
    return table.concat(out, " ") .. "|" .. table.concat(g, ";")
  end)
  if ok then return a end
  return "error: " .. tostring(a):gsub("^.-:%d+: ", "")
end
for _, case in ipairs(CASES) do io.write(run(case[1], case[2]), "\\n") end
`;

function luaResults(cases: readonly [string, string][]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-lua-"));
  const file = join(dir, "cases.lua");
  writeFileSync(file, `CASES = {\n${cases.map(([s, p]) => `{${luaString(s)}, ${luaString(p)}},`).join("\n")}\n}\n${script}`);
  return execFileSync("lua5.4", [file], { encoding: "utf8", maxBuffer: 1 << 26 }).split("\n").slice(0, cases.length);
}

function requireLua(t: import("ava").ExecutionContext): boolean {
  if (luaAvailable) return true;
  if (process.env.CI) t.fail("lua5.4 is missing: .ci/run installs it");
  else {
    t.log("SKIPPED: lua5.4 is not installed");
    t.pass();
  }
  return false;
}

const fixedCases: [string, string][] = [
  ["hello world", "o w"],
  ["hello world", "(o)(r)"],
  ["hello", "()ll()"],
  ["key = value", "(%w+)%s*=%s*(%w+)"],
  ["f(a(b)c)d", "%b()"],
  ["THE (quick) fox", "%f[%a]%a+"],
  ["aaa", "a-b"],
  ["aaab", "a-b"],
  ["  trim  ", "^%s*(.-)%s*$"],
  ["abcabc", "(abc)%1"],
  ["x=1, y=22", "(%a)=(%d+)"],
  ["héllo", "h.llo"],
  ["héllo", "h..llo"],
  ["[]]", "[]]"],
  ["a]b", "[^]]+"],
  ["a-b", "[a%-]+"],
  ["", ".*"],
  ["abc", ""],
  ["abc", "$"],
  ["a$c", "a$c"],
  ["^a", "^^a"],
  ["one two", "%w+$"],
  ["abc", "(a"],
  ["abc", "a)"],
  ["abc", "%"],
  ["abc", "[a"],
  ["abc", "%b"],
  ["abc", "%fa"],
  ["abc", "%1"],
  ["abc", "a%0"],
  ["http://x.example/a https://y", "https?://%S+"],
  ["CaSiNo", "[Cc][Aa][Ss][Ii][Nn][Oo]"],
  ["1.5", "%d+%.?%d*"],
  ["a,b,,c", "([^,]*)"],
  ["abc", "()"],
  ["aaa", "a*"],
  ["aaa", "a?a?a?a"],
];

test("Lua patterns: fixed cases agree with lua5.4", (t) => {
  if (!requireLua(t)) return;
  const expected = luaResults(fixedCases);
  t.deepEqual(
    fixedCases.map(([s, p]) => `${JSON.stringify(p)} on ${JSON.stringify(s)}: ${ours(s, p)}`),
    fixedCases.map(([s, p], i) => `${JSON.stringify(p)} on ${JSON.stringify(s)}: ${expected[i]}`),
  );
});

test("Lua patterns: 1500 random cases agree with lua5.4", (t) => {
  if (!requireLua(t)) return;
  const patternChar = fc.constantFrom("a", "b", ".", "%", "a", "[", "]", "^", "$", "(", ")", "*", "+", "-", "?", "%a", "%d", "%s", "%w", "%b()", "%f[%a]", "%1", "[^a]", "[a-c]");
  const subjectChar = fc.constantFrom("a", "b", "c", "(", ")", " ", "1", "2", "é", "-", "[", "]");
  const cases = fc.sample(fc.tuple(fc.array(subjectChar, { maxLength: 10 }).map((a) => a.join("")), fc.array(patternChar, { maxLength: 7 }).map((a) => a.join(""))), { numRuns: 1500, seed: 20261125 });
  const expected = luaResults(cases);
  const mismatches = cases.map(([s, p], i) => ({ s, p, ours: ours(s, p), lua: expected[i] })).filter((c) => c.ours !== c.lua);
  t.deepEqual(mismatches.slice(0, 10), []);
});

test("patternError finds every fault that Lua raises, wherever it is in the pattern", (t) => {
  if (!requireLua(t)) return;
  const faulty = ["%", "[a", "(a", "a)", "%1", "(a)%2", "%b", "%ba", "%fa", "%f[a", "a%0", "x(y", "b*(", "((a)"];
  for (const p of faulty) {
    const lua = luaResults([["", p], ["x", p]]).find((r) => r.startsWith("error: "));
    const ourError = patternError(p);
    t.truthy(ourError, p);
    // Where Lua reaches the fault on these subjects, the message is the same.
    if (lua) t.is(`error: ${ourError}`, lua, p);
  }
  for (const p of ["https?://%S+", "[%w.-]+", "^%s*(.-)%s*$", "%b()", "%f[%w]%w+", "(a)%1", "[]]", "a$"]) t.is(patternError(p), undefined, p);
});
