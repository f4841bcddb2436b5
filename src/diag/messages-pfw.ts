import type { MessageEntry } from "./message-entry.js";

/** SFW5xx: reading hand-written `.pfw` scripts the way mod_firewall does. */
export const pfwMessages = {
  SFW501: { severity: "error", message: "unknown condition '{name}': Prosody refuses to load this script", doc: "The condition name is not one of mod_firewall's (names are case-sensitive; no space before ':')." },
  SFW502: { severity: "error", message: "unknown action '{name}': Prosody refuses to load this script", doc: "The action name is not one of mod_firewall's (no space before '.' or '=')." },
  SFW503: { severity: "error", message: "a blank line after conditions with no action: Prosody refuses to load this script ('Expected an action … for preceding criteria')", doc: "Every rule's conditions must be followed by at least one action before the blank line that ends the rule." },
  SFW504: { severity: "error", message: "unknown chain '{name}': Prosody refuses to load this script", doc: "Chains are preroute, deliver, deliver_remote, or custom chains whose name starts with user/." },
  SFW505: { severity: "error", message: "{message}: Prosody refuses to load this script", doc: "A definition line (%ZONE, %RATE, %LIST, %PATTERN, %SEARCH) that mod_firewall cannot read." },
  SFW506: { severity: "error", message: "{message}: Prosody refuses to load this script", doc: "mod_firewall's handler for this condition, action or definition rejects its argument when the script is loaded." },
  SFW507: { severity: "error", message: "{message}: loading stops here, so Prosody runs without this script and the scripts after it", doc: "A name the generated code needs (a list, rate, pattern, search) is not defined; the module fails while loading." },
  SFW508: { severity: "error", message: "{message}: Prosody skips the whole chain '{chain}'", doc: "The generated Lua for this chain does not compile (e.g. COUNT with '='); the other chains load." },
  SFW509: { severity: "error", message: "this condition line comes right after an action: mod_firewall drops the line and stores the rule twice, which makes loading fail", doc: "A rule must end with a blank line before the next rule starts; otherwise the line is swallowed and the rule stored twice (with conditions, loading crashes)." },
  SFW510: { severity: "warning", message: "this line comes right after an action: mod_firewall drops it and runs the rule's actions twice", doc: "Without a blank line between rules, mod_firewall swallows the line and stores the condition-less rule a second time." },
  SFW511: { severity: "warning", message: "the backslash at the end of this line joins the next line to it{what}", doc: "A trailing backslash continues the line, even in a comment: the next line becomes part of this one." },
  SFW512: { severity: "warning", message: "conditions at the end of the file have no action: this rule does nothing", doc: "A rule whose conditions are not followed by an action before the end of the file compiles to nothing." },
  SFW513: { severity: "warning", message: "'{char}' here is part of the argument, not a comment", doc: "Only lines that start with # or ; are comments; inside an argument these characters are literal." },
  SFW514: { severity: "error", message: "{what} is not available on {target}", doc: "The condition or action does not exist in the mod_firewall version of the chosen target." },
  SFW515: { severity: "warning", message: "{what} fails on {target}: {why}", doc: "The condition compiles but fails or misbehaves at run time on the chosen target." },
  SFW516: { severity: "warning", message: "the argument starts with a space, which is part of the value: it will not match what you expect", doc: "mod_firewall skips only one space after ':' and none after '='." },
  SFW517: { severity: "warning", message: "{message}", doc: "A construct that loads but misbehaves at run time (TIME with minutes, DAY, LOG after INJECT or EVENT, …)." },
} as const satisfies Record<string, MessageEntry>;
