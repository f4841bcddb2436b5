import { find, gmatch, LuaPatternError, match, type Capture, type FindResult } from "./pattern.js";

export { LuaPatternError, type Capture, type FindResult };

/** `string.find` (1-based, inclusive byte positions). Throws LuaPatternError as Lua raises. */
export function luaFind(subject: string, pattern: string, init?: number, plain?: boolean): FindResult | undefined {
  return find(subject, pattern, init, plain);
}

/** `string.match`: the captures, or the whole match when the pattern has none. */
export function luaMatch(subject: string, pattern: string, init?: number): Capture[] | undefined {
  return match(subject, pattern, init);
}

/** `string.gmatch`. */
export function luaGmatch(subject: string, pattern: string): Generator<Capture[]> {
  return gmatch(subject, pattern);
}

/**
 * Why a Lua pattern is malformed, or undefined when it is not. Stricter than Lua, which only
 * notices a fault when matching reaches it (and mod_firewall only tries the empty string): this
 * looks at the whole pattern, so a pattern that would fail on some stanza is caught before
 * deployment. The messages are Lua 5.4's.
 */
export function patternError(pattern: string): string | undefined {
  const pat = new TextEncoder().encode(pattern);
  let p = pat[0] === 0x5e ? 1 : 0;
  const open: number[] = [];
  let captures = 0;
  const closed = new Set<number>();
  const classEnd = (at: number): number => {
    let q = at;
    const c = pat[q++]!;
    if (c === 0x25) {
      if (q >= pat.length) throw new LuaPatternError("malformed pattern (ends with '%')");
      return q + 1;
    }
    if (c === 0x5b) {
      if (pat[q] === 0x5e) q++;
      do {
        if (q >= pat.length) throw new LuaPatternError("malformed pattern (missing ']')");
        const cc = pat[q++];
        if (cc === 0x25 && q < pat.length) q++;
      } while (pat[q] !== 0x5d);
      return q + 1;
    }
    return q;
  };
  try {
    while (p < pat.length) {
      const c = pat[p]!;
      if (c === 0x28) {
        if (++captures > 32) throw new LuaPatternError("too many captures");
        if (pat[p + 1] === 0x29) {
          closed.add(captures - 1);
          p += 2;
        } else {
          open.push(captures - 1);
          p += 1;
        }
        continue;
      }
      if (c === 0x29) {
        const level = open.pop();
        if (level === undefined) throw new LuaPatternError("invalid pattern capture");
        closed.add(level);
        p += 1;
        continue;
      }
      if (c === 0x24 && p + 1 === pat.length) break;
      if (c === 0x25) {
        const next = pat[p + 1];
        if (next === 0x62) {
          if (p + 2 >= pat.length - 1) throw new LuaPatternError("malformed pattern (missing arguments to '%b')");
          p += 4;
          continue;
        }
        if (next === 0x66) {
          if (pat[p + 2] !== 0x5b) throw new LuaPatternError("missing '[' after '%f' in pattern");
          p = classEnd(p + 2);
          continue;
        }
        if (next !== undefined && next >= 0x30 && next <= 0x39) {
          const l = next - 0x31;
          if (l < 0 || !closed.has(l)) throw new LuaPatternError(`invalid capture index %${l + 1}`);
          p += 2;
          continue;
        }
      }
      const ep = classEnd(p);
      p = pat[ep] === 0x2a || pat[ep] === 0x2b || pat[ep] === 0x2d || pat[ep] === 0x3f ? ep + 1 : ep;
    }
    if (open.length > 0) throw new LuaPatternError("unfinished capture");
    return undefined;
  } catch (e) {
    if (e instanceof LuaPatternError) return e.message;
    throw e;
  }
}
