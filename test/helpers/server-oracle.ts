import { readPfw } from "../../src/pfw/read.js";
import { compileSfw } from "../../src/pipeline.js";
import { Simulator, type SimResult } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World, type WorldData } from "../../src/sim/world.js";
import type { XmlElement } from "../../src/sim/xml.js";
import { ProsodyServer } from "./prosody-server.js";
import { XmppClient } from "./xmpp-client.js";

// The differential harness against a real Prosody 0.12 with mod_firewall: the same script and the
// same stanzas go through the server (sent by real clients, observed at the recipient and the
// sender) and through the simulator, and the two outcomes are compared step by step.

const password = "pw";
export const users = { alice: "alice@a.test", bob: "bob@b.test", carol: "carol@a.test" } as const;
export type User = keyof typeof users;

export interface Step {
  readonly from: User;
  readonly to: User;
  /** The stanza without `from` (the server stamps it); `TO` is replaced by the recipient's bare JID. */
  readonly xml: string;
  /**
   * Do not compare what the sender gets back: Prosody's own handling of a stanza the firewall
   * posts (not the firewall's) is involved (see README, "What the simulator cannot reproduce").
   */
  readonly ignoreBack?: boolean;
  /**
   * Do not compare whether the recipient got it: who receives a presence after the firewall let it
   * through is Prosody's (an approval reaches only the recipient's resources that asked for the roster).
   */
  readonly ignoreDelivery?: boolean;
}

export interface Case {
  readonly name: string;
  /** A `.pfw` script, or a `.sfw` rule set (compiled first). */
  readonly script: string;
  readonly sfw?: boolean;
  /** Subscriptions set up through the protocol before the steps: `a` subscribes to `b` and `b` approves. */
  readonly subscriptions?: readonly [User, User][];
  readonly steps: readonly Step[];
  /** Server configuration beyond the defaults, and the same facts for the simulator's world. */
  readonly server?: { readonly extraConfig?: string; readonly modules?: readonly string[]; readonly files?: Readonly<Record<string, string>> };
  readonly world?: Partial<WorldData>;
  /** Roster items set through the protocol (no subscription): owner, contact, group. */
  readonly rosterItems?: readonly [User, User, string][];
  /** Subscription requests sent and left pending: `a` asks `b`. */
  readonly pendingRequests?: readonly [User, User][];
}

export const msg = (from: User, to: User, body: string, type = "chat"): Step => ({ from, to, xml: `<message to='TO' type='${type}'><body>${body}</body></message>` });

/** What an observer sees: delivered to the recipient or not, and what the sender got back. */
interface Observed {
  readonly delivered: boolean;
  readonly back: string;
  /** What carol, a third user, received (copies, redirects, forwards). */
  readonly third: string;
  /** The payload of the delivered stanza (children, as canonical XML). */
  readonly content: string;
}

function contentOf(el: XmlElement | undefined): string {
  if (!el) return "";
  const c = (e: XmlElement): string => `<${e.name}${Object.entries(e.attr).filter(([k]) => k !== "xml:lang").sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}>${e.children.map((x) => (typeof x === "string" ? x.trim() : c(x))).join("")}</${e.name}>`;
  return el.tags.map(c).join("");
}

function describe(o: Observed): string {
  return `${o.delivered ? `delivered ${o.content}` : "not delivered"}${o.back ? `; sender got ${o.back}` : ""}${o.third ? `; carol got ${o.third}` : ""}`;
}

/** A received or emitted stanza as the observer sees it: kind, body, whether it wraps a forward. */
function thirdParty(stanza: XmlElement): string {
  const forwarded = stanza.getChild("forwarded", "urn:xmpp:forward:0");
  const inner = forwarded?.tags[0];
  return forwarded ? `forward of "${inner?.getChildText("body") ?? ""}"` : `${stanza.name} "${stanza.getChildText("body") ?? ""}"`;
}

function backOf(stanza: { name: string; attr: Record<string, string>; getChild(n?: string, ns?: string): { tags: { name: string }[] } | undefined; getChildText(n: string): string | undefined }): string {
  if (stanza.attr.type === "error") return `error ${stanza.getChild("error")?.tags[0]?.name ?? "?"}`;
  if (stanza.name === "presence") return `presence ${stanza.attr.type ?? "available"}`;
  return `${stanza.name} "${stanza.getChildText("body") ?? ""}"`;
}

/**
 * A round trip on a client's stream: the server answers an iq set nobody handles with an error,
 * whatever the modules. (The deliver chain sees iq requests to the server, so a rule that drops
 * iq gets, or one that raises, would swallow a ping or a roster request.)
 */
function syncIq(marker: string): string {
  return `<iq type='set' id='sync${marker}'><sync xmlns='urn:example:sync'/></iq>`;
}

function stanzaXml(step: Step, withFrom: boolean): string {
  const xml = step.xml.replace("TO", users[step.to]);
  return withFrom ? xml.replace(/^<(\w+) /, `<$1 from='${users[step.from]}/r' `) : xml;
}

/** Everything the clients sent, in order, with the index of the test step it was (if it was one). */
interface Recorded {
  readonly from: User;
  readonly time: number;
  readonly xml: string;
  readonly step?: number;
}

function simulated(c: Case, script: string, recorded: readonly Recorded[]): Observed[] {
  const read = readPfw(script, "case.pfw");
  const world: WorldData = {
    hosts: ["a.test", "b.test"],
    accounts: Object.values(users),
    rosters: Object.fromEntries(Object.values(users).map((u) => [u, {}])),
    pending: Object.fromEntries(Object.values(users).map((u) => [u, []])),
    online: Object.values(users).map((u) => `${u}/r`),
    timezone: "UTC",
    ...c.world,
  };
  for (const [owner, contact, group] of c.rosterItems ?? []) {
    (world.rosters as Record<string, Record<string, object>>)[users[owner]]![users[contact]] = { subscription: "none", groups: [group] };
  }
  for (const [a, b] of c.pendingRequests ?? []) {
    (world.pending as Record<string, string[]>)[users[b]]!.push(users[a]);
    // The requester's roster holds the contact, asked (Prosody's roster push).
    (world.rosters as Record<string, Record<string, object>>)[users[a]]![users[b]] ??= { subscription: "none", ask: "subscribe" };
  }
  for (const [a, b] of c.subscriptions ?? []) {
    (world.rosters as Record<string, Record<string, object>>)[users[a]]![users[b]] = { subscription: "to" };
    (world.rosters as Record<string, Record<string, object>>)[users[b]]![users[a]] = { subscription: "from" };
  }
  const sim = new Simulator([pfwSource("case.pfw", read.script, read.diagnostics)], new World(world));
  const out: Observed[] = [];
  // The whole sequence the server saw (initial presence, round trips, test stanzas), at the same
  // times: rate limits and hoisted conditions count every stanza, not only the test steps.
  for (const rec of recorded) {
    const stanza = readTrafficText(rec.xml, "s.xml")[0];
    if (stanza?.kind !== "stanza") continue;
    const r: SimResult = sim.simulate({ stanza: stanza.stanza, time: rec.time, origin: `c2s:${users[rec.from]}/r` });
    const step = rec.step;
    if (step === undefined) continue;
    // A presence without `to` reaches the recipient as the copy Prosody broadcasts to it (if it is
    // subscribed), which meets the chains on its own; errors for it go back to the sender too.
    const broadcast = stanza.stanza.name === "presence" && stanza.stanza.attr.to === undefined;
    const copy = broadcast ? r.generated.find((g) => g.stanza.attr.to === users[c.steps[step]!.to]) : undefined;
    const reached = broadcast ? (r.verdict === "pass" && copy !== undefined ? copy.result : undefined) : r;
    // Passed by the firewall and handed to the recipient's deliver handlers: a presence Prosody's
    // mod_presence drops before deliver passes the firewall but reaches no one.
    const delivered = reached !== undefined && reached.verdict === "pass" && reached.chains.some((c) => c.chain === "deliver");
    const emitted = [...r.emitted, ...r.generated.flatMap((g) => g.result.emitted)];
    const third = r.emitted
      .filter((e) => ["COPY", "REDIRECT", "FORWARD"].includes(e.action) && e.delivered === true)
      .flatMap((e) => readTrafficText(e.xml, "e.xml").flatMap((i) => (i.kind === "stanza" && i.stanza.attr.to?.startsWith(users.carol) ? [thirdParty(i.stanza)] : [])));
    const back = emitted
      .filter((e) => e.action === "BOUNCE" || e.action === "REPLY" || e.action === "DEFAULT" || (e.action === "UNSUBSCRIBE SENDER" && e.delivered))
      .map((e) => {
        if (e.error) return `error ${e.error.condition}`;
        if (e.action === "UNSUBSCRIBE SENDER") return "presence unsubscribed";
        // A REPLY is of the stanza's own kind (util.stanza's reply), seen as the sender sees it.
        const reply = readTrafficText(e.xml, "e.xml")[0];
        return reply?.kind === "stanza" ? backOf(reply.stanza) : "?";
      });
    const deliveredStanza = reached ? readTrafficText(reached.stanza, "d.xml")[0] : undefined;
    out[step] = { delivered, back: back.join(", "), third: third.join(", "), content: delivered && deliveredStanza?.kind === "stanza" ? contentOf(deliveredStanza.stanza) : "" };
  }
  return out;
}

async function real(c: Case, script: string): Promise<{ observed: Observed[]; recorded: Recorded[]; log: string }> {
  const server = await ProsodyServer.start({ hosts: ["a.test", "b.test"], accounts: Object.fromEntries(Object.values(users).map((u) => [u, password])), scripts: [script], ...c.server });
  const clients = new Map<User, XmppClient>();
  try {
    for (const u of Object.keys(users) as User[]) {
      const [user, host] = users[u].split("@") as [string, string];
      clients.set(u, await XmppClient.login(server.port, user, host, password, "r"));
    }
    for (const [a, b] of c.subscriptions ?? []) {
      const ca = clients.get(a)!;
      const cb = clients.get(b)!;
      // Neither client has asked for its roster or sent presence, so the server pushes them nothing:
      // a round trip on each stream shows the request, then the approval, was handled.
      ca.write(`<presence to='${users[b]}' type='subscribe'/>`);
      await ca.iq(syncIq(`s${a}${b}`), `syncs${a}${b}`);
      cb.write(`<presence to='${users[a]}' type='subscribed'/>`);
      await cb.iq(syncIq(`a${a}${b}`), `synca${a}${b}`);
    }
    for (const [owner, contact, group] of c.rosterItems ?? []) {
      await clients.get(owner)!.iq(`<iq type='set' id='roster-${contact}'><query xmlns='jabber:iq:roster'><item jid='${users[contact]}'><group>${group}</group></item></query></iq>`, `roster-${contact}`);
    }
    for (const [a, b] of c.pendingRequests ?? []) {
      // \`b\` is not available yet, so nothing reaches it: a round trip on \`a\`'s stream shows the request was handled.
      clients.get(a)!.write(`<presence to='${users[b]}' type='subscribe'/>`);
      await clients.get(a)!.iq(syncIq(`p${a}${b}`), `syncp${a}${b}`);
    }
    for (const cl of clients.values()) cl.write("<presence/>");
    // Each client's initial presence handled (a round trip on its stream) before the first step: a
    // message to the bare JID of a client not yet available is refused, whatever the firewall says.
    await Promise.all([...clients].map(([u, cl]) => cl.iq(syncIq(`i${u}`), `synci${u}`)));
    // What the server sends of the presences (broadcasts, probe answers) has been sent by then too.
    await new Promise((r) => setTimeout(r, 200));
    const out: Observed[] = [];
    const steps: { marker: string; step: number }[] = [];
    let n = 0;
    for (const [index, step] of c.steps.entries()) {
      const sender = clients.get(step.from)!;
      const recipient = clients.get(step.to)!;
      const xml = stanzaXml(step, false);
      const first = readTrafficText(xml, "s.xml")[0];
      const sent = first?.kind === "stanza" ? first.stanza : undefined;
      const marker = `m${n++}`;
      const tagged = xml.replace(/^<(\w+)(?=[ >/])/, `<$1 xml:lang='${marker}'`);
      const arrived = recipient.waitFor((s) => s.attr["xml:lang"] === marker && s.name === sent?.name, 1500);
      const replies: string[] = [];
      const before = sender.received.length;
      const carol = clients.get("carol")!;
      const carolBefore = carol.received.length;
      steps.push({ marker, step: index });
      sender.write(tagged);
      // A round trip on the sender's own stream: everything the server did for the stanza happened before the answer.
      await sender.iq(syncIq(marker), `sync${marker}`);
      const got = await Promise.race([arrived, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
      for (const s of sender.received.slice(before)) if ((s.name === "message" || s.name === "presence" || s.name === "iq") && (s.attr.type === "error" || s.getChildText("body") !== undefined || s.attr.type === "unsubscribed") && !s.attr.id?.startsWith("sync")) replies.push(backOf(s));
      const carolInvolved = step.to === "carol" || step.from === "carol";
      // Copies for carol were written to her stream before the sender's answer; a round trip on her
      // stream makes sure this process has read them, however slow the machine.
      if (!carolInvolved) await carol.iq(syncIq(`c${marker}`), `syncc${marker}`);
      const third = carolInvolved ? [] : carol.received.slice(carolBefore).filter((x) => x.name === "message").map(thirdParty);
      out.push({ delivered: got !== undefined, back: replies.join(", "), third: third.join(", "), content: contentOf(got) });
    }
    const recorded: Recorded[] = [...clients].flatMap(([from, cl]) =>
      cl.sent.map((s) => {
        // The marker, not the time: a loaded machine can take longer than any tolerance between the two.
        const step = steps.find((x) => s.xml.includes(`xml:lang='${x.marker}'`));
        return { from, time: s.time, xml: s.xml, ...(step ? { step: step.step } : {}) };
      }),
    );
    recorded.sort((a, b) => a.time - b.time);
    return { observed: out, recorded, log: server.log() };
  } finally {
    for (const cl of clients.values()) cl.close();
    server.stop();
    await server.exited();
  }
}


/** Runs a case through a real Prosody and the simulator: the steps on which they disagree, described. */
export async function compareCase(c: Case): Promise<{ disagreements: string[]; log: string }> {
  const script = c.sfw ? compileSfw(c.script, "case.sfw").output?.text : c.script;
  if (!script) return { disagreements: [`${c.name}: the rule set does not compile`], log: "" };
  const { observed: prosody, recorded, log } = await real(c, script);
  const sim = simulated(c, script, recorded);
  const disagreements: string[] = [];
  c.steps.forEach((step, i) => {
    const strip = (o: Observed): Observed => ({ ...o, ...(step.ignoreBack ? { back: "" } : {}), ...(step.ignoreDelivery ? { delivered: false, content: "" } : {}) });
    const p = prosody[i];
    const m = sim[i];
    if (!p || !m) {
      disagreements.push(`${c.name}, step ${i + 1}: ${p ? "the simulator did not see the stanza the client sent" : "the client did not send the stanza"}`);
      return;
    }
    const a = describe(strip(p));
    const b = describe(strip(m));
    if (a !== b) disagreements.push(`${c.name}, step ${i + 1} ${users[step.from]} → ${stanzaXml(step, false)}:\n    Prosody:   ${a}\n    simulator: ${b}`);
  });
  return { disagreements, log };
}
