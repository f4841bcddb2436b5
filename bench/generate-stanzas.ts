import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** A deterministic pseudo-random generator (mulberry32), so benchmark inputs are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bodies = ["hi", "how are you?", "check https://spam.example/offer now", "lunch at noon", "CASINO BONUS http://x.example", "ok", "see you tomorrow"];

/**
 * Where the remote senders are: 50 servers from the start, or `servers` of them joining one after
 * another over the `total` stanzas of a capture (the newest sends a third of the traffic, the
 * rest is spread over those that joined before): a long tail of senders, each one a new rate
 * limiter entry and session, as a busy server sees over a day.
 */
export interface Senders {
  readonly servers: number;
  readonly total: number;
}

/** One realistic stanza (message, presence or iq) between local users and remote senders. */
export function stanza(random: () => number, i: number, senders?: Senders): string {
  const local = `user${Math.floor(random() * 500)}@example.org`;
  // The draws in this order, so that the 50-server capture is the one earlier benchmarks used.
  const spam = random() < 0.05;
  const joined = senders ? 1 + Math.floor((i * senders.servers) / senders.total) : 0;
  const server = spam ? 0 : senders ? (random() < 1 / 3 ? joined - 1 : Math.floor(random() * joined)) : Math.floor(random() * 50);
  const remoteHost = spam ? "spam.example" : `server${server}.example`;
  const remote = `u${Math.floor(random() * 5000)}@${remoteHost}/res`;
  const r = random();
  if (r < 0.6) {
    const type = random() < 0.8 ? "chat" : "normal";
    const body = bodies[Math.floor(random() * bodies.length)]!;
    return `<message from="${remote}" to="${local}" type="${type}" id="m${i}"><body>${body}</body></message>`;
  }
  if (r < 0.85) {
    const type = random() < 0.7 ? "" : ` type="${["subscribe", "unavailable", "subscribed"][Math.floor(random() * 3)]}"`;
    return `<presence from="${remote}" to="${local}"${type}/>`;
  }
  return `<iq from="${remote}" to="${local}" type="get" id="q${i}"><query xmlns="jabber:iq:version"/></iq>`;
}

/** Writes `count` stanzas, one per line, to `path` (streaming, constant memory). */
export async function writeStanzas(path: string, count: number, seed = 42): Promise<void> {
  const random = prng(seed);
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(stanza(random, i) + "\n")) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
