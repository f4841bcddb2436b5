import type { Span } from "../diag/span.js";
import type { CheckContext } from "./context.js";
import { unsafeReason } from "./text-safety.js";

/**
 * Checks a stanza path (`{ns}name/child#`, `@attr`, `x/y@attr`) against the syntax mod_firewall's
 * `stanza:find` understands. `use` is "value" for text-yielding uses (comparisons need `#` or `@`).
 */
export function validatePath(ctx: CheckContext, path: string, span: Span, use: "value" | "exists"): boolean {
  const fail = (why: string): false => {
    ctx.report("SFW214", span, { text: path, why });
    return false;
  };
  const why = unsafeReason(path, "argument");
  if (why) return fail(why);
  if (/\s/.test(path)) return fail("it contains whitespace");
  // Steps: optional {namespace}, a name (may be empty = any element); then optional #, or @attr at the end.
  const step = String.raw`(?:\{[^{}=]+\})?[^/{}#@<>|=~$]*`;
  const shape = new RegExp(String.raw`^(?:${step}(?:/${step})*)?(?:#|@[^/{}#@=~$<>|]+)?$`);
  if (!shape.test(path)) return fail("expected steps like {namespace}name separated by '/', ending in '#' for text or '@attr' for an attribute");
  if (use === "value" && !path.endsWith("#") && !path.includes("@")) {
    return fail("a compared path must end in '#' (text content) or '@name' (attribute value)");
  }
  return true;
}
