import test from "ava";
import { readPfw } from "../../src/pfw/read.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { Simulator, type SimEvent, type SimResult } from "../../src/sim/engine.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World, type WorldData } from "../../src/sim/world.js";
import type { XmlElement } from "../../src/sim/xml.js";

const t0 = Date.parse("2026-11-25T10:00:00Z") / 1000;

function stanza(xml: string): XmlElement {
  const items = readTrafficText(xml, "s.xml");
  const first = items[0];
  if (!first || first.kind !== "stanza") throw new Error(`not a stanza: ${xml}`);
  return first.stanza;
}

function simulator(scripts: string | string[], world: WorldData = { hosts: ["example.org"] }, trace = false): Simulator {
  const sources = (Array.isArray(scripts) ? scripts : [scripts]).map((text, i) => {
    const read = readPfw(text, `s${i}.pfw`);
    return pfwSource(`s${i}.pfw`, read.script, read.diagnostics);
  });
  return new Simulator(sources, new World(world), { trace });
}

function run(sim: Simulator, xml: string, extra: Partial<SimEvent> = {}): SimResult {
  return sim.simulate({ stanza: stanza(xml), time: t0, ...extra });
}

const fromRemote = (body = "hi", extra = "") => `<message from="x@remote.example/r" to="alice@example.org" type="chat"${extra}><body>${body}</body></message>`;

// [name, script, stanza, verdict, rule line, error condition]
const verdictCases: [string, string, string, string, number | undefined, string | undefined][] = [
  ["no rule: pass", "KIND: iq\nDROP.\n", fromRemote(), "pass", undefined, undefined],
  ["DROP", "KIND: message\nDROP.\n", fromRemote(), "drop", 1, undefined],
  ["BOUNCE with condition and text", "KIND: message\nBOUNCE=policy-violation (No spam)\n", fromRemote(), "bounce", 1, "policy-violation"],
  ["BOUNCE of an error stanza is a silent drop", "BOUNCE.\n", `<message from="x@remote.example" to="alice@example.org" type="error"/>`, "drop", 1, undefined],
  ["BOUNCE of an iq result is a silent drop", "BOUNCE.\n", `<iq from="x@remote.example" to="alice@example.org" type="result" id="1"/>`, "drop", 1, undefined],
  ["REDIRECT", "TO: alice@example.org\nREDIRECT=bob@example.org\n", fromRemote(), "redirect", 1, undefined],
  ["REDIRECT to a recipient the rule redirects again loops, as in Prosody", "REDIRECT=bob@example.org\n", fromRemote(), "error", undefined, undefined],
  ["DEFAULT in deliver: service-unavailable", "DEFAULT.\n", fromRemote(), "default", 1, "service-unavailable"],
  ["PASS ends the chain", "PASS.\n\nDROP.\n", fromRemote(), "pass", 1, undefined],
  ["TYPE defaults: message normal", "TYPE: normal\nDROP.\n", `<message from="x@remote.example" to="alice@example.org"/>`, "drop", 1, undefined],
  ["TYPE defaults: presence available", "TYPE: available\nDROP.\n", `<presence from="x@remote.example" to="alice@example.org"/>`, "drop", 1, undefined],
  ["FROM host only does not match a user", "FROM: remote.example\nDROP.\n", fromRemote(), "pass", undefined, undefined],
  ["FROM glob", "FROM: <*>@<*.example>\nDROP.\n", fromRemote(), "drop", 1, undefined],
  ["FROM glob does not match the bare domain", "FROM: <*>@<*.remote.example>\nDROP.\n", fromRemote(), "pass", undefined, undefined],
  ["FROM Lua pattern part", "FROM: <<%a>>@remote.example\nDROP.\n", fromRemote(), "drop", 1, undefined],
  ["INSPECT contains", "INSPECT: body#/=pills\nDROP.\n", fromRemote("cheap pills"), "drop", 1, undefined],
  ["INSPECT Lua pattern is unanchored", "INSPECT: body#~=p%a+s\nDROP.\n", fromRemote("cheap pills"), "drop", 1, undefined],
  ["INSPECT equals with expressions", "INSPECT: body#$=$<@from|node>\nDROP.\n", fromRemote("x"), "drop", 1, undefined],
  ["INSPECT existence", "INSPECT: {urn:xmpp:receipts}request\nDROP.\n", `<message from="x@remote.example" to="alice@example.org"><request xmlns="urn:xmpp:receipts"/></message>`, "drop", 1, undefined],
  ["PAYLOAD", "PAYLOAD: urn:xmpp:receipts\nDROP.\n", `<message from="x@remote.example" to="alice@example.org"><request xmlns="urn:xmpp:receipts"/></message>`, "drop", 1, undefined],
  ["ENTERING $local from a remote server", "ENTERING: $local\nDROP.\n", fromRemote(), "drop", 1, undefined],
  ["zone by host", "%ZONE partners: remote.example\n\nENTERING: partners\nDROP.\n", `<message from="alice@example.org/r" to="x@remote.example"/>`, "pass", undefined, undefined],
  ["zone by host, entered by a JID of that host", "%ZONE home: example.org\n\nENTERING: home\nDROP.\n", fromRemote(), "drop", 3, undefined],
  ["zone listing a bare JID: its resources enter it", "%ZONE vips: alice@example.org\n\nENTERING: vips\nDROP.\n", `<message from="x@remote.example/r" to="alice@example.org/desk"/>`, "drop", 3, undefined],
  ["zone listing a full JID: that resource enters it", "%ZONE vips: alice@example.org/desk\n\nENTERING: vips\nDROP.\n", `<message from="x@remote.example/r" to="alice@example.org/desk"/>`, "drop", 3, undefined],
  ["zone listing a full JID: another resource does not", "%ZONE vips: alice@example.org/desk\n\nENTERING: vips\nDROP.\n", `<message from="x@remote.example/r" to="alice@example.org/phone"/>`, "pass", undefined, undefined],
  ["JUMP CHAIN: the jumped chain decides", "JUMP CHAIN=user/x\n\nPASS.\n\n::user/x\nKIND: message\nDROP.\n", fromRemote(), "drop", 6, undefined],
  ["JUMP CHAIN: RETURN continues the caller", "JUMP CHAIN=user/x\n\nDROP.\n\n::user/x\nRETURN.\n", fromRemote(), "drop", 3, undefined],
  ["JUMP CHAIN: PASS in the jumped chain passes the caller too", "JUMP CHAIN=user/x\n\nDROP.\n\n::user/x\nPASS.\n", fromRemote(), "pass", 6, undefined],
  ["JUMP CHAIN: DEFAULT in the jumped chain passes the caller, and is the rule that decided", "JUMP CHAIN=user/x\n\nDROP.\n\n::user/x\nKIND: message\nDEFAULT.\n", fromRemote(), "pass", 6, undefined],
  ["RETURN in a built-in chain: the stanza passes by it", "KIND: message\nRETURN.\n\nDROP.\n", fromRemote(), "pass", 1, undefined],
  ["JUMP CHAIN to a missing chain continues", "JUMP CHAIN=user/none\n\nDROP.\n", fromRemote(), "drop", 3, undefined],
  ["CHECK LIST with a filter", "%LIST l: memory (filter: lower)\nADD TO=l X@REMOTE.example\n\nCHECK LIST: l contains $<@from|bare>\nDROP.\n", fromRemote(), "drop", 4, undefined],
  ["COUNT", "%PATTERN link: https?://%S+\n%SEARCH body: body#\nCOUNT: link in body > 1\nDROP.\n", fromRemote("http://a http://b"), "drop", 3, undefined],
  ["SCAN", "%PATTERN word: %a+\n%SEARCH body: body#\n%LIST bad: memory\nADD TO=bad casino\n\nSCAN: body for word in bad\nDROP.\n", fromRemote("go casino go"), "drop", 6, undefined],
  ["a condition-less rule stored twice runs its actions twice", "LOG=one\nKIND: iq\nDROP.\n", fromRemote(), "drop", 3, undefined],
  ["MAY raises on Prosody 0.12", "MAY: xmpp:federate\nDROP.\n", fromRemote(), "error", undefined, undefined],
  ["code expressions beyond the supported ones cannot be simulated", "LOG=$(os.time())\n", fromRemote(), "unsimulatable", undefined, undefined],
  ["LOG right after INJECT raises", "INJECT=<x xmlns='urn:x'/>\nLOG=y\n", fromRemote(), "error", undefined, undefined],
];

for (const [name, script, xml, verdict, line, condition] of verdictCases) {
  test(`verdict: ${name}`, (t) => {
    const r = run(simulator(script), xml);
    t.is(r.verdict as string, verdict, JSON.stringify(r));
    t.is(r.rule ? Number(r.rule.pfw.split(":")[1]) : undefined, line);
    t.is(r.error?.condition, condition);
  });
}

test("a broken script is not loaded: the stanza passes and the load report says why", (t) => {
  const sim = simulator("KNID: message\nDROP.\n");
  t.is(run(sim, fromRemote()).verdict, "pass");
  t.false(sim.loadReports()[0]!.loaded);
  t.regex(sim.loadReports()[0]!.error!, /unknown condition 'KNID'/);
});

// Checked with `prosodyctl mod_firewall test`: the deliver chain's Lua does not compile, so the message passes.
const brokenChains: [string, string, string][] = [
  ["$(…) without its ')' in LOG", "KIND: message\nDROP.\n\nKIND: presence\nLOG=$(session.host\n", "has no closing parenthesis"],
  ["$(…) code that is not an expression", "KIND: message\nDROP.\n\nLOG=$(1 2)\n", "not a Lua expression"],
  ["$(…) code in a condition", "FROM EXACTLY: $(1 2)\nPASS.\n\nKIND: message\nDROP.\n", "not a Lua expression"],
  ["KIND without a value", "KIND: |\nPASS.\n\nKIND: message\nDROP.\n", "KIND without any value"],
  ["CROSSING GROUPS without a group", "CROSSING GROUPS: a, b\nPASS.\n\nKIND: message\nDROP.\n", "CROSSING GROUPS with no group"],
];

for (const [name, script, why] of brokenChains) {
  test(`a chain whose Lua does not compile is skipped, the script's other chains load: ${name}`, (t) => {
    const sim = simulator(`${script}\n::preroute\nKIND: message\nLOG=preroute saw it\n`);
    const r = run(sim, fromRemote());
    t.is(r.verdict, "pass");
    const report = sim.loadReports()[0]!;
    t.true(report.loaded);
    t.deepEqual(report.skippedChains.map((c) => c.chain), ["deliver"]);
    t.regex(report.skippedChains[0]!.error, new RegExp(why.replace(/[()]/g, "\\$&")));
  });
}

test("a tier-2 error stops loading the scripts after it too", (t) => {
  const sim = simulator(["LIMIT: nosuch\nDROP.\n\n%RATE r: 1\n", "KIND: message\nDROP.\n"]);
  t.deepEqual(sim.loadReports().map((r) => r.loaded), [false, false]);
  t.is(run(sim, fromRemote()).verdict, "pass");
});

test("rate limits: a burst, then refill over time; buckets per key", (t) => {
  const sim = simulator("%RATE r: 1 (burst 3)\nLIMIT: r on $<@from|host>\nBOUNCE=resource-constraint\n");
  const at = (dt: number, from = "x@remote.example/r") => run(sim, `<message from="${from}" to="alice@example.org"/>`, { time: t0 + dt }).verdict;
  t.deepEqual([at(0), at(0), at(0), at(0)], ["pass", "pass", "pass", "bounce"]);
  t.is(at(0, "y@other.example/r"), "pass");
  t.is(at(1), "pass");
  t.is(at(1), "bounce");
});

test("rate limits: a full table refuses new keys unless overflow is allowed", (t) => {
  const deny = simulator("%RATE r: 1 (burst 1) (entries 1)\nLIMIT: r on $<@from>\nDROP.\n");
  t.is(run(deny, fromRemote()).verdict, "pass");
  t.is(run(deny, `<message from="other@remote.example/r" to="alice@example.org"/>`).verdict, "drop");
  const allow = simulator("%RATE r: 1 (burst 1) (entries 1) (allow overflow)\nLIMIT: r on $<@from>\nDROP.\n");
  t.is(run(allow, fromRemote()).verdict, "pass");
  t.is(run(allow, `<message from="other@remote.example/r" to="alice@example.org"/>`).verdict, "pass");
});

test("hoisting: a LIMIT used in two rules is polled once per stanza, even when the first rule's other condition is false", (t) => {
  // Without hoisting, stanzas of kind iq would not touch the bucket in the first rule.
  const sim = simulator("%RATE r: 1 (burst 2)\nKIND: message\nLIMIT: r\nDROP.\n\nKIND: presence\nLIMIT: r\nBOUNCE.\n", undefined, true);
  const iq = (id: string) => run(sim, `<iq from="x@remote.example/r" to="alice@example.org" type="get" id="${id}"/>`);
  const first = iq("1");
  t.true(first.trace!.some((e) => e.hoisted && e.text.startsWith("LIMIT")));
  iq("2");
  t.is(run(sim, `<message from="x@remote.example/r" to="alice@example.org"/>`).verdict, "drop");
});

test("marks: MARK ORIGIN is seen by later stanzas of the same session only", (t) => {
  const sim = simulator("ORIGIN MARKED: spammer (60s)\nDROP.\n\nKIND: message\nMARK ORIGIN=spammer\n");
  t.is(run(sim, fromRemote(), { origin: "s2s:remote.example" }).verdict, "pass");
  t.is(run(sim, fromRemote(), { origin: "s2s:remote.example", time: t0 + 10 }).verdict, "drop");
  t.is(run(sim, fromRemote(), { origin: "s2s:other.example", time: t0 + 10 }).verdict, "pass");
  t.is(run(sim, fromRemote(), { origin: "s2s:remote.example", time: t0 + 100 }).verdict, "pass");
});

test("rosters: SUBSCRIBED reads the recipient's roster, and says when it assumed one", (t) => {
  const world: WorldData = { hosts: ["example.org"], rosters: { "alice@example.org": { "x@remote.example": { subscription: "from" } } } };
  const sim = simulator("SUBSCRIBED?\nPASS.\n\nDROP.\n", world);
  t.is(run(sim, fromRemote()).verdict, "pass");
  const unknown = run(sim, `<message from="x@remote.example/r" to="bob@example.org"/>`);
  t.is(unknown.verdict, "drop");
  t.deepEqual(unknown.assumptions, ["no roster given for bob@example.org: assumed empty"]);
});

test("a Lua error raised in a chain: the chain is listed as the one that raised", (t) => {
  const r = run(simulator("MAY: xmpp:federate\nDROP.\n"), fromRemote());
  t.is(r.verdict, "error");
  t.deepEqual(r.chains, [{ chain: "deliver", host: "example.org", result: "raised" }]);
});

test("a reply sent back to another server meets deliver_remote first, as an event without an origin session", (t) => {
  const quiet = simulator("::deliver\nKIND: message\nBOUNCE=policy-violation\n\n::deliver_remote\nTYPE: error\nDROP.\n", undefined, true);
  const stopped = run(quiet, fromRemote());
  t.is(stopped.verdict, "bounce");
  t.is(stopped.emitted[0]?.delivered, false);
  t.regex(stopped.reason ?? "", /stopped in deliver_remote/);
  t.true(stopped.trace!.some((e) => e.chain === "deliver_remote" && e.result));
  // From a local client the reply goes to the client's session directly.
  const local = run(quiet, `<message from="alice@example.org/r" to="bob@example.org"/>`, { origin: "c2s:alice@example.org/r" });
  t.is(local.verdict, "bounce");
  t.is(local.emitted[0]?.delivered, undefined);
  t.false(local.trace!.some((e) => e.chain === "deliver_remote"));
  // Code that uses the session raises there: `(session.log or log)` indexes a nil session.
  const logging = run(simulator("::deliver\nKIND: message\nBOUNCE.\n\n::deliver_remote\nLOG=sent\n"), fromRemote());
  t.is(logging.verdict, "error");
  t.regex(logging.reason ?? "", /nil value \(local 'session'\)/);
  // Both handlers raised: deliver's, through the reply's deliver_remote, which is named.
  t.deepEqual(logging.chains, [
    { chain: "deliver", host: "example.org", result: "raised" },
    { chain: "deliver_remote", host: "example.org", result: "raised" },
  ]);
  t.regex(logging.reason ?? "", /^mod_firewall raises a Lua error in deliver_remote, met by a stanza sent on the way from deliver \(/);
  const replied = run(simulator("::deliver\nKIND: message\nREPLY=go away\nDROP.\n\n::deliver_remote\nKIND: message\nDROP.\n"), fromRemote());
  t.is(replied.verdict, "drop");
  t.is(replied.emitted[0]?.delivered, false);
  // Without deliver_remote rules the reply just leaves.
  t.is(run(simulator("::deliver\nKIND: message\nBOUNCE.\n"), fromRemote()).emitted[0]?.delivered, undefined);
  // The server's own service-unavailable after DEFAULT takes the same way.
  const unhandled = run(simulator("::deliver\nKIND: message\nDEFAULT.\n\n::deliver_remote\nTYPE: error\nDROP.\n"), fromRemote());
  t.is(unhandled.verdict, "default");
  t.is(unhandled.error?.condition, "service-unavailable");
  t.is(unhandled.emitted[0]?.delivered, false);
  // The server's reply raising in deliver_remote: listed after deliver's false.
  const defaultRaises = run(simulator("::deliver\nKIND: message\nDEFAULT.\n\n::deliver_remote\nLOG=sent\n"), fromRemote());
  t.is(defaultRaises.verdict, "error");
  t.deepEqual(defaultRaises.chains, [
    { chain: "deliver", host: "example.org", result: "false" },
    { chain: "deliver_remote", host: "example.org", result: "raised" },
  ]);
  t.regex(defaultRaises.reason ?? "", /in deliver_remote, met by a stanza sent on the way \(the server's error reply\)/);
});

test("several scripts on one chain: the order given decides, and the result says so only where a script stopped the stanza", (t) => {
  const sim = simulator(["KIND: message\nPASS.\n", "KIND: message\nDROP.\n", "::preroute\nDROP.\n"]);
  const message = run(sim, fromRemote());
  t.is(message.verdict, "drop");
  t.deepEqual(message.assumptions, ["Prosody runs the deliver handlers of s0.pfw, s1.pfw in an order it does not define (firewall_scripts is a set): simulated in the order given"]);
  const presence = run(sim, `<presence from="x@remote.example/r" to="alice@example.org"/>`);
  t.is(presence.verdict, "pass");
  t.deepEqual(presence.assumptions, []);
  t.deepEqual(run(simulator("KIND: message\nDROP.\n"), fromRemote()).assumptions, []);
});

test("routing: a local client's stanza meets preroute, then deliver; `to` of its own bare JID is removed", (t) => {
  const sim = simulator("::preroute\nTO SELF?\nLOG=self\n\n::deliver\nKIND: message\nDROP.\n");
  const r = run(sim, `<message to="alice@example.org"/>`, { origin: "c2s:alice@example.org/phone" });
  t.deepEqual(r.chains.map((c) => c.chain), ["preroute", "deliver"]);
  t.deepEqual(r.logs, ["info: self"]);
  t.is(r.verdict, "drop");
  const remote = run(sim, `<message to="x@remote.example"/>`, { origin: "c2s:alice@example.org/phone" });
  t.deepEqual(remote.chains.map((c) => c.chain), ["preroute", "deliver_remote"]);
});

test("STRIP and INJECT change the stanza that is delivered; INJECT drops attributes containing 2", (t) => {
  const sim = simulator("STRIP=html http://jabber.org/protocol/xhtml-im\nINJECT=<seen xmlns='urn:x:2' by='me'/>\n");
  const r = run(sim, `<message from="x@remote.example/r" to="alice@example.org"><body>a</body><html xmlns="http://jabber.org/protocol/xhtml-im"/></message>`);
  t.is(r.stanza, "<message from='x@remote.example/r' to='alice@example.org'><body>a</body><seen by='me'/></message>");
});

test("TIME and DAY use the event's time in the world's time zone; DAY compares the day of the month", (t) => {
  // 2026-11-25 is a Wednesday; 09:30 UTC is 10:30 in Stockholm.
  const at = Date.parse("2026-11-25T09:30:00Z") / 1000;
  const stockholm: WorldData = { hosts: ["example.org"], timezone: "Europe/Stockholm" };
  t.is(run(simulator("TIME: 10am-11am\nDROP.\n", stockholm), fromRemote(), { time: at }).verdict, "drop");
  t.is(run(simulator("TIME: 10am-11am\nDROP.\n", { hosts: ["example.org"] }), fromRemote(), { time: at }).verdict, "pass");
  t.is(run(simulator("TIME: 22:00-06:00\nDROP.\n", stockholm), fromRemote(), { time: at }).verdict, "pass");
  // Wednesday is 4 in mod_firewall's table: the 25th of the month is not, whatever the weekday.
  t.is(run(simulator("DAY: wed\nDROP.\n", stockholm), fromRemote(), { time: at }).verdict, "pass");
  t.is(run(simulator("DAY: sat-sun\nDROP.\n", stockholm), fromRemote(), { time: at }).verdict, "drop"); // 25 >= 7 or <= 0
  t.is(run(simulator("TIME: 10:30-11:00\nDROP.\n", stockholm), fromRemote(), { time: at }).verdict, "error");
});

test("expressions: the documented ||\"default\" form is always <undefined>, and functions give JID parts", (t) => {
  const sim = simulator('LOG=$<@type||"normal"> $<@from|host> $<@to|node> $<body#> $<{urn:x}x@a>\n');
  const r = run(sim, `<message from="x@remote.example/r" to="alice@example.org"><body>b</body><x xmlns="urn:x" a="1"/></message>`);
  t.deepEqual(r.logs, ["info: <undefined> remote.example alice b 1"]);
});

test("emitted stanzas: FORWARD wraps in XEP-0297, REPLY swaps addresses, COPY keeps the stanza", (t) => {
  const sim = simulator("TO: alice@example.org\nFORWARD=abuse@example.org\nREPLY=no thanks\nCOPY=archive@example.org\n");
  const r = run(sim, `<message from="x@remote.example/r" to="alice@example.org" id="m1" type="chat"><body>b</body></message>`);
  t.deepEqual(r.emitted.map((e) => e.action), ["FORWARD", "REPLY", "COPY"]);
  t.is(r.emitted[0]!.xml, "<message to='abuse@example.org' from='example.org'><forwarded xmlns='urn:xmpp:forward:0'><message from='x@remote.example/r' to='alice@example.org' id='m1' type='chat' xmlns='jabber:client'><body>b</body></message></forwarded></message>");
  t.is(r.emitted[1]!.xml, "<message to='x@remote.example/r' from='alice@example.org' id='m1' type='chat'><body>no thanks</body></message>");
  t.is(r.emitted[2]!.xml, "<message from='x@remote.example/r' to='archive@example.org' id='m1' type='chat'><body>b</body></message>");
});

test("UNSUBSCRIBE SENDER changes the recipient's roster for later stanzas", (t) => {
  const world: WorldData = { hosts: ["example.org"], rosters: { "alice@example.org": { "x@remote.example": { subscription: "both" } } } };
  const sim = simulator("SUBSCRIBED?\nINSPECT: body#=stop\nUNSUBSCRIBE SENDER.\n\nSUBSCRIBED?\nPASS.\n\nDROP.\n", world);
  t.is(run(sim, fromRemote("hello")).verdict, "pass");
  const stop = run(sim, fromRemote("stop"));
  t.deepEqual(stop.emitted.map((e) => e.xml), ["<presence type='unsubscribed' from='alice@example.org' to='x@remote.example'/>"]);
  t.is(run(sim, fromRemote("hello")).verdict, "drop");
});

test("user marks need the option on 0.12 and are shared by the user's sessions", (t) => {
  const script = "::preroute\nUSER MARKED: noisy\nBOUNCE=policy-violation\n\nINSPECT: body#=mark\nMARK USER=noisy\n";
  const on = simulator(script, { hosts: ["example.org"], config: { firewall_experimental_user_marks: true } });
  const send = (sim: Simulator, origin: string, body: string) => run(sim, `<message to="x@remote.example"><body>${body}</body></message>`, { origin }).verdict;
  t.is(send(on, "c2s:alice@example.org/a", "mark"), "pass");
  t.is(send(on, "c2s:alice@example.org/b", "hi"), "bounce");
  const off = simulator(script, { hosts: ["example.org"] });
  t.is(send(off, "c2s:alice@example.org/a", "mark"), "pass");
  t.is(send(off, "c2s:alice@example.org/b", "hi"), "pass");
});

test("lists from files and URLs take their contents from the world, or say they assumed them empty", (t) => {
  const script = "%LIST bad: file:/etc/bad.txt\n%LIST remote: https://lists.example/bad.txt (pattern: ([^;]+);?)\nCHECK LIST: bad contains $<@from|host>\nDROP.\n\nCHECK LIST: remote contains $<@from|host>\nBOUNCE.\n";
  t.is(run(simulator(script, { hosts: ["example.org"], lists: { bad: ["remote.example"] } }), fromRemote()).verdict, "drop");
  const unknown = run(simulator(script), fromRemote());
  t.is(unknown.verdict, "pass");
  t.true(unknown.assumptions.some((a) => a.includes("'bad' (file:/etc/bad.txt) not given")));
  t.is(run(simulator(script, { hosts: ["example.org"], lists: { bad: [], remote: ["a.example", "remote.example"] } }), fromRemote()).verdict, "bounce");
});

test("JUMP EVENT to an event nobody handles passes the stanza on; EVENT's result is ignored", (t) => {
  t.is(run(simulator("EVENT=custom/event\n\nJUMP EVENT=custom/other\n\nDROP.\n"), fromRemote()).verdict, "pass");
  t.is(run(simulator("JUMP EVENT=firewall/chains/user/x\n\n::user/x\nDROP.\n"), fromRemote()).verdict, "drop");
});

test("world tables are read by their own keys only: names from rules or traffic that are Object.prototype keys find nothing", (t) => {
  const world: WorldData = { hosts: ["example.org"], groups: { friends: ["x@remote.example"] }, pending: {}, rosters: {}, admins: {}, lists: {} };
  // mod_groups raises for a group its file does not define: `constructor` is not one.
  t.is(run(simulator("FROM GROUP: constructor\nDROP.\n", world), fromRemote()).verdict, "error");
  t.is(run(simulator("FROM GROUP: friends\nDROP.\n", world), fromRemote()).verdict, "drop");
  const toHost = `<message from="x@remote.example/r" to="toString" type="chat"><body>hi</body></message>`;
  for (const script of ["IN ROSTER\nDROP.\n", "SUBSCRIBED\nDROP.\n", "PENDING SUBSCRIPTION FROM SENDER\nDROP.\n", "TO ADMIN\nDROP.\n"]) {
    const r = run(simulator(script, { ...world, hosts: ["example.org", "toString"] }), toHost);
    t.is(r.verdict, "pass", script);
  }
  const toUser = `<message from="x@remote.example/r" to="valueOf@example.org" type="chat"><body>hi</body></message>`;
  t.is(run(simulator("IN ROSTER\nDROP.\n", { ...world, rosters: { "valueOf@example.org": {} } }), toUser).verdict, "pass");
});

// A chain named by the traffic runs only if it exists: a misspelt one would run no rule, and pass.
const chainCases: [chain: string, verdict: SimResult["verdict"], reason: RegExp | undefined][] = [
  ["deliver", "drop", undefined],
  ["user/spam", "drop", undefined],
  ["deliver_remote", "pass", undefined],
  ["delivr", "unsimulatable", /^unknown chain 'delivr' \(did you mean 'deliver'\?\): the chains are 'preroute', 'deliver', 'deliver_remote', 'user\/spam'$/],
  ["user/spma", "unsimulatable", /did you mean 'user\/spam'/],
  ["bogus", "unsimulatable", /^unknown chain 'bogus': /],
];
for (const [chain, verdict, reason] of chainCases) {
  test(`an event for chain '${chain}': ${verdict}`, (t) => {
    const sim = simulator("::deliver\nKIND: message\nDROP.\n\n::user/spam\nKIND: message\nDROP.\n");
    const r = run(sim, fromRemote(), { chain });
    t.is(r.verdict, verdict);
    if (reason) t.regex(r.reason ?? "", reason);
    t.is(sim.chainProblem(chain) !== undefined, reason !== undefined);
  });
}

// An origin given by the traffic must name a session Prosody could have; anything else was read as a local session.
const originCases: [origin: string, simulated: boolean][] = [
  ["c2s:alice@example.org/phone", true],
  ["c2s:alice@example.org", true],
  ["s2s:remote.example", true],
  ["local:example.org", true],
  ["local", true],
  ["c2s:alice", false],
  ["s2s:x@remote.example", false],
  ["s2s:", false],
  ["xmpp:alice@example.org", false],
  ["local:a@b", false],
];
for (const [origin, simulated] of originCases) {
  test(`an event from origin '${origin}' is ${simulated ? "simulated" : "unsimulatable, with why"}`, (t) => {
    const r = run(simulator("KIND: message\nDROP.\n"), fromRemote(), { origin });
    t.is(r.verdict === "unsimulatable", !simulated, r.reason);
    if (!simulated) t.regex(r.reason ?? "", new RegExp(`^origin '${origin.replace(/[.]/g, "\\.")}' names no session: it is c2s:USER@HOST/RESOURCE`));
  });
}
