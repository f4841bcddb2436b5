import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "../../src/capture/read-capture.js";
import type { TrafficItem } from "../../src/sim/traffic.js";

/** An XML capture read from a file (`c.xml`) as `sim --traffic` reads it: a line at a time, stanza lines by the fast path. */
export async function readXmlLineByLine(text: string): Promise<TrafficItem[]> {
  const path = join(mkdtempSync(join(tmpdir(), "stanzafw-xml-")), "c.xml");
  writeFileSync(path, text);
  const out: TrafficItem[] = [];
  for await (const i of readCapture(path, "c.xml", { format: "xml" })) out.push(i);
  return out;
}
