import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { Readable } from "node:stream";
import { createGunzip, gzipSync } from "node:zlib";
import { BatchDecoder, BatchEncoder } from "../../src/capture/batch-codec.js";
import { chunksUntilError, fileChunks, isGzipDamage } from "../../src/capture/lines.js";
import { LogSessions } from "../../src/capture/prosody-log.js";
import type { SentKey } from "../../src/capture/log-check.js";
import { readCaptureBatches, readCaptureStream, type CaptureOptions } from "../../src/capture/read-capture.js";
import { WorldInference } from "../../src/capture/infer-world.js";
import { inferWorldInWorker, readCaptureInWorker } from "../../src/capture/read-in-worker.js";
import type { TrafficItem, TrafficStanza } from "../../src/sim/traffic.js";
import { XmlElement } from "../../src/sim/xml.js";
import { damageMessage, gunzippedPrefix, truncatedGzip } from "../helpers/damaged-gzip.js";

function file(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "stanzafw-worker-")), name);
  writeFileSync(path, content);
  return path;
}

/** Everything a reader hands on, in order: batches of items, SEND lines and bytes counted. */
async function read(reader: typeof readCaptureBatches, path: string, options: CaptureOptions = {}) {
  const events: unknown[] = [];
  let bytes = 0;
  const items: TrafficItem[] = [];
  for await (const batch of reader(path, "cap", { year: 2026, ...options, onSend: (s: SentKey) => void events.push(s), onBytes: (n) => void (bytes += n) })) {
    items.push(...batch);
    events.push(batch.length);
  }
  return { items, sends: events.filter((e) => typeof e !== "number"), bytes };
}

const log = [
  "Nov 25 10:00:00 c2s55d0a0\tdebug\tSEND: <iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.org/phone</jid></bind></iq>",
  "Nov 25 10:00:00 c2s55d0a0\tdebug\tRECV: <message to='bob@example.org' id='a1' type='chat'><body>hi &amp; bye\n\tsecond line</body><x xmlns='jabber:x:oob'><url>https://x.example/&#x1F600;</url></x></message>",
  "Nov 25 10:00:01 s2sin55d0b0\tdebug\tRECV: <presence from='u@remote.example/r' to='alice@example.org' xml:lang='en'/>",
  "Nov 25 10:00:01 s2sin55d0b0\tdebug\tRECV: <message from='u@remote.example/r' to='alice@exa",
  "Nov 25 10:00:02 c2s55d0a0\tdebug\tSEND: <message from='u@remote.example/r' to='alice@example.org/phone' id='m9'/>",
  "Nov 25 10:00:02 c2s55d0a0\tinfo\tClient disconnected: connection closed",
  "Nov 25 10:00:03 s2sin55d0b0\tdebug\tRECV: <iq from='u@remote.example/r' to='alice@example.org' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>",
].join("\n");

const xml = `<traffic xmlns="urn:stanzafw:traffic:0" start="2026-11-25T10:00:00Z" step="1s">
<!-- expect: drop -->
<message xmlns="jabber:client" from="a@remote.example/r" to="bob@example.org"><body>one</body></message>
<event origin="c2s:bob@example.org/desk" time="+5s"><message xmlns="jabber:client" to="a@remote.example"><body>two</body></message></event>
<message xmlns="jabber:client" from="broken
</traffic>
`;

const jsonl = [JSON.stringify({ time: "2026-11-25T10:00:00Z", session: "s2s:remote.example", xml: "<message from='x@remote.example/r' to='alice@example.org'/>" }), "not json", JSON.stringify({ direction: "local", session: "c2s:alice@example.org/r", xml: "<presence/>" })].join("\n");

test("a capture read on another thread gives the same items, SEND lines and byte counts as read in-thread: logs, XML, JSON lines, gzip", async (t) => {
  const big = Array.from({ length: 3000 }, (_, i) => `Nov 25 10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:00 s2sin${i % 7}\tdebug\tRECV: <message from='u${i}@r${i % 5}.example/x' to='user${i % 9}@example.org' type='chat' id='m${i}'><body>n°${i} ${"x".repeat(i % 200)}</body></message>`).join("\n");
  const cases: [string, string | Buffer, CaptureOptions?][] = [
    ["log", log],
    ["log.gz", gzipSync(Buffer.from(log))],
    ["big.log", big],
    ["t.xml", xml],
    ["t.jsonl", jsonl],
    ["forced.log", log, { format: "xml" }],
  ];
  for (const [name, content, options] of cases) {
    const path = file(name, content);
    const inThread = await read(readCaptureBatches, path, options);
    const inWorker = await read(readCaptureInWorker, path, options);
    t.true(inThread.items.length > 0, name);
    t.deepEqual(inWorker.items, inThread.items, name);
    t.deepEqual(inWorker.sends, inThread.sends, name);
    t.is(inWorker.bytes, inThread.bytes, name);
  }
});

test("a reader stopped early stops its thread; a file that cannot be read is an error, as in-thread", async (t) => {
  const path = file("big.log", Array.from({ length: 20000 }, (_, i) => `Nov 25 10:00:00 s2sin1\tdebug\tRECV: <presence from='u${i}@r.example/x' to='a@example.org'/>`).join("\n"));
  for await (const batch of readCaptureInWorker(path, "cap")) {
    t.true(batch.length > 0);
    break;
  }
  const directory = mkdtempSync(join(tmpdir(), "stanzafw-worker-"));
  const inThread = await t.throwsAsync(async () => {
    for await (const _ of readCaptureBatches(directory, "cap")) void _;
  });
  const inWorker = await t.throwsAsync(async () => {
    for await (const _ of readCaptureInWorker(directory, "cap")) void _;
  });
  t.is(inThread?.message, "EISDIR: illegal operation on a directory, read");
  t.is(inWorker?.message, inThread?.message);
});

const manyLog = Array.from({ length: 4000 }, (_, i) => `Nov 25 10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:00 s2sin${i % 7}\tdebug\tRECV: <message from='u${i}@r${i % 5}.example/x' to='user${i % 9}@example.org' id='m${i}'><body>n°${i} ${"x".repeat(i % 200)}${i % 50 === 0 ? "\n\tcontinued" : ""}</body></message>`).join("\n");
const manyXml = `<traffic xmlns="urn:stanzafw:traffic:0" start="2026-11-25T10:00:00Z" step="1s">\n${Array.from({ length: 4000 }, (_, i) => `<message xmlns="jabber:client" from="u${i}@r.example/x" to="bob@example.org">${i % 40 === 0 ? "\n" : ""}<body>n°${i} ${"y".repeat(i % 180)}</body></message>`).join("\n")}\n</traffic>\n`;
const manyJsonl = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ session: "s2s:remote.example", xml: `<message from='u${i}@remote.example/r' to='alice@example.org'><body>${"z".repeat(i % 150)}${i}</body></message>` })).join("\n");
const gz = (text: string) => gzipSync(Buffer.from(text));

test("damaged gzip: the same items in-thread, on another thread and from standard input, the stanzas before the damage, then one problem where reading stopped", async (t) => {
  const cases: [string, Buffer][] = [
    ["XML cut in the middle", truncatedGzip(manyXml, 0.5)],
    ["XML cut near the start", truncatedGzip(manyXml, 0.02)],
    ["XML cut in its header", gz(manyXml).subarray(0, 10)],
    ["log cut in the middle", truncatedGzip(manyLog, 0.5)],
    ["log cut near the end", truncatedGzip(manyLog, 0.97)],
    ["JSON lines cut in the middle", truncatedGzip(manyJsonl, 0.6)],
    ["garbage after a gzip header", Buffer.from("\x1f\x8b\x08\x00garbagegarbage", "latin1")],
    ["garbage after a cut", Buffer.concat([truncatedGzip(manyLog, 0.4), Buffer.from("garbage")])],
  ];
  for (const [name, damaged] of cases) {
    const path = file("t.gz", damaged);
    const fromStdin = (_: string, f: string, o?: CaptureOptions) => readCaptureStream((async function* () { yield damaged; })(), f, o);
    const inThread = (await read(readCaptureBatches, path)).items;
    t.deepEqual(inThread.at(-1), { kind: "problem", file: "cap", column: 1, ...damageMessage(await gunzippedPrefix(damaged)) }, name);
    if (name.includes("middle")) t.true(inThread.filter((i) => i.kind === "stanza").length > 1000, name);
    t.deepEqual((await read(readCaptureInWorker, path)).items, inThread, `${name}, in a worker`);
    t.deepEqual((await read(fromStdin, path)).items, inThread, `${name}, from stdin`);
  }
});

test("items holding the codec's separator characters travel whole, and SEND lines' keys as they were", (t) => {
  const stanza = new XmlElement("message", { to: "a@b.example" }, ["text", new XmlElement("body", {}, ["b"])]);
  const items: TrafficItem[] = [
    { kind: "stanza", file: "f", line: 3, column: 2, stanza, streamNamespace: "jabber:client", annotations: { comment: "c\u001f", session: "s\u001e" }, defaults: {} },
    { kind: "stanza", file: "f", line: 4, column: 1, stanza: new XmlElement("presence"), streamNamespace: "jabber:server", annotations: { newSession: true, origin: "c2s:a@b/c" }, defaults: { start: "2026-01-01T00:00:00Z" } },
    { kind: "problem", file: "f", line: 5, column: 1, message: "bad \u001f" },
  ];
  const sends: SentKey[] = [
    { hash: -0x80000000, second: 0x7fffffff, session: -1, error: true, line: 9 },
    { hash: 12345, second: -6789, session: 0, error: false, line: 2 ** 40 },
  ];
  const decoded = new BatchDecoder().decode(new BatchEncoder().encode(items, sends), "f");
  t.deepEqual(decoded.items, items);
  t.deepEqual(decoded.sends, sends);
});

// The codec does not search a stanza's tree for its separators: it relies on the XML readers
// (the fast path and saxes) never letting them into one, raw or as character references.
test("no stanza parsed from a capture holds the codec's separator characters", async (t) => {
  const records = ["<message to='a\u001f@b'/>", "<message to='a@b'><body>x\u001ey</body></message>", "<message to='a@b'><body>x&#x1f;y</body></message>", "<message to='a@b' id='&#30;'/>", "<message to='a@b'><x\u001f/></message>", "<message to='a@b'><body><![CDATA[\u001f]]></body></message>", "<message to='a@b'><!-- \u001e --><body/></message>"];
  for (const [i, record] of records.entries()) {
    for (const [format, text] of [
      ["xml", `${record}\n<message to='ok@b'/>\n`],
      ["log", `Nov 25 10:00:00 s2sin1\tdebug\tRECV: ${record.replace("to='", "from='x@y.example' to='")}\nNov 25 10:00:01 s2sin1\tdebug\tRECV: <message from='x@y.example' to='ok@b'/>\n`],
      ["jsonl", `${JSON.stringify({ xml: record })}\n${JSON.stringify({ xml: "<message to='ok@b'/>" })}\n`],
    ] as const) {
      const items = (await read(readCaptureBatches, file(`sep${i}.${format}`, text))).items;
      const stanzas = items.filter((x): x is TrafficStanza => x.kind === "stanza");
      t.is(stanzas.length, 1, `${format} ${JSON.stringify(record)}: only the stanza after it is read`);
      t.is(stanzas[0]?.stanza.attr.to, "ok@b", `${format} ${JSON.stringify(record)}`);
      t.true(items.some((x) => x.kind === "problem" && x.line === 1), `${format} ${JSON.stringify(record)}: reported`);
    }
  }
});

// The same of what a SEND line hands on (only its session, taken from the log, is searched).
test("no SEND line read from a log holds the codec's separator characters", async (t) => {
  const records = ["<message to='a\u001f@b' id='1'/>", "<message to='a@b' id='&#x1e;'/>", "<presence type='\u001e'/>", "<iq from='x@y&#31;' type='error' id='2'><error/></iq>"];
  for (const [i, record] of records.entries()) {
    const text = `Nov 25 10:00:00 s2sout1\tdebug\tSEND: ${record}\nNov 25 10:00:01 s2sout1\tdebug\tSEND: <message from='x@y.example' to='ok@b' id='ok'/>\n`;
    for (const reader of [readCaptureBatches, readCaptureInWorker]) {
      const { items, sends } = await read(reader, file(`sendsep${i}.log`, text));
      t.deepEqual(sends.map((x) => (x as SentKey).line), [2], `${JSON.stringify(record)}: only the SEND line after it is handed on`);
      t.true(items.some((x) => x.kind === "problem" && x.line === 1), `${JSON.stringify(record)}: reported`);
    }
  }
});

test("client sessions go on from one log file to the next, on another thread as in-thread", async (t) => {
  const first = file("p.log.1", "Nov 25 10:00:00 c2s1\tdebug\tSEND: <iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.org/phone</jid></bind></iq>\nNov 25 10:00:01 c2s1\tdebug\tRECV: <message to='bob@example.org' id='a1'/>\n");
  const second = file(
    "p.log",
    [
      "Nov 25 10:00:02 c2s1\tdebug\tRECV: <message to='bob@example.org' id='a2'/>",
      "Nov 25 10:00:03 c2s2\tdebug\tRECV: <message to='bob@example.org' id='c0'/>",
      "Nov 25 10:00:03 c2s2\tdebug\tSEND: <message from='bob@example.org/desk' to='carol@example.org/tab' id='b1'/>",
      "Nov 25 10:00:04 c2s2\tdebug\tRECV: <message to='bob@example.org' id='c1'/>",
      "",
    ].join("\n"),
  );
  const origins = async (reader: typeof readCaptureBatches) => {
    const sessions = new LogSessions();
    const out: unknown[] = [];
    for (const path of [first, second]) {
      for await (const batch of reader(path, path.split("/").pop()!, { year: 2026, sessions })) {
        for (const i of batch) out.push(i.kind === "stanza" ? `${i.stanza.attr.id} ${i.annotations.origin}` : `problem ${i.line}: ${i.message.slice(0, 40)}`);
      }
    }
    return out;
  };
  const inThread = await origins(readCaptureBatches);
  t.deepEqual(inThread, ["a1 c2s:alice@example.org/phone", "a2 c2s:alice@example.org/phone", "c1 c2s:carol@example.org/tab", "problem 2: 1 client stanza (the first on this line)"]);
  t.deepEqual(await origins(readCaptureInWorker), inThread);
});

test("a value kept from a decoded batch (a rate limiter's key, a session's origin) does not keep the whole batch alive", (t) => {
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const body = "x".repeat(1000);
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  const kept: string[] = [];
  for (let b = 0; b < 200; b++) {
    const items: TrafficItem[] = Array.from({ length: 500 }, (_, i) => ({ kind: "stanza", file: "f", line: i + 1, column: 1, stanza: new XmlElement("message", { from: `user${i}@server-number-${b}.example/resource` }, [new XmlElement("body", {}, [body])]), streamNamespace: "jabber:client", annotations: { origin: `s2s:server-number-${b}.example` }, defaults: {} }));
    const decoded = new BatchDecoder().decode(new BatchEncoder().encode(items, []), "f").items[0] as TrafficStanza;
    kept.push(decoded.stanza.attr.from!.split("@")[1]!, decoded.annotations.origin!);
  }
  // 200 batches of about 550 KB: pinned by what is kept, they would hold over 100 MB.
  const grown = (heap() - before) / 2 ** 20;
  t.is(kept.length, 400);
  t.true(grown < 20, `${grown.toFixed(0)} MB kept for 400 short strings`);
});

test("the world inferred on another thread is the world inferred in-thread, over several files in order", async (t) => {
  // Alice approves bob in the first file and withdraws it in the second: the order of the files decides.
  const first = "Nov 25 10:00:00 c2s1\tdebug\tSEND: <iq type='result' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.org/phone</jid></bind></iq>\nNov 25 10:00:01 c2s1\tdebug\tRECV: <presence to='bob@example.org' type='subscribed'/>\nNov 25 10:00:02 s2sin7\tdebug\tRECV: <message from='x@remote.example/r' to='carol@chat.example.org'/>\n";
  const second = JSON.stringify({ session: "c2s:alice@example.org/phone", xml: "<presence to='bob@example.org' type='unsubscribed'/>" }) + "\n";
  const files = [
    { path: file("first.log.gz", gzipSync(Buffer.from(first))), file: "first.log.gz" },
    { path: file("second.jsonl", second), file: "second.jsonl" },
  ];
  const inference = new WorldInference();
  for (const f of files) for await (const batch of readCaptureBatches(f.path, f.file, { year: 2026 })) for (const item of batch) inference.add(item);
  const inThread = inference.inferred();
  t.deepEqual(inThread.hosts, ["chat.example.org", "example.org"]);
  // The first answer tells what was so before: bob's request pending (then the cancellation is simulated).
  t.deepEqual(inThread.pending, { "alice@example.org": ["bob@example.org"] });
  t.deepEqual(inThread.rosters, { "alice@example.org": {}, "bob@example.org": { "alice@example.org": { subscription: "none", ask: "subscribe" } } });
  t.deepEqual(await inferWorldInWorker(files, { year: 2026 }), inThread);
  const { pending: _, ...withoutPending } = inThread;
  t.deepEqual(await inferWorldInWorker([...files].reverse(), { year: 2026 }), { ...withoutPending, rosters: { "alice@example.org": { "bob@example.org": { subscription: "from" } }, "bob@example.org": { "alice@example.org": { subscription: "to" } } } });
  // Damaged gzip data ends its file: the world is what the stanzas before the damage tell, as in-thread.
  const damaged = [{ path: file("cut.log.gz", truncatedGzip(manyLog, 0.5)), file: "cut.log.gz" }, ...files];
  const beforeDamage = new WorldInference();
  for (const f of damaged) for await (const batch of readCaptureBatches(f.path, f.file, { year: 2026 })) for (const item of batch) beforeDamage.add(item);
  t.deepEqual(await inferWorldInWorker(damaged.slice(0, 1), { year: 2026 }), { hosts: ["example.org"] });
  t.deepEqual(await inferWorldInWorker(damaged, { year: 2026 }), beforeDamage.inferred());
  // A file that cannot be read fails the pass as in-thread.
  await t.throwsAsync(inferWorldInWorker([{ path: mkdtempSync(join(tmpdir(), "stanzafw-worker-")), file: "dir" }]));
});

test("damaged gzip read by a reader that lags behind: every byte gunzip gave before the damage", async (t) => {
  const text = Array.from({ length: 16000 }, (_, i) => `line ${i} ${"x".repeat(200 + ((i * 7919) % 100))}`).join("\n");
  const damaged = truncatedGzip(text, 0.8);
  const expected = (await gunzippedPrefix(damaged)).length;
  const slowly = async (chunks: AsyncIterable<Buffer>) => {
    let got = 0;
    const error = await t.throwsAsync(async () => {
      for await (const chunk of chunks) {
        got += chunk.length;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    t.true(isGzipDamage(error));
    return got;
  };
  // Given the whole input at once, gunzip finds the damage while most of what it gave still waits
  // in the stream: a stream's own iterator drops that (a loaded machine reading a file does too).
  t.is(await slowly(chunksUntilError(Readable.from([damaged]).pipe(createGunzip({ chunkSize: 1 << 16 })))), expected);
  t.is(await slowly(fileChunks(file("lag.gz", damaged))), expected);
});
