import type { MessageEntry } from "./message-entry.js";

/** SFW1xx: lexing and parsing of `.sfw` files. */
export const syntaxMessages = {
  SFW101: { severity: "error", message: "unexpected character {text}", doc: "The lexer met a character that starts no token of the language." },
  SFW102: { severity: "error", message: "expected {expected} but found {found}", doc: "A token other than the one the grammar requires at this point." },
  SFW103: { severity: "error", message: "expected {expected} but found {found}", doc: "None of the alternatives allowed here starts with this token." },
  SFW104: { severity: "error", message: "expected {expected} but found {found}", doc: "A list that needs at least one element is empty." },
  SFW105: { severity: "error", message: "expected a declaration (target, zone, list, rate, pattern, search) or a chain but found {found}", doc: "Text at the top level of a file that starts no declaration, chain or target." },
  SFW106: { severity: "error", message: "unterminated string", doc: "A string literal has no closing quote on its line." },
  SFW107: { severity: "error", message: "invalid escape sequence {text} in string", doc: "Strings allow the escapes \\\\ \\\" \\n \\t \\r and \\u{hex}." },
} as const satisfies Record<string, MessageEntry>;
