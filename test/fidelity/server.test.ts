import test from "ava";
import { readPfw } from "../../src/pfw/read.js";
import { compileSfw } from "../../src/pipeline.js";
import { Simulator, type SimResult } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World, type WorldData } from "../../src/sim/world.js";
import { ProsodyServer } from "../helpers/prosody-server.js";
import { requireProsody } from "../helpers/prosody.js";
import { XmppClient } from "../helpers/xmpp-client.js";
import type { XmlElement } from "../../src/sim/xml.js";

// Differential tests against a real Prosody 0.12 with mod_firewall: the same script and the same
// stanzas go through the server (sent by real clients, observed at the recipient and the sender)
// and through the simulator; every disagreement fails with both outcomes.

const password = "pw";
const users = { alice: "alice@a.test", bob: "bob@b.test", carol: "carol@a.test" } as const;
type User = keyof typeof users;

interface Step {
  readonly from: User;
  readonly to: User;
  /** The stanza without `from` (the server stamps it); `TO` is replaced by the recipient's bare JID. */
  readonly xml: string;
  /**
   * Do not compare what the sender gets back: Prosody's own handling of a stanza the firewall
   * posts (not the firewall's) is involved (see README, "What the simulator cannot reproduce").
   */
  readonly ignoreBack?: boolean;
}

interface Case {
  readonly name: string;
  /** A `.pfw` script, or a `.sfw` rule set (compiled first). */
  readonly script: string;
  readonly sfw?: boolean;
  /** Subscriptions set up through the protocol before the steps: `a` subscribes to `b` and `b` approves. */
  readonly subscriptions?: readonly [User, User][];
  readonly steps: readonly Step[];
  /** Server configuration beyond the defaults, and the same facts for the simulator's world. */
  readonly server?: { readonly extraConfig?: string; readonly modules?: readonly string[]; readonly files?: Readonly<Record<string, string>> };
  readonly world?: Partial<WorldData>;
  /** Roster items set through the protocol (no subscription): owner, contact, group. */
  readonly rosterItems?: readonly [User, User, string][];
  /** Subscription requests sent and left pending: `a` asks `b`. */
  readonly pendingRequests?: readonly [User, User][];
}

const now = new Date();
const hour = now.getUTCHours();
const around = `${(hour + 23) % 24}:00-${(hour + 2) % 24}:00`;

const msg = (from: User, to: User, body: string, type = "chat"): Step => ({ from, to, xml: `<message to='TO' type='${type}'><body>${body}</body></message>` });

const cases: Case[] = [
  {
    name: "preroute and deliver, DROP and BOUNCE with text",
    script: "::preroute\nINSPECT: body#=out\nDROP.\n\n::deliver\nINSPECT: body#/=casino\nBOUNCE=policy-violation (no casinos)\n\nTYPE: headline\nDROP.\n",
    steps: [msg("alice", "bob", "hello"), msg("alice", "bob", "out"), msg("alice", "bob", "casino night"), msg("alice", "bob", "news", "headline"), msg("bob", "alice", "casino")],
  },
  {
    name: "zones: ENTERING and LEAVING between two local hosts",
    script: "%ZONE ahost: a.test\n\nLEAVING: ahost\nINSPECT: body#=leave\nBOUNCE=not-allowed\n\nENTERING: ahost\nINSPECT: body#=enter\nDROP.\n",
    steps: [msg("alice", "bob", "leave"), msg("bob", "alice", "leave"), msg("bob", "alice", "enter"), msg("alice", "carol", "enter"), msg("alice", "carol", "leave")],
  },
  {
    name: "rosters: SUBSCRIBED and IN ROSTER after a real subscription",
    script: "::deliver\nKIND: message\nSUBSCRIBED?\nPASS.\n\nKIND: message\nIN ROSTER?\nBOUNCE=forbidden (roster only)\n\nKIND: message\nBOUNCE=policy-violation (strangers not allowed)\n",
    subscriptions: [["alice", "bob"]],
    steps: [msg("alice", "bob", "to bob"), msg("bob", "alice", "to alice"), msg("carol", "bob", "stranger"), msg("bob", "carol", "stranger too")],
  },
  {
    name: "rate limits per sender, with the hoisted LIMIT",
    // A slow refill (3 at once, then one per 10 s), so scheduling jitter of a loaded machine cannot change a verdict.
    script: "%RATE r: 0.1 (burst 30)\n\n::preroute\nKIND: message\nLIMIT: r on $<@from|bare>\nBOUNCE=resource-constraint\n\nKIND: presence\nLIMIT: r on $<@from|bare>\nDROP.\n",
    steps: [msg("alice", "bob", "1"), msg("alice", "bob", "2"), msg("alice", "bob", "3"), msg("alice", "bob", "4"), msg("carol", "bob", "1"), msg("alice", "bob", "5")],
  },
  {
    // SFW321/SFW523 say so: each chain that tests a rate has buckets of its own. Were they shared,
    // each message (preroute, then deliver) would take two of the three tokens and the second would be dropped.
    name: "a rate tested in preroute and in deliver has buckets in each chain",
    script: "%RATE r: 0.1 (burst 30)\n\n::preroute\nKIND: message\nLIMIT: r on $<@from|bare>\nBOUNCE=resource-constraint (preroute)\n\n::deliver\nKIND: message\nLIMIT: r on $<@from|bare>\nDROP.\n",
    steps: [msg("alice", "carol", "1"), msg("alice", "carol", "2"), msg("alice", "carol", "3"), msg("alice", "carol", "4")],
  },
  {
    // SFW321's advice to share one allowance: test the rate in one chain that both jump to. Each
    // message meets it twice (preroute, then deliver): the first takes two tokens, the second is bounced in deliver.
    name: "a rate tested in a user chain that preroute and deliver jump to has one set of buckets",
    script: "%RATE r: 0.1 (burst 30)\n\n::user/limit\nKIND: message\nLIMIT: r on $<@from|bare>\nBOUNCE=resource-constraint (shared)\n\n::preroute\nJUMP CHAIN=user/limit\n\n::deliver\nJUMP CHAIN=user/limit\n",
    steps: [msg("alice", "carol", "1"), msg("alice", "carol", "2"), msg("alice", "carol", "3"), msg("bob", "carol", "1")],
  },
  {
    name: "custom chains: JUMP CHAIN, RETURN, PASS, DEFAULT",
    script: "KIND: message\nJUMP CHAIN=user/check\n\nINSPECT: body#=late\nDROP.\n\n::user/check\nINSPECT: body#=ok\nPASS.\n\nINSPECT: body#=default\nDEFAULT.\n\nINSPECT: body#=drop\nDROP.\n\nRETURN.\n",
    steps: [msg("alice", "bob", "ok"), msg("alice", "bob", "default"), msg("alice", "bob", "drop"), msg("alice", "bob", "late"), msg("alice", "bob", "other")],
  },
  {
    name: "marks on the sender's session and REPLY",
    script: "::preroute\nORIGIN MARKED: noisy\nBOUNCE=policy-violation (marked)\n\nINSPECT: body#=mark me\nMARK ORIGIN=noisy\nREPLY=you are marked now\nDROP.\n",
    steps: [msg("alice", "bob", "hello"), msg("alice", "bob", "mark me"), msg("alice", "bob", "hello again"), msg("carol", "bob", "hello")],
  },
  {
    name: "a compiled .sfw rule set: '$(' and '$<' in compared strings are plain text; an empty string compares",
    sfw: true,
    script: 'target prosody "0.12"\nchain deliver {\n  rule shell {\n    when body contains "$(os.exit())"\n    then drop\n  }\n  rule exact {\n    when body == "$<@from>"\n    then bounce not-allowed\n  }\n  rule empty {\n    when body == ""\n    then bounce bad-request\n  }\n}\n',
    steps: [msg("alice", "bob", "run $(os.exit()) now"), msg("alice", "bob", "$&lt;@from&gt;"), msg("alice", "bob", "hello"), msg("alice", "bob", "$(os.exit("), msg("alice", "bob", "")],
  },
  {
    name: "a compiled .sfw rule set: or-lowering, lists and patterns",
    sfw: true,
    script: `target prosody "0.12"
list seen: set<jid> = memory
pattern link = lua"https?://%S+"
chain preroute {
  rule remember {
    when body contains "remember me"
    then add from.bare to seen
  }
}
chain deliver {
  rule known {
    when from.bare in seen
    then pass
  }
  rule links_or_casino {
    when kind == message and (body matches link or body contains "casino")
    then bounce policy-violation "Not from strangers"
  }
}
`,
    steps: [msg("alice", "bob", "see http://x.example"), msg("carol", "bob", "casino"), msg("alice", "bob", "remember me"), msg("alice", "bob", "see http://x.example"), msg("carol", "bob", "hello")],
  },
  {
    name: "copies, redirects and forwards reach a third user, and a copy that is copied again loops",
    script: "::deliver\nTO: bob@b.test\nINSPECT: body#=copy\nCOPY=carol@a.test\n\nTO: bob@b.test\nINSPECT: body#=redirect\nREDIRECT=carol@a.test\n\nTO: bob@b.test\nINSPECT: body#=forward\nFORWARD=carol@a.test\nDROP.\n\nINSPECT: body#=loop\nCOPY=carol@a.test\n\nTO: carol@a.test\nINSPECT: body#=blocked copy\nDROP.\n\nTO: bob@b.test\nINSPECT: body#=blocked copy\nCOPY=carol@a.test\n",
    steps: [msg("alice", "bob", "copy"), msg("alice", "bob", "redirect"), msg("alice", "bob", "forward"), msg("alice", "bob", "plain"), msg("alice", "bob", "loop"), msg("alice", "bob", "blocked copy")],
  },
  {
    // What SFW319 warns of: the forward is a message of type normal too, and meets the rule again.
    name: "a forward of every normal message forwards its own forwards until the stack overflows",
    script: "::deliver\nKIND: message\nTYPE: normal\nFORWARD=carol@a.test\n",
    steps: [msg("alice", "bob", "chat is not forwarded"), msg("alice", "bob", "audit me", "normal")],
  },
  {
    name: "addresses and payloads: TO FULL JID, FROM EXACTLY, PAYLOAD, INSPECT with expressions",
    script: "::deliver\nTO FULL JID?\nINSPECT: body#=full\nBOUNCE=not-acceptable\n\nFROM EXACTLY: alice@a.test/r\nINSPECT: body#=exact\nDROP.\n\nPAYLOAD: urn:example:p\nDROP.\n\nINSPECT: body#$=hello $<@to|node>\nBOUNCE=bad-request\n",
    steps: [
      { from: "alice", to: "bob", xml: "<message to='TO/r' type='chat'><body>full</body></message>" },
      msg("alice", "bob", "full"),
      msg("alice", "bob", "exact"),
      msg("carol", "bob", "exact"),
      { from: "alice", to: "bob", xml: "<message to='TO' type='chat'><body>p</body><p xmlns='urn:example:p'/></message>" },
      msg("alice", "bob", "hello bob"),
      msg("alice", "carol", "hello bob"),
    ],
  },
  {
    name: "groups (mod_groups) and admins",
    script: "::deliver\nFROM GROUP: staff\nINSPECT: body#=staff\nDROP.\n\nTO GROUP: guests\nINSPECT: body#=guest\nBOUNCE=forbidden\n\nFROM ADMIN?\nINSPECT: body#=admin\nDROP.\n\nTO ADMIN OF: *\nINSPECT: body#=to admin\nBOUNCE=not-allowed\n\nCROSSING GROUPS: staff\nINSPECT: body#=cross\nDROP.\n\nINSPECT: body#=unknown group\nFROM GROUP: nosuchgroup\nDROP.\n",
    server: { modules: ["groups"], extraConfig: 'admins = { "carol@a.test" }\ngroups_file = "{dir}/groups.txt"', files: { "groups.txt": "[staff]\ncarol@a.test=Carol\n[guests]\nbob@b.test=Bob\n" } },
    world: { groups: { default: [], staff: ["carol@a.test"], guests: ["bob@b.test"] }, admins: { "*": ["carol@a.test"], "a.test": [], "b.test": [] } },
    steps: [msg("carol", "bob", "staff"), msg("alice", "bob", "staff"), msg("alice", "bob", "guest"), msg("carol", "alice", "admin"), msg("bob", "alice", "admin"), msg("alice", "carol", "to admin"), msg("alice", "bob", "cross"), msg("alice", "bob", "unknown group")],
  },
  {
    name: "time, day (of the month) and user marks",
    script: `::preroute\nUSER MARKED: loud\nBOUNCE=policy-violation (marked user)\n\nINSPECT: body#=mark\nMARK USER=loud\nDROP.\n\nINSPECT: body#=unmark\nUNMARK USER=loud\nDROP.\n\n::deliver\nTIME: ${around}\nINSPECT: body#=time\nDROP.\n\nDAY: sat-sun\nINSPECT: body#=day\nBOUNCE=not-acceptable\n`,
    server: { extraConfig: "firewall_experimental_user_marks = true" },
    world: { config: { firewall_experimental_user_marks: true } },
    steps: [msg("alice", "bob", "hello"), msg("alice", "bob", "mark"), msg("alice", "bob", "hello"), msg("alice", "bob", "unmark"), msg("carol", "bob", "time"), msg("carol", "bob", "day")],
  },
  {
    name: "STRIP, INJECT, RULEDEP, EVENT, JUMP EVENT, LOG after INJECT, UNSUBSCRIBE SENDER",
    script: "::deliver\nSUBSCRIBED?\nINSPECT: body#=check\nBOUNCE=conflict\n\nINSPECT: body#=strip\nSTRIP=subject\nINJECT=<seen xmlns='urn:example:seen' by='fw'>yes</seen>\nRULEDEP=current_host\n\nINSPECT: body#=inject then log\nINJECT=<seen xmlns='urn:example:seen'/>\nLOG=[debug] injected\n\nINSPECT: body#=event\nEVENT=custom/event\nPASS.\n\nINSPECT: body#=jump\nJUMP EVENT=custom/other\n\nINSPECT: body#=unsub\nUNSUBSCRIBE SENDER.\nDROP.\n",
    subscriptions: [["alice", "bob"]],
    steps: [
      { from: "alice", to: "bob", xml: "<message to='TO' type='chat'><subject>s</subject><body>strip</body></message>" },
      msg("alice", "bob", "inject then log"),
      msg("alice", "bob", "event"),
      msg("alice", "bob", "jump"),
      msg("alice", "bob", "check"),
      { ...msg("alice", "bob", "unsub"), ignoreBack: true },
      msg("alice", "bob", "check"),
    ],
  },
  {
    name: "roster groups, pending requests, directed presence, admins of a host, marks removed, and conditions that fail on 0.12",
    script: "::deliver\nIN ROSTER GROUP: Friends\nINSPECT: body#=group\nDROP.\n\nPENDING SUBSCRIPTION FROM SENDER?\nINSPECT: body#=pending\nBOUNCE=conflict\n\nSENT DIRECTED PRESENCE TO SENDER?\nDROP.\n\nTO ADMIN?\nINSPECT: body#=to admin\nBOUNCE=not-allowed\n\nFROM ADMIN OF: a.test\nINSPECT: body#=admin of\nDROP.\n\nTO EXACTLY: bob@b.test\nINSPECT: body#=exactly\nBOUNCE=gone\n\nINSPECT: body#=may\nMAY: xmpp:federate\nDROP.\n\nINSPECT: body#=role\nTO ROLE: prosody:admin\nDROP.\n\n::preroute\nORIGIN MARKED: tagged\nBOUNCE=policy-violation\n\nINSPECT: body#=tag\nMARK ORIGIN=tagged\nUNMARK ORIGIN=tagged\n",
    server: { extraConfig: 'admins = { "carol@a.test" }' },
    world: { admins: { "*": ["carol@a.test"], "a.test": [], "b.test": [] } },
    rosterItems: [["bob", "alice", "Friends"]],
    pendingRequests: [["carol", "bob"]],
    steps: [msg("alice", "bob", "group"), msg("carol", "bob", "group"), msg("carol", "bob", "pending"), msg("alice", "bob", "pending"), msg("alice", "carol", "to admin"), msg("carol", "bob", "admin of"), msg("alice", "bob", "admin of"), msg("alice", "bob", "exactly"), msg("alice", "carol", "exactly"), msg("alice", "bob", "may"), msg("alice", "bob", "role"), msg("alice", "bob", "tag"), msg("alice", "bob", "after tag")],
  },
  {
    name: "a script Prosody refuses: the server runs without the firewall",
    script: "KIND: message\nDORP.\n",
    steps: [msg("alice", "bob", "hello"), msg("bob", "alice", "hello")],
  },
  {
    name: "presence and iq stanzas, error stanzas are never bounced",
    script: "::deliver\nKIND: presence\nTYPE: available\nBOUNCE=policy-violation\n\nKIND: iq\nTYPE: get\nDROP.\n\nTYPE: error\nBOUNCE.\n",
    steps: [
      { from: "alice", to: "bob", xml: "<presence to='TO'/>" },
      { from: "alice", to: "bob", xml: "<iq to='TO/r' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>" },
      { from: "alice", to: "bob", xml: "<message to='TO' type='error' id='e1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>" },
    ],
  },
];

/** What an observer sees: delivered to the recipient or not, and what the sender got back. */
interface Observed {
  readonly delivered: boolean;
  readonly back: string;
  /** What carol, a third user, received (copies, redirects, forwards). */
  readonly third: string;
  /** The payload of the delivered stanza (children, as canonical XML). */
  readonly content: string;
}

function contentOf(el: XmlElement | undefined): string {
  if (!el) return "";
  const c = (e: XmlElement): string => `<${e.name}${Object.entries(e.attr).filter(([k]) => k !== "xml:lang").sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}>${e.children.map((x) => (typeof x === "string" ? x.trim() : c(x))).join("")}</${e.name}>`;
  return el.tags.map(c).join("");
}

function describe(o: Observed): string {
  return `${o.delivered ? `delivered ${o.content}` : "not delivered"}${o.back ? `; sender got ${o.back}` : ""}${o.third ? `; carol got ${o.third}` : ""}`;
}

/** A received or emitted stanza as the observer sees it: kind, body, whether it wraps a forward. */
function thirdParty(stanza: XmlElement): string {
  const forwarded = stanza.getChild("forwarded", "urn:xmpp:forward:0");
  const inner = forwarded?.tags[0];
  return forwarded ? `forward of "${inner?.getChildText("body") ?? ""}"` : `${stanza.name} "${stanza.getChildText("body") ?? ""}"`;
}

function backOf(stanza: { name: string; attr: Record<string, string>; getChild(n?: string, ns?: string): { tags: { name: string }[] } | undefined; getChildText(n: string): string | undefined }): string {
  if (stanza.attr.type === "error") return `error ${stanza.getChild("error")?.tags[0]?.name ?? "?"}`;
  if (stanza.name === "presence") return `presence ${stanza.attr.type ?? "available"}`;
  return `${stanza.name} "${stanza.getChildText("body") ?? ""}"`;
}

/**
 * A round trip on a client's stream: the server answers an iq set nobody handles with an error,
 * whatever the modules. (The deliver chain sees iq requests to the server, so a rule that drops
 * iq gets, or one that raises, would swallow a ping or a roster request.)
 */
function syncIq(marker: string): string {
  return `<iq type='set' id='sync${marker}'><sync xmlns='urn:example:sync'/></iq>`;
}

function stanzaXml(step: Step, withFrom: boolean): string {
  const xml = step.xml.replace("TO", users[step.to]);
  return withFrom ? xml.replace(/^<(\w+) /, `<$1 from='${users[step.from]}/r' `) : xml;
}

/** Everything the clients sent, in order, with the index of the test step it was (if it was one). */
interface Recorded {
  readonly from: User;
  readonly time: number;
  readonly xml: string;
  readonly step?: number;
}

function simulated(c: Case, script: string, recorded: readonly Recorded[]): Observed[] {
  const read = readPfw(script, "case.pfw");
  const world: WorldData = {
    hosts: ["a.test", "b.test"],
    accounts: Object.values(users),
    rosters: Object.fromEntries(Object.values(users).map((u) => [u, {}])),
    pending: Object.fromEntries(Object.values(users).map((u) => [u, []])),
    online: Object.values(users).map((u) => `${u}/r`),
    timezone: "UTC",
    ...c.world,
  };
  for (const [owner, contact, group] of c.rosterItems ?? []) {
    (world.rosters as Record<string, Record<string, object>>)[users[owner]]![users[contact]] = { subscription: "none", groups: [group] };
  }
  for (const [a, b] of c.pendingRequests ?? []) (world.pending as Record<string, string[]>)[users[b]]!.push(users[a]);
  for (const [a, b] of c.subscriptions ?? []) {
    (world.rosters as Record<string, Record<string, object>>)[users[a]]![users[b]] = { subscription: "to" };
    (world.rosters as Record<string, Record<string, object>>)[users[b]]![users[a]] = { subscription: "from" };
  }
  const sim = new Simulator([pfwSource("case.pfw", read.script, read.diagnostics)], new World(world));
  const out: Observed[] = [];
  // The whole sequence the server saw (initial presence, round trips, test stanzas), at the same
  // times: rate limits and hoisted conditions count every stanza, not only the test steps.
  for (const rec of recorded) {
    const stanza = readTrafficText(rec.xml, "s.xml")[0];
    if (stanza?.kind !== "stanza") continue;
    const r: SimResult = sim.simulate({ stanza: stanza.stanza, time: rec.time, origin: `c2s:${users[rec.from]}/r` });
    if (rec.step === undefined) continue;
    const delivered = r.verdict === "pass";
    const third = r.emitted
      .filter((e) => ["COPY", "REDIRECT", "FORWARD"].includes(e.action) && e.delivered === true)
      .flatMap((e) => readTrafficText(e.xml, "e.xml").flatMap((i) => (i.kind === "stanza" && i.stanza.attr.to?.startsWith(users.carol) ? [thirdParty(i.stanza)] : [])));
    const back = r.emitted
      .filter((e) => e.action === "BOUNCE" || e.action === "REPLY" || e.action === "DEFAULT" || (e.action === "UNSUBSCRIBE SENDER" && e.delivered))
      .map((e) => (e.error ? `error ${e.error.condition}` : e.action === "UNSUBSCRIBE SENDER" ? "presence unsubscribed" : `message "${readTrafficText(e.xml, "e.xml").flatMap((i) => (i.kind === "stanza" ? [i.stanza.getChildText("body") ?? ""] : []))[0]}"`));
    const deliveredStanza = readTrafficText(r.stanza, "d.xml")[0];
    out[rec.step] = { delivered, back: back.join(", "), third: third.join(", "), content: delivered && deliveredStanza?.kind === "stanza" ? contentOf(deliveredStanza.stanza) : "" };
  }
  return out;
}

async function real(c: Case, script: string): Promise<{ observed: Observed[]; recorded: Recorded[]; log: string }> {
  const server = await ProsodyServer.start({ hosts: ["a.test", "b.test"], accounts: Object.fromEntries(Object.values(users).map((u) => [u, password])), scripts: [script], ...c.server });
  const clients = new Map<User, XmppClient>();
  try {
    for (const u of Object.keys(users) as User[]) {
      const [user, host] = users[u].split("@") as [string, string];
      clients.set(u, await XmppClient.login(server.port, user, host, password, "r"));
    }
    for (const [a, b] of c.subscriptions ?? []) {
      const ca = clients.get(a)!;
      const cb = clients.get(b)!;
      // Neither client has asked for its roster or sent presence, so the server pushes them nothing:
      // a round trip on each stream shows the request, then the approval, was handled.
      ca.write(`<presence to='${users[b]}' type='subscribe'/>`);
      await ca.iq(syncIq(`s${a}${b}`), `syncs${a}${b}`);
      cb.write(`<presence to='${users[a]}' type='subscribed'/>`);
      await cb.iq(syncIq(`a${a}${b}`), `synca${a}${b}`);
    }
    for (const [owner, contact, group] of c.rosterItems ?? []) {
      await clients.get(owner)!.iq(`<iq type='set' id='roster-${contact}'><query xmlns='jabber:iq:roster'><item jid='${users[contact]}'><group>${group}</group></item></query></iq>`, `roster-${contact}`);
    }
    for (const [a, b] of c.pendingRequests ?? []) {
      // \`b\` is not available yet, so nothing reaches it: a round trip on \`a\`'s stream shows the request was handled.
      clients.get(a)!.write(`<presence to='${users[b]}' type='subscribe'/>`);
      await clients.get(a)!.iq(syncIq(`p${a}${b}`), `syncp${a}${b}`);
    }
    for (const cl of clients.values()) cl.write("<presence/>");
    await new Promise((r) => setTimeout(r, 200));
    const out: Observed[] = [];
    const steps: { marker: string; step: number }[] = [];
    let n = 0;
    for (const [index, step] of c.steps.entries()) {
      const sender = clients.get(step.from)!;
      const recipient = clients.get(step.to)!;
      const xml = stanzaXml(step, false);
      const first = readTrafficText(xml, "s.xml")[0];
      const sent = first?.kind === "stanza" ? first.stanza : undefined;
      const marker = `m${n++}`;
      const tagged = xml.replace(/^<(\w+) /, `<$1 xml:lang='${marker}' `);
      const arrived = recipient.waitFor((s) => s.attr["xml:lang"] === marker && s.name === sent?.name, 1500);
      const replies: string[] = [];
      const before = sender.received.length;
      const carol = clients.get("carol")!;
      const carolBefore = carol.received.length;
      steps.push({ marker, step: index });
      sender.write(tagged);
      // A round trip on the sender's own stream: everything the server did for the stanza happened before the answer.
      await sender.iq(syncIq(marker), `sync${marker}`);
      const got = await Promise.race([arrived, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
      for (const s of sender.received.slice(before)) if ((s.name === "message" || s.name === "presence" || s.name === "iq") && (s.attr.type === "error" || s.getChildText("body") !== undefined || s.attr.type === "unsubscribed") && !s.attr.id?.startsWith("sync")) replies.push(backOf(s));
      const carolInvolved = step.to === "carol" || step.from === "carol";
      // Copies for carol were written to her stream before the sender's answer; a round trip on her
      // stream makes sure this process has read them, however slow the machine.
      if (!carolInvolved) await carol.iq(syncIq(`c${marker}`), `syncc${marker}`);
      const third = carolInvolved ? [] : carol.received.slice(carolBefore).filter((x) => x.name === "message").map(thirdParty);
      out.push({ delivered: got !== undefined, back: replies.join(", "), third: third.join(", "), content: contentOf(got) });
    }
    const recorded: Recorded[] = [...clients].flatMap(([from, cl]) =>
      cl.sent.map((s) => {
        // The marker, not the time: a loaded machine can take longer than any tolerance between the two.
        const step = steps.find((x) => s.xml.includes(`xml:lang='${x.marker}'`));
        return { from, time: s.time, xml: s.xml, ...(step ? { step: step.step } : {}) };
      }),
    );
    recorded.sort((a, b) => a.time - b.time);
    return { observed: out, recorded, log: server.log() };
  } finally {
    for (const cl of clients.values()) cl.close();
    server.stop();
    await server.exited();
  }
}

test("the simulator predicts what a real Prosody with mod_firewall does", async (t) => {
  if (!requireProsody(t)) return;
  const disagreements: string[] = [];
  let stanzas = 0;
  for (const c of cases) {
    const script = c.sfw ? compileSfw(c.script, "case.sfw").output?.text : c.script;
    if (!script) {
      disagreements.push(`${c.name}: the rule set does not compile`);
      continue;
    }
    const { observed: prosody, recorded, log } = await real(c, script);
    if (c.name.startsWith("a script Prosody refuses")) t.regex(log, /Error compiling .*script0\.pfw/, "Prosody logs the refused script");
    const sim = simulated(c, script, recorded);
    c.steps.forEach((step, i) => {
      stanzas++;
      const strip = (o: Observed): Observed => (step.ignoreBack ? { ...o, back: "" } : o);
      const p = prosody[i];
      const m = sim[i];
      if (!p || !m) {
        disagreements.push(`${c.name}, step ${i + 1}: ${p ? "the simulator did not see the stanza the client sent" : "the client did not send the stanza"}`);
        return;
      }
      const a = describe(strip(p));
      const b = describe(strip(m));
      if (a !== b) disagreements.push(`${c.name}, step ${i + 1} ${users[step.from]} → ${stanzaXml(step, false)}:\n    Prosody:   ${a}\n    simulator: ${b}`);
    });
  }
  t.log(`${cases.length} scripts, ${stanzas} stanzas through a real Prosody and the simulator`);
  t.deepEqual(disagreements, []);
});
