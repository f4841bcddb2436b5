import { logAfterCall } from "./log-after-call.js";
import { diag, type Diagnostic, type DiagnosticNote, type MessageData } from "../diag/diagnostic.js";
import type { Code } from "../diag/messages.js";
import { didYouMean } from "../diag/did-you-mean.js";
import type { Position, Span } from "../diag/span.js";
import { LuaPatternError, match as luaMatch } from "../lua/pattern.js";
import { logArgument } from "./code-substitution.js";
import { patternError } from "../lua/string-functions.js";
import { pfwActions, pfwActionsByKey, type PfwActionInfo } from "../vocab/pfw-actions.js";
import { pfwConditions, pfwConditionsByKey, type PfwConditionInfo } from "../vocab/pfw-conditions.js";
import { defaultTarget, targetDescriptions, type Availability, type TargetVersion } from "../vocab/targets.js";
import { formatsAsInteger, idsafe, isAlnum, isSpace, luaToNumber, stripSlashes, trimLua } from "./lua-text.js";
import { readAction } from "./read-actions.js";
import { readCondition } from "./read-conditions.js";
import { readDefinition } from "./read-definitions.js";
import { checkCode, checkExpressions } from "./read-expressions.js";
import { logicalLines, positionIn, subSpan, type LogicalLine } from "./read-lines.js";
import { ReadContext, type RuleDraft, type Use } from "./read-context.js";
import { pfwDefinitionTypes, type PfwAction, type PfwChain, type PfwCondition, type PfwDefinition, type PfwDefinitionType, type PfwRule, type PfwScript } from "./model.js";

/**
 * Reads a `.pfw` script the way mod_firewall's own parser does (line trimming, `\` joins,
 * comment lines, blank lines ending rules, `::chain`, `%DEF`, action and condition lines, the
 * line swallowed after an action), and reports every problem mod_firewall would report while
 * loading it — all of them, where mod_firewall stops at the first — plus warnings for the traps
 * of the format. What the handlers reject is re-derived here from their Lua source (Debian
 * prosody-modules 2023-02, running on Lua 5.4).
 */

export interface ReadResult {
  readonly script: PfwScript;
  readonly diagnostics: Diagnostic[];
}

export interface ReadOptions {
  readonly target?: TargetVersion;
}

export { luaToNumber, stripSlashes } from "./lua-text.js";

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Conditions and actions whose argument is compared or sent as text, where trailing spaces would matter. */
const textArguments = new Set(["INSPECT", "IN ROSTER GROUP", "FROM GROUP", "TO GROUP", "TO EXACTLY", "FROM EXACTLY", "REPLY", "LOG", "STRIP"]);

const builtinChains = ["preroute", "deliver", "deliver_remote"];



// ---------------------------------------------------------------------------------------------
// The reader

export function readPfw(text: string, file: string, options: ReadOptions = {}): ReadResult {
  return new Reader(text, file, options.target ?? defaultTarget).read();
}

class Reader extends ReadContext {
  constructor(
    readonly text: string,
    file: string,
    target: TargetVersion,
  ) {
    super(file, target);
  }

  read(): ReadResult {
    let state: "rules" | "actions" | undefined;
    let rule: RuleDraft | undefined;

    for (const l of logicalLines(this, this.text)) {
      const line = l.text;
      if (line.startsWith("#") || line.startsWith(";")) continue; // a comment does not end the rule
      if (line === "") {
        if (state === "rules") {
          this.report("SFW503", this.span(l, 0, 0), {}, { hint: "add an action (e.g. DROP. or PASS.) after the conditions, or remove the blank line", notes: rule ? [{ message: "the rule starts here", span: rule.firstSpan }] : [] });
        }
        state = undefined;
        rule = undefined;
        continue;
      }
      if (state === undefined && line.startsWith("::")) {
        this.chainHeader(l);
        continue;
      }
      if (state === undefined && line.startsWith("@@") && this.target === "13") {
        // Prosody 13's mod_firewall reads '@@ key = value' metadata here.
        if (!/^@@[ \t\n\v\f\r]*[A-Za-z0-9_]+[ \t\n\v\f\r]*=/.test(line)) this.report("SFW505", this.span(l, 0, line.length), { message: "unable to parse metadata assignment (expected '@@ key = value')" });
        continue;
      }
      if (state === undefined && line.startsWith("%")) {
        readDefinition(this, l);
        continue;
      }
      if (/^[A-Za-z0-9_ ]+[.=]/.test(line)) {
        if (state === undefined || !rule) rule = this.newRule(l);
        state = "actions";
        const action = readAction(this, l);
        if (action) rule.actions.push(action);
        if (action?.argument) this.trailingSpaceWarning(l, action.name, action.argument);
        rule.end = positionIn(l, line.length);
        continue;
      }
      if (state === "actions" && rule) {
        // mod_firewall drops this line and appends the current rule to its chain once more.
        rule.twice = true;
        this.chainOrder.get(rule.chain)!.push(rule);
        const what = /^::|^%/.test(line) ? " (a chain header or definition is only read after a blank line)" : "";
        this.report(rule.conditions.length > 0 ? "SFW509" : "SFW510", this.span(l, 0, line.length), { what: rule.conditions.length > 0 ? "" : `; an action on the next line starts a rule without conditions${what}` }, {
          hint: "put a blank line between rules",
          notes: [{ message: "the rule stored twice starts here", span: rule.firstSpan }],
        });
        state = undefined;
        rule = undefined;
        continue;
      }
      if (state === undefined || !rule) {
        state = "rules";
        rule = this.newRule(l);
      }
      const condition = readCondition(this, l);
      if (condition) rule.conditions.push(condition);
      if (condition?.argument) this.trailingSpaceWarning(l, condition.name, condition.argument);
      rule.end = positionIn(l, line.length);
    }
    if (state === "rules" && rule) this.report("SFW512", { file: this.file, start: rule.start, end: rule.end });

    this.afterParse();
    const built = new Map<RuleDraft, PfwRule>();
    const chains: PfwChain[] = [...this.chainOrder].map(([name, drafts]) => ({
      name,
      rules: drafts.map((d) => {
        let r = built.get(d);
        if (!r) {
          r = { span: { file: this.file, start: d.start, end: d.end }, conditions: d.conditions, actions: d.actions, ...(d.twice ? { storedTwice: true } : {}) };
          built.set(d, r);
        }
        return r;
      }),
    }));
    const seen = new Set<PfwAction>();
    for (const chain of chains) {
      for (const { log, name } of logAfterCall(chain.rules)) {
        const action = chain.rules[log.rule]!.actions[log.action]!;
        if (seen.has(action)) continue; // a rule stored twice
        seen.add(action);
        this.report("SFW517", action.span, { message: `LOG right after ${name} compiles into Lua that fails for every stanza that gets here (mod_firewall emits the two without a separator)` }, { hint: "put LOG first, or another action between them" });
      }
    }
    return { script: { file: this.file, definitions: this.definitions, chains }, diagnostics: this.diagnostics };
  }

  /**
   * An argument whose text matters that ended in spaces before mod_firewall trimmed the line:
   * `INSPECT: body#/=buy ` tests "buy" (and matches "buyer").
   */
  trailingSpaceWarning(l: LogicalLine, name: string, argument: string): void {
    if (!l.trailingSpace || !textArguments.has(name) || (name === "INSPECT" && !argument.includes("="))) return;
    this.report("SFW519", this.span(l, l.text.length, l.text.length), { message: `the spaces at the end of this line are dropped (mod_firewall trims every line): the argument is '${argument}'` });
  }

  newRule(l: LogicalLine): RuleDraft {
    const r: RuleDraft = { chain: this.chain, conditions: [], actions: [], start: positionIn(l, 0), end: positionIn(l, l.text.length), twice: false, firstSpan: this.span(l, 0, l.text.length) };
    this.chainOrder.get(this.chain)!.push(r);
    return r;
  }

  // ------------------------------------------------------------------- chains and definitions

  chainHeader(l: LogicalLine): void {
    const line = l.text;
    const skip = /^::[ \t\n\v\f\r]*/.exec(line)![0].length;
    const name = line.slice(skip);
    this.chain = name;
    const nameSpan = this.span(l, skip, line.length);
    if (!builtinChains.includes(name) && !name.startsWith("user/")) {
      const commentAt = /[ \t][#;]/.exec(name);
      const base = commentAt ? trimLua(name.slice(0, commentAt.index)) : name;
      const guess = builtinChains.includes(base) ? base : didYouMean(base, builtinChains);
      const hint = commentAt
        ? `comments must be on a line of their own: write '::${base}' alone`
        : guess
          ? `did you mean '::${guess}'? (custom chains start with user/; other names need firewall_extra_chains in the config)`
          : "chains are preroute, deliver, deliver_remote and user/…; other names need firewall_extra_chains in the config";
      this.report("SFW504", name === "" ? this.span(l, 0, line.length) : nameSpan, { name }, { hint });
    } else {
      this.commentChars(l, skip, "chain name");
    }
    if (!this.chainOrder.has(name)) this.chainOrder.set(name, []);
  }

  // ------------------------------------------------------------------------------ actions

  // ---------------------------------------------------------------------------- conditions

  /** Checks that need the whole file: names looked up by the generated code, jump targets. */
  afterParse(): void {
    const defined = (kind: Use["kind"], name: string): boolean => this.definitions.some((d) => d.type === kind && d.name === name);
    const what: Record<Use["kind"], string> = { LIST: "list", RATE: "rate limit", SEARCH: "search path", PATTERN: "pattern", ZONE: "zone" };
    for (const u of this.uses) {
      const names = this.definitions.filter((d) => d.type === u.kind).map((d) => d.name);
      const guess = didYouMean(u.name, names);
      const hint = guess ? `did you mean '${guess}'?` : `define it in this file: %${u.kind} ${idsafe(u.name) ? u.name : "name"}: …`;
      if ((u.kind === "LIST" || u.kind === "RATE" || u.kind === "ZONE") && !idsafe(u.name)) {
        this.report("SFW507", u.span, { message: `invalid ${what[u.kind]} name: ${u.name}` }, { hint: "names start with a letter and contain only letters, digits and _" });
      } else if (!defined(u.kind, u.name)) {
        if (u.kind === "ZONE") this.report("SFW519", u.span, { message: `zone '${u.name}' is not defined in this file: it is empty unless another script defines it, and never matches` }, { hint });
        else this.report("SFW507", u.span, { message: `${u.kind === "SEARCH" || u.kind === "PATTERN" ? "undefined" : "unknown"} ${what[u.kind]}: ${u.name}` }, { hint });
      }
    }
    for (const j of this.jumps) {
      if (this.chainOrder.has(j.name)) continue;
      const guess = didYouMean(j.name, [...this.chainOrder.keys()]);
      this.report("SFW522", j.span, { name: j.name }, { hint: guess ? `did you mean '${guess}'?` : `define it with '::${j.name}'` });
    }
  }
}
