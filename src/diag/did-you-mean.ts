/**
 * Edit distance counting a swap of two adjacent characters as one edit (optimal string
 * alignment), since `dorp` for `drop` is the commonest typo. Bounded: anything above `limit`
 * comes back as `limit + 1`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
    }
    prev2 = prev;
    prev = cur;
  }
  const d = prev[b.length]!;
  return d > limit ? limit + 1 : d;
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo
 * (case-insensitive; at most a third of the word's length in edits, minimum 1), or else a
 * candidate that the word starts with (`warning` → `warn`, `friday` → `fri`).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let longestPrefix: string | undefined;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc, limit);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
    if (lc.length >= 3 && w.startsWith(lc) && (!longestPrefix || lc.length > longestPrefix.length)) longestPrefix = c;
  }
  return bestDistance <= limit ? best : longestPrefix;
}
