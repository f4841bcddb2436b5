/**
 * Text as mod_firewall's Lua sees it: the C locale's character classes, Lua's trimming and
 * `tonumber`, and mod_firewall's own `idsafe` and `stripslashes`. The reader applies them where
 * the handlers do, so that what it accepts is what they accept.
 */

/** Lua `%s`. */
const SPACE = " \t\n\v\f\r";
export const isSpace = (c: string | undefined): boolean => c !== undefined && c !== "" && SPACE.includes(c);
/** Lua `%w`. */
export const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9]$/.test(c);
/** White space (Lua `%s`) trimmed at both ends. */
export const trimLua = (s: string): string => s.replace(/^[ \t\n\v\f\r]+/, "").replace(/[ \t\n\v\f\r]+$/, "");
/** mod_firewall's `idsafe`: a letter, then letters, digits and `_`. */
export const idsafe = (s: string): boolean => /^[A-Za-z][A-Za-z0-9_]*$/.test(s);

/**
 * Lua 5.4 `tonumber` on a string: the number, or undefined. `integer` tells whether Lua would
 * produce an integer subtype (decimal without '.'/exponent that fits in 64 bits, or hex).
 */
export function luaToNumber(text: string): { value: number; integer: boolean } | undefined {
  const s = trimLua(text);
  const dec = /^([+-]?)(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.exec(s);
  if (dec) {
    const value = Number(s);
    const isInt = !/[.eE]/.test(s) && BigInt(s.replace(/^\+/, "")) <= 9223372036854775807n && BigInt(s.replace(/^\+/, "")) >= -9223372036854775808n;
    return { value, integer: isInt };
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (hex && (hex[2]!.length > 0 || (hex[3] ?? "").length > 0)) {
    const intPart = hex[2] ?? "";
    const frac = hex[3];
    const exp = hex[4];
    if (frac === undefined && exp === undefined) {
      // Hex integers wrap around in Lua; the value's size does not matter here.
      return { value: Number.parseInt(intPart, 16) * (hex[1] === "-" ? -1 : 1), integer: true };
    }
    let v = intPart ? Number.parseInt(intPart, 16) : 0;
    if (frac) v += Number.parseInt(frac, 16) / 16 ** frac.length;
    if (exp) v *= 2 ** Number(exp);
    return { value: hex[1] === "-" ? -v : v, integer: false };
  }
  return undefined;
}

/** Whether Lua's `string.format("%d", tonumber(text))` succeeds. */
export function formatsAsInteger(text: string): boolean {
  const n = luaToNumber(text);
  if (!n) return false;
  if (n.integer) return true;
  return Number.isInteger(n.value) && Math.abs(n.value) < 2 ** 63;
}

const escapes: Readonly<Record<string, string>> = { a: "\u0007", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/** mod_firewall's backslash decoding of definition values: `\n`, `\t`, … decoded; any other `\x` kept as written. */
export function stripSlashes(s: string): string {
  return s.replace(/\\([\s\S])/g, (whole, c: string) => escapes[c] ?? whole);
}
