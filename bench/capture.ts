import { spawnSync } from "node:child_process";
import { closeSync, createWriteStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { attribute, handWrittenDeliver } from "./floor.js";
import { prng, stanza, type Senders } from "./generate-stanzas.js";

/**
 * A capture of `count` stanzas in Prosody's log format (mod_stanza_debug), as remote servers
 * send them: s2sin sessions with RECV lines, some continued on TAB-indented lines, and the log's
 * other lines in between. With `sends`, also the SEND lines a real log holds of the errors the
 * server sends back: one for each stanza the rules bounce and for each iq request they let
 * through (the recipients are offline), as the hand-written deliver chain decides them
 * (bench/floor.ts; its verdicts are the simulator's, so the log check finds no disagreement).
 */
export async function writeProsodyLog(path: string, count: number, seed = 7, servers?: number, sends = false): Promise<number> {
  const deliver = sends ? handWrittenDeliver() : undefined;
  let sent = 0;
  const senders: Senders | undefined = servers !== undefined ? { servers, total: count } : undefined;
  const random = prng(seed);
  const out = createWriteStream(path);
  const start = Date.UTC(2026, 10, 25, 10, 0, 0);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  for (let i = 0; i < count; i++) {
    const t = new Date(start + i * 20); // 50 stanzas a second
    const stamp = `${months[t.getUTCMonth()]} ${t.getUTCDate()} ${String(t.getUTCHours()).padStart(2, "0")}:${String(t.getUTCMinutes()).padStart(2, "0")}:${String(t.getUTCSeconds()).padStart(2, "0")}`;
    const session = `s2sin${(0x55d0a0 + Math.floor(random() * 64)).toString(16)}`;
    let xml = stanza(random, i, senders).replace(/"/g, "'");
    if (random() < 0.05) xml = xml.replace("<body>", "<body>line one\n\tline two ");
    let line = `${stamp} ${session}\tdebug\tRECV: ${xml}\n`;
    if (random() < 0.3) line += `${stamp} ${session}\tdebug\tReceived[s2sin]: <${xml.slice(1, xml.indexOf(" "))}>\n`;
    if (deliver) {
      const verdict = deliver(stamp, xml);
      const name = xml.slice(1, xml.indexOf(" "));
      const type = attribute(xml, "type");
      if (verdict === "bounce" || (verdict === "pass" && name === "iq" && (type === "get" || type === "set"))) {
        const condition = verdict === "bounce" ? "policy-violation" : "service-unavailable";
        const id = attribute(xml, "id");
        sent++;
        line += `${stamp} s2sout${session.slice(5)}\tdebug\tSEND: <${name} type='error' from='${attribute(xml, "to")}' to='${attribute(xml, "from")}'${id !== undefined ? ` id='${id}'` : ""}><error type='cancel'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></${name}>\n`;
      }
    }
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return sent;
}

/** Runs `stanzafw sim` on the capture in a child process: stanzas per second and that process's peak memory. */
export function simOnCapture(path: string, extra: readonly string[] = [], world = fileURLToPath(new URL("../../examples/world.json", import.meta.url))): { seconds: number; stanzas: number; peakRssMb: number; summary: string; disagreements: string } {
  const bin = fileURLToPath(new URL("../../bin/stanzafw.js", import.meta.url));
  const rules = fileURLToPath(new URL("../../rules/public-server.sfw", import.meta.url));
  // The per-stanza output goes to a file (it is as large as the capture); the summary line is read back.
  const outPath = `${path}.out`;
  const out = openSync(outPath, "w");
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, bin, "sim", rules, "--world", world, "--traffic", path, ...extra], { encoding: "utf8", stdio: ["ignore", out, "pipe"] });
  const seconds = (performance.now() - t0) / 1000;
  closeSync(out);
  const size = statSync(outPath).size;
  const tail = Buffer.alloc(Math.min(size, 1 << 16));
  const fd = openSync(outPath, "r");
  readSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  const summary = /(\d+) stanzas?:.*/.exec(tail.toString("utf8"));
  const stanzas = Number(summary?.[1] ?? 0);
  const peakKb = Number(r.stderr.trim().split("\n").pop());
  const disagreements = /the log disagrees with the simulation on \d+ stanzas?/.exec(tail.toString("utf8"));
  return { seconds, stanzas, peakRssMb: peakKb / 1024, summary: summary?.[0] ?? "", disagreements: disagreements?.[0] ?? "" };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), "stanzafw-capture-"));
  const path = join(dir, "capture.log");
  await writeProsodyLog(path, count);
  const r = simOnCapture(path);
  process.stdout.write(`sim on a ${count}-stanza Prosody log (${(readFileSync(path).length / 1e6).toFixed(0)} MB): ${r.stanzas} stanzas in ${r.seconds.toFixed(1)} s = ${Math.round(r.stanzas / r.seconds)} stanzas/s; peak RSS ${r.peakRssMb.toFixed(0)} MB\n`);
  rmSync(dir, { recursive: true, force: true });
}
