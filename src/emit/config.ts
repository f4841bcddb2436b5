import type { Requirement } from "../check/model.js";

/**
 * The `prosody.cfg.lua` lines that load a compiled script, with every module or option a feature
 * of the rules needs. `scriptPath` is where the `.pfw` will be installed.
 */
export function configLines(scriptPath: string, requirements: readonly Requirement[], source: string): string {
  const modules = requirements.filter((r) => r.kind === "module");
  const options = requirements.filter((r) => r.kind === "option");
  const lines = [
    `-- prosody.cfg.lua lines for ${source} (from stanzafw)`,
    "-- Add \"firewall\" to your existing modules_enabled list:",
    "modules_enabled = {",
    '\t"firewall";',
    ...modules.map((m) => `\t${luaString(m.text)}; -- ${m.reason}`),
    "}",
    `firewall_scripts = { ${luaString(scriptPath)} }`,
    ...options.map((o) => `${o.text} -- ${o.reason}`),
  ];
  return lines.join("\n") + "\n";
}

function luaString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
