import { didYouMean } from "../diag/did-you-mean.js";
import type { Span } from "../diag/span.js";
import { pfwActionsByKey, type PfwActionInfo } from "../vocab/pfw-actions.js";
import { pfwConditionsByKey } from "../vocab/pfw-conditions.js";
import { targetDescriptions } from "../vocab/targets.js";
import { logArgument } from "./code-substitution.js";
import { idsafe, isSpace, trimLua } from "./lua-text.js";
import type { PfwAction } from "./model.js";
import type { ReadContext, Use } from "./read-context.js";
import { checkCode, checkExpressions } from "./read-expressions.js";
import { subSpan, type LogicalLine } from "./read-lines.js";

/**
 * Action lines (`NAME.` or `NAME=argument`): the name as mod_firewall looks it up (upper-cased,
 * spaces as `_`), and what each action handler refuses at load time, generates broken Lua for,
 * or silently ignores.
 */

/** The stanza error conditions of RFC 6120 (what BOUNCE's argument should start with). */
const errorConditions = [
  "bad-request", "conflict", "feature-not-implemented", "forbidden", "gone", "internal-server-error", "item-not-found",
  "jid-malformed", "not-acceptable", "not-allowed", "not-authorized", "payment-required", "policy-violation",
  "recipient-unavailable", "redirect", "registration-required", "remote-server-not-found", "remote-server-timeout",
  "resource-constraint", "service-unavailable", "subscription-required", "undefined-condition", "unexpected-request",
];
/** The stanza error types of RFC 6120. */
const errorTypes = ["auth", "cancel", "continue", "modify", "wait"];
/** The names RULEDEP accepts: mod_firewall's dependency table. */
const ruleDeps = [
  "st", "it", "it_count", "current_host", "jid_split", "jid_bare", "to", "from", "type", "name", "split_to", "split_from", "bare_to", "bare_from",
  "group_contains", "is_admin", "core_post_stanza", "zone", "date_time", "time", "timestamp", "globalthrottle", "multithrottle", "full_sessions",
  "rostermanager", "roster_entry", "list", "search", "pattern", "tokens", "scan_list",
];

/** An action line; undefined when the action is unknown, or missing in the target. */
export function readAction(cx: ReadContext, l: LogicalLine): PfwAction | undefined {
  const line = l.text;
  const rawName = /^[A-Za-z0-9_ ]+/.exec(line)![0];
  const key = rawName.toUpperCase().replace(/ /g, "_");
  const nameSpan = cx.span(l, 0, rawName.length);
  const info = pfwActionsByKey.get(key);
  const eq = line.indexOf("=");
  const argument = eq >= 0 && eq < line.length - 1 ? line.slice(eq + 1) : undefined;
  const argAt = eq + 1;
  const argSpan = argument !== undefined ? cx.span(l, argAt, line.length) : nameSpan;
  const lineSpan = cx.span(l, 0, line.length);
  if (!info || info.availability[cx.target].kind === "missing") {
    if (info) {
      cx.report("SFW514", nameSpan, { what: `the action ${info.name}`, target: targetDescriptions[cx.target] });
      return undefined;
    }
    const display = key.replace(/_/g, " ");
    const trimmed = key.replace(/_+$/, "");
    const cond = pfwConditionsByKey.get(key) ?? pfwConditionsByKey.get(trimmed);
    let hint: string | undefined;
    if (key.endsWith("_") && pfwActionsByKey.has(trimmed)) hint = `no space is allowed before '${line[rawName.length]}': write '${trimmed.replace(/_/g, " ")}${line[rawName.length]}'`;
    else if (cond) hint = `${cond.name} is a condition: write '${cond.name}${cond.argument === "none" ? "?" : ": …"}'`;
    else {
      const guess = didYouMean(display, cx.actionNames);
      if (guess) hint = `did you mean '${guess}'?`;
    }
    cx.report("SFW502", nameSpan, { name: display }, { hint });
    return undefined;
  }
  cx.availability(`the action ${info.name}`, info.availability[cx.target], nameSpan);
  if (argument !== undefined) {
    cx.commentChars(l, argAt, "argument");
    if (isSpace(argument[0]) && info.argument !== "none") cx.report("SFW516", cx.span(l, argAt, argAt + 1), {}, { hint: "nothing is skipped after '=': write the value right after it" });
  }
  checkAction(cx, info, argument, { line: lineSpan, name: nameSpan, arg: argSpan });
  return { name: info.name, argument, span: lineSpan };
}

function checkAction(cx: ReadContext, info: PfwActionInfo, arg: string | undefined, spans: { line: Span; name: Span; arg: Span }): void {
  const name = info.name;
  const err = (message: string, hint?: string, span = spans.arg): void => cx.report("SFW506", span, { message }, { hint });
  const warn = (message: string, hint?: string, span = spans.arg): void => cx.report("SFW519", span, { message }, { hint });
  const needs = (what: string): boolean => {
    if (arg !== undefined) return true;
    err(`${name} needs ${what} ('attempt to index a nil value')`, `write '${name}=${what}'`, spans.name);
    return false;
  };
  switch (name) {
    case "PASS":
    case "DROP":
    case "DEFAULT":
    case "RETURN":
    case "UNSUBSCRIBE SENDER":
      if (arg !== undefined) warn(`${name} takes no argument: '=${arg}' is ignored`, `write '${name}.'`);
      return;
    case "BOUNCE": {
      if (arg === undefined) return;
      const condition = /^\S+/.exec(arg)?.[0];
      if (condition === undefined) return warn("BOUNCE's argument starts with white space: mod_firewall does not read it and bounces with service-unavailable", "write the condition right after '=': 'BOUNCE=condition (text)'");
      const colon = condition.indexOf(":");
      const cond = colon >= 0 ? condition.slice(0, colon) : condition;
      if (!errorConditions.includes(cond)) {
        const guess = didYouMean(cond, errorConditions);
        warn(`'${cond}' is not a stanza error condition: the bounce carries an invalid error`, guess ? `did you mean '${guess}'?` : undefined);
      }
      if (colon >= 0) {
        const type = /^:(\S+)/.exec(condition.slice(colon))?.[1];
        if (type !== undefined && !errorTypes.includes(type)) warn(`'${type}' is not a stanza error type`, `error types are ${errorTypes.join(", ")}`);
      }
      const rest = arg.slice(condition.length);
      if (rest !== "" && !/ \([\s\S]+\)$/.test(rest)) warn(`the text after '${condition}' is ignored: the error text must be in parentheses`, `write 'BOUNCE=${condition} (${trimLua(rest)})'`);
      return;
    }
    case "REDIRECT":
    case "COPY":
      if (arg === undefined) warn(`${name} without a JID sends the copy back to the sender's session`, `write '${name}=jid'`, spans.name);
      return;
    case "FORWARD":
      if (arg === undefined) warn("FORWARD without a JID sends a message addressed to nobody", "write 'FORWARD=jid'", spans.name);
      return;
    case "REPLY":
      if (arg === undefined) warn("REPLY without a text replies with an empty body", "write 'REPLY=text'", spans.name);
      return;
    case "EVENT":
    case "JUMP EVENT":
      if (arg === undefined) warn(`${name} without an event name fires no event`, `write '${name}=event-name'`, spans.name);
      return;
    case "STRIP":
      needs("element namespace");
      return;
    case "INJECT":
      if (needs("<xml/>") && !/<[^>]+>/.test(arg!)) warn("INJECT needs an XML element: nothing to inject here (it fails when the rule runs)");
      return;
    case "LOG": {
      if (!needs("message")) return;
      checkExpressions(cx, arg!, spans.arg, true);
      const { level, message, offset } = logArgument(arg!);
      checkCode(cx, "LOG", message, subSpan(spans.arg, offset, message.length), level);
      return;
    }
    case "JUMP CHAIN":
      if (arg === undefined) {
        err("JUMP CHAIN needs a chain name ('attempt to concatenate a nil value')", "write 'JUMP CHAIN=user/name'", spans.name);
        return;
      }
      cx.jumps.push({ name: arg, span: spans.arg });
      return;
    case "MARK ORIGIN":
    case "UNMARK ORIGIN":
    case "MARK USER":
    case "UNMARK USER":
      if (arg === undefined) err(`${name} needs a mark name ('attempt to index a nil value')`, `write '${name}=name'`, spans.name);
      else if (!idsafe(arg)) err(`invalid mark name '${arg}' ('attempt to concatenate a nil value')`, "mark names start with a letter and contain only letters, digits and _");
      return;
    case "ADD TO": {
      if (!needs("list value")) return;
      const m = /(\S+) ([\s\S]+)/.exec(arg!);
      if (!m) return err("ADD TO needs a list name and a value ('attempt to concatenate a nil value')", "write 'ADD TO=listname value'");
      cx.use("LIST", m[1]!, subSpan(spans.arg, m.index, m[1]!.length));
      checkExpressions(cx, m[2]!, subSpan(spans.arg, m.index + m[1]!.length + 1, m[2]!.length), true);
      checkCode(cx, "ADD TO", m[2]!, subSpan(spans.arg, m.index + m[1]!.length + 1, m[2]!.length));
      return;
    }
    case "RULEDEP": {
      if (arg === undefined) return;
      const dep = /^([^:]+):?([\s\S]*)$/.exec(arg);
      if (!dep || !ruleDeps.includes(dep[1]!)) warn(`unknown dependency '${arg}': mod_firewall logs 'Dependency not found' and ignores it`);
      else if (dep[2] !== "") {
        const kinds: Record<string, Use["kind"]> = { list: "LIST", globalthrottle: "RATE", multithrottle: "RATE", search: "SEARCH", pattern: "PATTERN", zone: "ZONE" };
        const kind = kinds[dep[1]!];
        if (kind) cx.use(kind, dep[2]!, subSpan(spans.arg, dep[1]!.length + 1, dep[2]!.length));
      }
      return;
    }
    default:
      if (info.argument === "required" && arg === undefined) warn(`${name} expects an argument`, `write '${name}=…'`, spans.name);
  }
}
