import { prng } from "../../bench/generate-stanzas.js";
import type { OracleCase } from "../helpers/firewall-oracle.js";
import { pick, rules, some, type Random } from "../helpers/random-rules.js";

/**
 * Random mod_firewall scripts and stanzas for the differential test against
 * `prosodyctl mod_firewall test`: every condition and action that the test harness can run
 * (one deliver chain, a dummy session without JID or roster), combined as no hand-written case
 * would be. Left out, because the harness cannot run them: DAY and TIME (the real clock), COPY,
 * REDIRECT and FORWARD (nothing to route to), $local (the harness's hosts are not the world's).
 */

const jids = ["x@b.example/r", "y@one.example/r", "b.example", "z@example.org/r", "alice@example.org", "alice@example.org/phone", "example.org", "q@spam.example/x", "Mixed@B.Example/R"];
const namespaces = ["urn:xmpp:receipts", "jabber:iq:version", "http://jabber.org/protocol/chatstates", "urn:example:x"];
const jidPatterns = ["b.example", "<*>@b.example", "x@<*.example>", "<<[a-z]+>>@example.org/<*>", "x@b.example/r", "example.org", "<*>@<*>", "alice@example.org", "<*>@<*>/phone", "<<%a+>>@<<.*>>"];
const paths = [
  "body", "body#", "@id", "@type=chat", "body#=hi", "body#/=ca", "body#~=%d", "body#~=^%a+$", "{urn:xmpp:receipts}request", "{urn:xmpp:receipts}request@id",
  "{jabber:iq:version}query", "@to/=example", "@from$=$<@to|node>", "body#$=$<@from|node>", "body#$/=$<@to|host>", "error/text#", "{http://jabber.org/protocol/chatstates}active",
];
const types = ["chat", "normal", "headline", "groupchat", "error", "available", "unavailable", "subscribe", "get", "set", "result"];
const expressions = ["$<@from|bare>", "$<@from|host>", "$<@to>", "$<@from|node>", "$<body#>", "$<@id>", "$<@type>", "$<@from|resource>", "$<@from|lower>", "$<@to|bare|upper>", "$<body#|lower>", '$<@nick||"anon">', '$<body#||"empty">', "$<{urn:xmpp:receipts}request@id>", "$<error/text#>"];
const actions = [
  "DROP.", "PASS.", "DEFAULT.", "RETURN.", "BOUNCE.", "BOUNCE=policy-violation (no)", "BOUNCE=not-acceptable:modify", "BOUNCE=undefined-condition (x)", "BOUNCE=forbidden:auth",
  "STRIP=body", "STRIP=request urn:xmpp:receipts", "STRIP=*", "STRIP=active http://jabber.org/protocol/chatstates", "INJECT=<tag xmlns='urn:example:t' a='b'>t</tag>",
  "REPLY=go away", "LOG=hello $<@from>", "MARK ORIGIN=m1", "UNMARK ORIGIN=m1", "MARK ORIGIN=m2", "ADD", "JUMP",
  // Traps and corners: an attribute value with a '2' (INJECT drops it), nested parentheses in a
  // reason, a chain nobody defined, a LOG level, text with '%' and parentheses.
  "INJECT=<tag xmlns='urn:example:t' v='a2b' w='ok'/>", "INJECT=<t xmlns='urn:x'>some text</t>", "BOUNCE=bad-request:cancel (a (nested) reason)", "JUMP CHAIN=user/missing",
  "LOG=[debug] type $<@type>", "REPLY=50% (off) $<@to>", "STRIP=tag urn:example:t",
];

function condition(random: Random, defs: Set<string>): string {
  const not = random() < 0.25 ? "NOT " : "";
  const sep = pick(random, ["|", ",", " ", ", "]);
  switch (pick(random, ["KIND", "TYPE", "FROM", "TO", "FROM EXACTLY", "TO EXACTLY", "TO SELF", "TO FULL JID", "PAYLOAD", "INSPECT", "INSPECT", "CHECK LIST", "LIMIT", "ZONE", "COUNT", "SCAN", "ORIGIN MARKED", "ROSTER"])) {
    case "KIND":
      return `${not}KIND: ${some(random, ["message", "presence", "iq"]).join(sep)}`;
    case "TYPE":
      return `${not}TYPE: ${some(random, types).join(sep)}`;
    case "FROM":
      return `${not}FROM: ${pick(random, jidPatterns)}`;
    case "TO":
      return `${not}TO: ${pick(random, jidPatterns)}`;
    case "FROM EXACTLY":
      return `${not}FROM EXACTLY: ${random() < 0.3 ? pick(random, expressions) : pick(random, jids)}`;
    case "TO EXACTLY":
      return `${not}TO EXACTLY: ${random() < 0.3 ? pick(random, expressions) : pick(random, jids)}`;
    case "TO SELF":
      return `${not}TO SELF?`;
    case "TO FULL JID":
      return `${not}TO FULL JID?`;
    case "PAYLOAD":
      return `${not}PAYLOAD: ${pick(random, namespaces)}`;
    case "INSPECT":
      return `${not}INSPECT: ${pick(random, paths)}`;
    case "CHECK LIST":
      defs.add("%LIST l1: memory (limit: 3)");
      return `${not}CHECK LIST: l1 contains ${pick(random, expressions)}`;
    case "LIMIT":
      defs.add("%RATE r1: 1 (burst 2)");
      return `${not}LIMIT: r1${random() < 0.5 ? ` on ${pick(random, expressions)}` : ""}`;
    case "ZONE":
      defs.add("%ZONE z1: example.org, b.example");
      return `${not}${pick(random, ["ENTERING", "LEAVING"])}: ${pick(random, ["z1", "nozone"])}`;
    case "COUNT":
      defs.add("%SEARCH body: body#");
      defs.add("%PATTERN word: %a+");
      return `${not}COUNT: word in body ${pick(random, ["<", ">", "<=", ">=", "=="])} ${pick(random, [0, 1, 2, 3])}`;
    case "SCAN":
      defs.add("%SEARCH body: body#");
      defs.add("%PATTERN word: %a+");
      defs.add("%LIST bad: memory");
      return `${not}SCAN: body for word in bad`;
    case "ROSTER":
      return `${not}${pick(random, ["IN ROSTER?", "SUBSCRIBED?", "PENDING SUBSCRIPTION FROM SENDER?", "IN ROSTER GROUP: Friends"])}`;
    default:
      return `${not}ORIGIN MARKED: ${pick(random, ["m1", "m2"])}${random() < 0.3 ? " (10s)" : ""}`;
  }
}

function action(random: Random, defs: Set<string>, inUserChain: boolean): string {
  const a = pick(random, actions);
  if (a === "ADD") {
    defs.add("%LIST l1: memory (limit: 3)");
    defs.add("%LIST bad: memory");
    return `ADD TO=${pick(random, ["l1", "bad"])} ${pick(random, ["$<@from|bare>", "$<@from|host>", "casino", "hi", "$<body#>"])}`;
  }
  if (a === "JUMP") return inUserChain ? "DROP." : "JUMP CHAIN=user/c";
  return a;
}

function script(random: Random): string {
  const defs = new Set<string>();
  let body = `::deliver\n${rules(random, 1 + Math.floor(random() * 4), () => condition(random, defs), () => action(random, defs, false))}`;
  if (body.includes("JUMP CHAIN")) body += `\n\n::user/c\n${rules(random, 1 + Math.floor(random() * 3), () => condition(random, defs), () => action(random, defs, true))}`;
  const text = `${[...defs].join("\n")}\n\n${body}\n`;
  return random() < 0.3 ? handWritten(random, text) : text;
}

/**
 * A script as people write them, traps of mod_firewall's line reader included: indentation, CR
 * line ends, action names in lower case, comments (one ending in `\`, which swallows the next
 * line), a line continued with `\`, and a rule not separated from the one before by an empty line
 * (a condition after an action: the rule stored twice). Each line is changed with a small chance.
 */
function handWritten(random: Random, text: string): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const r = random();
    if (r < 0.04) out.push(pick(random, ["# a note", "; a note", "  # indented note", "# a note \\"]));
    if (line === "" && r > 0.96 && out.length > 0 && !out[out.length - 1]!.startsWith("%")) continue; // the empty line between two rules left out
    const colon = line.indexOf(": ");
    if (colon > 0 && r > 0.04 && r < 0.08 && line.length > colon + 3) {
      const at = colon + 2 + Math.floor(random() * (line.length - colon - 2));
      out.push(`${line.slice(0, at)}\\`, `${pick(random, ["", "  ", "\t"])}${line.slice(at)}`);
      continue;
    }
    if (r > 0.08 && r < 0.12) out.push(`${pick(random, ["  ", "\t", " "])}${line}${pick(random, ["", " ", "\r"])}`);
    else if (r > 0.12 && r < 0.15 && /^[A-Z ]+[.=]/.test(line)) out.push(line.replace(/^[A-Z ]+/, (name) => name.toLowerCase()));
    else out.push(line);
  }
  return out.join("\n");
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** Recipients on the one host prosodyctl serves, and senders that share them. */
const localhostJids = ["alice@localhost", "alice@localhost/phone", "localhost", "bob@localhost/x"];

function stanza(random: Random, id: string, rosters: boolean): string {
  const kind = pick(random, ["message", "message", "presence", "iq"]);
  const to = random() < 0.1 ? undefined : pick(random, rosters ? localhostJids : jids);
  const attrs = `id="${id}" from="${pick(random, rosters && random() < 0.3 ? localhostJids : jids)}"${to !== undefined ? ` to="${to}"` : ""}`;
  if (kind === "message") {
    const type = pick(random, [undefined, "chat", "normal", "headline", "groupchat", "error"]);
    const body = random() < 0.85 ? `<body>${escape(pick(random, ["hi", "casino", "123", "x ca y", "hi there casino", "", "alice", "x", "b.example"]))}</body>` : "";
    const extra = random() < 0.3 ? `<request xmlns="urn:xmpp:receipts"${random() < 0.5 ? ' id="r1"' : ""}/>` : random() < 0.2 ? `<active xmlns="http://jabber.org/protocol/chatstates"/>` : "";
    const error = type === "error" ? `<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>` : "";
    return `<message ${attrs}${type !== undefined ? ` type="${type}"` : ""}>${body}${extra}${error}</message>`;
  }
  if (kind === "presence") {
    const type = pick(random, [undefined, "unavailable", "subscribe", "error"]);
    return `<presence ${attrs}${type !== undefined ? ` type="${type}"` : ""}/>`;
  }
  const type = pick(random, ["get", "set", "result", "error"]);
  return `<iq ${attrs} type="${type}">${type === "get" ? '<query xmlns="jabber:iq:version"/>' : ""}</iq>`;
}

const rosterCondition = /IN ROSTER|SUBSCRIBED\?|PENDING SUBSCRIPTION/;

/**
 * `count` random cases (a script and twelve stanzas each), the same for the same seed. A script
 * with a roster condition runs on localhost, its stanzas addressed there: prosodyctl fails on a
 * roster condition about a recipient on a host it does not serve.
 */
export function randomCases(seed: number, count: number): OracleCase[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, k) => {
    const text = script(random);
    const rosters = rosterCondition.test(text);
    return { name: `seed ${seed} case ${k}`, script: text, stanzas: Array.from({ length: 12 }, (_, i) => stanza(random, `s${i}`, rosters)), ...(rosters ? { host: "localhost" } : {}) };
  });
}
