import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/**
 * Tokens of the `.sfw` language. Most keywords are contextual: they belong to the `Identifier`
 * category, so `to`, `type`, `count` or `search` can still name things or be read as values. Only
 * the words that join or end conditions are reserved (they would otherwise be ambiguous after a
 * predicate that takes an optional argument): and or not in group matches contains when then.
 */

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/, label: "a name" });

const stringBody = String.raw`"(?:[^"\\\n]|\\[^\n])*`;
export const PrefixedString = createToken({
  name: "PrefixedString",
  pattern: new RegExp(`(?:unsafe_lua|jid|lua|path|xml)${stringBody}"`),
  label: 'a typed literal (jid"…", lua"…", path"…", xml"…", unsafe_lua"…")',
});
/** A prefixed string without its closing quote; the lexer turns it into a `PrefixedString` after reporting it. */
export const UnterminatedPrefixedString = createToken({ name: "UnterminatedPrefixedString", pattern: new RegExp(`(?:unsafe_lua|jid|lua|path|xml)${stringBody}`) });
export const StringLiteral = createToken({ name: "StringLiteral", pattern: new RegExp(`${stringBody}"`), label: "a string" });
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: new RegExp(stringBody) });

export const Time = createToken({ name: "Time", pattern: /\d{1,2}:\d\d(?![0-9])/, label: "a time (HH:MM)", start_chars_hint: [..."0123456789"] });
export const Duration = createToken({ name: "Duration", pattern: /\d+(?:ms|s|m|h|d|w)(?![A-Za-z0-9_])/, label: "a duration (30s, 10m, 1h, 7d)", start_chars_hint: [..."0123456789"] });
export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: /\d+(?:\.\d+)?/, label: "a number" });

export const LCurly = createToken({ name: "LCurly", pattern: "{", label: "'{'" });
export const RCurly = createToken({ name: "RCurly", pattern: "}", label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: "[", label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: "]", label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "','" });
export const Semicolon = createToken({ name: "Semicolon", pattern: ";", label: "';'" });
export const Colon = createToken({ name: "Colon", pattern: ":", label: "':'" });
export const DotDot = createToken({ name: "DotDot", pattern: "..", label: "'..'" });
export const Dot = createToken({ name: "Dot", pattern: ".", label: "'.'" });
export const Plus = createToken({ name: "Plus", pattern: "+", label: "'+'" });
export const Star = createToken({ name: "Star", pattern: "*", label: "'*'" });
export const EqEq = createToken({ name: "EqEq", pattern: "==", label: "'=='" });
export const NotEq = createToken({ name: "NotEq", pattern: "!=", label: "'!='" });
export const LessEq = createToken({ name: "LessEq", pattern: "<=", label: "'<='" });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: ">=", label: "'>='" });
export const Less = createToken({ name: "Less", pattern: "<", label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: ">", label: "'>'" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "'='" });

const keywordTokens: TokenType[] = [];

/** A reserved word: never an identifier. */
function reserved(word: string): TokenType {
  const t = createToken({ name: keywordName(word), pattern: word, longer_alt: Identifier, label: `'${word}'` });
  keywordTokens.push(t);
  return t;
}

/** A contextual keyword: also accepted wherever a name is. */
function contextual(word: string): TokenType {
  const t = createToken({ name: keywordName(word), pattern: word, longer_alt: Identifier, categories: [Identifier], label: `'${word}'` });
  keywordTokens.push(t);
  return t;
}

function keywordName(word: string): string {
  return "Kw" + word.split("_").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");
}

export const And = reserved("and");
export const Or = reserved("or");
export const Not = reserved("not");
export const In = reserved("in");
export const Group = reserved("group");
export const Matches = reserved("matches");
export const Contains = reserved("contains");
export const When = reserved("when");
export const Then = reserved("then");

export const Target = contextual("target");
export const Zone = contextual("zone");
export const List = contextual("list");
export const Rate = contextual("rate");
export const Pattern = contextual("pattern");
export const Search = contextual("search");
export const Chain = contextual("chain");
export const Rule = contextual("rule");
export const Per = contextual("per");
export const Burst = contextual("burst");
export const Entries = contextual("entries");
export const Allow = contextual("allow");
export const Overflow = contextual("overflow");
export const Exceeds = contextual("exceeds");
export const OriginMarked = contextual("origin_marked");
export const UserMarked = contextual("user_marked");
export const Within = contextual("within");
export const Scan = contextual("scan");
export const For = contextual("for");
export const Count = contextual("count");
export const Has = contextual("has");
export const Pass = contextual("pass");
export const Drop = contextual("drop");
export const Default = contextual("default");
export const Return = contextual("return");
export const UnsubscribeSender = contextual("unsubscribe_sender");
export const Bounce = contextual("bounce");
export const Type = contextual("type");
export const Redirect = contextual("redirect");
export const Copy = contextual("copy");
export const Forward = contextual("forward");
export const Reply = contextual("reply");
export const Log = contextual("log");
export const Strip = contextual("strip");
export const Inject = contextual("inject");
export const Mark = contextual("mark");
export const Unmark = contextual("unmark");
export const Origin = contextual("origin");
export const User = contextual("user");
export const Add = contextual("add");
export const To = contextual("to");
export const Jump = contextual("jump");
export const JumpEvent = contextual("jump_event");
export const Event = contextual("event");
export const Ruledep = contextual("ruledep");
export const ReportTo = contextual("report_to");
export const TagTrace = contextual("tag_trace");

// Words of test files (`*.test.sfw`, src/testing/): contextual too, so rule files may use them as names.
export const RulesKw = contextual("rules");
export const WorldKw = contextual("world");
export const TrafficKw = contextual("traffic");
export const BenignKw = contextual("benign");
export const CaseKw = contextual("case");
export const SendKw = contextual("send");
export const ExpectKw = contextual("expect");
export const TimesKw = contextual("times");
export const WaitKw = contextual("wait");
export const ByKw = contextual("by");
export const EmitsKw = contextual("emits");
export const MakesKw = contextual("makes");
export const AtKw = contextual("at");

/** Every token type, in the order the lexer tries them (first match wins, so longer forms first). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  PrefixedString,
  UnterminatedPrefixedString,
  StringLiteral,
  UnterminatedString,
  Time,
  Duration,
  NumberLiteral,
  // Longest keywords first: `jump_event` must not lex as `jump` followed by a name.
  ...[...keywordTokens].sort((a, b) => (b.PATTERN as string).length - (a.PATTERN as string).length),
  Identifier,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Colon,
  DotDot,
  Dot,
  Plus,
  Star,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
];

/** The words of the language, for "did you mean" on syntax errors. */
export const keywords: readonly string[] = keywordTokens.map((t) => (t.PATTERN as string));

let lexer: InstanceType<typeof Lexer> | undefined;

/** The lexer, made on first use (as the parsers are). */
export function sfwLexer(): InstanceType<typeof Lexer> {
  return (lexer ??= new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false }));
}
