import test from "ava";
import { LogCheck, sentKey } from "../../src/capture/log-check.js";
import type { SimResult } from "../../src/sim/engine.js";

const result = (verdict: SimResult["verdict"]) => ({ verdict }) as SimResult;
/** A SEND line as the log reader hands it on (a message unless named). */
const send = (o: { session: string; name?: string; id?: string; to?: string; from?: string; type?: string; line: number }) => {
  const key = sentKey({ name: "message", id: undefined, to: undefined, from: undefined, type: undefined, ...o });
  if (!key) throw new Error(`no key for ${JSON.stringify(o)}`);
  return key;
};

/** [what happens, in order] → the disagreements found (simulated line, sendLine). */
const cases: [string, (c: LogCheck) => void, [number, string, string, number][]][] = [
  [
    "a stanza the simulation drops, delivered by the server to another session, after or before its simulation",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "m1", result("drop"));
      c.sent(send({ session: "c2s9", id: "m1", from: "a@x/r", line: 2 }));
      c.sent(send({ session: "c2s9", id: "m2", from: "a@x/r", line: 3 }));
      c.predict("f", 4, "s2s1", "a@x/r", "m2", result("bounce"));
    },
    [
      [1, "drop", "the server delivered it", 2],
      [4, "bounce", "the server delivered it", 3],
    ],
  ],
  [
    "a stanza the simulation passes, answered with an error to its sender",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "m1", result("pass"));
      c.sent(send({ session: "s2s1", id: "m1", to: "a@x/r", type: "error", line: 2 }));
    },
    [[1, "pass", "the server sent an error back", 2]],
  ],
  [
    "agreements and what cannot be compared: no contradiction",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "m1", result("pass"));
      c.sent(send({ session: "c2s9", id: "m1", from: "a@x/r", line: 2 }));
      c.predict("f", 3, "s2s1", "a@x/r", "m3", result("bounce"));
      c.sent(send({ session: "s2s1", id: "m3", to: "a@x/r", type: "error", line: 4 }));
      // Delivered back to the sending session itself (a carbon, an echo): not a contradiction.
      c.predict("f", 5, "c2s1", "me@here/r", "m5", result("drop"));
      c.sent(send({ session: "c2s1", id: "m5", from: "me@here/r", line: 6 }));
      c.predict("f", 7, undefined, "a@x/r", "m7", result("drop"));
      c.predict("f", 8, "s2s1", "a@x/r", undefined, result("drop"));
      c.sent(send({ session: "c2s9", id: "m7", from: "a@x/r", line: 9 }));
    },
    [],
  ],
  [
    "an error back for an iq request, or for a stanza to an account that does not exist, says nothing of the firewall",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "q1", result("pass"), true);
      c.sent(send({ session: "s2s1", id: "q1", to: "a@x/r", type: "error", line: 2 }));
      c.predict("f", 3, "s2s1", "a@x/r", "m3", result("pass"), false);
      c.sent(send({ session: "s2s1", id: "m3", to: "a@x/r", type: "error", line: 4 }));
    },
    [[3, "pass", "the server sent an error back", 4]],
  ],
  [
    "subscriptions are delivered from the sender's bare JID, usually without an id: matched by type, sender and recipient",
    (c) => {
      const subscribe = { name: "presence", type: "subscribe", to: "bob@b.test" };
      c.predict("f", 1, "c2s1", "alice@a.test/phone", undefined, result("drop"), false, subscribe);
      c.sent(send({ session: "c2s2", name: "presence", from: "alice@a.test", to: "bob@b.test", type: "subscribe", line: 2 }));
      // An id on the request does not change how it is matched; a full JID as recipient is its bare JID's.
      c.sent(send({ session: "c2s2", name: "presence", id: "s3", from: "alice@a.test", to: "bob@b.test", type: "subscribe", line: 3 }));
      c.predict("f", 4, "c2s1", "alice@a.test/phone", "s4", result("drop"), false, { ...subscribe, to: "bob@b.test/desk" });
      // Another type, another recipient, another sender: not the same stanza.
      c.predict("f", 5, "c2s1", "alice@a.test/phone", undefined, result("drop"), false, { name: "presence", type: "subscribed", to: "carol@b.test" });
      c.sent(send({ session: "c2s3", name: "presence", from: "alice@a.test", to: "carol@b.test", type: "subscribe", line: 6 }));
      c.sent(send({ session: "c2s3", name: "presence", from: "dave@a.test", to: "carol@b.test", type: "subscribed", line: 7 }));
      c.sent(send({ session: "c2s4", name: "presence", from: "alice@a.test", to: "dan@b.test", type: "subscribed", line: 8 }));
    },
    [
      [1, "drop", "the server delivered it", 2],
      [4, "drop", "the server delivered it", 3],
    ],
  ],
  [
    "two senders using the same id are told apart",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "same", result("pass"));
      c.predict("f", 2, "s2s2", "b@y/r", "same", result("drop"));
      c.sent(send({ session: "c2s9", id: "same", from: "a@x/r", line: 3 }));
      c.sent(send({ session: "c2s9", id: "same", from: "b@y/r", line: 4 }));
      c.sent(send({ session: "s2s1", id: "same", to: "a@x/r", type: "error", line: 5 }));
    },
    [
      [2, "drop", "the server delivered it", 4],
      [1, "pass", "the server sent an error back", 5],
    ],
  ],
  [
    "a stanza delivered to several resources is one disagreement; a later stanza with the same sender and id replaces the earlier",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "m1", result("drop"));
      c.sent(send({ session: "c2s8", id: "m1", from: "a@x/r", line: 2 }));
      c.sent(send({ session: "c2s9", id: "m1", from: "a@x/r", line: 3 }));
      c.predict("f", 4, "s2s1", "a@x/r", "m2", result("drop"));
      c.predict("f", 5, "s2s1", "a@x/r", "m2", result("drop"));
      c.sent(send({ session: "c2s8", id: "m2", from: "a@x/r", line: 6 }));
      c.sent(send({ session: "c2s9", id: "m2", from: "a@x/r", line: 7 }));
    },
    [
      [1, "drop", "the server delivered it", 2],
      [5, "drop", "the server delivered it", 6],
    ],
  ],
  [
    "memory is a window: a SEND long after its stanza is not matched",
    (c) => {
      c.predict("f", 1, "s2s1", "a@x/r", "old", result("drop"));
      for (let i = 0; i < 5000; i++) c.predict("f", 10 + i, "s2s1", "a@x/r", `n${i}`, result("pass"));
      c.sent(send({ session: "c2s9", id: "old", from: "a@x/r", line: 9000 }));
      c.sent(send({ session: "c2s9", id: "n4999", to: "a@x/r", type: "error", line: 9001 }));
    },
    [[5009, "pass", "the server sent an error back", 9001]],
  ],
  [
    "ids that senders share and reuse, over several windows: each SEND finds the latest stanza of its sender",
    (c) => {
      for (let i = 0; i < 10_000; i++) c.predict("f", i + 1, "s2s1", i % 2 === 0 ? "a@x/r" : "b@y/r", `id${i % 3}`, result(i % 2 === 0 ? "drop" : "pass"));
      c.sent(send({ session: "c2s9", id: "id1", from: "a@x/r", line: 20_000 }));
      c.sent(send({ session: "s2s1", id: "id1", to: "b@y/r", type: "error", line: 20_001 }));
      c.sent(send({ session: "c2s9", id: "id1", from: "a@x/r", line: 20_002 }));
    },
    [
      [9995, "drop", "the server delivered it", 20_000],
      [9998, "pass", "the server sent an error back", 20_001],
    ],
  ],
  [
    "one sender repeating an id thousands of times while another uses it: each entry replaces the last, and the other's is still found",
    (c) => {
      c.predict("f", 1, "s2s1", "u@y/r", "ping", result("drop"));
      for (let i = 0; i < 10_000; i++) c.sent(send({ session: "c2s9", id: "ping", from: "bot@x/r", line: 10 + i }));
      c.sent(send({ session: "c2s8", id: "ping", from: "u@y/r", line: 20_000 }));
      c.predict("f", 20_001, "s2s2", "bot@x/r", "ping", result("bounce"));
    },
    [
      [1, "drop", "the server delivered it", 20_000],
      [20_001, "bounce", "the server delivered it", 10_009],
    ],
  ],
];

for (const [title, events, expected] of cases) {
  test(`log check: ${title}`, (t) => {
    const c = new LogCheck();
    events(c);
    t.deepEqual(
      c.disagreements.map((d) => [d.line, d.simulated, d.logged, d.sendLine]),
      expected,
    );
    t.is(c.count, expected.length);
  });
}

// Entries live in chains that many ids and senders share (the low bits of a hash): each must
// still be found while in the window, and only it, whatever else joined or left its chain.
test("log check: of 20,000 distinct stanzas, the last window's are each found by their SEND line, the older ones and the answered ones not", (t) => {
  const c = new LogCheck();
  const n = 20_000;
  for (let i = 0; i < n; i++) c.predict("f", i + 1, "s2s1", `u${i % 997}@x${i % 13}/r`, `id${i}`, result("pass"));
  // Every other stanza of the last 4,000 answered with an error (a disagreement each), then all of them again.
  const last = [...Array(4000).keys()].map((k) => n - 4000 + k);
  for (const i of last.filter((i) => i % 2 === 0)) c.sent(send({ session: "s2s1", id: `id${i}`, to: `u${i % 997}@x${i % 13}/r`, type: "error", line: 100_000 + i }));
  t.is(c.count, 2000);
  for (const i of last) c.sent(send({ session: "s2s1", id: `id${i}`, to: `u${i % 997}@x${i % 13}/r`, type: "error", line: 200_000 + i }));
  t.is(c.count, 4000, "the other half found once each; an answered stanza is not found again");
  // Long gone: 10,000 stanzas ago.
  c.sent(send({ session: "s2s1", id: "id10", to: "u10@x10/r", type: "error", line: 300_000 }));
  t.is(c.count, 4000);
});
