import test from "ava";
import { printed } from "../../src/cli/command-sim.js";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator, type GeneratedStanza, type SimResult } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { jsonLine, ReplaySummary, textLine, textSummary, textTrace } from "../../src/sim/output.js";
import { Replayer, type ReplayItem } from "../../src/sim/replay.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { validateWorld, World, type WorldData } from "../../src/sim/world.js";

// The presence Prosody's mod_presence makes of presence and posts through the chains
// (src/sim/presence-traffic.ts); checked against the real server in test/fidelity/server.test.ts.

const world: WorldData = {
  hosts: ["a.test", "b.test"],
  rosters: {
    // alice: bob is subscribed to her (from), she to dave (to), carol both ways, erin asked.
    "alice@a.test": { "bob@b.test": { subscription: "from" }, "dave@remote.example": { subscription: "to" }, "carol@a.test": { subscription: "both" }, "erin@remote.example": { subscription: "none", ask: "subscribe" } },
    "carol@a.test": { "alice@a.test": { subscription: "both" } },
    "bob@b.test": {},
  },
  pending: { "alice@a.test": [], "carol@a.test": [], "bob@b.test": [] },
};

/** Logs each chain a stanza meets, and lets everything through. */
const script = "::preroute\nLOG=preroute $<@from> $<@to> $<@type>\n\n::deliver\nLOG=deliver $<@from> $<@to> $<@type>\n\n::deliver_remote\nLOG=remote $<@from> $<@to> $<@type>\n";

function simulator(w: WorldData = world, rules = script): Simulator {
  const read = readPfw(rules, "log.pfw");
  return new Simulator([pfwSource("log.pfw", read.script, read.diagnostics)], new World(w));
}

function send(sim: Simulator, origin: string, xml: string, time = 1_800_000_000): SimResult {
  const item = readTrafficText(xml, "s.xml")[0];
  if (item?.kind !== "stanza") throw new Error(`not a stanza: ${xml}`);
  return sim.simulate({ stanza: item.stanza, origin, time });
}

/** Each generated stanza as `why: XML [what the chains logged]`, nested ones indented. */
function described(generated: readonly GeneratedStanza[], indent = ""): string[] {
  return generated.flatMap((g) => [`${indent}${g.why}: ${g.stanza.toString()} [${g.result.logs.join(" | ")}]`, ...described(g.result.generated, `${indent}  `)]);
}

const alice = "c2s:alice@a.test/r";

test("a client's initial presence: broadcast to subscribed contacts, probes of the contacts it is subscribed to, pending requests again; each through preroute and then deliver or deliver_remote", (t) => {
  const sim = simulator();
  const r = send(sim, alice, "<presence><show>away</show></presence>");
  t.is(r.verdict, "pass");
  t.deepEqual(described(r.generated), [
    "presence broadcast to a contact: <presence from='alice@a.test/r' to='bob@b.test'><show>away</show></presence> [info: preroute alice@a.test/r bob@b.test <undefined> | info: deliver alice@a.test/r bob@b.test <undefined>]",
    "presence broadcast to a contact: <presence from='alice@a.test/r' to='carol@a.test'><show>away</show></presence> [info: preroute alice@a.test/r carol@a.test <undefined> | info: deliver alice@a.test/r carol@a.test <undefined>]",
    "probe of a contact, for the initial presence: <presence from='alice@a.test/r' type='probe' to='dave@remote.example'/> [info: preroute alice@a.test/r dave@remote.example probe | info: remote alice@a.test/r dave@remote.example probe]",
    // carol (local) is probed too, and answers: she has no resource available.
    "probe of a contact, for the initial presence: <presence from='alice@a.test/r' type='probe' to='carol@a.test'/> [info: preroute alice@a.test/r carol@a.test probe | info: deliver alice@a.test/r carol@a.test probe]",
    "  answer to a probe: no resource available: <presence from='carol@a.test' to='alice@a.test/r' type='unavailable'/> [info: preroute carol@a.test alice@a.test/r unavailable | info: deliver carol@a.test alice@a.test/r unavailable]",
    // The request is posted again, and mod_presence's outbound handler takes it over (bare JIDs in deliver_remote).
    "pending subscription request sent again, for the initial presence: <presence type='subscribe' from='alice@a.test' to='erin@remote.example'/> [info: preroute alice@a.test erin@remote.example subscribe | info: remote alice@a.test erin@remote.example subscribe]",
  ]);
  // The next presence is not an initial one: the broadcast only.
  const again = send(sim, alice, "<presence/>");
  t.deepEqual(again.generated.map((g) => g.why), ["presence broadcast to a contact", "presence broadcast to a contact"]);
});

test("another resource of the user: gets the broadcast, and its presence (as Prosody keeps it, with a delay stamp) goes to the new one from its own session", (t) => {
  const sim = simulator({ ...world, rosters: { "alice@a.test": {} } });
  t.deepEqual(send(sim, "c2s:alice@a.test/one", "<presence><status>one</status></presence>").generated, []);
  const two = send(sim, "c2s:alice@a.test/two", "<presence/>", 1_800_000_060);
  t.deepEqual(described(two.generated), [
    "presence broadcast to another resource of the user: <presence from='alice@a.test/two' to='alice@a.test/one'/> [info: preroute alice@a.test/two alice@a.test/one <undefined> | info: deliver alice@a.test/two alice@a.test/one <undefined>]",
    "another resource's presence, to the new one: <presence from='alice@a.test/one' to='alice@a.test/two'><status>one</status><delay xmlns='urn:xmpp:delay' from='a.test' stamp='2027-01-15T08:00:00Z'/></presence> [info: preroute alice@a.test/one alice@a.test/two <undefined> | info: deliver alice@a.test/one alice@a.test/two <undefined>]",
  ]);
  // Unavailable: a copy to the other resource, and none to it again as directed presence (the copy took it off the set).
  const gone = send(sim, "c2s:alice@a.test/two", "<presence type='unavailable'/>");
  t.deepEqual(gone.generated.map((g) => `${g.why}: ${g.stanza.attr.to}`), ["presence broadcast to another resource of the user: alice@a.test/one"]);
  // …and `one` alone is left: its presence goes nowhere.
  t.deepEqual(send(sim, "c2s:alice@a.test/one", "<presence/>").generated, []);
});

test("unavailable presence goes to the JIDs the session sent directed presence to, once", (t) => {
  const sim = simulator();
  send(sim, alice, "<presence/>");
  // Directed presence to a contact subscribed to her is not tracked; to anyone else it is.
  send(sim, alice, "<presence to='room@muc.remote.example/alice'/>");
  send(sim, alice, "<presence to='bob@b.test'/>");
  const gone = send(sim, alice, "<presence type='unavailable'/>");
  t.deepEqual(gone.generated.map((g) => `${g.why}: ${g.stanza.attr.to}`), ["presence broadcast to a contact: bob@b.test", "presence broadcast to a contact: carol@a.test", "unavailable presence to a JID the session sent directed presence to: room@muc.remote.example/alice"]);
  // An unavailable presence to the room before would have taken it off.
  const sim2 = simulator();
  send(sim2, alice, "<presence/>");
  send(sim2, alice, "<presence to='room@muc.remote.example/alice'/>");
  send(sim2, alice, "<presence to='room@muc.remote.example/alice' type='unavailable'/>");
  t.false(send(sim2, alice, "<presence type='unavailable'/>").generated.some((g) => g.stanza.attr.to === "room@muc.remote.example/alice"));
});

test("a probe from another server: answered with the user's available presence, or unavailable presence from the user, or unsubscribed when the prober is not subscribed", (t) => {
  const w: WorldData = { ...world, rosters: { "alice@a.test": { "dave@remote.example": { subscription: "from" } } }, available: ["alice@a.test/phone"] };
  const sim = simulator(w);
  const probe = (from: string) => send(sim, "s2s:remote.example", `<presence from='${from}' to='alice@a.test' type='probe'/>`);
  t.deepEqual(described(probe("dave@remote.example/x").generated), [
    // The world says alice/phone was available before the traffic: what it sent is not known.
    "answer to a probe: a resource's presence: <presence from='alice@a.test/phone' to='dave@remote.example/x'/> [info: preroute alice@a.test/phone dave@remote.example/x <undefined> | info: remote alice@a.test/phone dave@remote.example/x <undefined>]",
  ]);
  t.deepEqual(described(probe("mallory@remote.example/x").generated), [
    // Routed only if mallory's request were pending (mod_presence's outbound handler): it is not, so it stops after preroute.
    "answer to a probe from a contact without a subscription: <presence from='alice@a.test' to='mallory@remote.example' type='unsubscribed'/> [info: preroute alice@a.test mallory@remote.example unsubscribed]",
  ]);
  send(sim, "c2s:alice@a.test/phone", "<presence type='unavailable'/>");
  t.deepEqual(probe("dave@remote.example/x").generated.map((g) => g.stanza.toString()), ["<presence from='alice@a.test' to='dave@remote.example/x' type='unavailable'/>"]);
  // A world-available session's next presence is not an initial one: no probes.
  const w2: WorldData = { ...world, available: ["alice@a.test/r"] };
  t.false(send(simulator(w2), alice, "<presence/>").generated.some((g) => g.stanza.attr.type === "probe"));
});

test("nothing is made of presence the firewall stops, or that deliver does not let through", (t) => {
  const drops = "::preroute\nKIND: presence\nTO: bob@b.test\nDROP.\n\n::deliver\nKIND: presence\nTYPE: unavailable\nNOT TO: <*>@remote.example\nDROP.\n";
  const sim = simulator(world, drops);
  const r = send(sim, alice, "<presence/>");
  // The copy to bob is dropped in preroute; the others go on.
  t.deepEqual(r.generated.map((g) => `${g.stanza.attr.to} ${g.result.verdict}`), ["bob@b.test drop", "carol@a.test pass", "dave@remote.example pass", "carol@a.test pass", "erin@remote.example pass"]);
  // carol's answer (unavailable presence to alice) meets deliver's DROP.
  t.is(r.generated[3]!.result.generated[0]!.result.verdict, "drop");
  // alice's own unavailable presence is dropped in deliver: mod_presence never sees it.
  t.deepEqual(send(sim, alice, "<presence type='unavailable'/>").generated, []);
  // A rate limit on presence in preroute counts every copy: three at once, the rest bounced.
  const limited = simulator(world, "%RATE r: 0.03 (burst 100)\n\n::preroute\nKIND: presence\nLIMIT: r\nBOUNCE.\n");
  const first = send(limited, alice, "<presence/>");
  t.is(first.verdict, "pass");
  t.deepEqual(first.generated.map((g) => g.result.verdict), ["pass", "pass", "bounce", "bounce", "bounce"]);
});

test("output: each stanza Prosody made is shown under its stanza, in JSON too, and the summary counts them apart", (t) => {
  const sim = simulator(world, "::preroute\nKIND: presence\nTO: bob@b.test\nDROP.\n");
  const replayer = new Replayer(sim);
  const out: ReplayItem[] = [];
  for (const item of readTrafficText("<traffic xmlns='urn:stanzafw:traffic:0'><event origin='c2s:alice@a.test/r'><presence xmlns='jabber:client'/></event></traffic>", "t.xml")) replayer.step(item, out);
  const record = out[0]!;
  const lines = textLine(record).split("\n");
  t.is(lines.length, 7);
  t.regex(lines[0]!, /^t\.xml:1 {2}pass {7}presence alice@a\.test\/r → \(no to\)$/);
  t.is(lines[1], "    then Prosody: drop       presence alice@a.test/r → bob@b.test  (presence broadcast to a contact)  by log.pfw:2");
  t.regex(lines[5]!, /^ {6}then Prosody: pass {7}presence unavailable carol@a\.test → alice@a\.test\/r {2}\(answer to a probe: no resource available\)/);
  const json = JSON.parse(jsonLine(record, false)) as { generated: { why: string; stanza: string; verdict: string; rule: { pfw: string } | null; generated: unknown[] }[] };
  t.is(json.generated.length, 5);
  t.like(json.generated[0], { why: "presence broadcast to a contact", stanza: "<presence from='alice@a.test/r' to='bob@b.test'/>", verdict: "drop", rule: { pfw: "log.pfw:2" } });
  t.is(json.generated[3]!.generated.length, 1);
  const summary = new ReplaySummary();
  summary.add(record);
  const text = textSummary(summary, [{ pfw: "log.pfw:2", label: "log.pfw:2" }]);
  t.regex(text, /^1 stanza: 1 pass\nand 6 presence stanzas Prosody made of them \(broadcasts, probes, answers\): 5 pass, 1 drop\n/);
  // The rule that decided only a copy is not "never decided".
  t.regex(text, /decided by:\n {7}1 {2}log\.pfw:2\n/);
  t.notRegex(text, /never decided/);
});

test("after routing a client's approval or cancellation: its resources' presence (and a probe without preroute if it is subscribed too), or their unavailable presence", (t) => {
  const w: WorldData = {
    hosts: ["a.test"],
    rosters: { "alice@a.test": { "dave@remote.example": { subscription: "to" }, "erin@remote.example": { subscription: "from" } } },
    pending: { "alice@a.test": ["dave@remote.example", "frank@remote.example"] },
  };
  const sim = simulator(w);
  send(sim, alice, "<presence><status>hi</status></presence>");
  // dave asked; alice is subscribed to him: her presence, then a probe that meets no preroute.
  const approved = send(sim, alice, "<presence to='dave@remote.example' type='subscribed'/>");
  t.deepEqual(described(approved.generated), [
    "a resource's presence, after approving a subscription: <presence from='alice@a.test/r' to='dave@remote.example'><status>hi</status><delay xmlns='urn:xmpp:delay' from='a.test' stamp='2027-01-15T08:00:00Z'/></presence> [info: preroute alice@a.test/r dave@remote.example <undefined> | info: remote alice@a.test/r dave@remote.example <undefined>]",
    "probe of the contact, after approving its subscription: <presence type='probe' from='alice@a.test' to='dave@remote.example'/> [info: remote alice@a.test dave@remote.example probe]",
  ]);
  // frank asked too, and alice is not subscribed to him: her presence only.
  t.deepEqual(send(sim, alice, "<presence to='frank@remote.example' type='subscribed'/>").generated.map((g) => g.why), ["a resource's presence, after approving a subscription"]);
  // erin had a subscription: cancelled, she gets alice's unavailable presence.
  t.deepEqual(described(send(sim, alice, "<presence to='erin@remote.example' type='unsubscribed'/>").generated), [
    "unavailable presence of a resource, after cancelling a subscription: <presence type='unavailable' from='alice@a.test/r' to='erin@remote.example'/> [info: preroute alice@a.test/r erin@remote.example unavailable | info: remote alice@a.test/r erin@remote.example unavailable]",
  ]);
  // An approval nobody asked for is not routed: nothing follows it.
  t.deepEqual(send(sim, alice, "<presence to='gina@remote.example' type='subscribed'/>").generated, []);
});

test("a subscription request to a local user: receipt acknowledged with unavailable presence from the user; from a contact already subscribed, subscribed again and the user's presence", (t) => {
  const w: WorldData = { hosts: ["a.test"], rosters: { "alice@a.test": { "erin@remote.example": { subscription: "from" } } }, pending: { "alice@a.test": [] }, available: ["alice@a.test/phone"] };
  const sim = simulator(w);
  const request = (from: string) => send(sim, "s2s:remote.example", `<presence from='${from}' to='alice@a.test' type='subscribe'/>`);
  t.deepEqual(described(request("mallory@remote.example").generated), [
    "receipt of a subscription request acknowledged: <presence from='alice@a.test' to='mallory@remote.example' type='unavailable'/> [info: preroute alice@a.test mallory@remote.example unavailable | info: remote alice@a.test mallory@remote.example unavailable]",
  ]);
  t.deepEqual(described(request("erin@remote.example/x").generated), [
    // The approval goes through the outbound handler from the server's own session, which sends the user's presence after it…
    "answer to a subscription request from a contact already subscribed: <presence from='alice@a.test' to='erin@remote.example' type='subscribed'/> [info: preroute alice@a.test erin@remote.example subscribed | info: remote alice@a.test erin@remote.example subscribed]",
    "  a resource's presence, after approving a subscription: <presence from='alice@a.test/phone' to='erin@remote.example'/> [info: preroute alice@a.test/phone erin@remote.example <undefined> | info: remote alice@a.test/phone erin@remote.example <undefined>]",
    // …and mod_presence sends it again.
    "answer to a subscription request: a resource's presence: <presence from='alice@a.test/phone' to='erin@remote.example'/> [info: preroute alice@a.test/phone erin@remote.example <undefined> | info: remote alice@a.test/phone erin@remote.example <undefined>]",
  ]);
});

test("--print decided prints a stanza of which Prosody made one a rule decided", (t) => {
  const sim = simulator(world, "::preroute\nKIND: presence\nTO: bob@b.test\nDROP.\n");
  const out: ReplayItem[] = [];
  const replayer = new Replayer(sim);
  for (const item of readTrafficText("<traffic xmlns='urn:stanzafw:traffic:0'><event origin='c2s:alice@a.test/r'><presence xmlns='jabber:client'/></event><event origin='c2s:carol@a.test/r'><presence xmlns='jabber:client'/></event></traffic>", "t.xml")) replayer.step(item, out);
  // alice's broadcast to bob is dropped; carol's presence goes to alice, undecided.
  t.deepEqual(out.map((r) => printed(r, "decided")), [true, false]);
  t.deepEqual(out.map((r) => printed(r, "none")), [false, false]);
});

test("--trace: the trace of each stanza Prosody made follows the stanza's own, in text and in JSON", (t) => {
  const read = readPfw("::preroute\nKIND: presence\nTO: bob@b.test\nDROP.\n", "log.pfw");
  const sim = new Simulator([pfwSource("log.pfw", read.script, read.diagnostics)], new World(world), { trace: true });
  const out: ReplayItem[] = [];
  new Replayer(sim).step(readTrafficText("<traffic xmlns='urn:stanzafw:traffic:0'><event origin='c2s:alice@a.test/r'><presence xmlns='jabber:client'/></event></traffic>", "t.xml")[0]!, out);
  const record = out[0]!;
  if (record.kind !== "record") return t.fail();
  const lines = textTrace(record, []);
  t.deepEqual(lines.slice(0, 5), [
    "    preroute line 2: KIND: presence → true",
    "    preroute line 3: TO: bob@b.test → false",
    "    then Prosody (presence broadcast to a contact, to bob@b.test):",
    "      preroute line 2: KIND: presence → true",
    "      preroute line 3: TO: bob@b.test → true",
  ]);
  const json = JSON.parse(jsonLine(record, true)) as { generated: { trace: { text: string; result: boolean }[] }[] };
  t.deepEqual(json.generated[0]!.trace.map((x) => `${x.text} ${x.result}`), ["KIND: presence true", "TO: bob@b.test true"]);
});

test("world: 'available' is a list of full JIDs; anything else is refused with the key named", (t) => {
  t.deepEqual(validateWorld({ available: ["alice@a.test/r"] }), []);
  t.deepEqual(validateWorld({ available: "alice@a.test/r" }), ["'available' must be an array of strings"]);
  t.deepEqual(validateWorld({ availble: [] }), ["unknown key 'availble' (did you mean 'available'?) (known: hosts, accounts, rosters, pending, groups, admins, roles, online, available, sessions, userMarks, lists, timezone, start, config, description)"]);
});
