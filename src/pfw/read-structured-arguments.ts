import { didYouMean } from "../diag/did-you-mean.js";
import type { Span } from "../diag/span.js";
import { patternError } from "../lua/string-functions.js";
import type { ReadContext } from "./read-context.js";
import { checkCode, checkExpressions } from "./read-expressions.js";
import { subSpan } from "./read-lines.js";

/**
 * The condition arguments that have a small grammar of their own, read the way their handlers
 * read them: INSPECT's stanza path and comparison, DAY's day ranges, TIME's clock ranges,
 * COUNT's `PATTERN in SEARCH COMPARATOR`, and the JID of TO and FROM.
 */

/** mod_firewall's `day_numbers` (as written there: Sunday 0, Monday 2); the reader only asks whether a name is in it. */
const dayNames: Readonly<Record<string, number>> = { sun: 0, mon: 2, tue: 3, wed: 4, thu: 5, fri: 6, sat: 7 };

/** INSPECT's `path[$][~|/]=value`: the path must give a string, the comparison must be known. */
export function checkInspect(cx: ReadContext, path: string, span: Span): void {
  const eq = path.indexOf("=");
  if (eq < 0) return;
  let q = eq;
  while (q > 0 && "~/$".includes(path[q - 1]!)) q--;
  const query = path.slice(0, q);
  let matchType = path.slice(q, eq);
  const value = path.slice(eq + 1);
  if (!(/#$/.test(query) || /@[^/]+/.test(query))) {
    cx.report("SFW506", subSpan(span, 0, q), { message: "stanza path does not return a string (append # for text content or @name for value of named attribute)" }, { hint: "e.g. 'INSPECT: body#/=text' or 'INSPECT: {jabber:client}body#=text'" });
    return;
  }
  const dollar = matchType.includes("$");
  matchType = matchType.replace(/\$/g, "");
  if (!["~", "/", ""].includes(matchType)) {
    cx.report("SFW506", subSpan(span, q, eq - q + 1), { message: `unrecognised comparison '${matchType}='` }, { hint: "comparisons are '=' (equals), '/=' (contains), '~=' (Lua pattern), each optionally preceded by '$' for expressions" });
    return;
  }
  const valueSpan = subSpan(span, eq + 1, value.length);
  if (dollar) {
    checkExpressions(cx, `"${value}"`, valueSpan, true, 1);
    checkCode(cx, "INSPECT", value, valueSpan);
  }
  if (matchType === "~") {
    const e = patternError(value);
    if (e) cx.report("SFW517", valueSpan, { message: `invalid Lua pattern (${e}): mod_firewall loads it, but every stanza that reaches this test raises an error` });
  }
}

/** DAY's comma-separated days and day ranges (and SFW517: it compares them with the day of the month). */
export function checkDay(cx: ReadContext, days: string, span: Span): void {
  const resolve = (day: string): boolean => dayNames[day.slice(0, 3).toLowerCase()] !== undefined;
  let count = 0;
  let offset = 0;
  for (const range of days.split(",")) {
    const at = offset;
    offset += range.length + 1;
    if (range === "") continue;
    count++;
    const r = /([A-Za-z]+)[ \t\n\v\f\r]*-[ \t\n\v\f\r]*([A-Za-z]+)/.exec(range);
    const single = r ? undefined : /[A-Za-z]+/.exec(range);
    // Each word with where it stands in the range (the second of `sun-su` is not at indexOf('su')).
    const words: { w: string; at: number }[] = r
      ? [
          { w: r[1]!, at: r.index },
          { w: r[2]!, at: r.index + r[0].length - r[2]!.length },
        ]
      : single
        ? [{ w: single[0], at: single.index }]
        : [];
    if (words.length === 0) {
      cx.report("SFW506", subSpan(span, at, range.length), { message: `unable to parse day/day range: ${range}` });
      continue;
    }
    for (const { w, at: inRange } of words) {
      if (!resolve(w)) {
        const guess = didYouMean(w, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
        cx.report("SFW506", subSpan(span, at + inRange, w.length), { message: `unknown day name: ${w}` }, { hint: guess ? `did you mean '${guess}'?` : "days are mon, tue, wed, thu, fri, sat, sun" });
      }
    }
  }
  if (count === 0) cx.report("SFW506", span, { message: "expected a list of days or day ranges" });
  else cx.report("SFW517", span, { message: "DAY compares these day numbers with the day of the MONTH (1–31), not the weekday: it does not do what it says" });
}

/** TIME's comma-separated `HH:MM-HH:MM` ranges (12-hour `am`/`pm` converted as mod_firewall does). */
export function checkTime(cx: ReadContext, ranges: string, span: Span): void {
  let offset = 0;
  let minutes = false;
  for (const piece of ranges.split(",")) {
    const at = offset;
    offset += piece.length + 1;
    if (piece === "") continue;
    const range = piece
      .toLowerCase()
      .replace(/(\d+):?(\d*) *am/g, (_, h: string, m: string) => `${Number(h) % 12}:${m === "" ? "00" : String(Number(m))}`)
      .replace(/(\d+):?(\d*) *pm/g, (_, h: string, m: string) => `${(Number(h) % 12) + 12}:${m === "" ? "00" : String(Number(m))}`);
    const start = /(\d+):(\d+) *-/.exec(range);
    const end = /- *(\d+):(\d+)/.exec(range);
    if (!start || !end) {
      cx.report("SFW506", subSpan(span, at, piece.length), { message: `unable to parse time range '${piece}' ('bad argument #1 to 'tonumber'')` }, { hint: "write HH:MM-HH:MM (24-hour clock), e.g. 09:00-17:00, or 9am-5pm" });
      continue;
    }
    if (Number(start[2]) !== 0 || Number(end[2]) !== 0) minutes = true;
  }
  if (minutes) cx.report("SFW517", span, { message: "TIME with minutes other than :00 raises an error during that boundary's hour (mod_firewall refers to an undefined variable)" }, { hint: "use whole hours" });
}

/** COUNT's `PATTERN in SEARCH COMPARATOR`: the operator and value, and the names it looks up. */
export function checkCount(cx: ReadContext, expr: string, span: Span): void {
  const m = /(\S+) in (\S+) ([\s\S]+)$/.exec(expr);
  if (!m) {
    cx.report("SFW506", span, { message: "error parsing COUNT expression, syntax: PATTERN in SEARCH COMPARATOR" });
    return;
  }
  const comparatorAt = m.index + m[1]!.length + m[2]!.length + 5;
  const comparator = m[3]!;
  const numbers = [...comparator.matchAll(/\d+/g)];
  const last = numbers[numbers.length - 1]?.[0];
  const compSpan = subSpan(span, comparatorAt, comparator.length);
  if (last === undefined) {
    cx.report("SFW506", compSpan, { message: "error parsing COUNT expression, expected value" });
    return;
  }
  const op = comparator.replace(/\d+/g, "").replace(/[ \t\n\v\f\r]+/g, "");
  if (!["<", ">", "=", "==", "<=", ">="].includes(op)) {
    cx.report("SFW506", compSpan, { message: `error parsing COUNT expression, unknown comparison operator: ${op}` }, { hint: "operators are <, >, <=, >=, ==" });
    return;
  }
  if (BigInt(last) > 9223372036854775807n) {
    cx.report("SFW506", compSpan, { message: "COUNT value too large ('number has no integer representation')" });
    return;
  }
  if (numbers.length > 1) cx.report("SFW519", compSpan, { message: `COUNT uses only the last number (${last}) of '${comparator}'` });
  if (op === "=") cx.report("SFW508", compSpan, { message: "COUNT with '=' generates invalid Lua", chain: cx.chain }, { hint: "write '=='" });
  cx.use("PATTERN", m[1]!, subSpan(span, m.index, m[1]!.length));
  cx.use("SEARCH", m[2]!, subSpan(span, m.index + m[1]!.length + 4, m[2]!.length));
}

/** A JID in TO/FROM: warn when it is not normalised (Prosody compares normalised JIDs). */
export function checkJid(cx: ReadContext, jid: string, span: Span): void {
  const bare = jid.split("/")[0]!;
  const plain = bare.replace(/<[^>]*>/g, "");
  if (/[A-Z]/.test(plain)) cx.report("SFW519", span, { message: `'${jid}' has upper-case letters: Prosody normalises addresses to lower case, so this never matches` }, { hint: `write '${bare.toLowerCase()}${jid.slice(bare.length)}'` });
}
