import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Keeps a long replay near its live size. What a replay keeps is small and bounded (rate limiter
 * caches, windows of recent stanzas), but it allocates fast, and V8 sizes the old generation by
 * the allocation rate: left alone, the heap fills with hundreds of MB of garbage before V8
 * collects it. A full collection whenever the heap passes a threshold keeps memory flat at a cost
 * of a few milliseconds per collection; the threshold follows the live size when that is large
 * (a big world), so collections never run back to back.
 */
export class HeapGuard {
  private threshold: number;
  private readonly collect: (() => void) | undefined;

  constructor(private readonly floor = 64 * 2 ** 20) {
    this.threshold = floor;
    try {
      setFlagsFromString("--expose-gc");
      this.collect = runInNewContext("gc") as () => void;
    } catch {
      this.collect = undefined;
    }
  }

  /** Cheap enough to call for every few hundred stanzas. */
  check(): void {
    if (!this.collect || getHeapStatistics().used_heap_size < this.threshold) return;
    this.collect();
    this.threshold = Math.max(this.floor, 2 * getHeapStatistics().used_heap_size);
  }
}
