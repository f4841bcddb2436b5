import type { Span } from "../diag/span.js";
import type { CheckContext } from "./context.js";
import { unsafeReason } from "./text-safety.js";

/**
 * Checks that `xml` is one element that mod_firewall's INJECT reader reproduces faithfully:
 * it scans `<tag attrs>text` pieces (no entities, comments, CDATA or `>` in values), and it
 * silently drops attributes whose value contains the character `2`.
 */
export function validateInjectXml(ctx: CheckContext, xml: string, span: Span): boolean {
  const fail = (why: string): false => {
    ctx.report("SFW215", span, { why });
    return false;
  };
  const unsafe = unsafeReason(xml, "argument");
  if (unsafe) return fail(unsafe);
  if (/[&]/.test(xml)) return fail("entities (&…;) are not decoded by INJECT");
  if (/<!|<\?/.test(xml)) return fail("comments, CDATA and processing instructions are not supported by INJECT");
  const stack: string[] = [];
  let i = 0;
  let roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (text.trim() !== "" && stack.length === 0) return fail("text outside the element");
    if (lt < 0) break;
    const gt = xml.indexOf(">", lt);
    if (gt < 0) return fail("a tag is not closed with '>'");
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) return fail(`'</${name}>' does not close the open element`);
    } else {
      const selfClosing = tag.endsWith("/");
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:'[^']*'|"[^"]*"))*)\s*$/.exec(body);
      if (!m) return fail(`cannot read the tag <${tag}>`);
      if (stack.length === 0) roots++;
      if (roots > 1) return fail("only one element can be injected");
      for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
        const value = a[2] ?? a[3] ?? "";
        if (value.includes("2")) return fail(`mod_firewall's INJECT silently drops attribute ${a[1]}, because its value contains the character '2'`);
      }
      if (!selfClosing) stack.push(m[1]!);
    }
    i = gt + 1;
  }
  if (stack.length > 0) return fail(`<${stack[stack.length - 1]}> is never closed`);
  if (roots === 0) return fail("no element");
  return true;
}
