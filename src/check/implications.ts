/**
 * Which condition lines of earlier terminal rules a condition line implies, beyond being the same
 * line: for SFW304, a rule is shadowed when every condition of an earlier terminal rule holds
 * whenever its own conditions do. Only positive lines, and only what mod_firewall's tests make
 * certain:
 *
 * - `KIND: message` implies `KIND: message|presence` (and TYPE likewise);
 * - `INSPECT: body#/=buy now` and `INSPECT: body#=buy now` imply `INSPECT: body#/=buy` (the same
 *   path contains the shorter text) and `INSPECT: body#` (the path yields something);
 * - `FROM: bob@spam.example` and `FROM EXACTLY: bob@spam.example/phone` imply
 *   `FROM: <*>@spam.example` (each part the earlier pattern asks for is there, with the same text
 *   where it gives one); TO likewise.
 *
 * Earlier lines are indexed so that a chain of 10,000 rules is checked in linear time, give or
 * take the few earlier lines that share a path or a host.
 */

const enumTest = /^(KIND|TYPE): ([a-z|]+)$/;

/** `INSPECT: PATH`, `INSPECT: PATH=VALUE` and `INSPECT: PATH/=VALUE` (the first `=` splits, as mod_firewall reads it). */
interface Inspect {
  readonly path: string;
  readonly op: "exists" | "equals" | "contains";
  readonly value: string;
}

function inspectOf(key: string): Inspect | undefined {
  if (!key.startsWith("INSPECT: ")) return undefined;
  const rest = key.slice(9);
  const eq = rest.indexOf("=");
  if (eq < 0) return { path: rest, op: "exists", value: "" };
  let start = eq;
  while (start > 0 && "~/$".includes(rest[start - 1]!)) start--;
  const op = rest.slice(start, eq);
  // Lua patterns and expressions are not compared.
  if (op !== "" && op !== "/") return undefined;
  return { path: rest.slice(0, start), op: op === "" ? "equals" : "contains", value: rest.slice(eq + 1) };
}

/** A FROM/TO pattern whose parts are plain text or `<*>` (globs and Lua patterns are not compared). */
interface JidPattern {
  readonly test: "FROM" | "TO";
  readonly node: string | undefined;
  readonly host: string;
  readonly resource: string | undefined;
}

function jidPatternOf(key: string): JidPattern | undefined {
  const test = key.startsWith("FROM: ") ? "FROM" : key.startsWith("TO: ") ? "TO" : undefined;
  if (!test) return undefined;
  return jidParts(test, key.slice(test.length + 2));
}

/** `FROM EXACTLY: bob@spam.example/phone` (one address, no expressions) as the pattern it always matches. */
function exactJidOf(key: string): JidPattern | undefined {
  const test = key.startsWith("FROM EXACTLY: ") ? "FROM" : key.startsWith("TO EXACTLY: ") ? "TO" : undefined;
  if (!test) return undefined;
  const text = key.slice(test.length + 10);
  const bare = text.split("/")[0]!;
  if (text.includes("$") || bare.indexOf("@") !== bare.lastIndexOf("@") || text.endsWith("/")) return undefined;
  const parts = jidParts(test, text);
  return parts && parts.node !== "<*>" && parts.host !== "<*>" && parts.resource !== "<*>" ? parts : undefined;
}

function jidParts(test: "FROM" | "TO", text: string): JidPattern | undefined {
  const slash = text.indexOf("/");
  const bare = slash < 0 ? text : text.slice(0, slash);
  const at = bare.indexOf("@");
  const node = at < 0 ? undefined : bare.slice(0, at);
  const host = bare.slice(at + 1);
  const resource = slash < 0 ? undefined : text.slice(slash + 1);
  const plainOrAny = (part: string | undefined) => part === undefined || part === "<*>" || (part !== "" && !part.includes("<") && !part.includes(">"));
  if (host === "" || !plainOrAny(node) || !plainOrAny(host) || !plainOrAny(resource)) return undefined;
  return { test, node, host, resource };
}

/**
 * The patterns a stanza matching `later` always matches (§6.1: an absent node must be absent, an
 * absent resource is ignored; `<*>` asks for the part to be there), as condition lines.
 */
function jidLinesImplied(later: JidPattern): string[] {
  const present = (part: string | undefined) => (part === undefined ? [] : part === "<*>" ? ["<*>"] : [part, "<*>"]);
  const hosts = present(later.host);
  const nodes = later.node === undefined ? [undefined] : present(later.node);
  const resources = [undefined, ...present(later.resource)];
  const out: string[] = [];
  for (const host of hosts) for (const node of nodes) for (const resource of resources) out.push(`${later.test}: ${node !== undefined ? `${node}@` : ""}${host}${resource !== undefined ? `/${resource}` : ""}`);
  return out;
}

export class EarlierTests {
  /** KIND/TYPE lines by test, with their alternatives. */
  private readonly alternatives = new Map<string, Map<string, ReadonlySet<string>>>();
  /** INSPECT lines by path: what is tested there. */
  private readonly inspects = new Map<string, { existence?: string; contains: Texts }>();
  private readonly seen = new Set<string>();

  /** A condition line of an earlier terminal rule. */
  add(key: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const m = enumTest.exec(key);
    if (m) {
      const known = this.alternatives.get(m[1]!) ?? new Map<string, ReadonlySet<string>>();
      known.set(key, new Set(m[2]!.split("|")));
      this.alternatives.set(m[1]!, known);
      return;
    }
    const inspect = inspectOf(key);
    if (inspect && inspect.op !== "equals") {
      const at = this.inspects.get(inspect.path) ?? { contains: new Texts() };
      if (inspect.op === "exists") at.existence = key;
      else at.contains.add(inspect.value, key);
      this.inspects.set(inspect.path, at);
      return;
    }
    // FROM/TO lines are found by their text (jidLinesImplied).
  }

  /** The earlier lines (other than itself) that a line implies. */
  impliedBy(key: string): string[] {
    const out: string[] = [];
    const m = enumTest.exec(key);
    if (m) {
      const mine = m[2]!.split("|");
      for (const [k, values] of this.alternatives.get(m[1]!) ?? []) if (k !== key && mine.every((v) => values.has(v))) out.push(k);
      return out;
    }
    const inspect = inspectOf(key);
    if (inspect) {
      const at = this.inspects.get(inspect.path);
      if (!at || inspect.op === "exists") return out;
      // The path yields something: its text equals or contains the value (an empty `contains` holds even where the path yields nothing).
      if (at.existence !== undefined && (inspect.op === "equals" || inspect.value !== "")) out.push(at.existence);
      for (const k of at.contains.within(inspect.value)) if (k !== key) out.push(k);
      return out;
    }
    const jid = jidPatternOf(key) ?? exactJidOf(key);
    if (jid) for (const line of jidLinesImplied(jid)) if (line !== key && this.seen.has(line)) out.push(line);
    return out;
  }
}

/**
 * Texts (with the line each came from), asked which of them a text contains. Either every text is
 * tried, or every piece of the text as long as some of them is looked up: whichever is fewer
 * (rule sets hold thousands of `contains` of a few lengths).
 */
class Texts {
  private readonly byText = new Map<string, string>();
  private readonly byLength = new Map<number, Set<string>>();

  add(text: string, key: string): void {
    if (this.byText.has(text)) return;
    this.byText.set(text, key);
    const same = this.byLength.get(text.length) ?? new Set<string>();
    same.add(text);
    this.byLength.set(text.length, same);
  }

  /** The lines of the texts that `text` contains. */
  within(text: string): string[] {
    const out: string[] = [];
    let pieces = 0;
    for (const length of this.byLength.keys()) if (length <= text.length) pieces += text.length - length + 1;
    if (this.byText.size <= pieces) {
      for (const [t, key] of this.byText) if (text.includes(t)) out.push(key);
      return out;
    }
    for (const [length, texts] of this.byLength) {
      if (length > text.length) continue;
      const found = new Set<string>();
      for (let i = 0; i + length <= text.length; i++) {
        const piece = text.slice(i, i + length);
        if (texts.has(piece) && !found.has(piece)) {
          found.add(piece);
          out.push(this.byText.get(piece)!);
        }
      }
    }
    return out;
  }
}
