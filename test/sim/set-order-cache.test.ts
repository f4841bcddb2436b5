import test from "ava";
import fc from "fast-check";
import { SetOrderCache } from "../../src/sim/set-order-cache.js";

/** The order util.cache keeps, as a plain array: oldest first, setting a key moves it to the end. */
class Model {
  entries: [string, number][] = [];
  set(k: string, v: number): void {
    const i = this.entries.findIndex(([key]) => key === k);
    if (i >= 0) this.entries.splice(i, 1);
    this.entries.push([k, v]);
  }
  deleteOldest(): void {
    this.entries.shift();
  }
}

type Op = { kind: "set"; key: number; value: number } | { kind: "deleteOldest" } | { kind: "get"; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("deleteOldest" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 40 }) }) },
);

test("keeps util.cache's order of setting, values and size, through its compactions", (t) => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 5000 }), (ops) => {
      const cache = new SetOrderCache<number>();
      const model = new Model();
      for (const o of ops) {
        if (o.kind === "set") {
          cache.set(`k${o.key}`, o.value);
          model.set(`k${o.key}`, o.value);
        } else if (o.kind === "deleteOldest") {
          cache.deleteOldest();
          model.deleteOldest();
        } else if (cache.get(`k${o.key}`) !== model.entries.find(([k]) => k === `k${o.key}`)?.[1]) return false;
        const oldest = cache.oldest();
        const expected = model.entries[0];
        if (cache.size !== model.entries.length || oldest?.key !== expected?.[0] || oldest?.value !== expected?.[1]) return false;
      }
      return true;
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test("an empty cache has no oldest entry and deleting from it is harmless", (t) => {
  const cache = new SetOrderCache<number>();
  cache.deleteOldest();
  t.is(cache.oldest(), undefined);
  cache.set("a", 1);
  cache.set("a", 2);
  cache.deleteOldest();
  t.is(cache.size, 0);
  t.is(cache.oldest(), undefined);
});
