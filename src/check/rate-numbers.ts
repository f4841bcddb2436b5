/**
 * Decimal text for mod_firewall's `%RATE name: R (burst B)`, whose bucket holds R×B tokens.
 * mod_firewall reads both numbers with `[%d.]+` (no exponent) and multiplies them as doubles, so
 * the texts are chosen such that the parsed product is never below the intended capacity (a
 * capacity of 4.9999 would let only 4 stanzas through).
 */
export function formatRate(perSecond: number, capacity: number): { rate: string; burst: string } {
  const rate = decimal(perSecond, 12, "nearest");
  const r = Number(rate);
  // The shortest burst text that gives the capacity without growing it noticeably (12000, not 11999.9999976).
  for (let digits = 0; digits <= 9; digits++) {
    const burst = decimal(capacity / r, digits, "up");
    const product = r * Number(burst);
    if (product >= capacity && product < capacity + 1e-6) return { rate, burst };
  }
  let burst = decimal(capacity / r, 9, "up");
  while (r * Number(burst) < capacity) burst = decimal(Number(burst) * (1 + 1e-12) + 1e-9, 9, "up");
  return { rate, burst };
}

/** Fixed-point text with at most `digits` decimals, trailing zeros removed. */
function decimal(x: number, digits: number, mode: "nearest" | "up"): string {
  const scale = 10 ** digits;
  const scaled = mode === "up" ? Math.ceil(x * scale - 1e-6) : Math.round(x * scale);
  const v = Math.max(scaled, 1) / scale;
  return v.toFixed(digits).replace(/\.?0+$/, "");
}
