import type { IToken, TokenType } from "chevrotain";
import { CstParser } from "./chevrotain.js";
import * as T from "./tokens.js";
import { errorMessageProvider } from "./error-messages.js";

/** Tokens that may start a value (used where an optional value follows a name). */
const valueStarts: readonly TokenType[] = [T.StringLiteral, T.PrefixedString, T.NumberLiteral, T.Duration, T.Time, T.Star, T.LBracket, T.Identifier];

function startsValue(token: IToken): boolean {
  return valueStarts.some((t) => token.tokenType === t || (token.tokenType.CATEGORIES ?? []).includes(t));
}

const actionVerbs: ReadonlySet<TokenType> = new Set([
  T.Pass, T.Drop, T.Default, T.Return, T.UnsubscribeSender, T.Bounce, T.Redirect, T.Copy, T.Forward, T.Reply, T.Inject,
  T.Event, T.JumpEvent, T.Ruledep, T.Log, T.Strip, T.Mark, T.Unmark, T.Add, T.Jump, T.ReportTo, T.TagTrace,
]);

/** Words that start a top-level declaration or a chain. */
const declarationStarts: ReadonlySet<TokenType> = new Set([T.Target, T.Zone, T.List, T.Rate, T.Pattern, T.Search, T.Chain]);

/**
 * The `.sfw` grammar as a Chevrotain CST parser. Rule names here are the names in
 * `grammar/sfw.ebnf` (a test keeps the two in step). The parser only recognises structure;
 * `build-ast.ts` turns the CST into the AST and the checker gives words their meaning.
 */
export class SfwParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: "full", maxLookahead: 3, errorMessageProvider });
    this.performSelfAnalysis();
  }

  public file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  private item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.targetDecl) },
      { ALT: () => this.SUBRULE(this.zoneDecl) },
      { ALT: () => this.SUBRULE(this.listDecl) },
      { ALT: () => this.SUBRULE(this.rateDecl) },
      { ALT: () => this.SUBRULE(this.patternDecl) },
      { ALT: () => this.SUBRULE(this.searchDecl) },
      { ALT: () => this.SUBRULE(this.chainDecl) },
    ]);
  });

  /**
   * Whether the next word starts a declaration or a chain: never a declaration's value or a rate's
   * unit, so where one is missing (`pattern p =`, then a chain on the next line) the error is the
   * missing value and the next declaration is still read, instead of being taken for the value.
   */
  private declarationNext(): boolean {
    return declarationStarts.has(this.LA(1).tokenType);
  }

  private targetDecl = this.RULE("targetDecl", () => {
    this.CONSUME(T.Target);
    this.CONSUME(T.Identifier, { LABEL: "product" });
    this.CONSUME(T.StringLiteral, { LABEL: "version" });
  });

  private zoneDecl = this.RULE("zoneDecl", () => {
    this.CONSUME(T.Zone);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.OR([{ GATE: () => !this.declarationNext(), ALT: () => this.SUBRULE(this.listLiteral) }]);
  });

  private listDecl = this.RULE("listDecl", () => {
    this.CONSUME(T.List);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeRef);
    });
    this.CONSUME(T.Equals);
    this.OR([{ GATE: () => !this.declarationNext(), ALT: () => this.SUBRULE(this.listSource) }]);
  });

  private typeRef = this.RULE("typeRef", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Less);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeRef, { LABEL: "args" }) });
      this.CONSUME(T.Greater);
    });
  });

  private listSource = this.RULE("listSource", () => {
    this.CONSUME(T.Identifier, { LABEL: "backend" });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.sourceArgument) });
      this.CONSUME(T.RParen);
    });
  });

  private sourceArgument = this.RULE("sourceArgument", () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === T.Colon,
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "key" });
          this.CONSUME(T.Colon);
          this.SUBRULE(this.value);
        },
      },
      { ALT: () => this.SUBRULE2(this.value) },
    ]);
  });

  private rateDecl = this.RULE("rateDecl", () => {
    this.CONSUME(T.Rate);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.CONSUME(T.NumberLiteral, { LABEL: "amount" });
    this.CONSUME(T.Per);
    this.OR([{ GATE: () => !this.declarationNext(), ALT: () => this.CONSUME2(T.Identifier, { LABEL: "unit" }) }]);
    this.OPTION(() => {
      this.CONSUME(T.Burst);
      this.CONSUME2(T.NumberLiteral, { LABEL: "burst" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Entries);
      this.CONSUME3(T.NumberLiteral, { LABEL: "entries" });
    });
    this.OPTION3(() => {
      this.CONSUME(T.Allow);
      this.CONSUME(T.Overflow);
    });
  });

  private patternDecl = this.RULE("patternDecl", () => {
    this.CONSUME(T.Pattern);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.OR([{ GATE: () => !this.declarationNext(), ALT: () => this.SUBRULE(this.value) }]);
  });

  private searchDecl = this.RULE("searchDecl", () => {
    this.CONSUME(T.Search);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.OR([{ GATE: () => !this.declarationNext(), ALT: () => this.SUBRULE(this.value) }]);
  });

  private chainDecl = this.RULE("chainDecl", () => {
    this.CONSUME(T.Chain);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.ruleDecl));
    this.CONSUME(T.RCurly);
  });

  public ruleDecl = this.RULE("ruleDecl", () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.condition);
    });
    // A rule without `then` parses, so the checker can say "rule has no action" in its own words.
    this.OPTION3(() => {
      this.CONSUME(T.Then);
      this.SUBRULE(this.action);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RCurly,
        DEF: () => {
          this.CONSUME(T.Semicolon);
          this.SUBRULE2(this.action);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Semicolon));
    });
    this.CONSUME(T.RCurly);
  });

  // ------------------------------------------------------------------ conditions

  private condition = this.RULE("condition", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Or, DEF: () => this.SUBRULE(this.conjunction) });
  });

  private conjunction = this.RULE("conjunction", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.And, DEF: () => this.SUBRULE(this.negation) });
  });

  private negation = this.RULE("negation", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.negation);
        },
      },
      { ALT: () => this.SUBRULE(this.atom) },
    ]);
  });

  private atom = this.RULE("atom", () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.condition);
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.SUBRULE(this.exceedsAtom) },
        { ALT: () => this.SUBRULE(this.markedAtom) },
        { ALT: () => this.SUBRULE(this.scanAtom) },
        { ALT: () => this.SUBRULE(this.countAtom) },
        { ALT: () => this.SUBRULE(this.hasAtom) },
        { ALT: () => this.SUBRULE(this.valueAtom) },
      ],
    });
  });

  private exceedsAtom = this.RULE("exceedsAtom", () => {
    this.CONSUME(T.Exceeds);
    this.CONSUME(T.Identifier, { LABEL: "rate" });
    this.OPTION(() => {
      this.CONSUME(T.Per);
      this.SUBRULE(this.value);
    });
  });

  private markedAtom = this.RULE("markedAtom", () => {
    this.OR([{ ALT: () => this.CONSUME(T.OriginMarked) }, { ALT: () => this.CONSUME(T.UserMarked) }]);
    this.CONSUME(T.Identifier, { LABEL: "mark" });
    this.OPTION(() => {
      this.CONSUME(T.Within);
      this.CONSUME(T.Duration);
    });
  });

  private scanAtom = this.RULE("scanAtom", () => {
    this.CONSUME(T.Scan);
    this.CONSUME(T.Identifier, { LABEL: "search" });
    this.CONSUME(T.For);
    this.CONSUME2(T.Identifier, { LABEL: "pattern" });
    this.CONSUME(T.In);
    this.CONSUME3(T.Identifier, { LABEL: "list" });
  });

  private countAtom = this.RULE("countAtom", () => {
    this.CONSUME(T.Count);
    this.CONSUME(T.Identifier, { LABEL: "pattern" });
    this.CONSUME(T.In);
    this.CONSUME2(T.Identifier, { LABEL: "search" });
    this.OR([
      { ALT: () => this.CONSUME(T.Less, { LABEL: "operator" }) },
      { ALT: () => this.CONSUME(T.Greater, { LABEL: "operator" }) },
      { ALT: () => this.CONSUME(T.LessEq, { LABEL: "operator" }) },
      { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: "operator" }) },
      { ALT: () => this.CONSUME(T.EqEq, { LABEL: "operator" }) },
    ]);
    this.CONSUME(T.NumberLiteral);
  });

  private hasAtom = this.RULE("hasAtom", () => {
    this.CONSUME(T.Has);
    this.SUBRULE(this.value);
  });

  /** `value`, `value == value`, `value in list`, `from in group "g"`, or `predicate argument`. */
  private valueAtom = this.RULE("valueAtom", () => {
    this.SUBRULE(this.value, { LABEL: "left" });
    // `when in_roster drop` is a missing `then`, not `drop` as the predicate's argument.
    this.OPTION({
      GATE: () => !actionVerbs.has(this.LA(1).tokenType),
      DEF: () =>
        this.OR([
          {
            ALT: () => {
              this.OR2([
                { ALT: () => this.CONSUME(T.EqEq, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME(T.NotEq, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME(T.Matches, { LABEL: "operator" }) },
                { ALT: () => this.CONSUME(T.Contains, { LABEL: "operator" }) },
              ]);
              this.SUBRULE2(this.value, { LABEL: "right" });
            },
          },
          {
            ALT: () => {
              this.OPTION2(() => this.CONSUME(T.Not));
              this.CONSUME(T.In);
              this.OR3([
                {
                  ALT: () => {
                    this.CONSUME(T.Group);
                    this.SUBRULE3(this.value, { LABEL: "group" });
                  },
                },
                { ALT: () => this.SUBRULE4(this.value, { LABEL: "right" }) },
              ]);
            },
          },
          { ALT: () => this.SUBRULE5(this.value, { LABEL: "argument" }) },
        ]),
    });
  });

  // ------------------------------------------------------------------ values

  private value = this.RULE("value", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Plus, DEF: () => this.SUBRULE(this.primary) });
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.PrefixedString);
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.Identifier, { LABEL: "accessor" });
          });
        },
      },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.CONSUME(T.Time) },
      { ALT: () => this.CONSUME(T.Star) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.reference) },
    ]);
  });

  private reference = this.RULE("reference", () => {
    this.CONSUME(T.Identifier, { LABEL: "part" });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier, { LABEL: "part" });
    });
  });

  private listLiteral = this.RULE("listLiteral", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.listItem);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== T.RBracket,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.listItem);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  private listItem = this.RULE("listItem", () => {
    this.SUBRULE(this.value);
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.value);
    });
  });

  // ------------------------------------------------------------------ actions

  private action = this.RULE("action", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Pass, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Drop, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Default, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Return, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.UnsubscribeSender, { LABEL: "verb" }) },
      { ALT: () => this.SUBRULE(this.bounceAction) },
      { ALT: () => this.SUBRULE(this.targetAction) },
      { ALT: () => this.SUBRULE(this.logAction) },
      { ALT: () => this.SUBRULE(this.stripAction) },
      { ALT: () => this.SUBRULE(this.markAction) },
      { ALT: () => this.SUBRULE(this.addAction) },
      { ALT: () => this.SUBRULE(this.jumpAction) },
      { ALT: () => this.SUBRULE(this.reportAction) },
      { ALT: () => this.SUBRULE(this.tagTraceAction) },
    ]);
  });

  private bounceAction = this.RULE("bounceAction", () => {
    this.CONSUME(T.Bounce);
    this.OPTION({ GATE: () => this.LA(1).tokenType !== T.Type, DEF: () => this.CONSUME(T.Identifier, { LABEL: "condition" }) });
    this.OPTION2(() => {
      this.CONSUME(T.Type);
      this.CONSUME2(T.Identifier, { LABEL: "errorType" });
    });
    this.OPTION3(() => this.CONSUME(T.StringLiteral, { LABEL: "text" }));
  });

  /** Actions with one value: redirect, copy, forward, reply, inject, event, jump_event, ruledep. */
  private targetAction = this.RULE("targetAction", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Redirect, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Copy, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Forward, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Reply, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Inject, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Event, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.JumpEvent, { LABEL: "verb" }) },
      { ALT: () => this.CONSUME(T.Ruledep, { LABEL: "verb" }) },
    ]);
    this.SUBRULE(this.value);
  });

  private logAction = this.RULE("logAction", () => {
    this.CONSUME(T.Log);
    this.OPTION({
      GATE: () => startsValue(this.LA(2)),
      DEF: () => this.CONSUME(T.Identifier, { LABEL: "level" }),
    });
    this.SUBRULE(this.value);
  });

  private stripAction = this.RULE("stripAction", () => {
    this.CONSUME(T.Strip);
    this.SUBRULE(this.value, { LABEL: "element" });
    this.OPTION(() => this.SUBRULE2(this.value, { LABEL: "namespace" }));
  });

  private markAction = this.RULE("markAction", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Mark, { LABEL: "verb" }) }, { ALT: () => this.CONSUME(T.Unmark, { LABEL: "verb" }) }]);
    this.OR2([{ ALT: () => this.CONSUME(T.Origin, { LABEL: "scope" }) }, { ALT: () => this.CONSUME(T.User, { LABEL: "scope" }) }]);
    this.CONSUME(T.Identifier, { LABEL: "mark" });
  });

  private addAction = this.RULE("addAction", () => {
    this.CONSUME(T.Add);
    this.SUBRULE(this.value);
    this.CONSUME(T.To);
    this.CONSUME(T.Identifier, { LABEL: "list" });
  });

  private jumpAction = this.RULE("jumpAction", () => {
    this.CONSUME(T.Jump);
    this.CONSUME(T.Identifier, { LABEL: "chain" });
  });

  private reportAction = this.RULE("reportAction", () => {
    this.CONSUME(T.ReportTo);
    this.SUBRULE(this.value, { LABEL: "target" });
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: "reason" }));
    this.OPTION2(() => this.CONSUME(T.StringLiteral, { LABEL: "text" }));
  });

  private tagTraceAction = this.RULE("tagTraceAction", () => {
    this.CONSUME(T.TagTrace);
    this.CONSUME(T.Identifier, { LABEL: "tag" });
  });
}

/** One parser instance, reused (Chevrotain parsers are built once and fed new input). */
let instance: SfwParser | undefined;

/**
 * The parser, made on first use: building it (Chevrotain's analysis of the grammar) takes a
 * third of a second, which commands that read no `.sfw` file (`--help`, a `.pfw` replay) should not pay.
 */
export function sfwParser(): SfwParser {
  return (instance ??= new SfwParser());
}
