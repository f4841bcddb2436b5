import test from "ava";
import { spawnSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIn, workdir } from "../helpers/cli.js";
import { requireProsody } from "../helpers/prosody.js";

// What an operator does with `compile --config`: append its lines to the global section of a
// prosody.cfg.lua that already enables modules. Read back by Prosody 0.12's own configmanager,
// the operator's modules must still be enabled and firewall_scripts must name the script.
const rules: Record<string, string> = {
  "plain.sfw": "chain deliver {\n  rule r { when kind == message then drop }\n}\n",
  "groups.sfw": 'chain deliver {\n  rule r { when from in group "staff" then pass }\n  rule m { when user_marked spam then drop }\n}\n',
};
const operatorModules = ["roster", "saslauth", "disco", "ping"];

// Prints the host's modules_enabled, then firewall_scripts, then the user-marks option, one a line.
const readBack = `
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath
local cm = require "core.configmanager"
assert(cm.load(arg[1]))
local function list(v) local out = {} for _, x in ipairs(v or {}) do out[#out + 1] = x end return table.concat(out, " ") end
print(list(cm.get("example.org", "modules_enabled")))
local scripts = cm.get("example.org", "firewall_scripts")
print(list(type(scripts) == "table" and scripts or { scripts }))
print(tostring(cm.get("example.org", "firewall_experimental_user_marks")))
`;

for (const [file, text] of Object.entries(rules)) {
  test(`compile --config appended to a global section keeps the operator's modules_enabled (${file}, Prosody's configmanager)`, async (t) => {
    if (!requireProsody(t)) return;
    const dir = workdir({ [file]: text });
    const r = await runIn(dir, ["compile", file, "--config", "--script-path", "/etc/prosody/firewall/x.pfw"]);
    t.is(r.code, 0, r.stderr);
    const cfg = join(dir, "prosody.cfg.lua");
    writeFileSync(cfg, `modules_enabled = { ${operatorModules.map((m) => JSON.stringify(m)).join(", ")} }\n`);
    appendFileSync(cfg, r.stdout + 'VirtualHost "example.org"\n');
    const script = join(dir, "read-back.lua");
    writeFileSync(script, readBack);
    const lua = spawnSync("lua5.4", [script, cfg], { encoding: "utf8" });
    t.is(lua.status, 0, lua.stderr);
    const [modules, scripts, userMarks] = lua.stdout.split("\n");
    t.is(modules, operatorModules.join(" "), "a second modules_enabled would have replaced the operator's list");
    t.is(scripts, "/etc/prosody/firewall/x.pfw");
    t.is(userMarks, file === "groups.sfw" ? "true" : "nil");
    // What the operator must still add by hand is named, one module a line.
    t.regex(r.stdout, /^--\t"firewall";$/m);
    if (file === "groups.sfw") t.regex(r.stdout, /^--\t"groups"; -- /m);
  });
}
