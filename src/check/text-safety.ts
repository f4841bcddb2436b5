/**
 * Whether a piece of text can be written into a `.pfw` line and reach mod_firewall unchanged.
 * mod_firewall has no quoting: its parser trims lines, joins a line ending in `\` with the next,
 * and in expression-capable arguments always treats `$(` and `$<` as expressions.
 */

/** Where the text goes. */
export type TextUse =
  /** After `NAME: ` or `NAME=`, literal. */
  | "argument"
  /** An argument where mod_firewall substitutes `$<…>`/`$(…)`. */
  | "expression-argument"
  /** A `%DEF name: value`, which mod_firewall escape-decodes (so `\` and line breaks are encodable). */
  | "definition-value";

/** Why `text` cannot be emitted for `use`, or undefined when it can. */
export function unsafeReason(text: string, use: TextUse): string | undefined {
  if (text.length === 0) return "it is empty, and mod_firewall reads an empty argument as no argument";
  if (use !== "definition-value") {
    // eslint-disable-next-line no-control-regex
    if (/[\n\r\u2028\u2029]/.test(text)) return "it contains a line break, which would end the line";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return "it contains a control character";
  }
  if (/\\\s*$/.test(text)) return "it ends with a backslash, which makes mod_firewall join the next line to this one";
  if (use === "expression-argument" && /\$[(<]/.test(text)) {
    return "mod_firewall would read '$(' or '$<' here as an expression, and has no way to escape it";
  }
  return undefined;
}

/** True when mod_firewall's line trimming would lose whitespace at the end of the text. */
export function hasTrailingWhitespace(text: string): boolean {
  return /\s$/.test(text);
}

const encodeMap: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\v": "\\v",
};

/** Encodes a definition value so that mod_firewall's backslash-escape decoding gives it back. */
export function encodeDefinitionValue(value: string): string {
  return value.replace(/[\\\n\r\t\u0007\b\f\v]/g, (c) => encodeMap[c]!);
}

/** Makes text safe for a `#` comment line: one line, no trailing backslash. */
export function commentSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, "?").replace(/[\\\s]+$/, "");
}
