/** Choices for the random-script generators of the differential tests. */
export type Random = () => number;

export function pick<T>(random: Random, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)]!;
}

/** A non-empty random subset, in order. */
export function some<T>(random: Random, xs: readonly T[]): T[] {
  const s = xs.filter(() => random() < 0.4);
  return s.length > 0 ? s : [pick(random, xs)];
}

/** `count` rules of a chain: up to two conditions and one or two actions each, an empty line between. */
export function rules(random: Random, count: number, condition: () => string, action: () => string): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const conditions = Array.from({ length: Math.floor(random() * 3) }, condition);
    const actions = Array.from({ length: 1 + Math.floor(random() * 2) }, action);
    out.push([...conditions, ...actions].join("\n"));
  }
  return out.join("\n\n");
}
