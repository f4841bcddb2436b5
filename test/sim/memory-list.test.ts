import test from "ava";
import fc from "fast-check";
import { FirewallList } from "../../src/sim/definitions.js";
import { Assumptions } from "../../src/sim/world.js";

/** util.cache as mod_firewall's limited memory lists use it: adding bumps, the oldest is forgotten. */
class Model {
  private items: string[] = [];
  constructor(private readonly limit: number) {}
  add(v: string): void {
    const i = this.items.indexOf(v);
    if (i >= 0) this.items.splice(i, 1);
    else if (this.items.length >= this.limit) this.items.shift();
    this.items.push(v);
  }
  contains(v: string): boolean {
    return this.items.includes(v);
  }
}

test("a limited memory list keeps the most recently added items, through its compactions", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 6000 }), (limit, ops) => {
      const list = new FirewallList("l", "memory", limit, undefined, undefined, undefined, undefined);
      const model = new Model(limit);
      for (const [add, n] of ops) {
        const v = `k${n}`;
        if (add) {
          list.add(v);
          model.add(v);
        } else if (list.contains(v, new Assumptions()) !== model.contains(v)) return false;
      }
      return Array.from({ length: 13 }, (_, n) => `k${n}`).every((v) => list.contains(v, new Assumptions()) === model.contains(v));
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test("an unlimited memory list forgets nothing", (t) => {
  const list = new FirewallList("l", "memory", undefined, ["given"], undefined, undefined, undefined);
  for (let i = 0; i < 5000; i++) list.add(`k${i}`);
  t.true(list.contains("given", new Assumptions()));
  t.true(list.contains("k0", new Assumptions()));
  t.true(list.contains("k4999", new Assumptions()));
});
