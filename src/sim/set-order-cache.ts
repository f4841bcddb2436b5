/**
 * A map that forgets in util.cache's order: the entry set longest ago goes first, and setting a
 * key again makes it the newest (reading it does not). Rate limiters (`%RATE … (entries N)`) and
 * limited memory lists (`%LIST x: memory (limit: N)`) both keep their entries this way.
 *
 * A Map's own insertion order would do, but taking its first key after many deletions costs a
 * scan over the deleted entries (quadratic over a long capture). So the order is a queue of
 * (key, sequence) beside the map: an entry set again leaves a stale pair behind, skipped when
 * the queue is read and dropped when stale pairs outnumber the live ones.
 */
export class SetOrderCache<V> {
  private readonly entries = new Map<string, { value: V; seq: number }>();
  private keys: string[] = [];
  private seqs: number[] = [];
  private head = 0;
  private clock = 0;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Sets the value and makes the key the newest. */
  set(key: string, value: V): void {
    const seq = ++this.clock;
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.seq = seq;
    } else this.entries.set(key, { value, seq });
    this.keys.push(key);
    this.seqs.push(seq);
    if (this.keys.length - this.head > 2 * this.entries.size + 1024) this.compact();
  }

  /** The entry set longest ago. */
  oldest(): { readonly key: string; readonly value: V } | undefined {
    this.skipStale();
    if (this.head >= this.keys.length) return undefined;
    const key = this.keys[this.head]!;
    return { key, value: this.entries.get(key)!.value };
  }

  /** Forgets the entry set longest ago. */
  deleteOldest(): void {
    this.skipStale();
    if (this.head >= this.keys.length) return;
    this.entries.delete(this.keys[this.head]!);
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
  }

  private skipStale(): void {
    while (this.head < this.keys.length && this.entries.get(this.keys[this.head]!)?.seq !== this.seqs[this.head]) this.head++;
  }

  private compact(): void {
    let w = 0;
    for (let r = this.head; r < this.keys.length; r++) {
      const key = this.keys[r]!;
      const seq = this.seqs[r]!;
      if (this.entries.get(key)?.seq !== seq) continue;
      this.keys[w] = key;
      this.seqs[w++] = seq;
    }
    this.keys.length = w;
    this.seqs.length = w;
    this.head = 0;
  }
}
