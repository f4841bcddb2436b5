import type { Span } from "../diag/span.js";
import type { CheckContext } from "./context.js";
import { unsafeReason } from "./text-safety.js";

/** Why a compared JID must be normalised (SFW212). */
export const comparedWhy = "Prosody compares normalised JIDs, so it would never match";

/** What shape of JID a place accepts. */
export type JidShape = "any" | "bare" | "domain";

/** Splits `node@domain/resource` the way XMPP addresses split (RFC 7622 §3.1). */
export function splitJid(text: string): { node: string | undefined; domain: string; resource: string | undefined } {
  const slash = text.indexOf("/");
  const resource = slash >= 0 ? text.slice(slash + 1) : undefined;
  const local = slash >= 0 ? text.slice(0, slash) : text;
  const at = local.indexOf("@");
  return at >= 0 ? { node: local.slice(0, at), domain: local.slice(at + 1), resource } : { node: undefined, domain: local, resource };
}

/**
 * Checks a literal JID; reports and returns false when it is malformed. Warns when it is not
 * normalised: compared, it would never match; as a destination (`copy`, `redirect`, …) Prosody
 * routes it as written (core_route_stanza looks the host up without normalising it).
 */
export function validateJid(ctx: CheckContext, text: string, span: Span, shape: JidShape, use: "compared" | "destination" = "compared"): boolean {
  const fail = (why: string): false => {
    ctx.report("SFW211", span, { text, why });
    return false;
  };
  const unsafe = unsafeReason(text, "argument");
  if (unsafe) return fail(unsafe);
  if (/\s/.test(text)) return fail("JIDs cannot contain whitespace");
  const { node, domain, resource } = splitJid(text);
  if (domain.length === 0) return fail("the domain part is empty");
  if (node !== undefined && node.length === 0) return fail("the part before '@' is empty");
  if (resource !== undefined && resource.length === 0) return fail("the part after '/' is empty");
  if (node !== undefined && /["&'/:<>@]/.test(node)) return fail("the node part contains a character XMPP forbids there");
  if (/[@/]/.test(domain) || domain.startsWith(".") || domain.endsWith(".") || domain.includes("..")) return fail("the domain is malformed");
  if (shape === "bare" && resource !== undefined) return fail("expected a bare JID (no /resource)");
  if (shape === "domain" && (node !== undefined || resource !== undefined)) return fail("expected a domain");
  const normal = (node !== undefined ? `${node.toLowerCase()}@` : "") + domain.toLowerCase() + (resource !== undefined ? `/${resource}` : "");
  const why = use === "compared" ? comparedWhy : "Prosody routes a stanza by the address as written, and a host spelt so is none of the server's: it would go to another server";
  if (normal !== text) ctx.report("SFW212", span, { text, normal, why });
  return true;
}
