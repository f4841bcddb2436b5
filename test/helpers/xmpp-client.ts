import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from "saxes";
import { XmlElement } from "../../src/sim/xml.js";

/**
 * A small XMPP client for tests against a real Prosody on loopback: plain TCP, SASL PLAIN,
 * resource binding, then stanzas in and out. Written for the harness rather than taken from a
 * library: it needs only what the tests do, and every step is visible here.
 */
export class XmppClient {
  readonly received: XmlElement[] = [];
  /** Every stanza written after resource binding, with the time (seconds), for replaying elsewhere. */
  readonly sent: { readonly time: number; readonly xml: string }[] = [];
  private recording = false;
  private socket!: Socket;
  private parser!: SaxesParser<{ xmlns: true }>;
  private stack: XmlElement[] = [];
  private waiters: { test: (s: XmlElement) => boolean; resolve: (s: XmlElement | undefined) => void; timer: NodeJS.Timeout }[] = [];
  private streamFeatures: XmlElement | undefined;
  private streamId: string | undefined;
  private streamNamespace = "jabber:client";
  jid = "";

  private constructor(
    private readonly port: number,
    private readonly host: string,
  ) {}

  /** Connects and authenticates (SASL PLAIN): the stream after it, before resource binding. */
  private static async authenticated(port: number, user: string, host: string, password: string): Promise<XmppClient> {
    const c = new XmppClient(port, host);
    await c.open();
    await c.waitFeatures();
    c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0${password}`).toString("base64")}</auth>`);
    const auth = await c.waitFor((s) => s.name === "success" || s.name === "failure");
    if (auth?.name !== "success") throw new Error(`SASL PLAIN failed for ${user}@${host}`);
    c.restart();
    await c.waitFeatures();
    return c;
  }

  /** Connects, authenticates, binds `resource` and sends initial presence. */
  static async login(port: number, user: string, host: string, password: string, resource: string): Promise<XmppClient> {
    const c = await XmppClient.authenticated(port, user, host, password);
    c.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
    const bound = await c.waitFor((s) => s.name === "iq" && s.attr.id === "bind1");
    const jid = bound?.getChild("bind", "urn:ietf:params:xml:ns:xmpp-bind")?.getChildText("jid", "urn:ietf:params:xml:ns:xmpp-bind");
    if (!jid) throw new Error(`resource binding failed for ${user}@${host}`);
    c.jid = jid;
    c.recording = true;
    c.write(`<iq type='set' id='sess1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>`);
    await c.waitFor((s) => s.name === "iq" && s.attr.id === "sess1");
    return c;
  }

  /**
   * Connects and authenticates, then resumes a stream-management session (XEP-0198) instead of
   * binding a resource: the stanzas written after it belong to the session `previd` names.
   */
  static async resume(port: number, user: string, host: string, password: string, previd: string): Promise<XmppClient> {
    const c = await XmppClient.authenticated(port, user, host, password);
    const answer = c.waitFor((s) => s.name === "resumed" || s.name === "failed");
    c.write(`<resume xmlns='urn:xmpp:sm:3' h='0' previd='${previd}'/>`);
    if ((await answer)?.name !== "resumed") throw new Error(`stream resumption failed for ${user}@${host}`);
    return c;
  }

  /** Turns on stream management with resumption; its id (for {@link XmppClient.resume}). */
  async enableResumption(): Promise<string> {
    const answer = this.waitFor((s) => s.name === "enabled" || s.name === "failed");
    this.write("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
    const enabled = await answer;
    const id = enabled?.name === "enabled" ? enabled.attr.id : undefined;
    if (!id) throw new Error("stream management with resumption was refused");
    return id;
  }

  /** The connection breaks (no closing of the stream): a resumable session goes into hibernation. */
  drop(): void {
    this.socket.destroy();
  }

  /** Connects as an external component (XEP-0114): the handshake, then stanzas from `domain`. */
  static async component(port: number, domain: string, secret: string): Promise<XmppClient> {
    const c = new XmppClient(port, domain);
    c.streamNamespace = "jabber:component:accept";
    await c.open();
    for (let i = 0; i < 150 && c.streamId === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    if (c.streamId === undefined) throw new Error(`no stream header from the component port for ${domain}`);
    const done = c.waitFor((s) => s.name === "handshake" || s.name === "error");
    c.write(`<handshake>${createHash("sha1").update(c.streamId + secret).digest("hex")}</handshake>`);
    if ((await done)?.name !== "handshake") throw new Error(`component handshake failed for ${domain}`);
    c.jid = domain;
    return c;
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket = connect(this.port, "127.0.0.1", () => {
        this.restart();
        resolve();
      });
      this.socket.on("error", reject);
      this.socket.on("data", (d: Buffer) => this.parser.write(d.toString("utf8")));
    });
  }

  /** A new stream (at the start, and after SASL success). */
  private restart(): void {
    this.parser = new SaxesParser({ xmlns: true });
    this.stack = [];
    this.streamFeatures = undefined;
    this.parser.on("opentag", (tag: SaxesTagNS) => {
      if (tag.local === "stream" && tag.uri === "http://etherx.jabber.org/streams" && this.stack.length === 0) {
        this.streamId = (tag.attributes as Record<string, SaxesAttributeNS>).id?.value;
        this.stack.push(new XmlElement("stream:stream"));
        return;
      }
      const attr: Record<string, string> = {};
      for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
        if (a.prefix === "xmlns" || a.name === "xmlns") continue;
        attr[a.uri === "http://www.w3.org/XML/1998/namespace" ? `xml:${a.local}` : a.local] = a.value;
      }
      if (tag.uri && tag.uri !== this.streamNamespace) attr.xmlns = tag.uri;
      const el = new XmlElement(tag.local ?? tag.name, attr);
      this.stack[this.stack.length - 1]?.children.push(el);
      this.stack.push(el);
    });
    this.parser.on("text", (t) => {
      if (this.stack.length > 1) this.stack[this.stack.length - 1]!.children.push(t);
    });
    this.parser.on("closetag", () => {
      const el = this.stack.pop();
      if (this.stack.length === 1 && el) {
        this.stack[0]!.children.length = 0;
        if (el.name === "features") this.streamFeatures = el;
        this.received.push(el);
        for (const w of [...this.waiters]) {
          if (w.test(el)) {
            clearTimeout(w.timer);
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(el);
          }
        }
      }
    });
    this.parser.on("error", () => undefined);
    this.write(`<?xml version='1.0'?><stream:stream xmlns='${this.streamNamespace}' xmlns:stream='http://etherx.jabber.org/streams' to='${this.host}' version='1.0'>`);
  }

  private async waitFeatures(): Promise<void> {
    if (this.streamFeatures) return;
    await this.waitFor((s) => s.name === "features", 15000);
  }

  write(xml: string): void {
    if (this.recording) this.sent.push({ time: Date.now() / 1000, xml });
    this.socket.write(xml);
  }

  /** The first stanza received from now on that matches, or undefined after the timeout. */
  waitFor(test: (s: XmlElement) => boolean, timeoutMs = 15000): Promise<XmlElement | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push({ test, resolve, timer });
    });
  }

  /** Sends an iq and waits for its answer. */
  async iq(xml: string, id: string): Promise<XmlElement | undefined> {
    const answer = this.waitFor((s) => s.name === "iq" && s.attr.id === id);
    this.write(xml);
    return answer;
  }

  close(): void {
    try {
      this.socket.end("</stream:stream>");
    } catch {
      /* already closed */
    }
    this.socket.destroy();
  }
}
