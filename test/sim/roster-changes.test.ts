import test from "ava";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator, type SimResult } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { Assumptions, validateWorld, World, type RosterItemData, type WorldData } from "../../src/sim/world.js";

// The roster changes Prosody 0.12's rostermanager makes as mod_presence handles subscription
// presence, and what later stanzas see of them. Checked against the real server in
// test/fidelity/server.test.ts ("roster changes made by subscription presence", "a pre-approved
// subscription").

const world: WorldData = {
  hosts: ["a.test"],
  accounts: ["alice@a.test", "bob@a.test"],
  rosters: { "alice@a.test": { "carol@remote.example": { subscription: "to" } }, "bob@a.test": {} },
  pending: { "alice@a.test": [], "bob@a.test": [] },
};

/** What a rule sees: SUBSCRIBED? passes, IN ROSTER? bounces with forbidden, anything else is refused. */
const script = "::deliver\nKIND: message\nSUBSCRIBED?\nPASS.\n\nKIND: message\nIN ROSTER?\nBOUNCE=forbidden\n\nKIND: message\nBOUNCE=policy-violation\n";

function simulator(w: World): Simulator {
  const read = readPfw(script, "r.pfw");
  return new Simulator([pfwSource("r.pfw", read.script, read.diagnostics)], w);
}

function send(sim: Simulator, origin: string, xml: string): SimResult {
  const item = readTrafficText(xml, "s.xml")[0];
  if (item?.kind !== "stanza") throw new Error(`not a stanza: ${xml}`);
  return sim.simulate({ stanza: item.stanza, origin, time: 1_800_000_000 });
}

/** A message's verdict as `pass`, or the error condition it was bounced with. */
function messageFrom(sim: Simulator, from: string, to: string): string {
  const r = send(sim, "s2s:remote.example", `<message from='${from}' to='${to}' type='chat' id='m'><body>hi</body></message>`);
  return r.verdict === "bounce" ? (r.error?.condition ?? "bounce") : r.verdict;
}

const item = (w: World, owner: string, contact: string): RosterItemData | undefined => w.rosterItem(owner, contact, new Assumptions());

type Step = readonly [origin: string, xml: string];

/** [what happens, stanzas in order, then the roster items and pending requests asked about: [owner, contact, item, pending]]. */
const cases: [string, Step[], [string, string, RosterItemData | undefined, boolean][]][] = [
  [
    "a request: asked in the requester's roster (an item made for it), pending at the user",
    [
      ["c2s:bob@a.test/r", "<presence to='dave@remote.example' type='subscribe'/>"],
      ["s2s:remote.example", "<presence from='dave@remote.example' to='bob@a.test' type='subscribe'/>"],
    ],
    [
      ["bob@a.test", "dave@remote.example", { subscription: "none", groups: [], ask: "subscribe" }, true],
    ],
  ],
  [
    "an approval of a pending request: the contact is subscribed, the request no longer pending",
    [
      ["s2s:remote.example", "<presence from='dave@remote.example/x' to='bob@a.test' type='subscribe'/>"],
      ["c2s:bob@a.test/r", "<presence to='dave@remote.example' type='subscribed'/>"],
    ],
    [["bob@a.test", "dave@remote.example", { groups: [], subscription: "from" }, false]],
  ],
  [
    "the contact's approval of the user's request: to; its cancellation: none again",
    [
      ["c2s:bob@a.test/r", "<presence to='dave@remote.example' type='subscribe'/>"],
      ["s2s:remote.example", "<presence from='dave@remote.example' to='bob@a.test' type='subscribed'/>"],
    ],
    [["bob@a.test", "dave@remote.example", { groups: [], subscription: "to" }, false]],
  ],
  [
    "an approval nobody asked for is stored; the request that follows is answered and completes it",
    [
      ["c2s:bob@a.test/r", "<presence to='dave@remote.example' type='subscribed'/>"],
      ["s2s:remote.example", "<presence from='dave@remote.example' to='bob@a.test' type='subscribe'/>"],
    ],
    [["bob@a.test", "dave@remote.example", { subscription: "from", groups: [], approved: true }, false]],
  ],
  [
    "the user's unsubscribe makes a to item none; an approval the user did not ask for changes nothing (no item is made)",
    [
      ["c2s:alice@a.test/r", "<presence to='carol@remote.example' type='unsubscribe'/>"],
      ["s2s:remote.example", "<presence from='carol@remote.example' to='alice@a.test' type='subscribed'/>"],
      ["s2s:remote.example", "<presence from='erin@remote.example' to='alice@a.test' type='subscribed'/>"],
    ],
    [
      ["alice@a.test", "carol@remote.example", { subscription: "none" }, false],
      ["alice@a.test", "erin@remote.example", undefined, false],
    ],
  ],
];

for (const [title, steps, expected] of cases) {
  test(`roster changes: ${title}`, (t) => {
    const given = new World(world);
    const sim = simulator(given);
    for (const [origin, xml] of steps) send(sim, origin, xml);
    t.deepEqual(
      expected.map(([owner, contact]) => [owner, contact, item(sim.world, owner, contact), sim.world.pendingIn(owner, contact, new Assumptions())]),
      expected,
    );
    // The world given is not changed: another run starts from it as it was.
    t.deepEqual(expected.map(([owner, contact]) => item(given, owner, contact)), expected.map(([owner, contact]) => item(new World(world), owner, contact)));
  });
}

test("later stanzas meet the rosters as changed: a stranger becomes a contact and stops being one", (t) => {
  const sim = simulator(new World(world));
  const dave = "dave@remote.example/x";
  const verdicts = [messageFrom(sim, dave, "bob@a.test")];
  send(sim, "s2s:remote.example", "<presence from='dave@remote.example' to='bob@a.test' type='subscribe'/>");
  verdicts.push(messageFrom(sim, dave, "bob@a.test"));
  send(sim, "c2s:bob@a.test/r", "<presence to='dave@remote.example' type='subscribed'/>");
  verdicts.push(messageFrom(sim, dave, "bob@a.test"));
  send(sim, "c2s:bob@a.test/r", "<presence to='dave@remote.example' type='unsubscribed'/>");
  verdicts.push(messageFrom(sim, dave, "bob@a.test"));
  t.deepEqual(verdicts, ["policy-violation", "policy-violation", "pass", "forbidden"]);
});

test("a subscribed nobody asked for is not routed, but the contact is probed if the user is subscribed to it", (t) => {
  const sim = simulator(new World(world));
  const r = send(sim, "c2s:alice@a.test/r", "<presence to='carol@remote.example' type='subscribed'/>");
  t.is(r.verdict, "pass");
  t.regex(r.reason ?? "", /drops it before deliver \(it stores the approval for a later request\)/);
  t.deepEqual(r.generated.map((g) => g.stanza.toString()), ["<presence type='probe' from='alice@a.test' to='carol@remote.example'/>"]);
  t.like(item(sim.world, "alice@a.test", "carol@remote.example"), { subscription: "to", approved: true });
});

test("a filtered subscription request changes nothing: only what deliver lets through reaches mod_presence", (t) => {
  const read = readPfw("::deliver\nKIND: presence\nTYPE: subscribe\nDROP.\n", "r.pfw");
  const sim = new Simulator([pfwSource("r.pfw", read.script, read.diagnostics)], new World(world));
  t.is(send(sim, "s2s:remote.example", "<presence from='dave@remote.example' to='bob@a.test' type='subscribe'/>").verdict, "drop");
  t.false(sim.world.pendingIn("bob@a.test", "dave@remote.example", new Assumptions()));
});

test("a world file's roster items: approved is true or false, ask is subscribe, each wrong one named by its path", (t) => {
  t.deepEqual(validateWorld({ rosters: { "a@x": { "b@y": { subscription: "none", ask: "subscribe", approved: true } } } }), []);
  t.deepEqual(validateWorld({ rosters: { "a@x": { "b@y": { approved: "yes", ask: "both" } } } }), ["'rosters.a@x.b@y.ask' must be \"subscribe\"", "'rosters.a@x.b@y.approved' must be true or false"]);
});
