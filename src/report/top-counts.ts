/**
 * Counts per key for "top N" tables, in bounded memory: when more than `2 × capacity` keys are
 * held, only the `capacity` largest counts are kept (lossy counting). Exact while there are fewer
 * distinct keys than that; beyond, the leaders stay right in any traffic where they stand out, and
 * `approximate` says so.
 */
export class TopCounts {
  private readonly counts = new Map<string, number>();
  approximate = false;

  constructor(private readonly capacity = 5000) {}

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.counts.size > 2 * this.capacity) this.prune();
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }

  get size(): number {
    return this.counts.size;
  }

  /** The `n` largest counts, ties by key. */
  top(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }

  private prune(): void {
    const keep = this.top(this.capacity);
    this.counts.clear();
    for (const [k, v] of keep) this.counts.set(k, v);
    this.approximate = true;
  }
}
