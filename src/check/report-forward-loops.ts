import type { Formula, Literal } from "./model.js";

/**
 * FORWARD and REPORT TO in `deliver` post a new message: from the server's host, to the target,
 * holding the stanza in `<forwarded xmlns='urn:xmpp:forward:0'>` and nothing else. Sent to an
 * address on this server, it goes through `deliver` again; if the rule that sent it matches it
 * too, it is forwarded again, and again, until Lua's stack overflows and the original stanza is
 * lost. This says whether the rule's condition can hold for that message.
 *
 * Three-valued, as far as the checker can know the message: its kind, type and payload are known;
 * a test of an address (sender, recipient, zones, lists of addresses, rosters, groups) is taken
 * to be false, since such tests are how operators tell users' stanzas apart and the server's
 * own address is in none of them (negated, such a test is true: `not from.host in blocked`
 * holds for the server); a test of state (rates, marks, time) may be either.
 */
type Truth = "true" | "false" | "unknown";

const forwardNs = "urn:xmpp:forward:0";

/** Conditions about an address: false for a message from the server to the forward target. */
const addressTests = new Set(["TO", "FROM", "TO EXACTLY", "FROM EXACTLY", "TO SELF", "TO FULL JID", "FROM FULL JID", "ENTERING", "LEAVING", "IN ROSTER", "IN ROSTER GROUP", "SUBSCRIBED", "PENDING SUBSCRIPTION FROM SENDER", "SENT DIRECTED PRESENCE TO SENDER", "FROM GROUP", "TO GROUP", "CROSSING GROUPS", "FROM ADMIN", "TO ADMIN", "FROM ADMIN OF", "TO ADMIN OF", "TO ROLE", "FROM ROLE", "CHECK LIST", "SCAN", "FROM COUNTRY", "FROM IP", "FROM SUBNET"]);

function items(argument: string | undefined): string[] {
  return argument?.match(/[^\s,|]+/g) ?? [];
}

/** INSPECT on the forwarded message: only a path into `<forwarded>` or an attribute of the message can find anything. */
function inspect(argument: string | undefined): Truth {
  const path = argument ?? "";
  if (path.startsWith("@") || path.startsWith(`{${forwardNs}}forwarded`)) return "unknown";
  const compare = /^(.*?)([~/$]*)=(.*)$/s.exec(path);
  if (!compare) return "false"; // nothing found
  const [, , how, value] = compare;
  // Nothing found is compared as "" by a pattern or a substring test, as nil by equality.
  if (how!.includes("~")) return "unknown";
  if (how!.includes("/")) return value === "" ? "true" : how!.includes("$") ? "unknown" : "false";
  return "false";
}

function literal(l: Literal): Truth {
  switch (l.name) {
    case "KIND":
      return items(l.argument).includes("message") ? "true" : "false";
    case "TYPE":
      return items(l.argument).includes("normal") ? "true" : "false";
    case "PAYLOAD":
      return l.argument === forwardNs ? "true" : "false";
    case "INSPECT":
      return inspect(l.argument);
  }
  return addressTests.has(l.name) ? "false" : "unknown";
}

function not(t: Truth): Truth {
  return t === "true" ? "false" : t === "false" ? "true" : "unknown";
}

function evaluate(f: Formula): Truth {
  switch (f.kind) {
    case "literal":
      return literal(f);
    case "not":
      return not(evaluate(f.operand));
    case "and": {
      const parts = f.operands.map(evaluate);
      return parts.includes("false") ? "false" : parts.includes("unknown") ? "unknown" : "true";
    }
    case "or": {
      const parts = f.operands.map(evaluate);
      return parts.includes("true") ? "true" : parts.includes("unknown") ? "unknown" : "false";
    }
  }
}

/** Whether a rule with this condition (undefined: every stanza) may match the message it forwards. */
export function mayMatchItsForward(condition: Formula | undefined): boolean {
  return condition === undefined || evaluate(condition) !== "false";
}
