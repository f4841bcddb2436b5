/** Words joined for a message: `a`, `a or b`, `a, b and c`. */
export function wordList(items: readonly string[], conjunction: "and" | "or"): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)!}`;
}
