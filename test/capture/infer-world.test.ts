import test from "ava";
import { withGivenWorld, WorldInference } from "../../src/capture/infer-world.js";
import { readTrafficText, type TrafficItem } from "../../src/sim/traffic.js";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { World } from "../../src/sim/world.js";
import { runIn, workdir } from "../helpers/cli.js";

/** Traffic items from XML with `<event origin=…>` wrappers (the traffic format). */
function items(xml: string): TrafficItem[] {
  return readTrafficText(`<t:traffic xmlns:t='urn:stanzafw:traffic:0'>${xml.replace(/<(\/?)event/g, "<$1t:event")}</t:traffic>`, "t.xml");
}

function infer(xml: string, given = {}) {
  const inference = new WorldInference();
  for (const i of items(xml)) inference.add(i);
  return withGivenWorld(inference.inferred(), given);
}

test("client sessions give local hosts and accounts; stanzas from other servers give the hosts they are for", (t) => {
  const w = infer(`
    <event origin='c2s:alice@example.org/phone'><message to='carol@friends.example'/></event>
    <event origin='s2s:remote.example'><message from='x@remote.example/r' to='bob@chat.example.org'/></event>
    <event origin='s2s:remote.example' chain='deliver_remote'><message from='x@remote.example/r' to='y@elsewhere.example'/></event>`);
  t.deepEqual(w.hosts, ["chat.example.org", "example.org"]);
  t.deepEqual(w.accounts, ["alice@example.org"]);
});

test("a local user's first approval or cancellation says what was so before it: a request pending (asked on a local contact's side), or a subscription; no directed presence (nothing the firewall reads)", (t) => {
  const w = infer(`
    <event origin='c2s:alice@example.org/phone'><presence to='carol@friends.example' type='subscribed'/></event>
    <event origin='c2s:bob@example.org/desk'><presence to='alice@example.org' type='subscribed'/></event>
    <event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='subscribed'/></event>
    <event origin='c2s:alice@example.org/phone'><presence to='erin@example.org' type='unsubscribed'/></event>
    <event origin='c2s:alice@example.org/phone'><presence to='room@muc.example/alice'/></event>`);
  t.deepEqual(w.pending, { "alice@example.org": ["carol@friends.example", "bob@example.org"], "bob@example.org": ["alice@example.org"] });
  t.deepEqual(w.rosters, {
    "alice@example.org": { "bob@example.org": { subscription: "none", ask: "subscribe" }, "erin@example.org": { subscription: "from" } },
    "bob@example.org": { "alice@example.org": { subscription: "none", ask: "subscribe" } },
    "erin@example.org": { "alice@example.org": { subscription: "to" } },
  });
  t.is(w.sessions, undefined);
  // Only the first answer to a contact tells of the time before the traffic: the later ones are simulated.
  const after = infer(`
    <event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='subscribed'/></event>
    <event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='unsubscribed'/></event>`);
  t.deepEqual(after.pending, { "alice@example.org": ["bob@example.org"] });
  t.deepEqual(after.rosters, { "bob@example.org": { "alice@example.org": { subscription: "none", ask: "subscribe" } }, "alice@example.org": {} });
  // The server's roster iqs say who is subscribed: no request is pending from them.
  const inference = new WorldInference();
  for (const i of items(`<event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='subscribed'/></event><event origin='c2s:alice@example.org/phone'><presence to='carol@example.org' type='subscribed'/></event>`)) inference.add(i);
  inference.roster("alice@example.org", { full: false, items: new Map([["bob@example.org", { subscription: "from" as const }]]) });
  t.deepEqual(inference.inferred().pending, { "alice@example.org": ["carol@example.org"] });
  // Given rosters take the inferred pending requests with them.
  t.is(infer(`<event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='subscribed'/></event>`, { rosters: {} }).pending, undefined);
});

test("replayed on the world inferred, a contact is a stranger until the approval and subscribed after it", (t) => {
  const traffic = `
    <event origin='s2s:remote.example'><message from='x@remote.example/r' to='alice@example.org' type='chat' id='1'><body>hi</body></message></event>
    <event origin='c2s:alice@example.org/phone'><presence to='x@remote.example' type='subscribed'/></event>
    <event origin='s2s:remote.example'><message from='x@remote.example/r' to='alice@example.org' type='chat' id='2'><body>hi</body></message></event>`;
  const read = readPfw("::deliver\nKIND: message\nSUBSCRIBED?\nPASS.\n\nKIND: message\nBOUNCE=policy-violation\n", "r.pfw");
  const sim = new Simulator([pfwSource("r.pfw", read.script, read.diagnostics)], new World(infer(traffic)));
  const verdicts = items(traffic).map((i) => (i.kind === "stanza" ? sim.simulate({ stanza: i.stanza, origin: i.annotations.origin!, time: 1_800_000_000 }).verdict : i.message));
  t.deepEqual(verdicts, ["bounce", "pass", "pass"]);
});

test("the server's roster iqs stand over what presence suggests: a result replaces the roster, a push changes an item, remove deletes it", (t) => {
  const roster = (full: boolean, items: Record<string, object | undefined>) => ({ full, items: new Map(Object.entries(items)) as Map<string, never> });
  const cases: { name: string; iqs: [string, ReturnType<typeof roster>][]; expected: object }[] = [
    { name: "a result alone", iqs: [["alice@example.org", roster(true, { "carol@friends.example": { subscription: "both" } })]], expected: { "carol@friends.example": { subscription: "both" } } },
    { name: "a push after the result", iqs: [["alice@example.org", roster(true, { "carol@friends.example": { subscription: "both" } })], ["alice@example.org", roster(false, { "dave@remote.example": { subscription: "none", ask: "subscribe" } })]], expected: { "carol@friends.example": { subscription: "both" }, "dave@remote.example": { subscription: "none", ask: "subscribe" } } },
    // (What presence alone suggests of a contact the server's iqs never name is kept: it may be newer than them.)
    { name: "a later result replaces earlier pushes", iqs: [["alice@example.org", roster(false, { "dave@remote.example": { subscription: "to" } })], ["alice@example.org", roster(true, {})]], expected: { "carol@friends.example": { subscription: "from" } } },
    { name: "remove", iqs: [["alice@example.org", roster(true, { "carol@friends.example": { subscription: "both" } })], ["alice@example.org", roster(false, { "carol@friends.example": undefined })]], expected: {} },
  ];
  for (const c of cases) {
    const inference = new WorldInference();
    // Presence says bob and carol were subscribed before (alice cancels); the server's iqs have the last word on the contacts they name.
    for (const i of items(`<event origin='c2s:alice@example.org/phone'><presence to='carol@friends.example' type='unsubscribed'/></event><event origin='c2s:alice@example.org/phone'><presence to='bob@example.org' type='unsubscribed'/></event>`)) inference.add(i);
    for (const [owner, iq] of c.iqs) inference.roster(owner, iq);
    t.deepEqual(inference.inferred().rosters?.["alice@example.org"], { "bob@example.org": { subscription: "from" }, ...c.expected }, c.name);
  }
});

test("a world file's keys override what is inferred, key by key", (t) => {
  const w = infer(`<event origin='c2s:alice@example.org/phone'><message to='carol@friends.example'/></event>`, { hosts: ["given.example"] });
  t.deepEqual(w.hosts, ["given.example"]);
  t.deepEqual(w.accounts, ["alice@example.org"]);
});

test("sim --show-world prints the world in use; without a world, a capture from another server is judged as arriving here", async (t) => {
  const rules = 'target prosody "0.12"\nchain deliver {\n  rule local_senders {\n    when not entering local\n    then pass\n  }\n  rule strangers {\n    when kind == presence\n    then drop\n  }\n}\n';
  const capture = [
    JSON.stringify({ session: "s2s:remote.example", xml: "<presence from='x@remote.example/r' to='alice@example.org'/>" }),
    JSON.stringify({ session: "c2s:alice@example.org/phone", xml: "<presence to='bob@example.org' type='subscribed'/>" }),
  ].join("\n");
  const dir = workdir({ "r.sfw": rules, "cap.jsonl": capture, "w.json": '{"accounts": ["zed@example.org"]}' });
  const worldShown = (stderr: string) => JSON.parse(/world in use[^\n]*\n([\s\S]*?\n\})\n/.exec(stderr)![1]!) as { hosts: string[]; accounts: string[] };
  const shown = await runIn(dir, ["sim", "r.sfw", "--traffic", "cap.jsonl", "--show-world"]);
  t.is(shown.code, 0);
  t.deepEqual(worldShown(shown.stderr).hosts, ["example.org"]);
  t.deepEqual(worldShown(shown.stderr).accounts, ["alice@example.org"]);
  t.regex(shown.stdout, /^cap\.jsonl:1 {2}drop .* by strangers/m);
  // A world file overrides the keys it gives; the others are still inferred.
  const given = await runIn(dir, ["sim", "r.sfw", "--traffic", "cap.jsonl", "--world", "w.json", "--show-world"]);
  t.deepEqual(worldShown(given.stderr).hosts, ["example.org"]);
  t.deepEqual(worldShown(given.stderr).accounts, ["zed@example.org"]);
  // Showing the world does not change it.
  t.is((await runIn(dir, ["sim", "r.sfw", "--traffic", "cap.jsonl", "--world", "w.json"])).stdout, given.stdout);
  t.is(shown.stdout, (await runIn(dir, ["sim", "r.sfw", "--traffic", "cap.jsonl"])).stdout);
});

test("a world without hosts: the $local zone holds the host the stanza was routed to, as routing assumes", async (t) => {
  const rules = 'target prosody "0.12"\nchain deliver {\n  rule local_senders {\n    when not entering local\n    then pass\n  }\n  rule strangers {\n    when kind == presence\n    then drop\n  }\n}\n';
  const dir = workdir({ "r.sfw": rules, "w.json": "{}" });
  const run = await runIn(dir, ["sim", "r.sfw", "--world", "w.json", "--format", "json"], "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'><presence from='x@remote.example/r' to='alice@example.org'/></stream:stream>");
  const record = JSON.parse(run.stdout.trim().split("\n")[0]!) as { verdict: string; assumptions: string[] };
  t.is(record.verdict, "drop");
  t.true(record.assumptions.includes("no local hosts given in the world: assumed example.org is local"));
});
