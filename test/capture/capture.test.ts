import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readCapture } from "../../src/capture/read-capture.js";
import { runCli } from "../../src/cli/index.js";
import type { TrafficItem } from "../../src/sim/traffic.js";
import { ProsodyServer } from "../helpers/prosody-server.js";
import { requireProsody } from "../helpers/prosody.js";
import { XmppClient } from "../helpers/xmpp-client.js";
import { damageMessage, gzipBrokenOffAfter } from "../helpers/damaged-gzip.js";

async function items(path: string): Promise<TrafficItem[]> {
  const out: TrafficItem[] = [];
  for await (const i of readCapture(path, "cap")) out.push(i);
  return out;
}

function file(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-cap-"));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const summary = (list: TrafficItem[]) => list.map((i) => (i.kind === "problem" ? `problem ${i.line}: ${i.message}` : `${i.line} ${i.stanza.name} ${i.annotations.origin ?? "-"} ${i.annotations.time ?? "-"}`));

test("JSON lines: time, origin and chain per record; bad records are reported and skipped", async (t) => {
  const path = file(
    "cap.jsonl",
    [
      JSON.stringify({ time: "2026-11-25T10:00:00Z", session: "s2s:remote.example", xml: "<message from='x@remote.example/r' to='alice@example.org'/>" }),
      "not json",
      JSON.stringify({ xml: "<message><body>truncated" }),
      JSON.stringify({ direction: "local", session: "c2s:alice@example.org/r", xml: "<presence/>" }),
      JSON.stringify({ direction: "outgoing", session: "c2s:alice@example.org/r", xml: "<presence/>" }),
      JSON.stringify({ session: "c2s:alice@example.org/r", xml: "<presence/>" }),
    ].join("\n"),
  );
  const got = await items(path);
  t.deepEqual(summary(got).map((s) => s.replace(/: .*/, ":")), ["1 message s2s:remote.example 2026-11-25T10:00:00Z", "problem 2:", "problem 3:", "4 presence c2s:alice@example.org/r -", "problem 5:", "6 presence c2s:alice@example.org/r -"]);
  t.is(got[3]!.kind === "stanza" ? got[3]!.annotations.chain : undefined, "preroute");
  t.regex(got[4]!.kind === "problem" ? got[4]!.message : "", /^unknown direction "outgoing": "in" \(the deliver chain\)/);
  t.is(got[5]!.kind === "stanza" ? got[5]!.annotations.chain : "not a stanza", undefined);
});

test("gzip is read directly; invalid UTF-8 and oversized records are skipped with their line", async (t) => {
  const xml = Buffer.concat([Buffer.from("<message from='a@b.example/r' to='c@d.example'/>\n<message from='a@b.example/r' to='c@d.example'><body>"), Buffer.from([0xff, 0xfe]), Buffer.from("</body></message>\n<presence from='a@b.example/r' to='c@d.example'/>\n")]);
  const got = await items(file("cap.xml.gz", gzipSync(xml)));
  t.deepEqual(summary(got).map((s) => s.replace(/ - .*/, "")), ["1 message", "problem 2: invalid UTF-8: line skipped", "3 presence"]);
  const big = `${JSON.stringify({ xml: `<message><body>${"x".repeat(2_000_000)}</body></message>` })}\n`;
  t.deepEqual(summary(await items(file("big.jsonl", big))), ["problem 1: record larger than 1048576 bytes skipped"]);
});

test("a real Prosody log (mod_stanza_debug at debug level): client stanzas get their from, SASL never leaks", async (t) => {
  if (!requireProsody(t)) return;
  const server = await ProsodyServer.start({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "s3cret-pw", "bob@b.test": "pw" }, scripts: ["INSPECT: body#=drop me\nDROP.\n"], modules: ["stanza_debug"] });
  let log: string;
  try {
    const alice = await XmppClient.login(server.port, "alice", "a.test", "s3cret-pw", "phone");
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    alice.write("<presence/>");
    bob.write("<presence/>");
    await new Promise((r) => setTimeout(r, 200));
    alice.write("<message to='bob@b.test' type='chat' id='x1'><body>first line\nsecond line</body></message>");
    alice.write("<message to='bob@b.test' type='chat' id='x2'><body>drop me</body></message>");
    // Refused by the server whatever the firewall says: no such account, an iq bob's client cannot answer.
    alice.write("<message to='nobody@b.test' type='chat' id='x4'><body>hello?</body></message>");
    alice.write("<iq to='bob@b.test/desk' type='get' id='v1'><query xmlns='urn:example:unknown'/></iq>");
    await alice.iq("<iq type='get' id='sync'><query xmlns='jabber:iq:roster'/></iq>", "sync");
    alice.close();
    bob.close();
    await new Promise((r) => setTimeout(r, 200));
    log = server.log();
  } finally {
    server.stop();
    await server.exited();
  }
  t.regex(log, /RECV: <auth /, "the log holds the SASL exchange");
  const path = file("prosody.log", log);
  const got = (await items(path)).filter((i): i is Extract<TrafficItem, { kind: "stanza" }> => i.kind === "stanza" && i.stanza.name === "message");
  t.deepEqual(got.map((i) => [i.annotations.origin, i.stanza.attr.id, i.stanza.getChildText("body")]), [
    ["c2s:alice@a.test/phone", "x1", "first line\nsecond line"],
    ["c2s:alice@a.test/phone", "x2", "drop me"],
    ["c2s:alice@a.test/phone", "x4", "hello?"],
  ]);
  let stdout = "";
  const code = await runCli(["sim", file("r.pfw", "INSPECT: body#=drop me\nDROP.\n"), "--traffic", path, "--format", "json"], { cwd: tmpdir(), stdout: (s) => (stdout += s), stderr: () => undefined });
  t.is(code, 0);
  const verdicts = stdout.trim().split("\n").map((l) => JSON.parse(l) as { verdict: string; line: number });
  t.true(verdicts.some((v) => v.verdict === "drop"));
  t.regex(log, /SEND: <message(?=[^\n>]*id='x4')(?=[^\n>]*type='error')/, "the server refused the message to nobody");
  // The script the server ran: the log's SEND lines agree with the simulation (errors for a made-up
  // account and for an iq are no disagreement). Another script: they do not.
  let same = "";
  await runCli(["sim", file("same.pfw", "INSPECT: body#=drop me\nDROP.\n"), "--traffic", path], { cwd: tmpdir(), stdout: (s) => (same += s), stderr: () => undefined });
  t.notRegex(same, /the log disagrees/);
  let other = "";
  await runCli(["sim", file("other.pfw", "INSPECT: body#~=^first\nDROP.\n"), "--traffic", path], { cwd: tmpdir(), stdout: (s) => (other += s), stderr: () => undefined });
  t.regex(other, /the log disagrees with the simulation on 1 stanza:\n {2}\S*prosody\.log:\d+: simulated drop, but the server delivered it \(log line \d+\)/);
  // The credentials (base64 of \0alice\0s3cret-pw) appear in no output.
  const secret = Buffer.from("\0alice\0s3cret-pw").toString("base64");
  t.true(log.includes(secret));
  t.false(stdout.includes(secret));
  // After "Client disconnected", the session id no longer stands for alice: Prosody may give it to
  // a new connection, whose stanzas before resource binding the firewall never sees.
  const aliceSession = /(c2s\w+)\tdebug\tRECV: <message[^\n]*id='x1'/.exec(log)?.[1];
  t.truthy(aliceSession);
  t.regex(log, new RegExp(`${aliceSession}\tinfo\tClient disconnected`), "the log records the disconnection");
  const stamp = /^[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d/.exec(log)![0];
  const x3 = `${stamp} ${aliceSession}\tdebug\tRECV: <message to='bob@b.test' type='chat' id='x3'><body>who am I?</body></message>\n`;
  const originOfX3 = async (text: string) => (await items(file("reused.log", text))).flatMap((i) => (i.kind === "stanza" && i.stanza.attr.id === "x3" ? [i.annotations.origin] : []));
  t.deepEqual(await originOfX3(`${log}${x3}`), []);
  // The same log without the disconnection: the stanza is taken for alice's.
  const still = log.split("\n").filter((l) => !l.includes("Client disconnected")).join("\n");
  t.deepEqual(await originOfX3(`${still}${x3}`), ["c2s:alice@a.test/phone"]);
});

test("real Prosody logs in the file sink's other formats (ISO timestamps, none, names padded as on the console) read as the default one", async (t) => {
  if (!requireProsody(t)) return;
  const formats: { name: string; timestamps?: string | false; width?: number; timed: boolean }[] = [
    { name: "default", timed: true },
    { name: "ISO 8601 timestamps", timestamps: "%Y-%m-%d %H:%M:%S", timed: true },
    { name: "no timestamps", timestamps: false, timed: false },
    { name: "console (padded names, no timestamps)", timestamps: false, width: 20, timed: false },
  ];
  const seen: unknown[] = [];
  for (const f of formats) {
    const options = { hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [], modules: ["stanza_debug"], ...(f.timestamps !== undefined ? { logTimestamps: f.timestamps } : {}), ...(f.width !== undefined ? { logSourceWidth: f.width } : {}) };
    const log = await ProsodyServer.logOf(options, async (server) => {
      const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
      alice.write("<message to='bob@b.test' type='chat' id='x1'><body>hello</body></message>");
      await alice.iq("<iq type='get' id='sync'><query xmlns='jabber:iq:roster'/></iq>", "sync");
      alice.close();
    });
    if (f.width !== undefined) t.regex(log, /^c2s\w+ +debug\tRECV: /m, `${f.name}: the log as the console shows it`);
    else if (f.timestamps === false) t.regex(log, /^c2s\w+\tdebug\tRECV: /m, f.name);
    else if (f.timestamps) t.regex(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d c2s\w+\tdebug\tRECV: /m, f.name);
    const got = await items(file("prosody.log", log));
    const messages = got.filter((i): i is Extract<TrafficItem, { kind: "stanza" }> => i.kind === "stanza" && i.stanza.name === "message");
    seen.push(messages.map((i) => [i.annotations.origin, i.stanza.attr.id, i.stanza.getChildText("body")]));
    t.is(messages.length, 1, f.name);
    t.is(messages[0]?.annotations.time !== undefined, f.timed, `${f.name}: ${messages[0]?.annotations.time}`);
    if (f.timed) t.true(Math.abs(Date.parse(messages[0]!.annotations.time!) - Date.now()) < 5 * 60_000, `${f.name}: the log's time, read as UTC (the server runs with TZ=UTC)`);
    const warnings = got.filter((i) => i.kind === "problem").map((i) => (i.kind === "problem" ? i.message : ""));
    t.deepEqual(warnings.map((w) => /has no timestamps/.test(w)), f.timed ? [] : [true], `${f.name}: ${warnings.join("; ")}`);
  }
  t.deepEqual(seen, formats.map(() => [["c2s:alice@a.test/phone", "x1", "hello"]]));
});

test("a real Prosody log: a subscription request the server delivered (from the bare JID, without an id) disagrees with a simulation that drops it", async (t) => {
  if (!requireProsody(t)) return;
  const log = await ProsodyServer.logOf({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [], modules: ["stanza_debug"] }, async (server) => {
    const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    bob.write("<presence/>");
    await bob.iq("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>", "r1");
    alice.write("<presence to='bob@b.test' type='subscribe'/>");
    await alice.iq("<iq type='get' id='sync'><query xmlns='jabber:iq:roster'/></iq>", "sync");
    await bob.iq("<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>", "r2");
    alice.close();
    bob.close();
  });
  // Prosody writes attributes in table order, which differs between runs.
  t.regex(log, /SEND: <presence(?=[^\n>]*type='subscribe')(?=[^\n>]*from='alice@a\.test')/, "delivered to bob from alice's bare JID");
  const path = file("subscription.log", log);
  const run = async (script: string) => {
    let out = "";
    await runCli(["sim", file("r.pfw", script), "--traffic", path], { cwd: tmpdir(), stdout: (x) => (out += x), stderr: () => undefined });
    return out;
  };
  t.notRegex(await run("KIND: message\nINSPECT: body#=never\nDROP.\n"), /the log disagrees/);
  t.regex(await run("::deliver\nKIND: presence\nTYPE: subscribe\nDROP.\n"), /the log disagrees with the simulation on 1 stanza:\n {2}\S*subscription\.log:\d+: simulated drop, but the server delivered it/);
});

test("a rotated real Prosody log: a client session bound in the earlier file sends in the later one", async (t) => {
  if (!requireProsody(t)) return;
  const log = await ProsodyServer.logOf({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [], modules: ["stanza_debug"] }, async (server) => {
    const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    bob.write("<presence/>");
    await new Promise((r) => setTimeout(r, 200));
    // Delivered to bob: nothing goes back to alice's session until the roster answer.
    alice.write("<message to='bob@b.test/desk' type='chat' id='x1'><body>before</body></message>");
    alice.write("<message to='bob@b.test/desk' type='chat' id='x2'><body>after</body></message>");
    await alice.iq("<iq type='get' id='sync'><query xmlns='jabber:iq:roster'/></iq>", "sync");
    alice.write("<message to='bob@b.test/desk' type='chat' id='x3'><body>named</body></message>");
    await alice.iq("<iq type='get' id='sync2'><query xmlns='jabber:iq:roster'/></iq>", "sync2");
    alice.close();
    bob.close();
  });
  // Rotated right after alice's first message.
  const lines = log.split("\n");
  const cut = lines.findIndex((l) => /RECV: <message[^\n]*id='x1'/.test(l)) + 1;
  t.true(cut > 0);
  const earlier = file("prosody.log.1", `${lines.slice(0, cut).join("\n")}\n`);
  const later = file("prosody.log", lines.slice(cut).join("\n"));
  const run = async (...files: string[]) => {
    let stdout = "";
    let stderr = "";
    await runCli(["sim", file("r.pfw", "KIND: message\nINSPECT: body#=never\nDROP.\n"), "--format", "json", ...files.flatMap((f) => ["--traffic", f])], { cwd: tmpdir(), stdout: (x) => (stdout += x), stderr: (x) => (stderr += x) });
    const records = stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind?: string; index?: number; file: string; line: number; message?: string });
    return { records, stderr };
  };
  const texts = new Map([earlier, later].map((f) => [f.split("/").pop()!, readFileSync(f, "utf8").split("\n")]));
  // Each simulated stanza by the id on its log line.
  const ids = (records: { index?: number; file: string; line: number }[]) => records.flatMap((r) => (r.index !== undefined ? [/id='([^']+)'/.exec(texts.get(r.file.split("/").pop()!)![r.line - 1]!)?.[1]] : []));
  const both = await run(earlier, later);
  t.deepEqual(ids(both.records).filter((id) => id !== undefined && id !== "sess1"), ["x1", "x2", "sync", "x3", "sync2"], both.stderr);
  t.false(both.records.some((r) => r.kind === "warning"), JSON.stringify(both.records.filter((r) => r.kind === "warning")));
  // The later file alone: alice's stanzas before the server's roster answer names her session are
  // not simulated, and a warning says so; from the answer on, they are.
  const alone = await run(later);
  t.deepEqual(ids(alone.records).filter((id) => id !== undefined), ["x3", "sync2"]);
  // The two clients' disconnections: the unavailable presence Prosody sends for each.
  t.deepEqual(alone.records.filter((r) => r.index !== undefined && /\tdebug\tUnbinding resource for /.test(texts.get("prosody.log")![r.line - 1]!)).length, 2);
  const warnings = alone.records.filter((r) => r.kind === "warning");
  t.deepEqual(warnings.map((r) => r.message), ["2 client stanzas (the first on this line) not simulated: their sessions' resource binding is not in the log, so the sender is unknown until a stanza the server sends to the session names it; a session that began before the log did: give the earlier log file first"]);
  t.regex(texts.get("prosody.log")![warnings[0]!.line - 1]!, /RECV: <message[^\n]*id='x2'/);
});

test("log lines in a timestamp format the reader does not know: the stanzas are read, and a warning says they have no time", async (t) => {
  const got = await items(file("odd.log", "25/11/2026 10:00:00 s2sin55d0a0\tdebug\tRECV: <presence from='a@remote.example/r' to='b@example.org'/>\n25/11/2026 10:00:01 s2sin55d0a0\tdebug\tRECV: <presence from='a@remote.example/r' to='b@example.org'/>\n"));
  t.deepEqual(summary(got), [
    "problem 1: the log's timestamps ('25/11/2026 10:00:00') are in a format this reader does not know (it knows Prosody's default 'Nov 25 05:43:30' and ISO 8601 '2026-11-25 05:43:30'): these stanzas keep the time of the one before (the first ones the world's start), so rate limits see them all at once",
    "1 presence s2s:remote.example -",
    "2 presence s2s:remote.example -",
  ]);
});

test("XML captures: text between stanzas is ignored with one warning, where it starts (a log in a format the reader does not know, read as XML)", async (t) => {
  const problems = (list: TrafficItem[]) => list.flatMap((i) => (i.kind === "problem" ? [`${i.line}:${i.column} ${i.kept ? "warning" : "skipped"}: ${i.message}`] : []));
  const stray = await items(file("stray.xml", "<message to='a@example.org'/>\n  hello there <message to='b@example.org'/>\nmore text\n<message to='c@example.org'/>\n"));
  t.is(stray.filter((i) => i.kind === "stanza").length, 3);
  t.deepEqual(problems(stray), ["2:3 warning: text outside any stanza is ignored ('hello there '): an XML capture holds stanzas, or a whole stream; if this is a Prosody log, its lines are not in a format this reader knows (docs/traffic.md)"]);
  const sameLine = await items(file("line.xml", "<message to='a@example.org'/> junk <message to='b@example.org'/>\n"));
  t.deepEqual(problems(sameLine).map((p) => p.slice(0, 18)), ["1:31 warning: text"]);
  // A log line whose fields are not where a Prosody log has them.
  const syslog = await items(file("syslog.log", "Nov 25 05:43:30 myhost prosody[1234]: c2s5627f279e470: RECV: <message to='a@example.org'><body>hi</body></message>\n"));
  t.regex(problems(syslog)[0] ?? "", /^1:1 warning: text outside any stanza is ignored \('Nov 25 05:43:30 myhost prosody\[1234\]: c2s5627f279e/);
  // Whitespace is no stray text; nor are the remains of broken markup (the error is reported).
  t.deepEqual(problems(await items(file("ws.xml", "  <message to='a@example.org'/>\n\t\n<message to='b@example.org'/>\n"))), []);
  t.false(problems(await items(file("broken.xml", "<message to='a@example.org' <body>x</body></message>\nafter\n"))).some((p) => p.includes("text outside")));
});

test("a Prosody log without stanza lines (info level, or no mod_stanza_debug) says so instead of showing 0 stanzas", async (t) => {
  const got = await items(file("info.log", "Nov 25 10:00:00 general\tinfo\tHello and welcome to Prosody version 0.12.4\nNov 25 10:00:01 c2s55d0a0\tinfo\tClient connected\n"));
  t.deepEqual(
    got.map((i) => (i.kind === "problem" ? [i.line, i.kept, i.message] : i.kind)),
    [[1, true, "this Prosody log holds no stanzas (no RECV:/SEND: lines): it needs mod_stanza_debug and the debug log level"]],
  );
  // A log with stanza lines has no such warning.
  const stanzas = await items(file("debug.log", "Nov 25 10:00:00 s2sin55d0a0\tdebug\tRECV: <presence from='a@remote.example/r' to='b@example.org'/>\n"));
  t.deepEqual(stanzas.map((i) => i.kind), ["stanza"]);
});

test("XML on one very long line (a whole stream) is read in pieces, nothing refused or lost", async (t) => {
  const stanzas = Array.from({ length: 40 }, (_, i) => `<message from='a@b.example/r' to='c@d.example' id='m${i}'><body>ünïcödé ${"x".repeat(i)}</body></message>`);
  const stream = `<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>${stanzas.join("")}</stream:stream>`;
  const out: TrafficItem[] = [];
  for await (const i of readCapture(file("stream.xml", stream), "cap", { maxRecordBytes: 100 })) out.push(i);
  t.deepEqual(
    out.map((i) => (i.kind === "stanza" ? i.stanza.attr.id : `problem ${i.message}`)),
    stanzas.map((_, i) => `m${i}`),
  );
  t.is(out[39]?.kind === "stanza" ? out[39].stanza.getChildText("body") : "", `ünïcödé ${"x".repeat(39)}`);
});

test("lines across read chunks: a character split between two chunks, CRLF line ends", async (t) => {
  // The reader takes 64 KiB at a time: put a two-byte character across that boundary.
  const filler = `${JSON.stringify({ xml: "<presence from='a@b.example/r' to='c@d.example'/>" })}\r\n`;
  let text = "";
  while (Buffer.byteLength(text + filler) < 65535 - 40) text += filler;
  const head = JSON.stringify({ xml: "<message from='a@b.example/r' to='c@d.example'><body>" }).slice(0, -2);
  const pad = "y".repeat(65535 - Buffer.byteLength(text + head));
  const record = `${head}${pad}é</body></message>"}\r\n`;
  const got = await items(file("chunks.jsonl", text + record));
  const last = got[got.length - 1]!;
  t.is(last.kind, "stanza");
  t.is(last.kind === "stanza" ? last.stanza.getChildText("body") : "", `${pad}é`);
  t.true(got.every((i) => i.kind === "stanza"));
});

test("a Prosody log with CRLF line ends and an oversize line: the record is reported, the next one read", async (t) => {
  const lines = [
    "Nov 25 10:00:00 s2sin1\tdebug\tRECV: <message from='a@b.example/r' to='c@d.example' id='one'/>",
    `Nov 25 10:00:01 s2sin1\tdebug\tRECV: <message from='a@b.example/r' to='c@d.example' id='big'><body>${"z".repeat(3000)}</body></message>`,
    "Nov 25 10:00:02 s2sin1\tdebug\tRECV: <message from='a@b.example/r' to='c@d.example' id='three'/>",
  ];
  const path = file("crlf.log", lines.join("\r\n") + "\r\n");
  // Detected (the long line is cut in pieces before the format is known) and given.
  for (const format of [undefined, "prosody-log"] as const) {
    const out: TrafficItem[] = [];
    for await (const i of readCapture(path, "cap", { maxRecordBytes: 1000, year: 2026, ...(format ? { format } : {}) })) out.push(i);
    t.deepEqual(
      out.map((i) => (i.kind === "stanza" ? `${i.line} ${i.stanza.attr.id} ${i.annotations.time}` : `problem ${i.line}: ${i.message}`)),
      ["1 one 2026-11-25T10:00:00.000Z", "problem 2: record larger than 1000 bytes skipped", "3 three 2026-11-25T10:00:02.000Z"],
      format ?? "detected",
    );
  }
});

test("a Prosody log line of invalid UTF-8 spoils only its own record: after a stanza, in a record's continuation, after a truncated record", async (t) => {
  const rec = (id: string, body: string) => Buffer.from(`Nov 25 10:00:00 s2sin1\tdebug\tRECV: <message from='a@b.example/r' to='c@d.example' id='${id}'>${body}`);
  const junk = Buffer.concat([Buffer.from("Nov 25 10:00:00 s2sin1\tdebug\tunexpected data "), Buffer.from([0xff, 0xfe])]);
  const cases: { name: string; lines: Buffer[]; expected: string[] }[] = [
    { name: "a log line of junk after a whole stanza", lines: [rec("one", "</message>"), junk, rec("two", "</message>")], expected: ["1 one", "problem 2: invalid UTF-8: line skipped", "3 two"] },
    { name: "junk in a continuation line", lines: [rec("one", "<body>a"), Buffer.concat([Buffer.from("\tb"), Buffer.from([0xff]), Buffer.from("</body></message>")]), rec("two", "</message>")], expected: ["problem 1: invalid UTF-8 in the record: skipped", "3 two"] },
    { name: "a truncated record, then junk", lines: [rec("one", "<body>cut"), junk, rec("two", "</message>")], expected: ["problem 1: malformed stanza:", "problem 2: invalid UTF-8: line skipped", "3 two"] },
  ];
  for (const c of cases) {
    const path = file("junk.log", Buffer.concat(c.lines.flatMap((l) => [l, Buffer.from("\n")])));
    const got = (await items(path)).map((i) => (i.kind === "stanza" ? `${i.line} ${i.stanza.attr.id}` : `problem ${i.line}: ${i.message.replace(/^(malformed stanza:).*/, "$1")}`));
    t.deepEqual(got, c.expected, c.name);
  }
});

test("counting progress loses nothing: the same records with and without it, plain and gzip, and every byte counted", async (t) => {
  const records = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ xml: `<message from='x${i}@remote.example/r' to='alice@example.org'><body>${"hello ".repeat(i % 7)}${i}</body></message>` })).join("\n");
  for (const [name, content] of [["c.jsonl", records], ["c.jsonl.gz", gzipSync(records)]] as const) {
    const path = file(name, content);
    const ids = async (onBytes?: (n: number) => void) => {
      const out: string[] = [];
      for await (const i of readCapture(path, name, onBytes ? { onBytes } : {})) out.push(i.kind === "stanza" ? i.stanza.getChildText("body")!.split(" ").pop()! : `problem ${i.message}`);
      return out;
    };
    let counted = 0;
    const withProgress = await ids((n) => (counted += n));
    t.deepEqual(withProgress, await ids(), name);
    t.is(withProgress.length, 3000, name);
    t.is(withProgress.at(-1), "2999", name);
    t.is(counted, content.length, `${name}: bytes counted`);
  }
});

test("a DTD or entity declaration is refused where it stands, once, and nothing is expanded; the next stanza is read", async (t) => {
  const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`;
  const shown = (got: TrafficItem[]) => got.map((i) => (i.kind === "problem" ? `${i.line}:${i.column}: ${i.message}` : `${i.line}: ${i.stanza.toString()}`));
  const xml = await items(file("dtd.xml", `  ${laughs}\n<message xmlns='jabber:client' to='a@example.org'><body>&lol2;</body></message>\n<message xmlns='jabber:client' to='a@example.org'><body>ok</body></message>\n`));
  t.deepEqual(shown(xml), ["1:3: a DOCTYPE is not accepted in traffic (no entity declarations, ever)", "2:1: malformed stanza: undefined entity.", "3: <message to='a@example.org'><body>ok</body></message>"]);
  const jsonl = await items(file("dtd.jsonl", [JSON.stringify({ xml: `${laughs}<message to='a@example.org'>&lol2;</message>` }), JSON.stringify({ xml: "<message to='a@example.org'/>" })].join("\n")));
  t.deepEqual(shown(jsonl), ["1:1: malformed stanza: a DOCTYPE is not accepted in traffic (no entity declarations, ever)", "2: <message to='a@example.org'/>"]);
});

test("gzip data that breaks off: what is complete before it is read, an unfinished line is dropped, and one problem says where reading stopped", async (t) => {
  const traffic = '<traffic xmlns="urn:stanzafw:traffic:0">\n<message xmlns="jabber:client" from="a@r.example/x" to="b@example.org"/>\n';
  const record = (n: number, xml: string) => `Nov 25 10:00:0${n} s2sin1\tdebug\tRECV: ${xml}`;
  const damage = (text: string | Buffer) => {
    const { line, message } = damageMessage(Buffer.from(text));
    return `problem ${line}:1: ${message}`;
  };
  const cases: [string, string | Buffer, string[]][] = [
    ["XML, in the middle of a line", `${traffic}<message xmlns="jabber:client" from="a@r.example/x" to="b@exa`, ["2 message"]],
    ["XML, at the end of a line", traffic, ["2 message"]],
    ["XML, in a stanza over several lines", `${traffic}<message xmlns="jabber:client" from="a@r.example/x" to="b@example.org">\n<body>one`, ["2 message", "problem 3:1: the stanza is cut off where the file becomes unreadable"]],
    ["XML without <traffic>", "<presence from='a@r.example/x' to='b@example.org'/>\n<message from='a@r.example/x' to='b@exa", ["1 presence"]],
    ["XML, in a character of more than one byte", Buffer.concat([Buffer.from(`${traffic}<message xmlns="jabber:client" to="b@example.org"><body>`), Buffer.from("😀").subarray(0, 2)]), ["2 message"]],
    ["a log, in the middle of a record", `${record(0, "<message from='a@r.example/x' to='b@example.org'/>")}\n${record(1, "<message from='a@r.example/x' to='b@example.org'><body>one\n\ttwo</body></message>")}\n${record(2, "<message from='a@r.ex")}`, ["1 message", "2 message"]],
    ["a log, after the first line of a record continued on the next", `${record(0, "<message from='a@r.example/x' to='b@example.org'/>")}\n${record(1, "<message from='a@r.example/x' to='b@example.org'><body>one")}\n`, ["1 message", "problem 2:1: malformed stanza"]],
    ["a log before its first record: no 'holds no stanzas'", "Nov 25 10:00:00 general\tinfo\tHello and welcome to Prosody version 0.12.4\nNov 25 10:00:00 general\tinfo\tProsody is us", []],
    ["JSON lines", `${JSON.stringify({ xml: "<message from='a@r.example/x' to='b@example.org'/>" })}\n{"xml": "<presence fr`, ["1 message"]],
    ["nothing but a gzip header", "", []],
  ];
  for (const [name, text, before] of cases) {
    const got = (await items(file("t.gz", gzipBrokenOffAfter(text)))).map((i) => (i.kind === "problem" ? `problem ${i.line}:${i.column}: ${i.message.replace(/^(malformed stanza): .*/, "$1")}` : `${i.line} ${i.stanza.name}`));
    t.deepEqual(got, [...before, damage(text)], name);
  }
  // Counted in bytes of text, where the text is not ASCII.
  t.regex(damage(Buffer.from("é\n")), /^problem 2:1: the gzip data is truncated or corrupt after 3 bytes of text: /);
});
