import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { readCaptureBatches } from "../src/capture/read-capture.js";
import { compileSfw } from "../src/pipeline.js";
import type { XmlElement } from "../src/sim/xml.js";
import { ProsodyServer } from "../test/helpers/prosody-server.js";
import { XmppClient } from "../test/helpers/xmpp-client.js";

/**
 * The first `count` stanzas of a capture replayed into a real Prosody (the integration harness:
 * loopback, Debian's packages) running the compiled rules/public-server.sfw, as fast as it takes
 * them: stanzas per second from the first written to the last handled. What a simulator is
 * measured against.
 *
 * The capture's stanzas come from remote servers (s2s sessions); each remote domain is played by
 * an external component (XEP-0114) of that name, which Prosody routes like a remote server's
 * stanzas: into the recipient host's deliver chain. Prosody handles a connection's stanzas in
 * order, so the answer to a final ping on every connection marks the end.
 *
 * One difference with true s2s traffic: a component is a host of the server, so the rule set's
 * `local_senders` rule (not entering the local zone: pass) lets these stanzas through at its
 * second rule, where the simulation of the capture runs most of them into the rate limiter. The
 * real server does less firewall work per stanza here; the ratio is, if anything, in its favour.
 * The server logs at `info` by default, as a production server does; at `debug` (what the tests
 * use, and what a capture in log format needs) it spends a fifth of its time more on logging.
 * The recipients have no accounts: Prosody answers each message with an error, as for a
 * stranger writing to an unknown address.
 */
export async function realReplayRate(capture: string, count = 5000, logLevel: "info" | "debug" = "info"): Promise<{ rate: number; stanzas: number; connections: number; answered: number; serverBusy: number | undefined }> {
  const sample: { domain: string; stanza: XmlElement }[] = [];
  read: for await (const batch of readCaptureBatches(capture, "capture", { year: 2026 })) {
    for (const item of batch) {
      if (item.kind !== "stanza" || !item.annotations.origin?.startsWith("s2s:")) continue;
      sample.push({ domain: item.annotations.origin.slice(4), stanza: item.stanza });
      if (sample.length >= count) break read;
    }
  }
  const text = readFileSync(fileURLToPath(new URL("../../rules/public-server.sfw", import.meta.url)), "utf8");
  const script = compileSfw(text, "rules/public-server.sfw").output!.text;
  const domains = [...new Set(sample.map((s) => s.domain))];
  const server = await ProsodyServer.start({ hosts: ["example.org"], accounts: {}, scripts: [script], components: Object.fromEntries(domains.map((d) => [d, "secret"])), logLevel });
  const connections = new Map<string, XmppClient>();
  try {
    for (const d of domains) connections.set(d, await XmppClient.component(server.componentPort, d, "secret"));
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    for (const { domain, stanza } of sample) connections.get(domain)!.write(stanza.toString());
    await Promise.all(
      [...connections].map(([domain, c]) => {
        const answered = c.waitFor((s) => s.attr.id === `end-${domain}`, 300_000);
        c.write(`<iq type='get' id='end-${domain}' from='${domain}' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>`);
        return answered.then((s) => {
          if (!s) throw new Error(`no answer to the final ping from ${domain}`);
        });
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const rate = sample.length / seconds;
    // How busy the server was: near 1 (a whole core) means the server, not the harness, set the pace.
    const cpu1 = server.cpuSeconds();
    const serverBusy = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / seconds : undefined;
    // What came back: every stanza was handled (errors for the unknown recipients).
    const answered = [...connections.values()].reduce((n, c) => n + c.received.filter((s) => s.attr.type === "error").length, 0);
    return { rate, stanzas: sample.length, connections: connections.size, answered, serverBusy };
  } finally {
    for (const c of connections.values()) c.close();
    server.stop();
    await server.exited();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const level = process.argv[4] === "debug" ? "debug" : "info";
  const r = await realReplayRate(process.argv[2]!, Number(process.argv[3] ?? 5000), level);
  process.stdout.write(`real Prosody (log level ${level}) replay of the first ${r.stanzas} stanzas of ${process.argv[2]} (${r.connections} remote domains as components, loopback): ${Math.round(r.rate)} stanzas/s; ${r.answered} error replies\n`);
}
