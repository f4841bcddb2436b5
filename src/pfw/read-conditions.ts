import { didYouMean } from "../diag/did-you-mean.js";
import { pfwActionsByKey } from "../vocab/pfw-actions.js";
import { pfwConditionsByKey } from "../vocab/pfw-conditions.js";
import { targetDescriptions } from "../vocab/targets.js";
import { isAlnum, isSpace, trimLua } from "./lua-text.js";
import type { PfwCondition } from "./model.js";
import type { ReadContext } from "./read-context.js";
import { checkCondition } from "./read-condition-arguments.js";
import type { LogicalLine } from "./read-lines.js";

/**
 * Condition lines (`NAME: argument`, `NAME?`, `NOT NAME …`): the name and argument as
 * mod_firewall splits them, and for a name it does not know, a hint at what was meant.
 */

/** Common mistakes for a condition name, with what to write instead. */
const conditionHints: Readonly<Record<string, string>> = {
  BODY: "to test the body, write 'INSPECT: body#/=text' (contains), 'INSPECT: body#=text' (equals) or 'INSPECT: body#~=lua pattern'",
  BODY_CONTAINS: "write 'INSPECT: body#/=text'",
  BODY_MATCHES: "write 'INSPECT: body#~=lua pattern'",
  CONTAINS: "write 'INSPECT: path#/=text'",
  MATCHES: "write 'INSPECT: path#~=lua pattern'",
  FROM_JID: "write 'FROM: jid' (or 'FROM EXACTLY: jid')",
  TO_JID: "write 'TO: jid' (or 'TO EXACTLY: jid')",
  STANZA: "write 'KIND: message|presence|iq'",
  NAME: "write 'KIND: message|presence|iq'",
};

/** A name as printed in a message: an invisible byte order mark shown as such. */
function visible(name: string): string {
  return name.replace(/\uFEFF/g, "<U+FEFF>");
}

/** A condition line; undefined when the condition is unknown, or missing in the target. */
export function readCondition(cx: ReadContext, l: LogicalLine): PfwCondition | undefined {
  const line = l.text;
  const rawName = /^[^:=.?]*/.exec(line)![0];
  let name = rawName;
  let negated = false;
  for (let i = 0; i + 3 <= rawName.length; i++) {
    if (rawName.startsWith("NOT", i) && !isAlnum(rawName[i - 1]) && !isAlnum(rawName[i + 3])) {
      // mod_firewall cuts out "NOT" and the character after it, then trims.
      name = trimLua(rawName.slice(0, i) + rawName.slice(i + 4));
      negated = true;
      break;
    }
  }
  const key = name.replace(/ /g, "_");
  const nameSpan = rawName.length > 0 ? cx.span(l, 0, rawName.length) : cx.span(l, 0, line.length);
  const lineSpan = cx.span(l, 0, line.length);
  // The argument: after the first ':' (one white-space character skipped), at least one character.
  let argument: string | undefined;
  let argAt = line.length;
  const colon = line.indexOf(":");
  if (colon >= 0 && colon < line.length - 1) {
    argAt = isSpace(line[colon + 1]) && colon + 2 < line.length ? colon + 2 : colon + 1;
    argument = line.slice(argAt);
  }
  const info = pfwConditionsByKey.get(key);
  if (!info || info.availability[cx.target].kind === "missing") {
    if (info) {
      cx.report("SFW514", nameSpan, { what: `the condition ${info.name}`, target: targetDescriptions[cx.target] });
      return undefined;
    }
    cx.report("SFW501", nameSpan, { name: visible(key.replace(/_/g, " ")) }, { hint: conditionHint(cx, name, key, line) });
    return undefined;
  }
  cx.availability(`the condition ${info.name}`, info.availability[cx.target], nameSpan);
  const argSpan = argument !== undefined ? cx.span(l, argAt, line.length) : nameSpan;
  if (argument !== undefined) {
    if (isSpace(argument[0])) cx.report("SFW516", cx.span(l, colon + 1, argAt + 1), {}, { hint: "mod_firewall skips exactly one white-space character after ':'" });
    cx.commentChars(l, argAt, "argument");
  } else if (colon < 0 && /\?./.test(line.slice(rawName.length))) {
    cx.report("SFW519", cx.span(l, rawName.length + 1, line.length), { message: "the text after '?' is ignored" });
  }
  checkCondition(cx, info, argument, { line: lineSpan, name: nameSpan, arg: argSpan });
  return { name: info.name, negated, argument, span: lineSpan };
}

/** What to write instead of an unknown condition name, where a likely mistake is recognised. */
function conditionHint(cx: ReadContext, name: string, key: string, line: string): string | undefined {
  const display = key.replace(/_/g, " ");
  if (line.startsWith("\uFEFF")) return "the file starts with a byte order mark (U+FEFF), which mod_firewall reads as part of the first line: save the file as UTF-8 without a BOM";
  if (line.startsWith("::") || line.startsWith("%")) return `a ${line.startsWith("::") ? "chain header" : "definition"} is only read between rules: put a blank line before it`;
  if (name === "") return "a condition line starts with its name, e.g. 'KIND: message'";
  if (line.startsWith("@@")) return "'@@ key = value' metadata lines need Prosody 13's mod_firewall (target \"13\")";
  if (/[ \t]$/.test(name) && pfwConditionsByKey.has(trimLua(name).replace(/ /g, "_"))) return `no space is allowed before '${line[/^[^:=.?]*/.exec(line)![0].length] ?? ":"}': write '${trimLua(name)}${line[/^[^:=.?]*/.exec(line)![0].length] ?? ":"} …'`;
  const upperKey = key.toUpperCase();
  const upper = pfwConditionsByKey.get(upperKey);
  if (upper && upperKey !== key) return `condition names are case-sensitive: write '${upper.name}'`;
  const action = pfwActionsByKey.get(upperKey) ?? pfwActionsByKey.get(upperKey.replace(/_+$/, ""));
  if (action) return `${action.name} is an action: write '${action.name}${action.argument === "none" || action.argument === "optional" ? "." : "=…"}'${action.argument !== "none" ? ` (arguments follow '=')` : ""}`;
  if (conditionHints[upperKey]) return conditionHints[upperKey];
  if (/^NOT[ _]/.test(name)) return "only one NOT is removed from a condition";
  const guess = didYouMean(display, cx.conditionNames) ?? didYouMean(display.replace(/[ _]+/g, " "), cx.conditionNames);
  return guess ? `did you mean '${guess}'?` : undefined;
}
