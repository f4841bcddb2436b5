import { didYouMean } from "../diag/did-you-mean.js";
import type { Span } from "../diag/span.js";
import type { PfwConditionInfo } from "../vocab/pfw-conditions.js";
import { formatsAsInteger, idsafe } from "./lua-text.js";
import type { ReadContext } from "./read-context.js";
import { checkCode, checkExpressions } from "./read-expressions.js";
import { subSpan } from "./read-lines.js";
import { checkCount, checkDay, checkInspect, checkJid, checkTime } from "./read-structured-arguments.js";

/**
 * The argument of a known condition, checked as its handler in mod_firewall's conditions.lib.lua
 * reads it: what fails at load time (SFW506), what generates Lua that does not compile (SFW508),
 * and what loads but does not do what it says (SFW519). The arguments with a grammar of their
 * own are read in read-structured-arguments.ts.
 */

const stanzaKinds = ["message", "presence", "iq"];
const stanzaTypes = ["normal", "chat", "groupchat", "headline", "error", "available", "unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "get", "set", "result"];

/** Reports what is wrong with the argument of the condition `info` (undefined when the line has none). */
export function checkCondition(cx: ReadContext, info: PfwConditionInfo, arg: string | undefined, spans: { line: Span; name: Span; arg: Span }): void {
  const name = info.name;
  const err = (message: string, hint?: string, span = spans.arg): void => cx.report("SFW506", span, { message }, { hint });
  const warn = (message: string, hint?: string, span = spans.arg): void => cx.report("SFW519", span, { message }, { hint });
  const missingArg = (message: string, example: string): boolean => {
    if (arg !== undefined) return false;
    err(message, `write '${name}: ${example}'`, spans.name);
    return true;
  };
  switch (name) {
    case "KIND":
    case "TYPE": {
      if (missingArg(name === "KIND" ? "expected stanza kind to match against" : "expected 'type' value to match against", name === "KIND" ? "message" : "chat")) return;
      const values = [...arg!.matchAll(/[^ \t\n\v\f\r,|]+/g)].map((m) => m[0]);
      if (values.length === 0) {
        cx.report("SFW508", spans.arg, { message: `${name} without any value generates invalid Lua`, chain: cx.chain });
        return;
      }
      const valid = name === "KIND" ? stanzaKinds : stanzaTypes;
      for (const v of values) {
        if (valid.includes(v)) continue;
        const guess = didYouMean(v, valid);
        warn(`'${v}' is not a stanza ${name === "KIND" ? "kind" : "type"}: it never matches`, guess ? `did you mean '${guess}'?` : `${name === "KIND" ? "kinds" : "types"} are ${valid.join(", ")}`);
      }
      return;
    }
    case "TO":
    case "FROM":
      if (arg === undefined) warn(`${name} without a JID only matches stanzas whose ${name === "TO" ? "recipient" : "sender"} address is missing or invalid`, `write '${name}: jid'`, spans.name);
      else checkJid(cx, arg, spans.arg);
      return;
    case "TO EXACTLY":
    case "FROM EXACTLY":
      if (arg === undefined) warn(`${name} without a JID compares the address with nil`, `write '${name}: jid'`, spans.name);
      else {
        checkExpressions(cx, arg, spans.arg, true);
        checkCode(cx, name, arg, spans.arg);
      }
      return;
    case "TO SELF":
    case "TO FULL JID":
    case "SUBSCRIBED":
    case "PENDING SUBSCRIPTION FROM SENDER":
    case "SENT DIRECTED PRESENCE TO SENDER":
    case "FROM ADMIN":
    case "TO ADMIN":
    case "FROM FULL JID":
      if (arg !== undefined) warn(`${name} takes no argument: '${arg}' is ignored`, `write '${name}?'`);
      return;
    case "ENTERING":
    case "LEAVING":
      if (missingArg(`${name} needs a zone name ('attempt to concatenate a nil value')`, "zonename")) return;
      if (arg === "$local") return;
      cx.use("ZONE", arg!, spans.arg);
      return;
    case "IN ROSTER":
      if (arg !== undefined && !["yes", "true", "no", "false"].includes(arg.toLowerCase())) warn(`IN ROSTER reads '${arg}' as 'no' (only yes/true mean yes): this tests NOT in roster`, "write 'IN ROSTER?' or 'NOT IN ROSTER?'");
      return;
    case "IN ROSTER GROUP":
    case "FROM GROUP":
    case "TO GROUP":
    case "PAYLOAD":
    case "MAY":
    case "TO ROLE":
    case "FROM ROLE":
      if (arg === undefined) warn(`${name} without an argument compares with nil and never matches as meant`, `write '${name}: …'`, spans.name);
      return;
    case "FROM ADMIN OF":
    case "TO ADMIN OF":
      if (arg === undefined) warn(`${name} without a host checks against nil`, `write '${name}: host'`, spans.name);
      else if (arg !== "*") {
        checkExpressions(cx, arg, spans.arg, false);
        checkCode(cx, name, arg, spans.arg);
      }
      return;
    case "CROSSING GROUPS": {
      if (missingArg("CROSSING GROUPS needs group names ('attempt to index a nil value')", "group1, group2")) return;
      const groups = [...arg!.matchAll(/[^, ][^,]+/g)];
      if (groups.length === 0) cx.report("SFW508", spans.arg, { message: "CROSSING GROUPS reads no group name here (each needs at least two characters) and generates invalid Lua", chain: cx.chain });
      else if (groups.length > 1) warn("with several groups, mod_firewall negates only the first: the rule matches when the stanza does not cross into the first group OR crosses into another one", "write one rule per group");
      return;
    }
    case "INSPECT":
      if (missingArg("INSPECT needs a stanza path ('attempt to index a nil value')", "body#/=text")) return;
      checkInspect(cx, arg!, spans.arg);
      return;
    case "DAY":
      if (missingArg("DAY needs days ('attempt to index a nil value')", "mon-fri")) return;
      checkDay(cx, arg!, spans.arg);
      return;
    case "TIME":
      if (missingArg("TIME needs time ranges ('attempt to index a nil value')", "09:00-17:00")) return;
      checkTime(cx, arg!, spans.arg);
      return;
    case "LIMIT": {
      if (missingArg("LIMIT needs a rate name ('attempt to index a nil value')", "ratename")) return;
      const on = /^([A-Za-z0-9]+) on ([\s\S]+)$/.exec(arg!);
      const rate = on?.[1] ?? /^[A-Za-z0-9]+$/.exec(arg!)?.[0];
      if (rate === undefined) {
        err("unable to parse LIMIT specification", /_/.test(arg!) ? "LIMIT only accepts rate names made of letters and digits (no '_')" : "write 'LIMIT: ratename' or 'LIMIT: ratename on $<expression>'");
        return;
      }
      cx.use("RATE", rate, subSpan(spans.arg, 0, rate.length));
      cx.rateTests.push({ rate, chain: cx.chain, span: subSpan(spans.arg, 0, rate.length) });
      if (on) {
        checkExpressions(cx, on[2]!, subSpan(spans.arg, rate.length + 4, on[2]!.length), true);
        checkCode(cx, "LIMIT", on[2]!, subSpan(spans.arg, rate.length + 4, on[2]!.length));
      }
      return;
    }
    case "ORIGIN MARKED":
    case "USER MARKED": {
      if (missingArg(`${name} needs a mark name ('attempt to index a nil value')`, "markname (60s)")) return;
      const timed = /^[ \t\n\v\f\r]*([A-Za-z0-9_]+)[ \t\n\v\f\r]+\(([^)]+)s\)[ \t\n\v\f\r]*$/.exec(arg!);
      const plain = timed ? undefined : /^[ \t\n\v\f\r]*([A-Za-z0-9_]+)[ \t\n\v\f\r]*$/.exec(arg!);
      const mark = timed?.[1] ?? plain?.[1];
      if (mark === undefined) {
        err("error parsing mark name", `write '${name}: markname' or '${name}: markname (60s)'`);
        return;
      }
      if (timed) {
        if (!formatsAsInteger(timed[2]!)) err(`the time '${timed[2]}s' is not a whole number of seconds ('bad argument #2 to 'format'')`);
        else if (!idsafe(mark)) warn(`'${mark}' is not a valid mark name: this tests a mark called 'nil'`, "mark names start with a letter");
      } else if (!idsafe(mark)) err(`invalid mark name '${mark}' ('attempt to concatenate a nil value')`, "mark names start with a letter and contain only letters, digits and _");
      return;
    }
    case "CHECK LIST": {
      if (missingArg("CHECK LIST needs 'LIST contains EXPRESSION' ('attempt to index a nil value')", "listname contains $<@from|bare>")) return;
      const m = /(\S+) contains ([\s\S]+)$/.exec(arg!);
      if (!m) return err("error parsing list check, syntax: LISTNAME contains EXPRESSION");
      cx.use("LIST", m[1]!, subSpan(spans.arg, m.index, m[1]!.length));
      checkExpressions(cx, m[2]!, subSpan(spans.arg, m.index + m[1]!.length + 10, m[2]!.length), true);
      checkCode(cx, "CHECK LIST", m[2]!, subSpan(spans.arg, m.index + m[1]!.length + 10, m[2]!.length));
      return;
    }
    case "SCAN": {
      if (missingArg("SCAN needs 'SEARCH for PATTERN in LIST' ('attempt to index a nil value')", "body for word in badwords")) return;
      const m = /(\S+) for (\S+) in (\S+)$/.exec(arg!);
      if (!m) return err("error parsing SCAN expression, syntax: SEARCH for PATTERN in LIST");
      const s = m.index;
      cx.use("SEARCH", m[1]!, subSpan(spans.arg, s, m[1]!.length));
      cx.use("PATTERN", m[2]!, subSpan(spans.arg, s + m[1]!.length + 5, m[2]!.length));
      cx.use("LIST", m[3]!, subSpan(spans.arg, s + m[1]!.length + m[2]!.length + 9, m[3]!.length));
      return;
    }
    case "COUNT": {
      if (missingArg("COUNT needs 'PATTERN in SEARCH COMPARATOR' ('attempt to index a nil value')", "lines in body > 10")) return;
      checkCount(cx, arg!, spans.arg);
      return;
    }
    default:
      if (info.argument === "required" && arg === undefined) warn(`${name} expects an argument`, `write '${name}: …'`, spans.name);
  }
}
