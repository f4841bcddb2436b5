import { Worker } from "node:worker_threads";
import type { TrafficItem } from "../sim/traffic.js";
import type { WorldData } from "../sim/world.js";
import { BatchDecoder, type EncodedBatch } from "./batch-codec.js";
import type { CaptureOptions } from "./read-capture.js";
import type { LogSessionsData } from "./prosody-log.js";

type ThreadOptions = Pick<CaptureOptions, "format" | "maxRecordBytes" | "year">;

/** What the reading thread is asked to do: read a capture for a simulation… */
export interface ReadRequest {
  readonly kind: "read";
  readonly path: string;
  readonly file: string;
  readonly options: ThreadOptions;
  readonly wantSends: boolean;
  /** The client sessions earlier files of the run left (a Prosody log's); the thread hands them back at the end. */
  readonly sessions?: LogSessionsData;
}

/** …or infer the world from captures. */
export interface InferRequest {
  readonly kind: "infer";
  readonly files: readonly { readonly path: string; readonly file: string }[];
  readonly options: ThreadOptions;
}

export type WorkerRequest = ReadRequest | InferRequest;

export type WorkerMessage =
  | { readonly type: "batch"; readonly batch: EncodedBatch; readonly bytes: number }
  | { readonly type: "end"; readonly batch: EncodedBatch; readonly bytes: number; readonly sessions?: LogSessionsData }
  | { readonly type: "inferred"; readonly world: WorldData }
  | { readonly type: "progress"; readonly bytes: number; readonly stanzas: number }
  | { readonly type: "error"; readonly message: string; readonly code?: string };

function threadOptions(options: CaptureOptions): ThreadOptions {
  return { ...(options.format ? { format: options.format } : {}), ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}), ...(options.year !== undefined ? { year: options.year } : {}) };
}

/** How many batches are taken before the reading thread is told (it reads at most {@link readAhead} ahead). */
export const ackEvery = 4;

/** How many batches the reading thread reads ahead of the simulation at most. */
export const readAhead = 3 * ackEvery;

/** The reading thread, its messages in a queue. */
class ReaderThread {
  private readonly worker: Worker;
  private readonly queue: WorkerMessage[] = [];
  private failure: Error | undefined;
  private notify: (() => void) | undefined;

  constructor(request: WorkerRequest) {
    // The young generation bounds this thread's memory, and its size its time in the collector:
    // measured on the 1M-stanza benchmark log, 8 MB left the reader collecting most of its time (the
    // simulation then waited on it: 11.8 s), 16 MB ran in 7.3 s with 4 MB more at the peak; 32 MB
    // was slower again.
    this.worker = new Worker(new URL("./capture-worker.js", import.meta.url), { workerData: request, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
    const wakeUp = () => {
      this.notify?.();
      this.notify = undefined;
    };
    this.worker.on("message", (m: WorkerMessage) => {
      this.queue.push(m);
      wakeUp();
    });
    this.worker.on("error", (e) => {
      this.failure = e;
      wakeUp();
    });
    this.worker.on("exit", () => {
      this.failure ??= this.queue.length === 0 ? new Error("internal error: the capture reader stopped without finishing") : undefined;
      wakeUp();
    });
  }

  /** The next message; a reading error is thrown as the error it was. */
  async next(): Promise<Exclude<WorkerMessage, { type: "error" }>> {
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.notify = resolve));
    }
    const m = this.queue.shift()!;
    if (m.type === "error") throw Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {});
    return m;
  }

  private untold = 0;

  /**
   * A batch was taken: the thread may read one more. Told every few batches: a message to the
   * thread for each one cost about 3% of a replay.
   */
  taken(): void {
    if (++this.untold < ackEvery) return;
    this.worker.postMessage(this.untold);
    this.untold = 0;
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * {@link readCaptureBatches} with the reading, decoding and parsing on another thread: the
 * batches are the same, item for item (test/capture/read-in-worker.test.ts), and `onSend` and
 * `onBytes` are called for each batch before it is handed on, as they are when reading in-thread.
 * On a machine with two cores the simulation no longer waits for the parser.
 */
export async function* readCaptureInWorker(path: string, file: string, options: CaptureOptions = {}): AsyncGenerator<TrafficItem[]> {
  const thread = new ReaderThread({ kind: "read", path, file, options: threadOptions(options), wantSends: options.onSend !== undefined, ...(options.sessions ? { sessions: options.sessions.data() } : {}) });
  const decoder = new BatchDecoder();
  try {
    for (;;) {
      const m = await thread.next();
      if (m.type === "inferred" || m.type === "progress") throw new Error("internal error: the capture reader answered a read as an inference");
      const { items, sends } = decoder.decode(m.batch, file);
      for (const s of sends) options.onSend?.(s);
      if (m.bytes > 0) options.onBytes?.(m.bytes);
      if (m.type === "end") {
        if (m.sessions) options.sessions?.replaceWith(m.sessions);
        break;
      }
      thread.taken();
      if (items.length > 0) yield items;
    }
  } finally {
    await thread.stop();
  }
}

/**
 * What captures tell of the world ({@link WorldInference}), read on another thread: the stanzas
 * stay there, only the world comes back. The same world as inferring in-thread (tested).
 * `progress` is told of each batch read: bytes, stanzas.
 */
export async function inferWorldInWorker(files: readonly { readonly path: string; readonly file: string }[], options: CaptureOptions = {}, progress?: (bytes: number, stanzas: number) => void): Promise<WorldData> {
  const thread = new ReaderThread({ kind: "infer", files, options: threadOptions(options) });
  try {
    for (;;) {
      const m = await thread.next();
      if (m.type === "progress") progress?.(m.bytes, m.stanzas);
      else if (m.type === "inferred") return m.world;
      else throw new Error("internal error: the capture reader answered an inference with batches");
    }
  } finally {
    await thread.stop();
  }
}
