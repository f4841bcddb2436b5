import { diag, type Diagnostic } from "../diag/diagnostic.js";
import type { PfwScript } from "../pfw/model.js";
import type { TargetVersion } from "../vocab/targets.js";
import { compileAction } from "./actions.js";
import { compileCondition } from "./conditions.js";
import { Definitions } from "./definitions.js";
import { World } from "./world.js";

const tier2 = /^(Unknown list|Unknown rate limit|Undefined (search path|pattern)|Invalid (list|zone|rate limit) name|attempt to index a nil value \(field 'LIST'\))/;

/**
 * What Prosody would say when loading a script that reads cleanly: every argument its handlers
 * reject (all of them, where Prosody stops at the first), names the generated code cannot find,
 * chains whose generated Lua does not compile, and constructs that load but fail at run time.
 * It uses the simulator's own compiler, so `check` and `sim` agree on what loads.
 */
export function checkPfwLoad(script: PfwScript, target: TargetVersion): Diagnostic[] {
  const out: Diagnostic[] = [];
  const definitions = new Definitions(new World());
  for (const def of script.definitions) {
    try {
      definitions.define(def);
    } catch (e) {
      out.push(diag("SFW506", def.span, { message: (e as Error).message }));
    }
  }
  for (const chain of script.chains) {
    const seen = new Set<unknown>();
    for (const rule of chain.rules) {
      if (seen.has(rule.span.start.offset)) continue; // a rule stored twice is reported once
      seen.add(rule.span.start.offset);
      for (const c of rule.conditions) {
        try {
          const compiled = compileCondition(c.name, c.argument, { definitions, target });
          if (compiled.chainError) out.push(diag("SFW508", c.span, { message: compiled.chainError, chain: chain.name }));
        } catch (e) {
          const message = (e as Error).message;
          if (message.startsWith("Unknown condition")) continue; // reported by the reader
          out.push(diag(tier2.test(message) ? "SFW507" : "SFW506", c.span, { message }));
        }
        hazards(c.name, c.argument, c.span, target, out);
      }
      rule.actions.forEach((a, i) => {
        try {
          compileAction(a.name, a.argument, definitions, target);
        } catch (e) {
          const message = (e as Error).message;
          if (message.startsWith("Unknown action")) return;
          out.push(diag(tier2.test(message) ? "SFW507" : "SFW506", a.span, { message }));
        }
        const next = rule.actions[i + 1];
        if ((a.name === "INJECT" || a.name === "EVENT") && next?.name === "LOG") {
          out.push(diag("SFW517", next.span, { message: `LOG right after ${a.name}: the generated Lua reads both as one call and raises an error for every stanza that reaches them` }, { hint: "put another action between them, or LOG first" }));
        }
      });
    }
  }
  return out;
}

function hazards(name: string, argument: string | undefined, span: Parameters<typeof diag>[1], target: TargetVersion, out: Diagnostic[]): void {
  if (argument === undefined) return;
  if (name === "TIME" && /:(?!00)\d\d/.test(argument.toLowerCase().replace(/(\d+):?(\d*) *[ap]m/g, (_, h: string, m: string) => `${h}:${m === "" ? "00" : m}`))) {
    out.push(diag("SFW517", span, { message: "TIME with minutes other than :00 raises an error during that boundary's hour (mod_firewall refers to an undefined variable)" }));
  }
  if (name === "DAY") out.push(diag("SFW517", span, { message: `DAY compares these day numbers with the day of the MONTH (1–31), not the weekday${target === "0.12" ? "" : ""}` }));
}
