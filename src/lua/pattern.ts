/**
 * Lua 5.4 pattern matching, written for this project from the semantics of Lua's string
 * library: patterns and subjects are byte strings (UTF-8 here), `.` is one byte, classes are
 * those of the C locale. This is not a regular-expression engine and nothing is translated to
 * one. Errors are Lua's messages, raised when the matcher reaches the faulty part, as in Lua.
 */

export class LuaPatternError extends Error {}

const ESC = 0x25; // %
const MAX_CALLS = 200;
const MAX_CAPTURES = 32;
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

/** Whether byte `c` is in class `%cl` (`cl` a letter; any other byte stands for itself). */
function matchClass(c: number, cl: number): boolean {
  let res: boolean;
  switch (cl | 0x20) {
    case 0x61: res = isAlpha(c); break; // a
    case 0x63: res = isCntrl(c); break; // c
    case 0x64: res = isDigit(c); break; // d
    case 0x67: res = isGraph(c); break; // g
    case 0x6c: res = isLower(c); break; // l
    case 0x70: res = isPunct(c); break; // p
    case 0x73: res = isSpace(c); break; // s
    case 0x75: res = isUpper(c); break; // u
    case 0x77: res = isAlnum(c); break; // w
    case 0x78: res = isXdigit(c); break; // x
    default: return cl === c;
  }
  return isUpper(cl) ? !res : res;
}

export type Capture = string | number;

interface CaptureSlot {
  init: number;
  len: number;
}

class MatchState {
  level = 0;
  depth = MAX_CALLS;
  readonly capture: CaptureSlot[] = [];

  constructor(
    readonly src: Uint8Array,
    readonly pat: Uint8Array,
  ) {}

  reset(): void {
    this.level = 0;
    this.depth = MAX_CALLS;
  }

  /** End of the single-character class starting at `p`. */
  classEnd(p: number): number {
    const pat = this.pat;
    const c = pat[p++]!;
    if (c === ESC) {
      if (p >= pat.length) throw new LuaPatternError("malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === 0x5b) {
      if (pat[p] === 0x5e) p++;
      // The first character after `[` (or `[^`) is part of the set even when it is `]`.
      do {
        if (p >= pat.length) throw new LuaPatternError("malformed pattern (missing ']')");
        const cc = pat[p++];
        if (cc === ESC && p < pat.length) p++;
      } while (pat[p] !== 0x5d);
      return p + 1;
    }
    return p;
  }

  /** `c` against the set `[...]` spanning `p` (at `[`) to `ec` (at `]`). */
  matchBracketClass(c: number, p: number, ec: number): boolean {
    const pat = this.pat;
    let sig = true;
    if (pat[p + 1] === 0x5e) {
      sig = false;
      p++;
    }
    while (++p < ec) {
      if (pat[p] === ESC) {
        p++;
        if (matchClass(c, pat[p]!)) return sig;
      } else if (pat[p + 1] === 0x2d && p + 2 < ec) {
        p += 2;
        if (pat[p - 2]! <= c && c <= pat[p]!) return sig;
      } else if (pat[p] === c) return sig;
    }
    return !sig;
  }

  singleMatch(s: number, p: number, ep: number): boolean {
    if (s >= this.src.length) return false;
    const c = this.src[s]!;
    switch (this.pat[p]) {
      case 0x2e:
        return true;
      case ESC:
        return matchClass(c, this.pat[p + 1]!);
      case 0x5b:
        return this.matchBracketClass(c, p, ep - 1);
      default:
        return this.pat[p] === c;
    }
  }

  match(s: number, p: number): number | undefined {
    if (this.depth-- === 0) throw new LuaPatternError("pattern too complex");
    const result = this.doMatch(s, p);
    this.depth++;
    return result;
  }

  private doMatch(sIn: number, pIn: number): number | undefined {
    let s: number | undefined = sIn;
    let p = pIn;
    const pat = this.pat;
    for (;;) {
      if (p >= pat.length) return s;
      switch (pat[p]) {
        case 0x28: // (
          return pat[p + 1] === 0x29 ? this.startCapture(s, p + 2, CAP_POSITION) : this.startCapture(s, p + 1, CAP_UNFINISHED);
        case 0x29: // )
          return this.endCapture(s, p + 1);
        case 0x24: // $
          if (p + 1 === pat.length) return s === this.src.length ? s : undefined;
          break;
        case ESC: {
          const next = pat[p + 1];
          if (next === 0x62) {
            // %bxy
            s = this.matchBalance(s, p + 2);
            if (s === undefined) return undefined;
            p += 4;
            continue;
          }
          if (next === 0x66) {
            // %f[set]
            p += 2;
            if (pat[p] !== 0x5b) throw new LuaPatternError("missing '[' after '%f' in pattern");
            const ep = this.classEnd(p);
            const previous = s === 0 ? 0 : this.src[s - 1]!;
            const current = s < this.src.length ? this.src[s]! : 0;
            if (!this.matchBracketClass(previous, p, ep - 1) && this.matchBracketClass(current, p, ep - 1)) {
              p = ep;
              continue;
            }
            return undefined;
          }
          if (next !== undefined && isDigit(next)) {
            s = this.matchCapture(s, next);
            if (s === undefined) return undefined;
            p += 2;
            continue;
          }
          break;
        }
      }
      // A single-character class, possibly followed by a quantifier.
      const ep = this.classEnd(p);
      const quantifier = pat[ep];
      if (!this.singleMatch(s, p, ep)) {
        if (quantifier === 0x2a || quantifier === 0x3f || quantifier === 0x2d) {
          p = ep + 1;
          continue;
        }
        return undefined;
      }
      switch (quantifier) {
        case 0x3f: {
          // ?
          const res = this.match(s + 1, ep + 1);
          if (res !== undefined) return res;
          p = ep + 1;
          continue;
        }
        case 0x2b: // +
          return this.maxExpand(s + 1, p, ep);
        case 0x2a: // *
          return this.maxExpand(s, p, ep);
        case 0x2d: // -
          return this.minExpand(s, p, ep);
        default:
          s++;
          p = ep;
          continue;
      }
    }
  }

  private maxExpand(s: number, p: number, ep: number): number | undefined {
    let i = 0;
    while (this.singleMatch(s + i, p, ep)) i++;
    for (; i >= 0; i--) {
      const res = this.match(s + i, ep + 1);
      if (res !== undefined) return res;
    }
    return undefined;
  }

  private minExpand(s: number, p: number, ep: number): number | undefined {
    for (;;) {
      const res = this.match(s, ep + 1);
      if (res !== undefined) return res;
      if (this.singleMatch(s, p, ep)) s++;
      else return undefined;
    }
  }

  private startCapture(s: number, p: number, what: number): number | undefined {
    if (this.level >= MAX_CAPTURES) throw new LuaPatternError("too many captures");
    this.capture[this.level] = { init: s, len: what };
    this.level++;
    const res = this.match(s, p);
    if (res === undefined) this.level--;
    return res;
  }

  private endCapture(s: number, p: number): number | undefined {
    const l = this.captureToClose();
    const slot = this.capture[l]!;
    slot.len = s - slot.init;
    const res = this.match(s, p);
    if (res === undefined) slot.len = CAP_UNFINISHED;
    return res;
  }

  private captureToClose(): number {
    for (let level = this.level - 1; level >= 0; level--) if (this.capture[level]!.len === CAP_UNFINISHED) return level;
    throw new LuaPatternError("invalid pattern capture");
  }

  private matchBalance(s: number, p: number): number | undefined {
    if (p >= this.pat.length - 1) throw new LuaPatternError("malformed pattern (missing arguments to '%b')");
    const src = this.src;
    if (s >= src.length || src[s] !== this.pat[p]) return undefined;
    const b = this.pat[p]!;
    const e = this.pat[p + 1]!;
    let cont = 1;
    while (++s < src.length) {
      const c = src[s]!;
      if (c === e) {
        if (--cont === 0) return s + 1;
      } else if (c === b) cont++;
    }
    return undefined;
  }

  private matchCapture(s: number, digit: number): number | undefined {
    const l = digit - 0x31;
    if (l < 0 || l >= this.level || this.capture[l]!.len === CAP_UNFINISHED) throw new LuaPatternError(`invalid capture index %${l + 1}`);
    const { init, len } = this.capture[l]!;
    if (this.src.length - s < len) return undefined;
    for (let i = 0; i < len; i++) if (this.src[init + i] !== this.src[s + i]) return undefined;
    return s + len;
  }

  /** The captures of a match from `s` to `e` (the whole match when the pattern has none). */
  captures(s: number, e: number, wholeIfNone: boolean): Capture[] {
    const n = this.level === 0 && wholeIfNone ? 1 : this.level;
    const out: Capture[] = [];
    for (let i = 0; i < n; i++) {
      if (i >= this.level) out.push(decode(this.src.subarray(s, e)));
      else {
        const { init, len } = this.capture[i]!;
        if (len === CAP_UNFINISHED) throw new LuaPatternError("unfinished capture");
        out.push(len === CAP_POSITION ? init + 1 : decode(this.src.subarray(init, init + len)));
      }
    }
    return out;
  }
}

const encoder = new TextEncoder();

function encode(s: string): Uint8Array {
  return encoder.encode(s);
}

function decode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8");
}

const SPECIALS = new Set([..."^$*+?.([%-"].map((c) => c.charCodeAt(0)));

/** Lua's posrelatI: a 1-based start position from a possibly negative `init`. */
function startIndex(init: number, length: number): number {
  if (init > 0) return init;
  if (init === 0 || init < -length) return 1;
  return length + init + 1;
}

export interface FindResult {
  /** 1-based byte positions, inclusive. */
  readonly start: number;
  readonly end: number;
  readonly captures: Capture[];
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
  const src = encode(subject);
  const pat = encode(pattern);
  const start = startIndex(init, src.length) - 1;
  if (start > src.length) return undefined;
  if (plain || !pat.some((c) => SPECIALS.has(c))) {
    const at = plainFind(src, pat, start);
    return at < 0 ? undefined : { start: at + 1, end: at + pat.length, captures: [] };
  }
  return search(src, pat, start, (ms, s, e) => ({ start: s + 1, end: e, captures: ms.captures(s, e, false) }));
}

/** `string.match(subject, pattern, init)`: the captures, or the whole match. */
export function match(subject: string, pattern: string, init = 1): Capture[] | undefined {
  const src = encode(subject);
  const start = startIndex(init, src.length) - 1;
  if (start > src.length) return undefined;
  return search(src, encode(pattern), start, (ms, s, e) => ms.captures(s, e, true));
}

function search<T>(src: Uint8Array, pat: Uint8Array, start: number, found: (ms: MatchState, s: number, e: number) => T): T | undefined {
  const anchor = pat[0] === 0x5e;
  const ms = new MatchState(src, anchor ? pat.subarray(1) : pat);
  let s = start;
  do {
    ms.reset();
    const e = ms.match(s, 0);
    if (e !== undefined) return found(ms, s, e);
  } while (s++ < src.length && !anchor);
  return undefined;
}

/** `string.gmatch(subject, pattern)` (Lua 5.4: `^` is not an anchor; no empty match right after the previous match). */
export function* gmatch(subject: string, pattern: string): Generator<Capture[]> {
  const src = encode(subject);
  const ms = new MatchState(src, encode(pattern));
  let pos = 0;
  let lastMatch = -1;
  while (pos <= src.length) {
    let advanced = false;
    for (let s = pos; s <= src.length; s++) {
      ms.reset();
      const e = ms.match(s, 0);
      if (e !== undefined && e !== lastMatch) {
        pos = lastMatch = e;
        advanced = true;
        yield ms.captures(s, e, true);
        break;
      }
    }
    if (!advanced) return;
  }
}
