import { CstParser } from "../syntax/chevrotain.js";
import * as T from "../syntax/tokens.js";
import { errorMessageProvider } from "../syntax/error-messages.js";

/**
 * The grammar of test files (`*.test.sfw`), in the family of the rule language: same tokens,
 * comments and strings. Documented in grammar/sfw-test.ebnf (kept in step by a test).
 */
export class TestFileParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: "full", maxLookahead: 2, errorMessageProvider });
    this.performSelfAnalysis();
  }

  public testFile = this.RULE("testFile", () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.rulesDecl) },
        { ALT: () => this.SUBRULE(this.worldDecl) },
        { ALT: () => this.SUBRULE(this.trafficDecl) },
        { ALT: () => this.SUBRULE(this.caseDecl) },
      ]),
    );
  });

  private rulesDecl = this.RULE("rulesDecl", () => {
    this.CONSUME(T.RulesKw);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLiteral, { LABEL: "path" }) });
  });

  private worldDecl = this.RULE("worldDecl", () => {
    this.CONSUME(T.WorldKw);
    this.OR([{ ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "path" }) }, { ALT: () => this.SUBRULE(this.jsonObject) }]);
  });

  /** `traffic "x.xml"` (stanzas with `expect:` comments) or `benign traffic "y.xml"` (every stanza must pass). */
  private trafficDecl = this.RULE("trafficDecl", () => {
    this.OPTION(() => this.CONSUME(T.BenignKw));
    this.CONSUME(T.TrafficKw);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLiteral, { LABEL: "path" }) });
  });

  private caseDecl = this.RULE("caseDecl", () => {
    this.CONSUME(T.CaseKw);
    this.CONSUME(T.StringLiteral, { LABEL: "name" });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.sendStep) }, { ALT: () => this.SUBRULE(this.waitStep) }]));
    this.CONSUME(T.RCurly);
  });

  private sendStep = this.RULE("sendStep", () => {
    this.CONSUME(T.SendKw);
    this.CONSUME(T.PrefixedString, { LABEL: "stanza" });
    this.MANY(() => this.SUBRULE(this.sendOption));
    this.OPTION(() => this.SUBRULE(this.expectClause));
  });

  private sendOption = this.RULE("sendOption", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Origin);
          this.CONSUME(T.StringLiteral, { LABEL: "origin" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Chain);
          this.CONSUME2(T.StringLiteral, { LABEL: "chain" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.AtKw);
          this.CONSUME3(T.StringLiteral, { LABEL: "time" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.TimesKw);
          this.CONSUME(T.NumberLiteral, { LABEL: "times" });
        },
      },
    ]);
  });

  private expectClause = this.RULE("expectClause", () => {
    this.CONSUME(T.ExpectKw);
    this.CONSUME(T.Identifier, { LABEL: "verdict" });
    // The error condition is a name, but not the word that starts the next clause or step.
    this.OPTION({ GATE: () => ![T.ByKw, T.EmitsKw, T.MakesKw, T.SendKw, T.WaitKw, T.CaseKw].includes(this.LA(1).tokenType), DEF: () => this.CONSUME2(T.Identifier, { LABEL: "condition" }) });
    this.OPTION2(() => {
      this.CONSUME(T.ByKw);
      this.OR([{ ALT: () => this.CONSUME3(T.Identifier, { LABEL: "rule" }) }, { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "rule" }) }]);
    });
    this.MANY(() => {
      this.CONSUME(T.EmitsKw);
      this.CONSUME(T.PrefixedString, { LABEL: "emits" });
    });
    this.MANY2(() => this.SUBRULE(this.makesClause));
  });

  /** `makes xml"…" VERDICT [by RULE]`: a stanza Prosody makes of the one sent, and what the firewall does with it. */
  private makesClause = this.RULE("makesClause", () => {
    this.CONSUME(T.MakesKw);
    this.CONSUME(T.PrefixedString, { LABEL: "stanza" });
    this.CONSUME(T.Identifier, { LABEL: "verdict" });
    this.OPTION(() => {
      this.CONSUME(T.ByKw);
      this.OR([{ ALT: () => this.CONSUME2(T.Identifier, { LABEL: "rule" }) }, { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "rule" }) }]);
    });
  });

  private waitStep = this.RULE("waitStep", () => {
    this.CONSUME(T.WaitKw);
    this.CONSUME(T.Duration);
  });

  private jsonObject = this.RULE("jsonObject", () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        this.CONSUME(T.StringLiteral, { LABEL: "key" });
        this.CONSUME(T.Colon);
        this.SUBRULE(this.jsonValue);
      },
    });
    this.CONSUME(T.RCurly);
  });

  private jsonArray = this.RULE("jsonArray", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.jsonValue) });
    this.CONSUME(T.RBracket);
  });

  private jsonValue = this.RULE("jsonValue", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.SUBRULE(this.jsonObject) },
      { ALT: () => this.SUBRULE(this.jsonArray) },
    ]);
  });
}

let instance: TestFileParser | undefined;

/** The parser, made on first use (only `stanzafw test` reads test files). */
export function testFileParser(): TestFileParser {
  return (instance ??= new TestFileParser());
}
