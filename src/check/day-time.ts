import type * as ast from "../syntax/ast.js";
import type { Span } from "../diag/span.js";
import type { CheckContext } from "./context.js";
import type { Formula } from "./model.js";
import { didYouMean } from "../diag/did-you-mean.js";

const dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function dayName(ctx: CheckContext, v: ast.Value): string | undefined {
  const name = v.kind === "ref" && v.parts.length === 1 ? v.parts[0]!.text : undefined;
  if (name === undefined || !dayNames.includes(name.toLowerCase())) {
    const s = name ? didYouMean(name, dayNames) : undefined;
    ctx.report("SFW209", v.span, { name: name ?? v.kind }, { hint: s ? `did you mean '${s}'?` : `days: ${dayNames.join(", ")}` });
    return undefined;
  }
  return name.toLowerCase();
}

/** `day in [mon..fri, sun]` → DAY (which, in mod_firewall, compares the day of the month). */
export function translateDays(ctx: CheckContext, right: ast.Value, span: Span): Formula | undefined {
  if (right.kind !== "list-literal" || right.items.length === 0) {
    ctx.report("SFW203", right.span, { message: "day in […] takes a list of days and ranges, e.g. [mon..fri]" });
    return undefined;
  }
  const parts: string[] = [];
  for (const item of right.items) {
    if (item.kind === "range") {
      const a = dayName(ctx, item.from);
      const b = dayName(ctx, item.to);
      if (!a || !b) return undefined;
      parts.push(`${a}-${b}`);
    } else {
      const d = dayName(ctx, item);
      if (!d) return undefined;
      parts.push(d);
    }
  }
  ctx.report("SFW403", span, {
    message: "mod_firewall's DAY compares these day numbers with the day of the MONTH, not the weekday: this condition will not follow the calendar week",
  });
  return { kind: "literal", name: "DAY", argument: parts.join(", "), span, sideEffect: false };
}

function clock(ctx: CheckContext, v: ast.Value): ast.TimeLit | undefined {
  if (v.kind !== "time") {
    ctx.report("SFW208", v.span, { why: "expected a time of day such as 09:00" });
    return undefined;
  }
  if (v.hour > 23 || v.minute > 59) {
    ctx.report("SFW208", v.span, { why: `${v.text} is not a time of day` });
    return undefined;
  }
  if (v.minute !== 0) {
    ctx.report("SFW402", v.span, { feature: `the time ${v.text}`, why: "mod_firewall's TIME raises an error for every stanza during the hour of a boundary with minutes; use whole hours" });
    return undefined;
  }
  return v;
}

/** `time in [09:00..17:00, 22:00..06:00]` → TIME (server local time, start inclusive, end exclusive). */
export function translateTimes(ctx: CheckContext, right: ast.Value, span: Span): Formula | undefined {
  if (right.kind !== "list-literal" || right.items.length === 0) {
    ctx.report("SFW203", right.span, { message: "time in […] takes a list of ranges, e.g. [09:00..17:00]" });
    return undefined;
  }
  const parts: string[] = [];
  for (const item of right.items) {
    if (item.kind !== "range") {
      ctx.report("SFW208", item.span, { why: "expected a range such as 09:00..17:00" });
      return undefined;
    }
    const a = clock(ctx, item.from);
    const b = clock(ctx, item.to);
    if (!a || !b) return undefined;
    if (a.hour === b.hour) {
      ctx.report("SFW208", item.span, { why: "start and end are the same hour, so the range is empty" });
      return undefined;
    }
    parts.push(`${a.hour}:00-${b.hour}:00`);
  }
  return { kind: "literal", name: "TIME", argument: parts.join(", "), span, sideEffect: false };
}
