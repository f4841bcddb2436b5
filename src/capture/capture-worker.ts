import { parentPort, workerData } from "node:worker_threads";
import { encodeBatch } from "./batch-codec.js";
import { HeapGuard } from "./heap-guard.js";
import type { SendLine } from "./prosody-log.js";
import { readCaptureBatches, type CaptureOptions } from "./read-capture.js";
import type { WorkerRequest, WorkerMessage } from "./read-in-worker.js";

/**
 * The thread that reads a capture for {@link readCaptureInWorker}: reading, decoding and parsing
 * run here, beside the simulation. It stays at most a few batches ahead of the simulation (each
 * batch taken is acknowledged), so memory stays flat however fast it reads.
 */
const request = workerData as WorkerRequest;
const port = parentPort!;
const aheadAtMost = 8;
let credits = aheadAtMost;
let wake: (() => void) | undefined;
port.on("message", () => {
  credits++;
  wake?.();
  wake = undefined;
});

const post = (m: WorkerMessage) => port.postMessage(m);
const sends: SendLine[] = [];
let bytes = 0;
const options: CaptureOptions = {
  ...request.options,
  ...(request.wantSends ? { onSend: (s: SendLine) => void sends.push(s) } : {}),
  onBytes: (n: number) => void (bytes += n),
};
// This thread allocates as fast as the simulation does: its heap is kept near its live size too.
const heap = new HeapGuard(16 * 2 ** 20);
try {
  for await (const batch of readCaptureBatches(request.path, request.file, options)) {
    post({ type: "batch", batch: encodeBatch(batch, sends), bytes });
    sends.length = 0;
    bytes = 0;
    heap.check();
    if (--credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
  }
  post({ type: "end", batch: encodeBatch([], sends), bytes });
} catch (e) {
  const error = e as NodeJS.ErrnoException;
  post({ type: "error", message: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
}
port.close();
