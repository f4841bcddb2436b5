import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { wordList } from "../diag/word-list.js";

/**
 * What the parser expected and found, as Chevrotain reports it. The message provider encodes
 * this as JSON in the exception's message so `parse.ts` can build catalog diagnostics from it
 * (Chevrotain only carries a string from the provider to the exception).
 */
export interface SyntaxErrorDetail {
  readonly expected: string;
  readonly found: string;
  readonly ruleName: string;
}

/** How users name what a grammar rule starts, instead of a list of every first token. */
const ruleDescriptions: Readonly<Record<string, string>> = {
  item: "a declaration (target, zone, list, rate, pattern, search) or a chain",
  atom: "a condition",
  negation: "a condition",
  conjunction: "a condition",
  condition: "a condition",
  valueAtom: "a condition",
  primary: "a value",
  value: "a value",
  listItem: "a value",
  action: "an action (pass, drop, bounce, log, jump, …)",
  targetAction: "an action",
  markedAtom: "'origin_marked' or 'user_marked'",
  markAction: "'origin' or 'user'",
  rateDecl: "a time unit (second, minute, hour, day) after 'per'",
  zoneDecl: "the zone's members ([\"host\", …]) after '='",
  listDecl: "a list source (memory, file(…), http(…)) after '='",
  patternDecl: "a pattern (lua\"…\") after '='",
  searchDecl: "a stanza path (path\"…\") after '='",
};

export function tokenLabel(t: TokenType): string {
  return t === EOF ? "the end of the file" : (t.LABEL ?? t.name);
}

export function describeToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF) return "the end of the file";
  if (t.tokenType.name === "StringLiteral") return "a string";
  return `'${t.image}'`;
}

function oneOf(labels: readonly string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  if (unique.length > 6) return `one of ${unique.slice(0, 5).join(", ")}, …`;
  return wordList(unique, "or");
}

function encode(detail: SyntaxErrorDetail): string {
  return JSON.stringify(detail);
}

export function decodeDetail(message: string): SyntaxErrorDetail | undefined {
  try {
    const v = JSON.parse(message) as SyntaxErrorDetail;
    return typeof v.expected === "string" && typeof v.found === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    return encode({ expected: tokenLabel(expected), found: describeToken(actual), ruleName });
  },
  buildNotAllInputParsedMessage({ firstRedundant, ruleName }) {
    return encode({ expected: "the end of the file", found: describeToken(firstRedundant), ruleName });
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const described = ruleDescriptions[ruleName];
    const expected = described ?? oneOf(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? tokenLabel(path[0]) : "nothing"))));
    return encode({ expected, found: describeToken(actual[0]), ruleName });
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const described = ruleDescriptions[ruleName];
    const expected = described ?? oneOf(expectedIterationPaths.map((path) => (path[0] ? tokenLabel(path[0]) : "nothing")));
    return encode({ expected, found: describeToken(actual[0]), ruleName });
  },
};
