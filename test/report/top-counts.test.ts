import test from "ava";
import { TopCounts } from "../../src/report/top-counts.js";

test("exact while the keys fit; ties by key", (t) => {
  const c = new TopCounts(10);
  for (const k of ["b", "a", "b", "c", "a", "b"]) c.add(k);
  t.deepEqual(c.top(5), [["b", 3], ["a", 2], ["c", 1]]);
  t.false(c.approximate);
});

test("memory stays bounded with a million different keys, and a sender that stands out stays on top", (t) => {
  const c = new TopCounts(100);
  for (let i = 0; i < 1_000_000; i++) {
    c.add(`spammer${i}@x.example`);
    if (i % 10 === 0) c.add("flood@bad.example");
    if (i % 50 === 0) c.add("second@bad.example");
  }
  t.true(c.size <= 200);
  t.true(c.approximate);
  const top = c.top(2);
  t.deepEqual(top.map(([k]) => k), ["flood@bad.example", "second@bad.example"]);
  t.is(top[0]![1], 100_000);
});
