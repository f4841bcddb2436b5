import test from "ava";
import { BatchDecoder, BatchEncoder } from "../../src/capture/batch-codec.js";
import type { TrafficItem, TrafficStanza } from "../../src/sim/traffic.js";
import { noDefaults } from "../../src/sim/traffic.js";
import { XmlElement } from "../../src/sim/xml.js";

const stanza = (i: number): TrafficStanza => ({
  kind: "stanza",
  file: "f",
  line: i + 1,
  column: 1 + (i % 3),
  stanza: new XmlElement("message", { from: `u${i}@remote.example/r`, to: "bob@example.org", type: "chat" }, [new XmlElement("body", {}, [`hello ${i}`]), "tail", new XmlElement("x", { xmlns: "jabber:x:oob", "urn:x\u0001lang": "en" }, [new XmlElement("url", {}, [])])]),
  streamNamespace: "jabber:client",
  annotations: { session: `s2sin${i % 5}`, time: "2026-11-25T10:00:00.000Z", origin: "s2s:remote.example", ...(i % 4 === 0 ? { newSession: true as const } : {}) },
  defaults: i % 7 === 0 ? { start: "2026-11-25T10:00:00Z", step: "1s" } : noDefaults,
});

/** Items of a few structures, each met far more often than a structure takes to get a function of its own. */
const items: TrafficItem[] = Array.from({ length: 400 }, (_, i): TrafficItem => {
  if (i % 50 === 49) return { kind: "problem", file: "f", line: i + 1, column: 1, message: `bad record ${i}` };
  if (i % 3 === 0) return { kind: "stanza", file: "f", line: i + 1, column: 1, stanza: new XmlElement("presence", { from: `u${i}@r.example/x`, to: "a@example.org" }), streamNamespace: "jabber:server", annotations: { unbound: true, origin: `c2s:a${i}@example.org/r` }, defaults: noDefaults };
  return stanza(i);
});

const batches = (all: readonly TrafficItem[], size: number): TrafficItem[][] => Array.from({ length: Math.ceil(all.length / size) }, (_, k) => all.slice(k * size, (k + 1) * size));

test("items come out of the codec as they went in, whether their structure's function or the interpreter makes them, over many batches", (t) => {
  for (const compiling of [true, false]) {
    const encoder = new BatchEncoder();
    const decoder = new BatchDecoder(compiling);
    const out: TrafficItem[] = [];
    for (const batch of batches(items, 37)) out.push(...decoder.decode(encoder.encode(batch, []), "f").items);
    t.deepEqual(out, items, compiling ? "compiled" : "interpreted");
    // Same key order too (what a printed stanza and a report show).
    t.deepEqual(out.map((x) => (x.kind === "stanza" ? [Object.keys(x.annotations), Object.keys(x.stanza.attr)] : [])), items.map((x) => (x.kind === "stanza" ? [Object.keys(x.annotations), Object.keys(x.stanza.attr)] : [])));
    t.is(out.filter((x) => x.kind === "stanza" && x.defaults === noDefaults).length, items.filter((x) => x.kind === "stanza" && x.defaults === noDefaults).length);
  }
});

test("a structure travels once: later batches carry only its number and the items' values", (t) => {
  const encoder = new BatchEncoder();
  const first = encoder.encode(items.slice(0, 100), []);
  const second = encoder.encode(items.slice(100, 200), []);
  t.true(first.structures.length > 0);
  t.deepEqual(second.structures, []);
  t.true(second.tokens.every((s) => !s.includes("message") && !s.includes("jabber:client")));
  // The numbers refer to the batches before: decoded alone, the second batch is refused.
  t.throws(() => new BatchDecoder().decode(second, "f"), { message: /structure \d+ of an encoded batch was never given/ });
});

test("more structures than the encoder numbers: the rest travel inline, and decode the same", (t) => {
  // Each stanza of its own structure (an attribute name of its own), some met again later.
  const distinct = (i: number): TrafficStanza => ({ kind: "stanza", file: "f", line: i + 1, column: 1, stanza: new XmlElement("iq", { [`a${i}`]: `v${i}`, type: "get" }, [`t${i}`]), streamNamespace: "jabber:client", annotations: { session: `c2s${i}` }, defaults: noDefaults });
  const many = [...Array.from({ length: 10_050 }, (_, i) => distinct(i)), ...Array.from({ length: 100 }, (_, i) => distinct(10_000 + (i % 50))), ...Array.from({ length: 40 }, (_, i) => distinct(i % 4))];
  const encoder = new BatchEncoder();
  const decoder = new BatchDecoder();
  const out: TrafficItem[] = [];
  let inline = 0;
  for (const batch of batches(many, 500)) {
    const encoded = encoder.encode(batch, []);
    inline += encoded.tokens.filter((s) => s.startsWith("I\u001f")).length;
    out.push(...decoder.decode(encoded, "f").items);
  }
  t.true(inline >= 150, `${inline} items inline`);
  t.deepEqual(out, many);
});

test("a structure too long to keep for the rest of the reading travels inline, each time", (t) => {
  // A pubsub publish of 600 items: one structure of several kilobytes.
  const big = (i: number): TrafficStanza => ({ kind: "stanza", file: "f", line: i + 1, column: 1, stanza: new XmlElement("iq", { type: "set", id: `p${i}` }, [new XmlElement("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, Array.from({ length: 600 }, (_, k) => new XmlElement("item", { id: `i${k}` }, [`v${k}`])))]), streamNamespace: "jabber:client", annotations: { session: "c2s1" }, defaults: noDefaults });
  const all = [...Array.from({ length: 20 }, (_, i) => big(i)), stanza(1)];
  const encoder = new BatchEncoder();
  const encoded = encoder.encode(all, []);
  t.is(encoded.tokens.filter((s) => s.startsWith("I\u001f")).length, 20);
  t.is(encoded.structures.length, 1, "only the small stanza's structure is numbered");
  t.deepEqual(new BatchDecoder().decode(encoded, "f").items, all);
});
