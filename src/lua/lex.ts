/**
 * A tokenizer for Lua 5.4 source, as `llex.c` reads it: names and keywords, numerals, short
 * strings with their escapes, long strings, comments and operators. It only classifies text
 * (no values are computed); what `llex.c` rejects becomes a `LuaLexError` token, what it reads
 * to the end of the text without an end (a long string or comment) becomes `open`.
 */

/** One token. `text` is the source text; `offset` its 0-based start. */
export type LuaToken =
  | { readonly kind: "name" | "keyword" | "number" | "string" | "symbol"; readonly text: string; readonly offset: number }
  /** A character no Lua token starts with (`$`, `\`, `@`, `!`, `?`, a backquote, …): the parser fails on it. */
  | { readonly kind: "stray"; readonly text: string; readonly offset: number }
  /** What llex.c refuses, with its message (e.g. "unfinished string"). */
  | { readonly kind: "error"; readonly text: string; readonly offset: number; readonly message: string }
  /** A long string or long comment still open at the end of the text: the code after the text may close it. */
  | { readonly kind: "open"; readonly text: string; readonly offset: number; readonly what: "long string" | "long comment" };

export const luaKeywords: ReadonlySet<string> = new Set(["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"]);

/** Operators and punctuation, longest first. */
const symbols = ["...", "..", "::", "<<", ">>", "//", "==", "~=", "<=", ">=", "+", "-", "*", "/", "%", "^", "#", "&", "~", "|", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", "."];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
/** `lislalnum`: letters, digits and '_'. */
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c);
const isSpace = (c: string | undefined): boolean => c !== undefined && " \t\n\v\f\r".includes(c);

/** Lua 5.4's `l_str2d`/`l_str2int` on a numeral's text: whether it is a number. */
function isNumeral(s: string): boolean {
  return /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s) || /^0[xX](?:[0-9A-Fa-f]+\.?[0-9A-Fa-f]*|\.[0-9A-Fa-f]+)(?:[pP][+-]?\d+)?$/.test(s);
}

/** `skip_sep`: at a `[` or `]`, the level of a well-formed long bracket (`[==[` is 2), -1 for a lone bracket, -2 for `[=` without its second bracket. */
function longBracketLevel(text: string, at: number): number {
  const ch = text[at]!;
  let i = at + 1;
  while (text[i] === "=") i++;
  if (text[i] === ch) return i - at - 1;
  return i === at + 1 ? -1 : -2;
}

/** Index just past the `]=*]` closing a long bracket of `level` opened before `from`, or -1. */
function closeLongBracket(text: string, from: number, level: number): number {
  const close = `]${"=".repeat(level)}]`;
  const at = text.indexOf(close, from);
  return at < 0 ? -1 : at + close.length;
}

/** Reads a short string starting at its quote; the index past it, or an error message with the offset where llex.c stops. */
function shortString(text: string, start: number): { end: number } | { end: number; message: string } {
  const quote = text[start]!;
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === "\n" || c === "\r") return { end: i, message: "unfinished string" };
    if (c === quote) return { end: i + 1 };
    if (c !== "\\") {
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) return { end: i + 1, message: "unfinished string" };
    if ("abfnrtv\\\"'\n\r".includes(e)) {
      // "\\\r\n" and "\\\n\r" are one line break.
      i += (e === "\n" && text[i + 2] === "\r") || (e === "\r" && text[i + 2] === "\n") ? 3 : 2;
    } else if (e === "x") {
      // llex.c's message shows the text up to and including the first non-hexadecimal character.
      if (!isHex(text[i + 2])) return { end: Math.min(text.length, i + 3), message: "hexadecimal digit expected" };
      if (!isHex(text[i + 3])) return { end: Math.min(text.length, i + 4), message: "hexadecimal digit expected" };
      i += 4;
    } else if (e === "z") {
      i += 2;
      while (isSpace(text[i])) i++;
    } else if (e === "u") {
      if (text[i + 2] !== "{") return { end: i + 3, message: "missing '{' in \\u{xxxx}" };
      let j = i + 3;
      let value = 0;
      if (!isHex(text[j])) return { end: j + 1, message: "hexadecimal digit expected" };
      while (isHex(text[j])) {
        value = value * 16 + parseInt(text[j]!, 16);
        if (value > 0x7fffffff) return { end: j + 1, message: "UTF-8 value too large" };
        j++;
      }
      if (text[j] !== "}") return { end: j + 1, message: "missing '}' in \\u{xxxx}" };
      i = j + 1;
    } else if (isDigit(e)) {
      let j = i + 1;
      while (j < i + 4 && isDigit(text[j])) j++;
      if (Number(text.slice(i + 1, j)) > 255) return { end: j + 1, message: "decimal escape too large" };
      i = j;
    } else return { end: i + 2, message: "invalid escape sequence" };
  }
}

/** `read_numeral`: the end of the numeral starting at `start`. */
function numeral(text: string, start: number): number {
  let i = start;
  let expo = "Ee";
  if (text[i] === "0" && (text[i + 1] === "x" || text[i + 1] === "X")) {
    expo = "Pp";
    i += 2;
  }
  for (;;) {
    const c = text[i];
    if (c !== undefined && expo.includes(c)) {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
    } else if (isHex(c) || c === ".") i++;
    else break;
  }
  // A numeral touching a letter is read with it, to fail.
  if (isAlnum(text[i])) i++;
  return i;
}

/** Tokenizes `text`; comments and white space are dropped. Stops after the first error or open token. */
export function luaTokens(text: string): LuaToken[] {
  const out: LuaToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      if (text[i + 2] === "[") {
        const level = longBracketLevel(text, i + 2);
        if (level >= 0) {
          const end = closeLongBracket(text, i + 4 + level, level);
          if (end < 0) {
            out.push({ kind: "open", text: text.slice(i), offset: i, what: "long comment" });
            return out;
          }
          i = end;
          continue;
        }
      }
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
      continue;
    }
    if (c === "[") {
      const level = longBracketLevel(text, i);
      if (level >= 0) {
        const end = closeLongBracket(text, i + 2 + level, level);
        if (end < 0) {
          out.push({ kind: "open", text: text.slice(i), offset: i, what: "long string" });
          return out;
        }
        out.push({ kind: "string", text: text.slice(i, end), offset: i });
        i = end;
        continue;
      }
      if (level === -2) {
        out.push({ kind: "error", text: text.slice(i, i + 2), offset: i, message: "invalid long string delimiter" });
        return out;
      }
    }
    if (c === '"' || c === "'") {
      const s = shortString(text, i);
      if ("message" in s) {
        out.push({ kind: "error", text: text.slice(i, s.end), offset: i, message: s.message });
        return out;
      }
      out.push({ kind: "string", text: text.slice(i, s.end), offset: i });
      i = s.end;
      continue;
    }
    if (isDigit(c) || (c === "." && isDigit(text[i + 1]))) {
      const end = numeral(text, i);
      const t = text.slice(i, end);
      if (!isNumeral(t)) {
        out.push({ kind: "error", text: t, offset: i, message: "malformed number" });
        return out;
      }
      out.push({ kind: "number", text: t, offset: i });
      i = end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (isAlnum(text[j])) j++;
      const t = text.slice(i, j);
      out.push({ kind: luaKeywords.has(t) ? "keyword" : "name", text: t, offset: i });
      i = j;
      continue;
    }
    const sym = symbols.find((s) => text.startsWith(s, i));
    if (sym) {
      out.push({ kind: "symbol", text: sym, offset: i });
      i += sym.length;
      continue;
    }
    // Lua reads any other byte as a one-character token that no rule of the grammar accepts.
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out.push({ kind: "stray", text: ch, offset: i });
    i += ch.length;
  }
  return out;
}
