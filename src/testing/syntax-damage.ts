import type { CstNode, IToken } from "chevrotain";
import { didYouMean } from "../diag/did-you-mean.js";
import * as T from "../syntax/tokens.js";

/** The words of test files (for did-you-mean, and to tell a misspelt one from a name). */
export const testFileWords = ["rules", "world", "traffic", "benign", "case", "send", "expect", "wait", "origin", "chain", "at", "times", "by", "emits"] as const;

const isWord = (t: IToken): boolean => /^[A-Za-z_]/.test(t.image);

/**
 * Where a test file's syntax errors are, and what of the file they leave unsure. A file with
 * syntax errors is not run, but the names its steps give (rules, error conditions, chains) are
 * still checked where the parser read them soundly, so that one typo does not hide the next
 * mistake until it is fixed.
 *
 * The parser recovers by inserting or deleting a token, or by skipping tokens until one that can
 * go on (a step's or a declaration's first word). Every token keeps its own place whatever the
 * recovery (strings and names are single tokens), so a step read from its `send` to its last token
 * with no error in it or between it and the next token means what it says, unless its last word
 * may have been taken from what follows the error, see {@link stepSound}.
 *
 * Not sound, so not checked: a step with an error in it, or right after it on its line; what the
 * parser skipped (a misspelt `snd` step: its names are not read at all); and every name when a
 * rule set may be missing from the `rules` lines (see {@link rulesKnown}). Not checked for any
 * file with errors: its world (an object recovered from may hold keys the user did not write) and
 * the `expect:` comments of its traffic files (those are read only by running the traffic). One
 * case is taken as sound that may not be: resuming at a `send`, the parser begins a step there,
 * though `send` is also a name (a rule named `send`, after a `by` lost to the error); rules named
 * like the words of test files are rare enough.
 */
export class SyntaxDamage {
  private readonly consumed = new Set<number>();

  constructor(
    private readonly tokens: readonly IToken[],
    /** Offsets of the syntax errors: the tokens the parser stopped at, characters the lexer dropped, unterminated strings. */
    private readonly errors: readonly number[],
    private readonly text: string,
    cst: CstNode,
  ) {
    this.collect(cst);
  }

  get any(): boolean {
    return this.errors.length > 0;
  }

  private collect(n: CstNode): void {
    for (const list of Object.values(n.children)) {
      for (const e of list) {
        if ("image" in e) {
          if (!e.isInsertedInRecovery && !Number.isNaN(e.startOffset)) this.consumed.add(e.startOffset);
        } else this.collect(e);
      }
    }
  }

  private indexEndingAt(end: number): number {
    return this.tokens.findIndex((t) => (t.endOffset ?? t.startOffset) === end);
  }

  private nextStart(index: number): number {
    return this.tokens[index + 1]?.startOffset ?? this.text.length;
  }

  /** An error from `start` up to (not including) `limit`. */
  private errorIn(start: number, limit: number): boolean {
    return this.errors.some((o) => o >= start && o < limit);
  }

  /**
   * Whether a step (its first and last token's offsets) was read soundly. Right before an error,
   * its last word may belong to what follows: a keyword taken as a name (`expect pass by` at a line's
   * end, then `send …`: a rule named `send`), or a misspelt word taken as the optional error
   * condition (`expect drop`, then `snd xml"…"`: the condition `snd`). Any other last token is the
   * user's, if the error is on a later line: what is wrong is the next line (a misspelt step, a
   * missing `}`). An error on the step's own line may be the same slip as its last token (`by snd
   * spam`, `chain "x" "deliver"`: a word too many), so the step is left out.
   */
  stepSound(start: number, end: number, optionalLast: IToken | undefined): boolean {
    const i = this.indexEndingAt(end);
    if (i < 0) return false;
    const next = this.nextStart(i);
    if (this.errorIn(start, next)) return false;
    if (!this.errors.includes(next)) return true;
    const last = this.tokens[i]!;
    if (!this.text.slice(end + 1, next).includes("\n")) return false;
    return !isWord(last) || (last.startOffset !== optionalLast?.startOffset && !(testFileWords as readonly string[]).includes(last.image));
  }

  /**
   * Whether the `rules` lines (their first and last token's offsets) surely name every rule set:
   * otherwise a name of a lost one would be reported as unknown. Unsure when a `rules` line has an
   * error in it, does not end in a path (`rules` alone, a comma last) or is followed by a string or
   * comma the parser skipped (the list went on), or when the parser skipped a word followed by a
   * string (the shape of a `rules` line: `rule "r.sfw"`) unless that word is a misspelling of
   * another word of test files (`cse "a" {`). Unsure means no name is checked: fewer errors
   * reported, none of them wrong.
   */
  rulesKnown(decls: readonly { start: number; end: number }[]): boolean {
    const declsSound = decls.every((d) => {
      const i = this.indexEndingAt(d.end);
      if (i < 0 || this.errorIn(d.start, this.nextStart(i)) || this.tokens[i]!.tokenType !== T.StringLiteral) return false;
      const next = this.tokens[i + 1];
      return !(next && this.skipped(next) && (next.tokenType === T.StringLiteral || next.tokenType === T.Comma));
    });
    return declsSound && !this.tokens.some((t, i) => isWord(t) && this.skipped(t) && this.tokens[i + 1]?.tokenType === T.StringLiteral && [undefined, "rules"].includes(didYouMean(t.image, testFileWords)));
  }

  private skipped(t: IToken): boolean {
    return !this.consumed.has(t.startOffset);
  }
}
