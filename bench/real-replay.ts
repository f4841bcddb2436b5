import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { compileSfw } from "../src/pipeline.js";
import { ProsodyServer } from "../test/helpers/prosody-server.js";
import { XmppClient } from "../test/helpers/xmpp-client.js";

/**
 * The same kind of traffic replayed into a real Prosody with the compiled rules/public-server.sfw
 * (the integration harness: loopback, real clients): stanzas per second from the first sent to the
 * last delivered. What a simulator is measured against.
 */
export async function realReplayRate(count = 3000): Promise<number> {
  const text = readFileSync(fileURLToPath(new URL("../../rules/public-server.sfw", import.meta.url)), "utf8");
  // Rate-limit rules are left out: a burst from one account would be bounced, not delivered.
  const script = compileSfw(text, "rules/public-server.sfw")
    .output!.text.split("\n\n")
    .filter((block) => !block.includes("LIMIT:"))
    .join("\n\n")
    .replace(/example\.org/g, "a.test");
  const server = await ProsodyServer.start({ hosts: ["a.test", "b.test"], accounts: { "alice@a.test": "pw", "bob@b.test": "pw" }, scripts: [script] });
  try {
    const alice = await XmppClient.login(server.port, "alice", "a.test", "pw", "r");
    const bob = await XmppClient.login(server.port, "bob", "b.test", "pw", "r");
    bob.write("<presence/>");
    alice.write("<presence/>");
    await new Promise((r) => setTimeout(r, 300));
    const last = bob.waitFor((s) => s.attr.id === `m${count - 1}`, 120_000);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) alice.write(`<message to='bob@b.test' type='chat' id='m${i}'><body>hello ${i}</body></message>`);
    await last;
    const rate = count / ((performance.now() - t0) / 1000);
    alice.close();
    bob.close();
    return rate;
  } finally {
    server.stop();
    await server.exited();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rate = await realReplayRate(Number(process.argv[2] ?? 3000));
  process.stdout.write(`real Prosody replay (c2s → deliver, loopback): ${Math.round(rate)} stanzas/s\n`);
}
