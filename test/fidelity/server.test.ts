import test from "ava";
import { requireProsody } from "../helpers/prosody.js";
import { compareCase, msg, type Case } from "../helpers/server-oracle.js";

// Differential tests against a real Prosody 0.12 with mod_firewall (test/helpers/server-oracle.ts):
// hand-written cases, each about one part of the semantics that needs sessions, rosters or
// routing; every disagreement fails with both outcomes. Random scripts: random-server.test.ts.

const now = new Date();
const hour = now.getUTCHours();
const around = `${(hour + 23) % 24}:00-${(hour + 2) % 24}:00`;


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
    // mod_presence takes a client's subscription presence over between preroute and deliver: deliver
    // sees it from and to bare JIDs, and an approval nobody asked for goes nowhere.
    name: "subscription presences: preroute sees the client's full JID, deliver the bare ones; an unasked 'subscribed' never reaches deliver",
    script: "::preroute\nKIND: presence\nFROM EXACTLY: carol@a.test/r\nTYPE: unsubscribe\nBOUNCE=not-allowed (preroute saw the full JID)\n\n::deliver\nKIND: presence\nFROM EXACTLY: alice@a.test\nTO EXACTLY: bob@b.test\nBOUNCE=policy-violation (deliver saw bare JIDs)\n\nKIND: presence\nTYPE: subscribed\nBOUNCE=forbidden (deliver saw the approval)\n",
    subscriptions: [["carol", "bob"]],
    steps: [
      { from: "alice", to: "bob", xml: "<presence to='TO/r' type='subscribe'/>" },
      { from: "alice", to: "bob", xml: "<presence to='TO' type='unsubscribe'/>" },
      { from: "alice", to: "carol", xml: "<presence to='TO' type='subscribed'/>" },
      { from: "carol", to: "bob", xml: "<presence to='TO' type='unsubscribe'/>" },
    ],
  },
  {
    // Five tokens on a.test, slowly refilled. Before the steps, a.test's preroute has seen alice's
    // subscription request, her initial presence and the probe of bob that Prosody sends for it, and
    // carol's initial presence: the first message takes the last token.
    name: "presence Prosody posts for a client's initial presence (the probe of a contact) meets preroute and takes from its rate",
    script: "%RATE r: 0.01 (burst 500)\n\n::preroute\nKIND: iq\nPASS.\n\nLIMIT: r\nBOUNCE=resource-constraint\n",
    subscriptions: [["alice", "bob"]],
    steps: [msg("alice", "bob", "1"), msg("alice", "bob", "2"), msg("carol", "alice", "3")],
  },
  {
    // Six tokens in a.test's deliver, where bob's approvals of alice and carol arrive, their
    // initial presences (addressed to themselves) and what Prosody makes of presence: bob's
    // broadcast to both, and the answers to their probes of bob (his presence, or unavailable
    // presence from his bare JID if he has sent none yet: one stanza either way). Nothing is left
    // for bob's messages.
    name: "presence broadcasts and probe answers meet deliver on the contact's host",
    script: "%RATE r: 0.01 (burst 600)\n\n::deliver\nKIND: iq\nPASS.\n\nTO: <*>@a.test\nLIMIT: r\nBOUNCE=resource-constraint\n",
    subscriptions: [["alice", "bob"], ["carol", "bob"]],
    steps: [msg("bob", "alice", "1"), msg("bob", "carol", "2"), msg("bob", "alice", "3"), msg("bob", "carol", "4")],
  },
  {
    // a.test's preroute, six tokens: the acknowledgements of bob's request (unavailable presence
    // from alice, posted by a.test), when he sent it and when his initial presence sent it again;
    // alice's and carol's initial presence; alice's approval and the presence Prosody sends bob
    // after it. Nothing is left for the messages.
    name: "presence Prosody posts for subscriptions (the receipt of a request, the presence after an approval) meets preroute and takes from its rate",
    script: "%RATE r: 0.01 (burst 600)\n\n::preroute\nKIND: iq\nPASS.\n\nLIMIT: r\nBOUNCE=resource-constraint\n",
    pendingRequests: [["bob", "alice"]],
    steps: [{ from: "alice", to: "bob", xml: "<presence to='TO' type='subscribed'/>", ignoreDelivery: true }, msg("alice", "bob", "1"), msg("alice", "bob", "2"), msg("alice", "bob", "3")],
  },
  {
    // rostermanager changes the rosters as subscription presence passes: a request is kept as
    // pending, an approval makes the contact subscribed (and the asker's item `to`), a
    // cancellation takes it back; later stanzas meet the rosters as changed. (Whether Prosody
    // shows an approval or a cancellation to the contact's client depends on that client's
    // presence, which is not what is tested here.)
    name: "roster changes made by subscription presence in the traffic: later stanzas meet the rosters as they are then",
    script: "::deliver\nKIND: message\nSUBSCRIBED?\nPASS.\n\nKIND: message\nIN ROSTER?\nBOUNCE=forbidden (roster only)\n\nKIND: message\nBOUNCE=policy-violation (strangers not allowed)\n",
    steps: [
      msg("carol", "bob", "before"),
      { from: "carol", to: "bob", xml: "<presence to='TO' type='subscribe'/>" },
      msg("carol", "bob", "asked"),
      { from: "bob", to: "carol", xml: "<presence to='TO' type='subscribed'/>", ignoreDelivery: true },
      msg("carol", "bob", "approved"),
      msg("bob", "carol", "back"),
      { from: "bob", to: "carol", xml: "<presence to='TO' type='unsubscribed'/>", ignoreDelivery: true },
      msg("carol", "bob", "cancelled"),
      msg("bob", "carol", "back again"),
      { from: "alice", to: "bob", xml: "<presence to='TO' type='subscribe'/>" },
      msg("bob", "alice", "asked by alice"),
      { from: "bob", to: "alice", xml: "<presence to='TO' type='unsubscribed'/>", ignoreDelivery: true },
      { from: "alice", to: "bob", xml: "<presence to='TO' type='unsubscribe'/>", ignoreDelivery: true },
      msg("alice", "bob", "refused"),
    ],
  },
  {
    // An approval nobody asked for is stored (RFC 6121 §3.4): the contact's later request is
    // answered with `subscribed` at once, which completes the subscription as the user's own would.
    name: "a pre-approved subscription: the request that follows makes the contact subscribed",
    script: "::deliver\nKIND: message\nSUBSCRIBED?\nPASS.\n\nKIND: message\nBOUNCE=policy-violation (strangers not allowed)\n",
    steps: [
      { from: "bob", to: "carol", xml: "<presence to='TO' type='subscribed'/>", ignoreDelivery: true },
      msg("carol", "bob", "not yet"),
      { from: "carol", to: "bob", xml: "<presence to='TO' type='subscribe'/>", ignoreDelivery: true },
      msg("carol", "bob", "subscribed now"),
    ],
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

test("the simulator predicts what a real Prosody with mod_firewall does", async (t) => {
  if (!requireProsody(t)) return;
  const disagreements: string[] = [];
  let stanzas = 0;
  for (const c of cases) {
    const { disagreements: found, log } = await compareCase(c);
    if (c.name.startsWith("a script Prosody refuses")) t.regex(log, /Error compiling .*script0\.pfw/, "Prosody logs the refused script");
    disagreements.push(...found);
    stanzas += c.steps.length;
  }
  t.log(`${cases.length} scripts, ${stanzas} stanzas through a real Prosody and the simulator`);
  t.deepEqual(disagreements, []);
});
