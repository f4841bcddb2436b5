import test from "ava";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator, type SimEvent } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World, type WorldData } from "../../src/sim/world.js";

// A local client's presence between preroute and deliver, as Prosody's mod_presence handles it
// (src/sim/outbound-presence.ts; checked against the real server in test/fidelity/server.test.ts).

const world: WorldData = {
  hosts: ["a.test", "b.test"],
  rosters: { "alice@a.test": { "bob@b.test": { subscription: "from" }, "dave@b.test": { subscription: "to" } } },
  pending: { "alice@a.test": ["carol@a.test"] },
};

/** Records what each chain saw of the stanza: `CHAIN from→to`. */
const script = "::preroute\nLOG=preroute $<@from> $<@to>\n\nINSPECT: @id=skip\nDEFAULT.\n\n::deliver\nLOG=deliver $<@from> $<@to>\n";

interface Case {
  readonly name: string;
  readonly xml: string;
  readonly event?: Partial<SimEvent>;
  /** What the chains logged, in order. */
  readonly seen: readonly string[];
  readonly reason?: RegExp;
}

const alice = "c2s:alice@a.test/r";
const cases: Case[] = [
  { name: "a subscription request reaches deliver from and to bare JIDs", xml: "<presence to='bob@b.test/x' type='subscribe'/>", seen: ["preroute alice@a.test/r bob@b.test/x", "deliver alice@a.test bob@b.test"] },
  { name: "so does an unsubscribe", xml: "<presence to='bob@b.test' type='unsubscribe'/>", seen: ["preroute alice@a.test/r bob@b.test", "deliver alice@a.test bob@b.test"] },
  { name: "an approval of a pending request is routed", xml: "<presence to='carol@a.test/r' type='subscribed'/>", seen: ["preroute alice@a.test/r carol@a.test/r", "deliver alice@a.test carol@a.test"] },
  { name: "an approval to a contact already subscribed is routed", xml: "<presence to='bob@b.test' type='subscribed'/>", seen: ["preroute alice@a.test/r bob@b.test", "deliver alice@a.test bob@b.test"] },
  { name: "an unsubscribed to a subscribed contact is routed", xml: "<presence to='bob@b.test' type='unsubscribed'/>", seen: ["preroute alice@a.test/r bob@b.test", "deliver alice@a.test bob@b.test"] },
  {
    name: "an approval nobody asked for goes no further than preroute",
    xml: "<presence to='dave@b.test' type='subscribed'/>",
    seen: ["preroute alice@a.test/r dave@b.test"],
    reason: /routes a 'subscribed' only when dave@b\.test asked/,
  },
  { name: "an unsubscribed to a contact without a subscription likewise", xml: "<presence to='erin@b.test' type='unsubscribed'/>", seen: ["preroute alice@a.test/r erin@b.test"], reason: /only when erin@b\.test asked/ },
  { name: "a presence of no XMPP type is refused", xml: "<presence to='bob@b.test' type='bogus'/>", seen: ["preroute alice@a.test/r bob@b.test"], reason: /bad-request/ },
  { name: "a probe goes on as it is", xml: "<presence to='bob@b.test/x' type='probe'/>", seen: ["preroute alice@a.test/r bob@b.test/x", "deliver alice@a.test/r bob@b.test/x"] },
  { name: "directed available presence goes on as it is", xml: "<presence to='bob@b.test/x'/>", seen: ["preroute alice@a.test/r bob@b.test/x", "deliver alice@a.test/r bob@b.test/x"] },
  { name: "unavailable presence goes on as it is", xml: "<presence to='bob@b.test' type='unavailable'/>", seen: ["preroute alice@a.test/r bob@b.test", "deliver alice@a.test/r bob@b.test"] },
  {
    name: "preroute returning false skips mod_presence's handler: deliver sees the full JID",
    xml: "<presence to='bob@b.test' type='subscribe' id='skip'/>",
    seen: ["preroute alice@a.test/r bob@b.test", "deliver alice@a.test/r bob@b.test"],
  },
  { name: "a chain given by the event runs on the stanza as it is", xml: "<presence to='bob@b.test' type='subscribe'/>", event: { chain: "deliver" }, seen: ["deliver alice@a.test/r bob@b.test"] },
  { name: "stanzas from other servers are not a client's", xml: "<presence from='x@remote.example/r' to='alice@a.test/r' type='subscribe'/>", event: { origin: "s2s:remote.example" }, seen: ["deliver x@remote.example/r alice@a.test/r"] },
];

for (const c of cases) {
  test(`outbound presence: ${c.name}`, (t) => {
    const read = readPfw(script, "log.pfw");
    const sim = new Simulator([pfwSource("log.pfw", read.script, read.diagnostics)], new World(world));
    const item = readTrafficText(c.xml, "s.xml")[0];
    if (item?.kind !== "stanza") return t.fail("not a stanza");
    const r = sim.simulate({ stanza: item.stanza, time: 0, origin: alice, ...c.event });
    t.deepEqual(
      r.logs.map((l) => l.replace(/^\w+: /, "")),
      c.seen,
    );
    if (c.reason) {
      t.is(r.verdict, "pass");
      t.regex(r.reason ?? "", c.reason);
    } else t.is(r.reason, undefined);
  });
}
