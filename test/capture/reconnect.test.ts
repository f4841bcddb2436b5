import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/index.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { ProsodyServer } from "../helpers/prosody-server.js";
import { requireProsody } from "../helpers/prosody.js";
import { XmppClient } from "../helpers/xmpp-client.js";

// Origin marks live on the connection: a client that reconnects with the same resource starts
// unmarked in Prosody. A simulation of the server's own log must see the same.
const script = ["::preroute", "KIND: message", "INSPECT: body#=mark me", "MARK ORIGIN=spammer", "DROP.", "", "::preroute", "KIND: message", "ORIGIN MARKED: spammer", "DROP.", ""].join("\n");

test("a reconnected client holds none of its earlier session's origin marks, in Prosody and in the simulation of its log", async (t) => {
  if (!requireProsody(t)) return;
  const server = await ProsodyServer.start({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [script], modules: ["stanza_debug"] });
  let log: string;
  let bobGot: string[];
  try {
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    bob.write("<presence/>");
    const first = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    first.write("<message to='bob@b.test/desk' type='chat' id='m1'><body>mark me</body></message>");
    first.write("<message to='bob@b.test/desk' type='chat' id='m2'><body>hello from the marked session</body></message>");
    await first.iq("<iq type='get' id='sync1'><query xmlns='jabber:iq:roster'/></iq>", "sync1");
    first.close();
    for (let i = 0; i < 100 && !/\tinfo\tClient disconnected/.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
    const second = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    const delivered = bob.waitFor((s) => s.attr.id === "m3", 5000);
    second.write("<message to='bob@b.test/desk' type='chat' id='m3'><body>hello from a new session</body></message>");
    await delivered;
    await second.iq("<iq type='get' id='sync2'><query xmlns='jabber:iq:roster'/></iq>", "sync2");
    bobGot = bob.received.filter((s) => s.name === "message").map((s) => s.attr.id ?? "");
    second.close();
    bob.close();
    await new Promise((r) => setTimeout(r, 200));
    log = server.log();
  } finally {
    server.stop();
    await server.exited();
  }
  t.deepEqual(bobGot, ["m3"], "Prosody dropped what the marked session sent and delivered what the new one sent");
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-reconnect-"));
  writeFileSync(join(dir, "prosody.log"), log);
  writeFileSync(join(dir, "marks.pfw"), script);
  let json = "";
  t.is(await runCli(["sim", "marks.pfw", "--traffic", "prosody.log", "--format", "json"], { cwd: dir, stdout: (s) => (json += s), stderr: () => undefined }), 0);
  const lineOf = (id: string) => log.split("\n").findIndex((l) => l.includes("\tRECV: <message") && l.includes(`id='${id}'`)) + 1;
  const records = json
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { line: number; verdict: string });
  const verdicts = Object.fromEntries(["m1", "m2", "m3"].map((id) => [id, records.find((r) => r.line === lineOf(id))?.verdict]));
  t.deepEqual(verdicts, { m1: "drop", m2: "drop", m3: "pass" });
  let text = "";
  await runCli(["sim", "marks.pfw", "--traffic", "prosody.log"], { cwd: dir, stdout: (s) => (text += s), stderr: () => undefined });
  t.notRegex(text, /the log disagrees/);
});

test("a session resumed with stream management (XEP-0198) is the same session: its stanzas are its JID's and its origin marks hold, in Prosody and in the simulation of its log", async (t) => {
  if (!requireProsody(t)) return;
  let bobGotM3 = true;
  const log = await ProsodyServer.logOf({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [script], modules: ["stanza_debug", "smacks"] }, async (server) => {
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    bob.write("<presence/>");
    const first = await XmppClient.login(server.port, "alice", "a.test", "pw", "phone");
    const previd = await first.enableResumption();
    // Dropped and marked: nothing goes back to alice, so nothing is resent on resumption.
    first.write("<message to='bob@b.test/desk' type='chat' id='m1'><body>mark me</body></message>");
    await new Promise((r) => setTimeout(r, 200));
    first.drop();
    for (let i = 0; i < 100 && !/Session going into hibernation/.test(server.log()); i++) await new Promise((r) => setTimeout(r, 50));
    const again = await XmppClient.resume(server.port, "alice", "a.test", "pw", previd);
    const delivered = bob.waitFor((s) => s.attr.id === "m3", 2000);
    again.write("<message to='bob@b.test/desk' type='chat' id='m3'><body>after resuming</body></message>");
    bobGotM3 = (await delivered) !== undefined;
    again.close();
    bob.close();
  });
  t.false(bobGotM3, "Prosody: the resumed session is still marked, m3 is dropped");
  t.regex(log, /mod_smacks session resumed from/);
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-resume-"));
  writeFileSync(join(dir, "prosody.log"), log);
  writeFileSync(join(dir, "r.pfw"), script);
  let stdout = "";
  const code = await runCli(["sim", "r.pfw", "--traffic", "prosody.log", "--format", "json"], { cwd: dir, stdout: (s) => (stdout += s), stderr: () => undefined });
  t.is(code, 0);
  const lines = log.split("\n");
  const records = stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind?: string; line: number; verdict?: string; message?: string });
  const m3 = records.find((r) => r.verdict !== undefined && /id='m3'/.test(lines[r.line - 1]!));
  t.is(m3?.verdict, "drop", JSON.stringify(records));
  t.deepEqual(records.filter((r) => r.kind === "warning").map((r) => r.message), []);
});

test("a client's disconnection: Prosody's unavailable presence for it meets the chains, in Prosody and in the simulation of its log", async (t) => {
  if (!requireProsody(t)) return;
  // The unavailable presence of carol's disconnection is dropped in deliver; alice's is not.
  const rules = "::deliver\nKIND: presence\nTYPE: unavailable\nFROM: carol@a.test\nDROP.\n";
  const got: string[] = [];
  const log = await ProsodyServer.logOf({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "carol@a.test": "pw", "bob@b.test": "pw" }, scripts: [rules], modules: ["stanza_debug"] }, async (server) => {
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "desk");
    bob.write("<presence/>");
    // Directed presence only: on disconnection Prosody sends unavailable presence to bob alone.
    // alice's connection breaks (an error, which the presence's status gives); carol closes her stream.
    for (const user of ["alice", "carol"]) {
      const c = await XmppClient.login(server.port, user, "a.test", "pw", "phone");
      const seen = bob.waitFor((s) => s.name === "presence" && s.attr.from === `${user}@a.test/phone`, 3000);
      c.write("<presence to='bob@b.test/desk'/>");
      await seen;
      if (user === "alice") c.drop();
      else c.close();
      for (let i = 0; i < 100 && !server.log().includes(`Unbinding resource for ${user}@a.test/phone`); i++) await new Promise((r) => setTimeout(r, 50));
    }
    await bob.iq("<iq type='get' id='sync'><query xmlns='jabber:iq:roster'/></iq>", "sync");
    await new Promise((r) => setTimeout(r, 300));
    for (const s of bob.received) if (s.name === "presence" && s.attr.type === "unavailable") got.push(`${s.attr.from} ${s.getChildText("status") ?? "(no status)"}`);
    bob.close();
  });
  t.is(got.length, 1, `Prosody delivered: ${got.join(", ")}`);
  t.regex(got[0]!, /^alice@a\.test\/phone /);
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-unbind-"));
  writeFileSync(join(dir, "prosody.log"), log);
  writeFileSync(join(dir, "r.pfw"), rules);
  let stdout = "";
  t.is(await runCli(["sim", "r.pfw", "--traffic", "prosody.log", "--format", "json"], { cwd: dir, stdout: (s) => (stdout += s), stderr: () => undefined }), 0);
  const lines = log.split("\n");
  type Generated = { stanza: string; verdict: string; chain: string };
  const records = stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: number; index?: number; generated?: Generated[] });
  const disconnections = records.filter((r) => r.index !== undefined && /\tdebug\tUnbinding resource for /.test(lines[r.line - 1] ?? ""));
  // bob's own comes last: he was available, so his unavailable presence went through the chains as his own.
  t.is(disconnections.length, 3);
  const [alice, carol] = disconnections.map((r) => r.generated ?? []);
  const simulated = (g: Generated | undefined) => (g ? readTrafficText(g.stanza, "g.xml")[0] : undefined);
  const a = simulated(alice![0]);
  t.is(alice!.length, 1);
  t.is(alice![0]!.verdict, "pass");
  t.is(alice![0]!.chain, "preroute,deliver");
  t.is(a?.kind === "stanza" ? `${a.stanza.attr.from} ${a.stanza.getChildText("status") ?? "(no status)"}` : "", got[0]!, "the same presence, status included");
  t.is(carol!.length, 1);
  t.is(carol![0]!.verdict, "drop");
});
