import { Worker } from "node:worker_threads";
import type { TrafficItem } from "../sim/traffic.js";
import { decodeBatch, type EncodedBatch } from "./batch-codec.js";
import type { CaptureOptions } from "./read-capture.js";

/** What the reading thread is asked to read. */
export interface WorkerRequest {
  readonly path: string;
  readonly file: string;
  readonly options: Pick<CaptureOptions, "format" | "maxRecordBytes" | "year">;
  readonly wantSends: boolean;
}

export type WorkerMessage =
  | { readonly type: "batch" | "end"; readonly batch: EncodedBatch; readonly bytes: number }
  | { readonly type: "error"; readonly message: string; readonly code?: string };

/**
 * {@link readCaptureBatches} with the reading, decoding and parsing on another thread: the
 * batches are the same, item for item (test/capture/read-in-worker.test.ts), and `onSend` and
 * `onBytes` are called for each batch before it is handed on, as they are when reading in-thread.
 * On a machine with two cores the simulation no longer waits for the parser.
 */
export async function* readCaptureInWorker(path: string, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem[]> {
  const request: WorkerRequest = {
    path,
    file,
    options: { ...(options.format ? { format: options.format } : {}), ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}), ...(options.year !== undefined ? { year: options.year } : {}) },
    wantSends: options.onSend !== undefined,
  };
  // A small young generation: the thread has time to spare, and memory is what a long replay must keep flat.
  const worker = new Worker(new URL("./capture-worker.js", import.meta.url), { workerData: request, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const queue: WorkerMessage[] = [];
  let failure: Error | undefined;
  let notify: (() => void) | undefined;
  const wakeUp = () => {
    notify?.();
    notify = undefined;
  };
  worker.on("message", (m: WorkerMessage) => {
    queue.push(m);
    wakeUp();
  });
  worker.on("error", (e) => {
    failure = e;
    wakeUp();
  });
  worker.on("exit", () => {
    failure ??= queue.length === 0 ? new Error("internal error: the capture reader stopped without finishing") : undefined;
    wakeUp();
  });
  try {
    for (;;) {
      while (queue.length === 0) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (notify = resolve));
      }
      const m = queue.shift()!;
      if (m.type === "error") throw Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {});
      const { items, sends } = decodeBatch(m.batch, file);
      for (const s of sends) options.onSend?.(s);
      if (m.bytes > 0) options.onBytes?.(m.bytes);
      if (m.type === "end") break;
      worker.postMessage(0);
      if (items.length > 0) yield items;
    }
  } finally {
    await worker.terminate();
  }
}
