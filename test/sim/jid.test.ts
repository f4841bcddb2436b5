import test from "ava";
import fc from "fast-check";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bareJid, splitJid } from "../../src/sim/xml.js";

// The simulator's JID splitting against Prosody's own util.jid (Debian's file, run by lua5.4):
// every random JID made of the characters that matter splits the same way.

const prosodyLib = "/usr/lib/prosody";
const available = !spawnSync("lua5.4", ["-v"]).error && existsSync(join(prosodyLib, "util/jid.lua"));

function luaString(s: string): string {
  return `"${[...Buffer.from(s, "utf8")].map((b) => `\\${b}`).join("")}"`;
}

function prosodySplit(jids: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-jid-"));
  try {
    const file = join(dir, "split.lua");
    writeFileSync(
      file,
      `package.path = "${prosodyLib}/?.lua;" .. package.path
package.cpath = "${prosodyLib}/?.so;" .. package.cpath
local jid = require "util.jid"
local function s(v) if v == nil then return "nil" end return "[" .. v:gsub(".", function(c) return string.format("%02x", c:byte()) end) .. "]" end
for _, j in ipairs({ ${jids.map(luaString).join(", ")} }) do
  local n, h, r = jid.split(j)
  io.write(s(n), " ", s(h), " ", s(r), " ", s(jid.bare(j)), "\\n")
end
`,
    );
    return execFileSync("lua5.4", [file], { encoding: "utf8", maxBuffer: 1 << 26 }).split("\n").slice(0, jids.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ours(jid: string): string {
  const s = (v: string | undefined) => (v === undefined ? "nil" : `[${Buffer.from(v, "utf8").toString("hex")}]`);
  const [n, h, r] = splitJid(jid);
  return `${s(n)} ${s(h)} ${s(r)} ${s(bareJid(jid))}`;
}

test("splitJid and bareJid agree with Prosody's util.jid on fixed and random JIDs", (t) => {
  if (!available) {
    if (process.env.CI) t.fail("lua5.4 or Prosody is missing: .ci/run installs them");
    else t.log("SKIPPED: lua5.4 or Prosody's util.jid is not installed");
    t.pass();
    return;
  }
  const fixed = ["", "a", "a@b", "a@b/c", "@b", "a@", "a@b/", "/c", "b/c/d", "a@b@c", "a@b/c@d", "b/r@x", "a/b@c", "@", "/", "a@@b", "a\nb@c/\n", "é@ü.example/ß"];
  const random = fc.sample(fc.string({ unit: fc.constantFrom("a", "b", "@", "/", ".", "\n", "é"), maxLength: 8 }), { numRuns: 3000, seed: 11 });
  const all = [...fixed, ...random];
  const expected = prosodySplit(all);
  const differences = all.filter((j, i) => ours(j) !== expected[i]).map((j) => `${JSON.stringify(j)}: ours ${ours(j)}, Prosody ${expected[all.indexOf(j)]}`);
  t.deepEqual(differences.slice(0, 10), []);
  t.is(expected.length, all.length);
});
