import { statSync } from "node:fs";
import { resolve } from "node:path";
import { readCaptureBatches, type CaptureFormat } from "../capture/read-capture.js";
import { WorldInference } from "../capture/infer-world.js";
import type { LogCheck } from "../capture/log-check.js";
import { readTrafficText, type TrafficItem } from "../sim/traffic.js";
import { World } from "../sim/world.js";
import { displayPath } from "./files.js";
import { UsageError, type CliIo } from "./io.js";
import { Progress } from "./progress.js";

/** Traffic from files (XML, JSON lines or Prosody logs; gzip or not) or standard input, in batches. */
export async function* trafficBatches(io: CliIo, files: readonly string[], format?: CaptureFormat, progress?: Progress, logCheck?: LogCheck): AsyncGenerator<TrafficItem[]> {
  if (files.length === 0) {
    if (!io.readStdin) throw new UsageError("no --traffic file given and no standard input available");
    yield readTrafficText(await io.readStdin(), "<stdin>");
    return;
  }
  checkReadable(io, files);
  for (const f of files) yield* readCaptureBatches(resolve(io.cwd, f), displayPath(io.cwd, f), { ...(format ? { format } : {}), ...(progress ? { onBytes: (n: number) => progress.bytes(n) } : {}), ...(logCheck ? { onSend: (o) => logCheck.sent(o) } : {}) });
}

/** Every file is there before any work starts: a typo is a usage error, not a half-done run. */
function checkReadable(io: CliIo, files: readonly string[]): void {
  for (const f of files) {
    try {
      statSync(resolve(io.cwd, f));
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
}

/**
 * The world for a replay of captures: what the captures say about hosts, accounts and
 * subscriptions (a first pass over them), under what a `--world` file says. Without capture files
 * (standard input) or with a world file and no request to show it, the given world as it is.
 */
export async function worldForCaptures(io: CliIo, given: World, hasWorldFile: boolean, files: readonly string[], format: CaptureFormat | undefined, show: boolean): Promise<World> {
  let world = given;
  if (files.length > 0 && (!hasWorldFile || show)) {
    const inference = new WorldInference();
    for await (const batch of trafficBatches(io, files, format)) for (const item of batch) inference.add(item);
    world = new World(inference.merge(given.data));
  }
  if (show) io.stderr(`world in use (a --world file overrides what is inferred from the traffic):\n${JSON.stringify(world.data, null, 2)}\n`);
  return world;
}

/** A progress line for a run over capture files, when stderr is a terminal. */
export function progressFor(io: CliIo, files: readonly string[]): Progress | undefined {
  return io.stderrIsTty && files.length > 0 ? new Progress(io, files.reduce((a, f) => a + statSync(resolve(io.cwd, f)).size, 0)) : undefined;
}
