import type { Diagnostic } from "../diag/diagnostic.js";
import { defaultTarget, type TargetVersion } from "../vocab/targets.js";
import { checkReferences } from "./check-references.js";
import { logHazards } from "./log-after-call.js";
import type { PfwAction, PfwChain, PfwScript } from "./model.js";
import { ReadContext } from "./read-context.js";
import { logicalLines } from "./read-lines.js";
import { buildChains, readRules } from "./read-rules.js";

/**
 * Reads a `.pfw` script the way mod_firewall's own parser does (line trimming, `\` joins,
 * comment lines, blank lines ending rules, `::chain`, `%DEF`, action and condition lines, the
 * line swallowed after an action), and reports every problem mod_firewall would report while
 * loading it — all of them, where mod_firewall stops at the first — plus warnings for the traps
 * of the format. What the handlers reject is re-derived here from their Lua source (Debian
 * prosody-modules 2023-02, running on Lua 5.4).
 *
 * The steps, in the order they run, each in its own module and sharing one `ReadContext`
 * (read-context.ts): read-lines.ts splits the text into logical lines; read-rules.ts runs
 * mod_firewall's parser loop over them, handing definition lines to read-definitions.ts,
 * condition lines to read-conditions.ts (arguments: read-condition-arguments.ts,
 * read-structured-arguments.ts) and action lines to read-actions.ts, with read-expressions.ts
 * for `$<…>` and `$(…)` in arguments; check-references.ts then checks the names and jump targets
 * that need the whole file, and this module the LOG lines that follow INJECT or EVENT.
 */

/** The script as mod_firewall would load it, and every problem found. */
export interface ReadResult {
  readonly script: PfwScript;
  /** In the order the steps find them. */
  readonly diagnostics: Diagnostic[];
}

export interface ReadOptions {
  /** The mod_firewall version to read for (what it knows and how it reads); the default target if absent. */
  readonly target?: TargetVersion;
}

export { luaToNumber, stripSlashes } from "./lua-text.js";

/** Reads a `.pfw` script into its rule model, with every problem found as a diagnostic. */
export function readPfw(text: string, file: string, options: ReadOptions = {}): ReadResult {
  const cx = new ReadContext(file, options.target ?? defaultTarget);
  readRules(cx, logicalLines(cx, text));
  checkReferences(cx);
  const chains = buildChains(cx);
  reportLogAfterCall(cx, chains);
  return { script: { file, definitions: cx.definitions, chains }, diagnostics: cx.diagnostics };
}

/** SFW517 for a LOG that runs into the code before it, once per action (a rule stored twice is listed twice). */
function reportLogAfterCall(cx: ReadContext, chains: readonly PfwChain[]): void {
  const seen = new Set<PfwAction>();
  for (const chain of chains) {
    for (const h of logHazards(chain.rules)) {
      const action = chain.rules[h.log.rule]!.actions[h.log.action]!;
      if (seen.has(action)) continue; // a rule stored twice
      seen.add(action);
      if (h.kind === "action") cx.report("SFW517", action.span, { message: `LOG right after ${h.name} compiles into Lua that fails for every stanza that gets here (mod_firewall emits the two without a separator)` }, { hint: "put LOG first, or another action between them" });
      else cx.report("SFW517", action.span, { message: `this rule has no conditions and starts with LOG, right after ${h.name} mod_firewall declares for it: that line ends in a call without ';', and Lua reads the two as one call, which fails for every stanza that gets here` }, { hint: "give the rule a condition (every stanza meets 'KIND: message presence iq'), or put an action other than INJECT or EVENT before LOG" });
    }
  }
}
