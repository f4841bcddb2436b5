import test from "ava";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World } from "../../src/sim/world.js";

const script = "::preroute\nORIGIN MARKED: noisy\nBOUNCE=policy-violation (marked)\n\nINSPECT: body#=mark me\nMARK ORIGIN=noisy\nDROP.\n";

function message(from: string, body: string) {
  const item = readTrafficText(`<message to='bob@b.test' type='chat'><body>${body}</body></message>`, "t.xml")[0];
  if (item?.kind !== "stanza") throw new Error("not a stanza");
  return { stanza: item.stanza, origin: `c2s:${from}`, time: 1_800_000_000 };
}

test("sessions that hold nothing are forgotten as the table grows; marked sessions and the world's sessions are kept", (t) => {
  const read = readPfw(script, "s.pfw");
  const world = new World({ hosts: ["a.test", "b.test"], sessions: { "c2s:given@a.test/r": { marks: { noisy: "2027-01-15T08:00:00Z" } } } });
  const sim = new Simulator([pfwSource("s.pfw", read.script, read.diagnostics)], world);
  t.is(sim.simulate(message("loud@a.test/r", "mark me")).verdict, "drop");
  for (let i = 0; i < 50_000; i++) sim.simulate(message(`user${i}@a.test/${i}`, "hello"));
  t.true(sim.sessionCount < 20_001, `${sim.sessionCount} sessions held`);
  // The marked session, and the one the world describes, still carry their marks.
  t.is(sim.simulate(message("loud@a.test/r", "hello")).verdict, "bounce");
  t.is(sim.simulate(message("given@a.test/r", "hello")).verdict, "bounce");
  t.is(sim.simulate(message("user1@a.test/1", "hello")).verdict, "pass");
});
