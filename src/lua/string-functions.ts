/**
 * The Lua string functions the rest of the project uses, over the pattern engine in
 * pattern.ts. Positions are 1-based byte positions of the UTF-8 subject, as in Lua.
 */
import { find, gmatch, LuaPatternError, match, patternFault, type Capture, type FindResult } from "./pattern.js";

export { LuaPatternError, type Capture, type FindResult };

/**
 * `string.find(subject, pattern, init, plain)`: start and end (inclusive) and the captures.
 * Throws LuaPatternError where Lua raises an error (only when matching reaches the fault).
 */
export function luaFind(subject: string, pattern: string, init?: number, plain?: boolean): FindResult | undefined {
  return find(subject, pattern, init, plain);
}

/** `string.match(subject, pattern, init)`: the captures, or the whole match when the pattern has none. */
export function luaMatch(subject: string, pattern: string, init?: number): Capture[] | undefined {
  return match(subject, pattern, init);
}

/** `string.gmatch(subject, pattern, init)` of Lua 5.4: one capture list per match. */
export function luaGmatch(subject: string, pattern: string, init?: number): Generator<Capture[]> {
  return gmatch(subject, pattern, init);
}

/**
 * Why a Lua pattern is malformed (Lua 5.4's message, without the "bad argument" prefix), or
 * undefined when it is well formed.
 *
 * This is static and so stricter than Lua, which notices a fault only when matching reaches
 * it (mod_firewall only compiles patterns lazily): a fault anywhere in the pattern is reported,
 * so a pattern that would fail on some stanza is caught before deployment. Differences:
 * - `(a` fails here, while Lua only says "unfinished capture" when a match succeeds, and
 *   `string.find` with a pattern free of special bytes (e.g. `a)`) never runs the matcher.
 * - "pattern too complex" is never reported: it depends on the subject, not the pattern.
 * - The anchor `^` is read as `string.find` reads it; `string.gmatch` treats it as a literal
 *   byte, which cannot change whether the rest of the pattern is faulty.
 */
export function patternError(pattern: string): string | undefined {
  return patternFault(pattern);
}
