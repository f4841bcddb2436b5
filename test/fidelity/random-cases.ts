import { prng } from "../../bench/generate-stanzas.js";
import { pick, rules, some, type Random } from "../helpers/random-rules.js";
import type { Case, Step, User } from "../helpers/server-oracle.js";

/**
 * Random scripts over preroute, deliver and a user chain, and random conversations between the
 * harness's three users (alice and carol on a.test, bob on b.test), for the differential test
 * against a real server: what needs sessions, rosters and routing (marks, subscriptions, zones
 * between two hosts, rates across chains), combined as no hand-written case would be.
 *
 * Left out, because the server does more than its firewall with them: available presence and
 * subscription requests (see {@link letHarnessThrough}), groupchat to a bare JID (refused by
 * Prosody's routing whatever the rules), and COPY, REDIRECT and FORWARD (their loops are Prosody's,
 * see the hand-written case).
 */

const users: readonly User[] = ["alice", "bob", "carol"];
const patterns = ["alice@a.test", "<*>@a.test", "bob@b.test", "a.test", "b.test", "<*>@<*>/r", "carol@a.test/r", "<<[a-c]%a+>>@<*>"];
const paths = ["body#=hello", "body#/=casino", "body#~=%d", "@type=chat", "{urn:example:p}p", "body", "body#$=$<@to|node>"];
const types = ["chat", "normal", "headline", "available", "unavailable", "get", "error"];
const actions = ["DROP.", "PASS.", "DEFAULT.", "RETURN.", "BOUNCE.", "BOUNCE=policy-violation (no)", "BOUNCE=not-acceptable:modify", "REPLY=go away", "MARK ORIGIN=m", "UNMARK ORIGIN=m", "STRIP=body", "INJECT=<seen xmlns='urn:example:seen'/>", "ADD TO=l $<@from|bare>", "JUMP"];

function condition(random: Random, defs: Set<string>): string {
  const not = random() < 0.25 ? "NOT " : "";
  switch (pick(random, ["KIND", "TYPE", "FROM", "TO", "FROM EXACTLY", "TO EXACTLY", "INSPECT", "INSPECT", "SUBSCRIBED", "IN ROSTER", "PENDING", "DIRECTED", "ZONE", "MARKED", "LIMIT", "LIST", "FULL"])) {
    case "KIND":
      return `${not}KIND: ${some(random, ["message", "presence", "iq"]).join("|")}`;
    case "TYPE":
      return `${not}TYPE: ${some(random, types).join(",")}`;
    case "FROM":
      return `${not}FROM: ${pick(random, patterns)}`;
    case "TO":
      return `${not}TO: ${pick(random, patterns)}`;
    case "FROM EXACTLY":
      return `${not}FROM EXACTLY: ${pick(random, ["alice@a.test/r", "bob@b.test/r", "carol@a.test"])}`;
    case "TO EXACTLY":
      return `${not}TO EXACTLY: ${pick(random, ["bob@b.test", "alice@a.test/r", "$<@from|bare>"])}`;
    case "INSPECT":
      return `${not}INSPECT: ${pick(random, paths)}`;
    case "SUBSCRIBED":
      return `${not}SUBSCRIBED?`;
    case "IN ROSTER":
      return `${not}IN ROSTER?`;
    case "PENDING":
      return `${not}PENDING SUBSCRIPTION FROM SENDER?`;
    case "DIRECTED":
      return `${not}SENT DIRECTED PRESENCE TO SENDER?`;
    case "ZONE":
      defs.add("%ZONE ahost: a.test");
      return `${not}${pick(random, ["ENTERING", "LEAVING"])}: ${pick(random, ["ahost", "$local"])}`;
    case "MARKED":
      return `${not}ORIGIN MARKED: m`;
    case "LIMIT": {
      // Three at once then one per 10 s, or one then one per 50 s: scheduling jitter on a loaded
      // machine cannot change a verdict.
      const rate = pick(random, ["r", "one"]);
      defs.add(rate === "r" ? "%RATE r: 0.1 (burst 30)" : "%RATE one: 0.02 (burst 50)");
      return `${not}LIMIT: ${rate}${random() < 0.6 ? " on $<@from|bare>" : ""}`;
    }
    case "LIST":
      defs.add("%LIST l: memory");
      return `${not}CHECK LIST: l contains $<@from|bare>`;
    default:
      return `${not}TO FULL JID?`;
  }
}

function action(random: Random, defs: Set<string>, userChain: boolean): string {
  const a = pick(random, actions);
  if (a.startsWith("ADD TO")) defs.add("%LIST l: memory");
  return a === "JUMP" ? (userChain ? "DROP." : "JUMP CHAIN=user/c") : a;
}

/**
 * What the harness needs passes every chain first: its iq to the server (the session request of
 * each login, the round trips that end each step: iq sets the server answers with an error), and
 * all presence but the steps' own. A rule that stopped the iq would stall the test. A rule that
 * stopped a subscription the harness sets up would leave the server's rosters other than the world
 * the simulator is given, and one that stopped a client's initial presence would leave it
 * unavailable, which changes how Prosody routes what is sent to its bare JID (the simulator takes
 * the world's online sessions as they are). So presence steps are directed unavailable presence
 * or available presence broadcast to the sender's contacts, with a status that tells them apart:
 * the copies Prosody makes of the broadcast meet the random rules, as in the server.
 */
const letHarnessThrough = "KIND: iq\nTO SELF?\nPASS.\n\nKIND: presence\nNOT INSPECT: status#=step\nPASS.";

function script(random: Random): string {
  const defs = new Set<string>();
  const chains = some(random, ["preroute", "deliver"]).map((chain) => `::${chain}\n${letHarnessThrough}\n\n${rules(random, 1 + Math.floor(random() * 4), () => condition(random, defs), () => action(random, defs, false))}`);
  let body = chains.join("\n\n");
  if (body.includes("JUMP CHAIN")) body += `\n\n::user/c\n${rules(random, 1 + Math.floor(random() * 3), () => condition(random, defs), () => action(random, defs, true))}`;
  return `${[...defs].join("\n")}\n\n${body}\n`;
}

function step(random: Random): Step {
  const from = pick(random, users);
  const to = pick(random, users.filter((u) => u !== from));
  const body = pick(random, ["hello", "casino", "123", "hi there", "bob"]);
  switch (pick(random, ["message", "message", "message", "payload", "presence", "broadcast", "iq"])) {
    case "message":
      return { from, to, xml: `<message to='TO' type='${pick(random, ["chat", "normal", "headline"])}'><body>${body}</body></message>` };
    case "payload":
      return { from, to, xml: `<message to='TO' type='chat'><body>${body}</body><p xmlns='urn:example:p'/></message>` };
    case "presence":
      return { from, to, xml: "<presence to='TO/r' type='unavailable'><status>step</status></presence>" };
    case "broadcast":
      // Broadcast by Prosody to the sender's contacts: `to` gets it if subscribed to `from`.
      return { from, to, xml: `<presence><show>${pick(random, ["away", "dnd"])}</show><status>step</status></presence>` };
    default:
      return { from, to, xml: `<iq to='TO/r' type='get' id='q${Math.floor(random() * 1e6)}'><query xmlns='jabber:iq:version'/></iq>` };
  }
}

/** `count` random cases, the same for the same seed. */
export function randomServerCases(seed: number, count: number): Case[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, k): Case => {
    const subscriptions: [User, User][] = random() < 0.5 ? [["alice", "bob"]] : [];
    if (random() < 0.3) subscriptions.push(["carol", "alice"]);
    return { name: `random seed ${seed} case ${k}`, script: script(random), subscriptions, steps: Array.from({ length: 6 + Math.floor(random() * 4) }, () => step(random)) };
  });
}
