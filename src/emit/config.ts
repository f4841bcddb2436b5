import type { Requirement } from "../check/model.js";

/**
 * The `prosody.cfg.lua` lines that load a compiled script, with every module or option a feature
 * of the rules needs. `scriptPath` is where the `.pfw` will be installed.
 */
export function configLines(scriptPath: string, requirements: readonly Requirement[], source: string): string {
  const modules = requirements.filter((r) => r.kind === "module");
  const options = requirements.filter((r) => r.kind === "option");
  // The module names are printed as comments, not as `modules_enabled = { … }`: Prosody's config
  // is plain assignments, so a second modules_enabled in the global section replaces the first
  // (with only a "Duplicate option" warning) and every module the operator had (roster, saslauth,
  // …) would be off. The remaining lines are safe to paste or append as they are, in the global
  // section: after a VirtualHost or Component line they would apply to that host alone.
  const lines = [
    `-- prosody.cfg.lua lines for ${source} (from stanzafw)`,
    "-- Put them in the global section, above the first VirtualHost or Component line.",
    "-- Add these to your existing modules_enabled list (a second 'modules_enabled = { … }' would",
    "-- replace that list and turn off every module in it):",
    '--\t"firewall";',
    ...modules.map((m) => `--\t${luaString(m.text)}; -- ${m.reason}`),
    `firewall_scripts = { ${luaString(scriptPath)} }`,
    ...options.map((o) => `${o.text} -- ${o.reason}`),
  ];
  return lines.join("\n") + "\n";
}

function luaString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
