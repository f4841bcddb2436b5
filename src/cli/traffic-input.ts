import { closeSync, openSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { readCaptureBatches, readCaptureStream, type CaptureFormat, type CaptureOptions } from "../capture/read-capture.js";
import { withGivenWorld, WorldInference } from "../capture/infer-world.js";
import { inferWorldInWorker, readCaptureInWorker } from "../capture/read-in-worker.js";
import type { LogCheck } from "../capture/log-check.js";
import { LogSessions } from "../capture/prosody-log.js";
import type { TrafficItem } from "../sim/traffic.js";
import { World, type WorldData } from "../sim/world.js";
import { displayPath, whyUnreadable } from "./files.js";
import { UsageError, type CliIo } from "./io.js";
import { Progress } from "./progress.js";

/** Captures from this size on are read on a thread of their own. */
const workerThreshold = 1 << 20;

/** Traffic from files (XML, JSON lines or Prosody logs; gzip or not) or standard input, in batches. */
export async function* trafficBatches(io: CliIo, files: readonly string[], format?: CaptureFormat, progress?: Progress, logCheck?: LogCheck, onRoster?: CaptureOptions["onRoster"]): AsyncGenerator<TrafficItem[]> {
  const options = { ...(format ? { format } : {}), ...(logCheck ? { onSend: logCheck.sent.bind(logCheck) } : {}), ...(onRoster ? { onRoster } : {}) };
  if (files.length === 0) {
    // Standard input: any format, streamed like a file (`zcat day.log.gz | stanzafw sim …`).
    if (!io.stdin) throw new UsageError("no --traffic file given and no standard input available");
    yield* readCaptureStream(io.stdin(), "<stdin>", options);
    return;
  }
  checkReadable(io, files);
  // Client sessions go on from one file to the next (a rotated log).
  const sessions = new LogSessions();
  for (const f of files) {
    const path = resolve(io.cwd, f);
    // A large capture is read on a second thread, beside the simulation; a small one is not worth starting a thread for.
    const read = statSync(path).size >= workerThreshold ? readCaptureInWorker : readCaptureBatches;
    yield* read(path, displayPath(io.cwd, f), { ...options, sessions, ...(progress ? { onBytes: (n: number) => progress.bytes(n) } : {}) });
  }
}

/** Every file is there before any work starts: a typo is a usage error, not a half-done run. */
function checkReadable(io: CliIo, files: readonly string[]): void {
  for (const f of files) {
    try {
      const path = resolve(io.cwd, f);
      if (statSync(path).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      closeSync(openSync(path, "r"));
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${whyUnreadable(e)}`);
    }
  }
}

/** The keys of the world a capture can tell. */
const inferableKeys = ["hosts", "accounts", "rosters"] as const;

/**
 * The world for a replay of captures: what the captures say about hosts, accounts and
 * subscriptions (a first pass over them), under what a `--world` file says, key by key.
 * No pass when there is nothing to infer: standard input, or a world file that gives every key.
 */
export async function worldForCaptures(io: CliIo, given: World, files: readonly string[], format: CaptureFormat | undefined, show: boolean): Promise<World> {
  let world = given;
  if (files.length > 0 && inferableKeys.some((k) => given.data[k] === undefined)) {
    world = new World(withGivenWorld(await inferWorld(io, files, format), given.data));
  }
  if (show) io.stderr(`world in use (a --world file overrides what is inferred from the traffic):\n${JSON.stringify(world.data, null, 2)}\n`);
  return world;
}

/** The first pass: large captures on a thread of their own, where their stanzas stay. */
async function inferWorld(io: CliIo, files: readonly string[], format: CaptureFormat | undefined): Promise<WorldData> {
  checkReadable(io, files);
  const paths = files.map((f) => ({ path: resolve(io.cwd, f), file: displayPath(io.cwd, f) }));
  const size = totalSize(io, files);
  const progress = io.stderrIsTty ? new Progress(io, size, "first pass, inferring the world: ") : undefined;
  try {
    if (size >= workerThreshold) {
      return await inferWorldInWorker(paths, format ? { format } : {}, (bytes, stanzas) => {
        progress?.bytes(bytes);
        progress?.stanzas(stanzas);
      });
    }
    const inference = new WorldInference();
    for await (const batch of trafficBatches(io, files, format, progress, undefined, inference.roster)) {
      for (const item of batch) inference.add(item);
      progress?.stanzas(batch.length);
    }
    return inference.inferred();
  } finally {
    progress?.done();
  }
}

/** A progress line for a run over capture files, when stderr is a terminal. */
export function progressFor(io: CliIo, files: readonly string[]): Progress | undefined {
  return io.stderrIsTty && files.length > 0 ? new Progress(io, totalSize(io, files)) : undefined;
}

/** The bytes on disk of capture files (compressed size for .gz: what progress counts). */
function totalSize(io: CliIo, files: readonly string[]): number {
  return files.reduce((a, f) => a + statSync(resolve(io.cwd, f)).size, 0);
}
