/**
 * Lua 5.4 pattern matching, written for this project from the documented semantics of Lua's
 * string library. Patterns are not regular expressions and nothing here is translated to one.
 *
 * Lua works on byte strings, so subject and pattern are encoded to UTF-8 and every position is
 * a byte offset: `.` matches one byte of "é", and positions reported to callers are 1-based
 * byte positions. Character classes follow the C locale (ASCII only).
 *
 * Errors carry Lua 5.4's messages and, as in Lua, are raised only when the matcher reaches the
 * faulty part of the pattern; `patternFault` is the static counterpart that scans it all.
 */

export class LuaPatternError extends Error {
  override name = "LuaPatternError";
}

export type Capture = string | number;

export interface FindResult {
  /** 1-based byte positions, inclusive. */
  readonly start: number;
  readonly end: number;
  readonly captures: Capture[];
}

const ESC = 0x25; // %
const OPEN_SET = 0x5b; // [
const CLOSE_SET = 0x5d; // ]
const CARET = 0x5e; // ^
/** Lua 5.4's MAXCCALLS: how deep the matcher may recurse before "pattern too complex". */
const MAX_CALLS = 200;
/** LUA_MAXCAPTURES. */
export const MAX_CAPTURES = 32;
const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isAlpha = (c: number): boolean => isLower(c) || isUpper(c);
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isCntrl = (c: number): boolean => c < 0x20 || c === 0x7f;
const isGraph = (c: number): boolean => c > 0x20 && c < 0x7f;
const isPunct = (c: number): boolean => isGraph(c) && !isAlnum(c);
const isXdigit = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

const CLASSES: ReadonlyMap<number, (c: number) => boolean> = new Map([
  [0x61, isAlpha], // a
  [0x63, isCntrl], // c
  [0x64, isDigit], // d
  [0x67, isGraph], // g
  [0x6c, isLower], // l
  [0x70, isPunct], // p
  [0x73, isSpace], // s
  [0x75, isUpper], // u
  [0x77, isAlnum], // w
  [0x78, isXdigit], // x
  [0x7a, (c: number) => c === 0], // z: deprecated since 5.2 but still accepted by 5.4
]);

/** Whether byte `c` is in `%cl`; a letter names a class (upper case: its complement), any other byte stands for itself. */
function matchClass(c: number, cl: number): boolean {
  // Only letters reach a class: `cl | 0x20` maps exactly the upper-case letters to lower case.
  const test = CLASSES.get(cl | 0x20);
  if (test === undefined) return cl === c;
  return isUpper(cl) ? !test(c) : test(c);
}

/** Whether byte `c` is a quantifier that may follow a single-character class. */
export function isQuantifier(c: number | undefined): boolean {
  return c === 0x2a || c === 0x2b || c === 0x2d || c === 0x3f; // * + - ?
}

/**
 * Index just past the single-character class starting at `p` (a byte, `%x`, or a set).
 * Throws for a `%` ending the pattern or an unclosed set, like Lua's classEnd.
 */
export function classEnd(pat: Uint8Array, p: number): number {
  const c = pat[p++];
  if (c === ESC) {
    if (p >= pat.length) throw new LuaPatternError("malformed pattern (ends with '%')");
    return p + 1;
  }
  if (c !== OPEN_SET) return p;
  if (pat[p] === CARET) p++;
  // The byte right after `[` (or `[^`) belongs to the set even when it is `]`, hence do-while.
  do {
    if (p >= pat.length) throw new LuaPatternError("malformed pattern (missing ']')");
    const cc = pat[p++];
    if (cc === ESC && p < pat.length) p++;
  } while (pat[p] !== CLOSE_SET);
  return p + 1;
}

/** Byte `c` against the set whose `[` is at `p` and whose `]` is at `ec`. */
function matchSet(pat: Uint8Array, c: number, p: number, ec: number): boolean {
  let inSet = true;
  if (pat[p + 1] === CARET) {
    inSet = false;
    p++;
  }
  while (++p < ec) {
    const cur = pat[p]!;
    if (cur === ESC) {
      p++;
      if (matchClass(c, pat[p]!)) return inSet;
    } else if (pat[p + 1] === 0x2d && p + 2 < ec) {
      // A range: `-` is literal when it is first or last in the set.
      p += 2;
      if (cur <= c && c <= pat[p]!) return inSet;
    } else if (cur === c) return inSet;
  }
  return !inSet;
}

interface CaptureSlot {
  init: number;
  /** Length in bytes, or CAP_UNFINISHED / CAP_POSITION. */
  len: number;
}

/** One matching attempt's state, mirroring the recursive backtracking matcher of Lua. */
class Matcher {
  level = 0;
  private depth = MAX_CALLS;
  private readonly capture: CaptureSlot[] = [];

  constructor(
    readonly src: Uint8Array,
    readonly pat: Uint8Array,
  ) {}

  /** Match the pattern at subject offset `s`; the end offset of the match, or undefined. */
  matchAt(s: number): number | undefined {
    this.level = 0;
    this.depth = MAX_CALLS;
    return this.match(s, 0);
  }

  private match(s: number, p: number): number | undefined {
    if (this.depth-- === 0) throw new LuaPatternError("pattern too complex");
    const result = this.matchIterative(s, p);
    this.depth++;
    return result;
  }

  /** The body of Lua's `match`; tail calls are the `continue`s so only real backtracking recurses. */
  private matchIterative(s: number, p: number): number | undefined {
    const pat = this.pat;
    for (;;) {
      if (p >= pat.length) return s;
      const c = pat[p]!;
      if (c === 0x28) {
        // `(`; `()` is a position capture
        return pat[p + 1] === 0x29 ? this.startCapture(s, p + 2, CAP_POSITION) : this.startCapture(s, p + 1, CAP_UNFINISHED);
      }
      if (c === 0x29) return this.endCapture(s, p + 1);
      // `$` anchors only as the last byte of the pattern; elsewhere it is literal.
      if (c === 0x24 && p + 1 === pat.length) return s === this.src.length ? s : undefined;
      if (c === ESC) {
        const next = pat[p + 1];
        if (next === 0x62) {
          // %bxy
          const e = this.matchBalance(s, p + 2);
          if (e === undefined) return undefined;
          s = e;
          p += 4;
          continue;
        }
        if (next === 0x66) {
          // %f[set]
          const ep = this.frontierEnd(s, p + 2);
          if (ep === undefined) return undefined;
          p = ep;
          continue;
        }
        if (next !== undefined && isDigit(next)) {
          const e = this.matchBackReference(s, next);
          if (e === undefined) return undefined;
          s = e;
          p += 2;
          continue;
        }
      }
      const ep = classEnd(pat, p);
      const quantifier = pat[ep];
      if (!this.singleMatch(s, p, ep)) {
        if (quantifier === 0x2a || quantifier === 0x3f || quantifier === 0x2d) {
          p = ep + 1; // the item may match nothing
          continue;
        }
        return undefined;
      }
      switch (quantifier) {
        case 0x3f: {
          // `?`: prefer consuming the byte, else skip the item
          const res = this.match(s + 1, ep + 1);
          if (res !== undefined) return res;
          p = ep + 1;
          continue;
        }
        case 0x2b: // `+`: one match already done
          return this.maxExpand(s + 1, p, ep);
        case 0x2a:
          return this.maxExpand(s, p, ep);
        case 0x2d:
          return this.minExpand(s, p, ep);
        default:
          s++;
          p = ep;
      }
    }
  }

  private singleMatch(s: number, p: number, ep: number): boolean {
    if (s >= this.src.length) return false;
    const c = this.src[s]!;
    const pc = this.pat[p]!;
    if (pc === 0x2e) return true; // .
    if (pc === ESC) return matchClass(c, this.pat[p + 1]!);
    if (pc === OPEN_SET) return matchSet(this.pat, c, p, ep - 1);
    return pc === c;
  }

  /** Greedy: take as many as possible, then give back one at a time. */
  private maxExpand(s: number, p: number, ep: number): number | undefined {
    let i = 0;
    while (this.singleMatch(s + i, p, ep)) i++;
    for (; i >= 0; i--) {
      const res = this.match(s + i, ep + 1);
      if (res !== undefined) return res;
    }
    return undefined;
  }

  /** Lazy: try the rest of the pattern first, then take one more. */
  private minExpand(s: number, p: number, ep: number): number | undefined {
    for (;;) {
      const res = this.match(s, ep + 1);
      if (res !== undefined) return res;
      if (!this.singleMatch(s, p, ep)) return undefined;
      s++;
    }
  }

  private startCapture(s: number, p: number, what: number): number | undefined {
    if (this.level >= MAX_CAPTURES) throw new LuaPatternError("too many captures");
    this.capture[this.level] = { init: s, len: what };
    this.level++;
    const res = this.match(s, p);
    if (res === undefined) this.level--; // undo on backtrack
    return res;
  }

  private endCapture(s: number, p: number): number | undefined {
    const slot = this.capture[this.captureToClose()]!;
    slot.len = s - slot.init;
    const res = this.match(s, p);
    if (res === undefined) slot.len = CAP_UNFINISHED;
    return res;
  }

  /** The innermost capture still open: `)` closes it. */
  private captureToClose(): number {
    for (let level = this.level - 1; level >= 0; level--) if (this.capture[level]!.len === CAP_UNFINISHED) return level;
    throw new LuaPatternError("invalid pattern capture");
  }

  /** %bxy at `p` (pointing at x): a balanced run from x to its matching y. */
  private matchBalance(s: number, p: number): number | undefined {
    const pat = this.pat;
    if (p >= pat.length - 1) throw new LuaPatternError("malformed pattern (missing arguments to '%b')");
    const src = this.src;
    const open = pat[p]!;
    const close = pat[p + 1]!;
    if (s >= src.length || src[s] !== open) return undefined;
    let depth = 1;
    while (++s < src.length) {
      const c = src[s]!;
      // `close` is tested first so %bxx matches from one x to the next.
      if (c === close) {
        if (--depth === 0) return s + 1;
      } else if (c === open) depth++;
    }
    return undefined;
  }

  /** %f[set] with `p` at what should be `[`: the pattern index after the set when at a frontier. */
  private frontierEnd(s: number, p: number): number | undefined {
    if (this.pat[p] !== OPEN_SET) throw new LuaPatternError("missing '[' after '%f' in pattern");
    const ep = classEnd(this.pat, p);
    // The subject's start and end count as the byte 0, as C's terminating NUL does in Lua.
    const previous = s === 0 ? 0 : this.src[s - 1]!;
    const current = s < this.src.length ? this.src[s]! : 0;
    return !matchSet(this.pat, previous, p, ep - 1) && matchSet(this.pat, current, p, ep - 1) ? ep : undefined;
  }

  /** %1-%9: the same bytes as a closed capture; never matches for a position capture. */
  private matchBackReference(s: number, digit: number): number | undefined {
    const l = digit - 0x31;
    const slot = l >= 0 && l < this.level ? this.capture[l] : undefined;
    if (slot === undefined || slot.len === CAP_UNFINISHED) throw new LuaPatternError(`invalid capture index %${l + 1}`);
    // Lua compares the length as an unsigned size, so a position capture's -2 never fits.
    if (slot.len < 0 || this.src.length - s < slot.len) return undefined;
    for (let i = 0; i < slot.len; i++) if (this.src[slot.init + i] !== this.src[s + i]) return undefined;
    return s + slot.len;
  }

  /** The captures of the match from `s` to `e`; with `wholeIfNone`, the whole match when the pattern has none. */
  captures(s: number, e: number, wholeIfNone: boolean): Capture[] {
    if (this.level === 0) return wholeIfNone ? [decode(this.src.subarray(s, e))] : [];
    const out: Capture[] = [];
    for (let i = 0; i < this.level; i++) {
      const { init, len } = this.capture[i]!;
      if (len === CAP_UNFINISHED) throw new LuaPatternError("unfinished capture");
      out.push(len === CAP_POSITION ? init + 1 : decode(this.src.subarray(init, init + len)));
    }
    return out;
  }
}

const encoder = new TextEncoder();

function encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Where `find` and `match` encode their subject: a new array for each call cost more than the
 * match (a rule matching every message body). Neither keeps the bytes past its return, nor runs
 * anything that could call them again meanwhile; `gmatch`, a generator, encodes its own.
 */
let scratch = new Uint8Array(1 << 12);

function encodeInScratch(s: string): Uint8Array {
  // UTF-16 to UTF-8: at most 3 bytes per code unit.
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(s.length * 3, scratch.length * 2));
  return scratch.subarray(0, encoder.encodeInto(s, scratch).written);
}

/** Patterns come from scripts, a handful of them, matched against every stanza: encoded once. */
const encodedPatterns = new Map<string, Uint8Array>();

function encodePattern(pattern: string): Uint8Array {
  let bytes = encodedPatterns.get(pattern);
  if (!bytes) {
    if (encodedPatterns.size >= 1024) encodedPatterns.clear();
    bytes = encoder.encode(pattern);
    encodedPatterns.set(pattern, bytes);
  }
  return bytes;
}

/** Captured bytes back to a string; a capture that splits a multi-byte character gets U+FFFD there. */
function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** Bytes that make `string.find` use the matcher rather than a plain search (Lua's SPECIALS). */
const SPECIALS = new Set([..."^$*+?.([%-"].map((c) => c.charCodeAt(0)));

/** Lua's posrelatI: a 1-based start position from a possibly negative `init`. */
function startPosition(init: number, length: number, fn: string): number {
  if (!Number.isInteger(init)) throw new RangeError(`bad argument #3 to '${fn}' (number has no integer representation)`);
  if (init > 0) return init;
  if (init === 0 || init < -length) return 1;
  return length + init + 1;
}

function plainFind(src: Uint8Array, pat: Uint8Array, from: number): number {
  outer: for (let i = from; i + pat.length <= src.length; i++) {
    for (let j = 0; j < pat.length; j++) if (src[i + j] !== pat[j]) continue outer;
    return i;
  }
  return -1;
}

/** `string.find(subject, pattern, init, plain)`. */
export function find(subject: string, pattern: string, init = 1, plain = false): FindResult | undefined {
  const src = encodeInScratch(subject);
  const pat = encodePattern(pattern);
  const start = startPosition(init, src.length, "find") - 1;
  if (start > src.length) return undefined;
  // Like Lua, a pattern without specials is searched plainly, so its faults (e.g. `a)`) go unnoticed.
  if (plain || !pat.some((c) => SPECIALS.has(c))) {
    const at = plainFind(src, pat, start);
    return at < 0 ? undefined : { start: at + 1, end: at + pat.length, captures: [] };
  }
  return search(src, pat, start, (m, s, e) => ({ start: s + 1, end: e, captures: m.captures(s, e, false) }));
}

/** `string.match(subject, pattern, init)`: the captures, or the whole match. */
export function match(subject: string, pattern: string, init = 1): Capture[] | undefined {
  const src = encodeInScratch(subject);
  const start = startPosition(init, src.length, "match") - 1;
  if (start > src.length) return undefined;
  return search(src, encodePattern(pattern), start, (m, s, e) => m.captures(s, e, true));
}

/** Try each start offset from `start` (only `start` itself when the pattern begins with `^`). */
function search<T>(src: Uint8Array, pat: Uint8Array, start: number, found: (m: Matcher, s: number, e: number) => T): T | undefined {
  const anchored = pat[0] === CARET;
  const m = new Matcher(src, anchored ? pat.subarray(1) : pat);
  for (let s = start; s <= src.length; s++) {
    const e = m.matchAt(s);
    if (e !== undefined) return found(m, s, e);
    if (anchored) break;
  }
  return undefined;
}

/**
 * `string.gmatch(subject, pattern, init)` as in Lua 5.4: `^` is an ordinary byte, and a match
 * ending where the previous one ended is skipped, so an empty match never directly follows a match.
 */
export function* gmatch(subject: string, pattern: string, init = 1): Generator<Capture[]> {
  const src = encode(subject);
  const m = new Matcher(src, encodePattern(pattern));
  let from = startPosition(init, src.length, "gmatch") - 1;
  // Lua 5.4 clips a start beyond the end to just past it, where nothing can match.
  if (from > src.length) from = src.length + 1;
  let lastMatch = -1;
  search: while (from <= src.length) {
    for (let s = from; s <= src.length; s++) {
      const e = m.matchAt(s);
      if (e !== undefined && e !== lastMatch) {
        from = lastMatch = e;
        yield m.captures(s, e, true);
        continue search;
      }
    }
    return;
  }
}

/**
 * Why the pattern is malformed, or undefined. Unlike the matcher, which only notices a fault
 * when it gets there, this scans the whole pattern once, in the order the matcher would read it,
 * so it reports the first fault Lua could ever raise for some subject. Because captures, `%b`,
 * `%f` and back-references are all read left to right, the state at each point of the scan
 * (open and closed captures) is the state the matcher has whenever it reaches that point.
 *
 * Not reported: "pattern too complex", which depends on the subject (how deep backtracking goes).
 */
export function patternFault(pattern: string): string | undefined {
  try {
    scanPattern(encode(pattern));
    return undefined;
  } catch (e) {
    if (e instanceof LuaPatternError) return e.message;
    throw e;
  }
}

function scanPattern(pat: Uint8Array): void {
  let p = pat[0] === CARET ? 1 : 0;
  const open: number[] = []; // levels of the captures still open, innermost last
  const closed = new Set<number>();
  let level = 0;
  while (p < pat.length) {
    const c = pat[p]!;
    if (c === 0x28) {
      if (level >= MAX_CAPTURES) throw new LuaPatternError("too many captures");
      if (pat[p + 1] === 0x29) {
        closed.add(level++);
        p += 2;
      } else {
        open.push(level++);
        p += 1;
      }
      continue;
    }
    if (c === 0x29) {
      const l = open.pop();
      if (l === undefined) throw new LuaPatternError("invalid pattern capture");
      closed.add(l);
      p += 1;
      continue;
    }
    if (c === 0x24 && p + 1 === pat.length) break;
    if (c === ESC) {
      const next = pat[p + 1];
      if (next === 0x62) {
        if (p + 2 >= pat.length - 1) throw new LuaPatternError("malformed pattern (missing arguments to '%b')");
        p += 4;
        continue;
      }
      if (next === 0x66) {
        if (pat[p + 2] !== OPEN_SET) throw new LuaPatternError("missing '[' after '%f' in pattern");
        p = classEnd(pat, p + 2);
        continue;
      }
      if (next !== undefined && isDigit(next)) {
        const l = next - 0x31;
        if (!closed.has(l)) throw new LuaPatternError(`invalid capture index %${l + 1}`);
        p += 2;
        continue;
      }
    }
    const ep = classEnd(pat, p);
    p = isQuantifier(pat[ep]) ? ep + 1 : ep;
  }
  if (open.length > 0) throw new LuaPatternError("unfinished capture");
}
