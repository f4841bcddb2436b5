import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "../../src/capture/read-capture.js";
import { TrafficReader, type TrafficItem } from "../../src/sim/traffic.js";

/** An XML capture read from a file (`c.xml`) as `sim --traffic` reads it: a line at a time, stanza lines by the fast path. */
export async function readXmlLineByLine(text: string): Promise<TrafficItem[]> {
  const path = join(mkdtempSync(join(tmpdir(), "stanzafw-xml-")), "c.xml");
  writeFileSync(path, text);
  const out: TrafficItem[] = [];
  for await (const i of readCapture(path, "c.xml", { format: "xml" })) out.push(i);
  return out;
}

/** A capture fed to one reader in pieces cut at the given offsets (a file's chunks end anywhere, in the middle of a line's start tag too). */
export function inPieces(text: string, cuts: readonly number[]): TrafficItem[] {
  const reader = new TrafficReader("c.xml");
  const out: TrafficItem[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...reader.write(text.slice(from, cut)));
    from = cut;
  }
  out.push(...reader.write(text.slice(from)), ...reader.end());
  return out;
}
