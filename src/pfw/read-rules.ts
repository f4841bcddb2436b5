import { didYouMean } from "../diag/did-you-mean.js";
import { trimLua } from "./lua-text.js";
import type { PfwChain, PfwRule } from "./model.js";
import { readAction } from "./read-actions.js";
import { readCondition } from "./read-conditions.js";
import type { ReadContext, RuleDraft } from "./read-context.js";
import { readDefinition } from "./read-definitions.js";
import { positionIn, type LogicalLine } from "./read-lines.js";

/**
 * mod_firewall's parser loop over the logical lines: comments, blank lines ending rules,
 * `::chain` headers, `%` definitions and `@@` metadata between rules, condition lines, action
 * lines, and the line it swallows after an action (the rule is then stored twice). Builds the
 * chains of rules and reports the rules that never get an action.
 */

const builtinChains = ["preroute", "deliver", "deliver_remote"];

/** Conditions and actions whose argument is compared or sent as text, where trailing spaces would matter. */
const textArguments = new Set(["INSPECT", "IN ROSTER GROUP", "FROM GROUP", "TO GROUP", "TO EXACTLY", "FROM EXACTLY", "REPLY", "LOG", "STRIP"]);

/** Reads the rules, chain headers and definitions of a script's lines into `cx`. */
export function readRules(cx: ReadContext, lines: readonly LogicalLine[]): void {
  let state: "rules" | "actions" | undefined;
  let rule: RuleDraft | undefined;

  for (const l of lines) {
    const line = l.text;
    if (line.startsWith("#") || line.startsWith(";")) continue; // a comment does not end the rule
    if (line === "") {
      if (state === "rules") {
        cx.report("SFW503", cx.span(l, 0, 0), {}, { hint: "add an action (e.g. DROP. or PASS.) after the conditions, or remove the blank line", notes: rule ? [{ message: "the rule starts here", span: rule.firstSpan }] : [] });
      }
      state = undefined;
      rule = undefined;
      continue;
    }
    if (state === undefined && line.startsWith("::")) {
      chainHeader(cx, l);
      continue;
    }
    if (state === undefined && line.startsWith("@@") && cx.target === "13") {
      // Prosody 13's mod_firewall reads '@@ key = value' metadata here.
      if (!/^@@[ \t\n\v\f\r]*[A-Za-z0-9_]+[ \t\n\v\f\r]*=/.test(line)) cx.report("SFW505", cx.span(l, 0, line.length), { message: "unable to parse metadata assignment (expected '@@ key = value')" });
      continue;
    }
    if (state === undefined && line.startsWith("%")) {
      readDefinition(cx, l);
      continue;
    }
    if (/^[A-Za-z0-9_ ]+[.=]/.test(line)) {
      if (state === undefined || !rule) rule = newRule(cx, l);
      state = "actions";
      const action = readAction(cx, l);
      if (action) rule.actions.push(action);
      if (action?.argument) trailingSpaceWarning(cx, l, action.name, action.argument);
      rule.end = positionIn(l, line.length);
      continue;
    }
    if (state === "actions" && rule) {
      // mod_firewall drops this line and appends the current rule to its chain once more.
      rule.twice = true;
      cx.chainOrder.get(rule.chain)!.push(rule);
      const what = /^::|^%/.test(line) ? " (a chain header or definition is only read after a blank line)" : "";
      cx.report(rule.conditions.length > 0 ? "SFW509" : "SFW510", cx.span(l, 0, line.length), { what: rule.conditions.length > 0 ? "" : `; an action on the next line starts a rule without conditions${what}` }, {
        hint: "put a blank line between rules",
        notes: [{ message: "the rule stored twice starts here", span: rule.firstSpan }],
      });
      state = undefined;
      rule = undefined;
      continue;
    }
    if (state === undefined || !rule) {
      state = "rules";
      rule = newRule(cx, l);
    }
    const condition = readCondition(cx, l);
    if (condition) rule.conditions.push(condition);
    if (condition?.argument) trailingSpaceWarning(cx, l, condition.name, condition.argument);
    rule.end = positionIn(l, line.length);
  }
  if (state === "rules" && rule) cx.report("SFW512", { file: cx.file, start: rule.start, end: rule.end });
}

/**
 * The chains as the model has them. A rule mod_firewall stores twice is one object, listed twice
 * in its chain.
 */
export function buildChains(cx: ReadContext): PfwChain[] {
  const built = new Map<RuleDraft, PfwRule>();
  return [...cx.chainOrder].map(([name, drafts]) => ({
    name,
    rules: drafts.map((d) => {
      let r = built.get(d);
      if (!r) {
        r = { span: { file: cx.file, start: d.start, end: d.end }, conditions: d.conditions, actions: d.actions, ...(d.twice ? { storedTwice: true } : {}) };
        built.set(d, r);
      }
      return r;
    }),
  }));
}

/**
 * An argument whose text matters that ended in spaces before mod_firewall trimmed the line:
 * `INSPECT: body#/=buy ` tests "buy" (and matches "buyer").
 */
function trailingSpaceWarning(cx: ReadContext, l: LogicalLine, name: string, argument: string): void {
  if (!l.trailingSpace || !textArguments.has(name) || (name === "INSPECT" && !argument.includes("="))) return;
  cx.report("SFW519", cx.span(l, l.text.length, l.text.length), { message: `the spaces at the end of this line are dropped (mod_firewall trims every line): the argument is '${argument}'` });
}

/** A rule starting at this line, appended to the current chain. */
function newRule(cx: ReadContext, l: LogicalLine): RuleDraft {
  const r: RuleDraft = { chain: cx.chain, conditions: [], actions: [], start: positionIn(l, 0), end: positionIn(l, l.text.length), twice: false, firstSpan: cx.span(l, 0, l.text.length) };
  cx.chainOrder.get(cx.chain)!.push(r);
  return r;
}

/** A `::name` line: the rules after it go to that chain. */
function chainHeader(cx: ReadContext, l: LogicalLine): void {
  const line = l.text;
  const skip = /^::[ \t\n\v\f\r]*/.exec(line)![0].length;
  const name = line.slice(skip);
  cx.chain = name;
  const nameSpan = cx.span(l, skip, line.length);
  if (!builtinChains.includes(name) && !name.startsWith("user/")) {
    const commentAt = /[ \t][#;]/.exec(name);
    const base = commentAt ? trimLua(name.slice(0, commentAt.index)) : name;
    const guess = builtinChains.includes(base) ? base : didYouMean(base, builtinChains);
    const hint = commentAt
      ? `comments must be on a line of their own: write '::${base}' alone`
      : guess
        ? `did you mean '::${guess}'? (custom chains start with user/; other names need firewall_extra_chains in the config)`
        : "chains are preroute, deliver, deliver_remote and user/…; other names need firewall_extra_chains in the config";
    cx.report("SFW504", name === "" ? cx.span(l, 0, line.length) : nameSpan, { name }, { hint });
  } else {
    cx.commentChars(l, skip, "chain name");
  }
  if (!cx.chainOrder.has(name)) cx.chainOrder.set(name, []);
}
