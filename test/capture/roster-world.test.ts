import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inferWorldInWorker } from "../../src/capture/read-in-worker.js";
import { runCli } from "../../src/cli/index.js";
import { ProsodyServer } from "../helpers/prosody-server.js";
import { requireProsody } from "../helpers/prosody.js";
import { XmppClient } from "../helpers/xmpp-client.js";

/** The component connection, tried again while the server is still opening its port (a loaded machine). */
async function component(server: ProsodyServer): Promise<XmppClient> {
  for (let i = 0; ; i++) {
    try {
      return await XmppClient.component(server.componentPort, "remote.example", "secret");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED" || i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// Contacts pass, strangers' available presence is dropped: what a subscription made before the capture decides.
const script = ["::deliver", "SUBSCRIBED", "PASS.", "", "::deliver", "KIND: presence", "TYPE: available", "DROP.", ""].join("\n");

test.serial("subscriptions made before a log begins come from the roster the server sends at login, as Prosody holds them", async (t) => {
  if (!requireProsody(t)) return;
  const server = await ProsodyServer.start({ hosts: ["a.test"], accounts: { "alice@a.test": "pw", "bob@a.test": "pw" }, scripts: [script], modules: ["stanza_debug"], components: { "remote.example": "secret" } });
  let log: string;
  let delivered: string[];
  try {
    const remote = await component(server);
    // Yesterday: alice and x@remote.example subscribe to each other; alice asks bob, who does not answer.
    const before = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    await before.iq("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>", "r0");
    const asked = remote.waitFor((s) => s.name === "presence" && s.attr.type === "subscribe");
    before.write("<presence to='x@remote.example' type='subscribe'/>");
    await asked;
    remote.write("<presence from='x@remote.example' to='alice@a.test' type='subscribed'/>");
    remote.write("<presence from='x@remote.example' to='alice@a.test' type='subscribe'/>");
    before.write("<presence to='x@remote.example' type='subscribed'/>");
    before.write("<presence to='bob@a.test' type='subscribe'/>");
    // The component's stanzas come on another connection: wait until the server's roster holds them.
    for (let i = 0; i < 50; i++) {
      const r = await before.iq(`<iq type='get' id='r1-${i}'><query xmlns='jabber:iq:roster'/></iq>`, `r1-${i}`);
      if (r?.toString().includes("subscription='both'")) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    before.close();
    for (let i = 0; i < 100 && !/\tinfo\tClient disconnected/.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
    // Today's log starts here: alice logs in and fetches her roster, as clients do.
    const start = server.log().length;
    const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    alice.write("<presence/>");
    await alice.iq("<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>", "r2");
    const got = alice.waitFor((s) => s.name === "presence" && s.attr.id === "p2", 3000);
    remote.write("<presence from='x@remote.example/r' to='alice@a.test' id='p1'/>");
    remote.write("<presence from='y@remote.example/r' to='alice@a.test' id='p2'/>");
    await got;
    await alice.iq("<iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>", "sync");
    delivered = alice.received.filter((s) => s.name === "presence" && /^p\d$/.test(s.attr.id ?? "")).map((s) => s.attr.id!);
    alice.close();
    remote.close();
    await new Promise((r) => setTimeout(r, 200));
    log = server.log().slice(start);
  } finally {
    server.stop();
    await server.exited();
  }
  t.deepEqual(delivered, ["p1"], "Prosody passed the contact's presence and dropped the stranger's");
  t.notRegex(log, /type='subscribe[d]?'/, "no subscription is made in the part of the log that is replayed");
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-roster-"));
  writeFileSync(join(dir, "today.log"), log);
  writeFileSync(join(dir, "rules.pfw"), script);
  // The component's stanzas are not in the log's trace (mod_stanza_debug sees client and server sessions): they are replayed from XML.
  writeFileSync(join(dir, "remote.xml"), "<presence xmlns='jabber:server' from='x@remote.example/r' to='alice@a.test' id='p1'/>\n<presence xmlns='jabber:server' from='y@remote.example/r' to='alice@a.test' id='p2'/>\n");
  let stderr = "";
  let stdout = "";
  t.is(await runCli(["sim", "rules.pfw", "--traffic", "today.log", "remote.xml", "--show-world", "--format", "json"], { cwd: dir, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }), 0);
  const world = JSON.parse(/world in use[^\n]*\n([\s\S]*?\n\})\n/.exec(stderr)![1]!) as { rosters?: unknown };
  const expected = { "alice@a.test": { "x@remote.example": { subscription: "both" }, "bob@a.test": { subscription: "none", ask: "subscribe" } } };
  t.deepEqual(world.rosters, expected);
  const verdicts = stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; line: number; verdict: string }).filter((r) => r.file === "remote.xml").map((r) => `${r.line} ${r.verdict}`);
  t.deepEqual(verdicts, ["1 pass", "2 drop"], "the simulation agrees with the server");
  // The first pass on the reading thread (large captures) infers the same world.
  t.deepEqual((await inferWorldInWorker([{ path: join(dir, "today.log"), file: "today.log" }])).rosters, expected);
});

test.serial("stanzas from external components are not in a log's trace: a warning counts them, at the first one's line", async (t) => {
  if (!requireProsody(t)) return;
  const server = await ProsodyServer.start({ hosts: ["a.test"], accounts: { "alice@a.test": "pw" }, scripts: ["KIND: iq\nPASS.\n"], modules: ["stanza_debug"], components: { "remote.example": "secret" } });
  let log: string;
  try {
    const remote = await component(server);
    const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    alice.write("<presence/>");
    const got = alice.waitFor((s) => s.attr.id === "c3");
    remote.write("<message from='x@remote.example/r' to='alice@a.test' type='chat' id='c1'><body>one</body></message>");
    remote.write("<presence from='x@remote.example/r' to='alice@a.test' id='c2'/>");
    remote.write("<iq from='x@remote.example/r' to='alice@a.test/phone' type='get' id='c3'><ping xmlns='urn:xmpp:ping'/></iq>");
    t.truthy(await got, "the component's stanzas reached the client");
    await alice.iq("<iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>", "sync");
    alice.close();
    remote.close();
    await new Promise((r) => setTimeout(r, 200));
    log = server.log();
  } finally {
    server.stop();
    await server.exited();
  }
  t.notRegex(log, /RECV: <message[^\n]*id='c1'/, "the component's stanzas are not traced as RECV");
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-component-"));
  writeFileSync(join(dir, "prosody.log"), log);
  writeFileSync(join(dir, "rules.pfw"), "KIND: iq\nPASS.\n");
  let output = "";
  t.is(await runCli(["sim", "rules.pfw", "--traffic", "prosody.log", "--print", "none"], { cwd: dir, stdout: (s) => (output += s), stderr: (s) => (output += s) }), 0);
  const first = log.split("\n").findIndex((l) => l.includes("Received[component]: <message") && l.includes("id='c1'")) + 1;
  t.regex(output, new RegExp(`^prosody\\.log:${first}:1: warning: 3 stanzas from external components \\(the first on this line\\) not simulated`, "m"));
});
