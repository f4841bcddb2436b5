import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

/**
 * Not the simulator: a yardstick for it. How fast can any Node.js program on this machine get
 * through the benchmark's capture? Two programs, both as bare as they can be:
 *
 * - `read`: the file decoded and split into records, nothing parsed (the cost of reading alone);
 * - `rules`: the deliver chain of rules/public-server.sfw written out by hand for this capture and
 *   the example world (a blocklist of one domain, no rosters, every recipient on example.org):
 *   attributes found with indexOf, no XML well-formedness checked, no trace, no report, no log
 *   check, rate limits with util.throttle's arithmetic. Its verdict totals must equal those of
 *   `stanzafw sim` on the same capture, or it is not doing the same job.
 *
 * A simulator does strictly more (parses and checks every record, runs any rule set, records why),
 * so these rates bound what it can reach here.
 */

export interface FloorResult {
  readonly stanzas: number;
  readonly seconds: number;
  readonly verdicts: { pass: number; drop: number; bounce: number };
}

/** Calls `record(text, start, end)` for each RECV record (continuation lines joined), after decoding. */
function eachRecord(path: string, record: (stamp: string, xml: string) => void): void {
  const fd = openSync(path, "r");
  const buffer = Buffer.allocUnsafe(1 << 16);
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let pendingStamp = "";
  let pending: string | undefined;
  const flush = () => {
    if (pending !== undefined) record(pendingStamp, pending);
    pending = undefined;
  };
  try {
    for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) {
      const text = carry + decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; start = nl + 1, nl = text.indexOf("\n", start)) {
        if (text.charCodeAt(start) === 9) {
          if (pending !== undefined) pending += `\n${text.slice(start + 1, nl)}`;
          continue;
        }
        flush();
        const tab = text.indexOf("\t", text.indexOf("\t", start) + 1);
        if (tab > 0 && tab < nl && text.startsWith("RECV: ", tab + 1)) {
          pendingStamp = text.slice(start, start + 15);
          pending = text.slice(tab + 7, nl);
        }
      }
      carry = text.slice(start);
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

export function readFloor(path: string): FloorResult {
  const t0 = performance.now();
  let stanzas = 0;
  eachRecord(path, (_, xml) => {
    if (xml.charCodeAt(0) === 60) stanzas++;
  });
  return { stanzas, seconds: (performance.now() - t0) / 1000, verdicts: { pass: 0, drop: 0, bounce: 0 } };
}

/** The value of an attribute of the first tag (no entities in this capture). */
export function attribute(xml: string, name: string): string | undefined {
  const gt = xml.indexOf(">");
  let at = xml.indexOf(` ${name}=`);
  if (at < 0 || at > gt) return undefined;
  at += name.length + 2;
  const quote = xml[at]!;
  return xml.slice(at + 1, xml.indexOf(quote, at + 1));
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export type FloorVerdict = "pass" | "drop" | "bounce";

/**
 * The deliver chain of rules/public-server.sfw written out by hand for the benchmark's capture:
 * each call takes the next record (its time stamp and XML) and gives its verdict. Also what the
 * capture writer uses to log the errors the server sends back (bench/capture.ts).
 */
export function handWrittenDeliver(year = 2026): (stamp: string, xml: string) => FloorVerdict {
  const blocked = new Set(["spam.example"]);
  const local = new Set(["example.org"]);
  // %RATE strangers: 0.166666666667 (burst 60): util.throttle(rate × burst, burst) per sending host.
  const max = 0.166666666667 * 60;
  const perSecond = max / 60;
  const throttles = new Map<string, { balance: number; t: number }>();
  const link = /[Hh][Tt][Tt][Pp][Ss]?:\/\/\S+/;
  let lastStamp = "";
  let now = 0;
  return (stamp, xml) => {
    if (stamp !== lastStamp) {
      lastStamp = stamp;
      now = Date.UTC(year, months.indexOf(stamp.slice(0, 3)), Number(stamp.slice(4, 6)), Number(stamp.slice(7, 9)), Number(stamp.slice(10, 12)), Number(stamp.slice(13, 15))) / 1000;
    }
    const name = xml.slice(1, xml.indexOf(" "));
    const from = attribute(xml, "from") ?? "";
    const to = attribute(xml, "to") ?? "";
    const type = attribute(xml, "type");
    const slash = from.indexOf("/");
    const host = from.slice(from.indexOf("@") + 1, slash < 0 ? from.length : slash);
    const toHost = to.slice(to.indexOf("@") + 1, to.indexOf("/") < 0 ? to.length : to.indexOf("/"));
    if (blocked.has(host)) return "bounce";
    if (!local.has(toHost)) return "pass"; // NOT ENTERING: $local
    // SUBSCRIBED?: the example world gives no roster for these recipients (empty).
    let throttle = throttles.get(host);
    if (!throttle) throttles.set(host, (throttle = { balance: max, t: now }));
    if (throttle.balance < 1) {
      const balance = perSecond * (now - throttle.t) + throttle.balance;
      throttle.t = now;
      throttle.balance = balance > max ? max : balance;
    }
    if (throttle.balance < 1) return "bounce";
    throttle.balance -= 1;
    if (name === "presence") {
      const t = type ?? "available";
      if (t !== "subscribe" && t !== "subscribed" && t !== "unsubscribe" && t !== "unsubscribed" && t !== "error") return "drop";
    }
    if (name === "message") {
      if (xml.includes("http://jabber.org/protocol/muc#user") && xml.includes("<invite")) return "drop";
      const t = type ?? "normal";
      const open = xml.indexOf("<body>");
      if ((t === "chat" || t === "normal") && open >= 0 && link.test(xml.slice(open + 6, xml.indexOf("</body>", open)))) return "drop";
    }
    return "pass";
  };
}

export function rulesFloor(path: string, year = 2026): FloorResult {
  const t0 = performance.now();
  const verdicts = { pass: 0, drop: 0, bounce: 0 };
  let stanzas = 0;
  const deliver = handWrittenDeliver(year);
  eachRecord(path, (stamp, xml) => {
    stanzas++;
    verdicts[deliver(stamp, xml)]++;
  });
  return { stanzas, seconds: (performance.now() - t0) / 1000, verdicts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2]!;
  for (const [what, run] of [["read", readFloor], ["rules", rulesFloor]] as const) {
    const r = run(path);
    process.stdout.write(`${what}: ${r.stanzas} stanzas in ${r.seconds.toFixed(2)} s = ${Math.round(r.stanzas / r.seconds)} stanzas/s ${what === "rules" ? JSON.stringify(r.verdicts) : ""}\n`);
  }
}
