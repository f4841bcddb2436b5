import { parentPort, workerData } from "node:worker_threads";
import { BatchEncoder } from "./batch-codec.js";
import { HeapGuard } from "./heap-guard.js";
import { WorldInference } from "./infer-world.js";
import type { SentKey } from "./log-check.js";
import { LogSessions } from "./prosody-log.js";
import { readCaptureBatches, type CaptureOptions } from "./read-capture.js";
import { readAhead, type InferRequest, type ReadRequest, type WorkerMessage, type WorkerRequest } from "./read-in-worker.js";

/**
 * The thread that reads captures for {@link readCaptureInWorker} and {@link inferWorldInWorker}:
 * reading, decoding and parsing run here. Reading for a simulation, it stays at most a few batches
 * ahead of it (batches taken are acknowledged, a few at a time), so memory stays flat however fast it reads.
 */
const request = workerData as WorkerRequest;
const port = parentPort!;
// A batch's SEND lines are numbers in a buffer of their own, handed over rather than copied.
const post = (m: WorkerMessage) => port.postMessage(m, m.type === "batch" || m.type === "end" ? [m.batch.sent.buffer as ArrayBuffer] : []);
// This thread allocates as fast as the simulation does: its heap is kept near its live size too.
const heap = new HeapGuard(16 * 2 ** 20);

async function read(r: ReadRequest): Promise<void> {
  let credits = readAhead;
  let wake: (() => void) | undefined;
  port.on("message", (taken: number) => {
    credits += taken;
    wake?.();
    wake = undefined;
  });
  const sends: SentKey[] = [];
  const encoder = new BatchEncoder();
  let bytes = 0;
  const sessions = r.sessions ? LogSessions.from(r.sessions) : undefined;
  const options: CaptureOptions = {
    ...r.options,
    ...(sessions ? { sessions } : {}),
    ...(r.wantSends ? { onSend: (s: SentKey) => void sends.push(s) } : {}),
    onBytes: (n: number) => void (bytes += n),
  };
  for await (const batch of readCaptureBatches(r.path, r.file, options)) {
    post({ type: "batch", batch: encoder.encode(batch, sends), bytes });
    sends.length = 0;
    bytes = 0;
    heap.check();
    if (--credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
  }
  post({ type: "end", batch: encoder.encode([], sends), bytes, ...(sessions ? { sessions: sessions.data() } : {}) });
}

/** The whole pass here: only the world inferred crosses over (and how far the pass is). */
async function infer(r: InferRequest): Promise<void> {
  const inference = new WorldInference();
  const sessions = new LogSessions();
  let bytes = 0;
  for (const f of r.files) {
    for await (const batch of readCaptureBatches(f.path, f.file, { ...r.options, sessions, onRoster: inference.roster, onBytes: (n) => void (bytes += n) })) {
      for (const item of batch) inference.add(item);
      post({ type: "progress", bytes, stanzas: batch.length });
      bytes = 0;
      heap.check();
    }
  }
  post({ type: "inferred", world: inference.inferred() });
}

try {
  await (request.kind === "read" ? read(request) : infer(request));
} catch (e) {
  const error = e as NodeJS.ErrnoException;
  post({ type: "error", message: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
}
port.close();
