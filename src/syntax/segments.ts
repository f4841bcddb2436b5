import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

/**
 * Splitting the token stream before parsing, so that a syntax error stays inside the item or
 * rule where it is: each top-level item and each rule of a chain is parsed on its own, and every
 * one of them gets its errors reported, whatever happened before it. (Chevrotain's own recovery
 * re-synchronises too coarsely after a broken rule: the rest of the file would go unchecked.)
 */

const topKeywords: ReadonlySet<TokenType> = new Set([T.Target, T.Zone, T.List, T.Rate, T.Pattern, T.Search, T.Chain]);
/** After these a keyword is a name or a value, not the start of an item. */
const nameSlots: ReadonlySet<TokenType> = new Set([...topKeywords, T.Colon, T.Equals, T.Per, T.Comma, T.Less, T.Dot, T.Plus, T.LParen, T.LBracket]);
const opening: ReadonlySet<TokenType> = new Set([T.LCurly, T.LBracket, T.LParen]);
const closing: ReadonlySet<TokenType> = new Set([T.RCurly, T.RBracket, T.RParen]);

export interface ChainSegments {
  /** `chain NAME {` plus the closing `}` when there is one. */
  readonly header: readonly IToken[];
  /** Runs of tokens inside the braces that belong to no rule (each reported at its first token). */
  readonly stray: readonly (readonly IToken[])[];
  readonly rules: readonly (readonly IToken[])[];
}

function startsLine(tokens: readonly IToken[], i: number): boolean {
  const t = tokens[i]!;
  const prev = tokens[i - 1];
  return prev === undefined || (prev.endLine ?? prev.startLine ?? 0) < (t.startLine ?? 0);
}

/**
 * Top-level items. An item starts at an item keyword outside any brackets; an item keyword in
 * column 1 also starts one inside brackets, since a forgotten `}` must not swallow the rest.
 */
export function splitItems(tokens: readonly IToken[]): IToken[][] {
  const items: IToken[][] = [];
  let current: IToken[] = [];
  let depth = 0;
  let closed = false;
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    const atItemStart = topKeywords.has(t.tokenType) && (prev === undefined || !nameSlots.has(prev.tokenType)) && (depth === 0 || (t.startColumn === 1 && startsLine(tokens, i)));
    // After a chain's closing brace, whatever follows is a new (possibly stray) item.
    if ((atItemStart || closed) && current.length > 0) {
      items.push(current);
      current = [];
      depth = 0;
    }
    closed = false;
    current.push(t);
    if (opening.has(t.tokenType)) depth++;
    else if (closing.has(t.tokenType)) {
      depth = Math.max(0, depth - 1);
      closed = depth === 0 && t.tokenType === T.RCurly;
    }
  });
  if (current.length > 0) items.push(current);
  return items;
}

/** The parts of a chain item, or undefined when it has no `{` to split at. */
export function splitChain(item: readonly IToken[]): ChainSegments | undefined {
  const open = item.findIndex((t) => t.tokenType === T.LCurly);
  if (open < 0 || item[0]?.tokenType !== T.Chain) return undefined;
  const last = item[item.length - 1]!;
  const hasClose = item.length - 1 > open && last.tokenType === T.RCurly && closesChain(item, open);
  const body = item.slice(open + 1, hasClose ? -1 : undefined);
  const header = [...item.slice(0, open + 1), ...(hasClose ? [last] : [])];
  const rules: IToken[][] = [];
  const stray: IToken[][] = [];
  let current: IToken[] | undefined;
  let depth = 0;
  body.forEach((t, i) => {
    const ruleStart = t.tokenType === T.Rule && (depth === 0 || startsLine(body, i)) && body[i - 1]?.tokenType !== T.Jump;
    if (ruleStart) {
      current = [];
      rules.push(current);
      depth = 0;
    } else if (current === undefined) {
      current = [];
      stray.push(current);
    }
    current.push(t);
    if (opening.has(t.tokenType)) depth++;
    else if (closing.has(t.tokenType)) {
      depth = Math.max(0, depth - 1);
      // A rule ends at its closing brace; anything before the next `rule` is stray.
      if (depth === 0 && t.tokenType === T.RCurly) current = undefined;
    }
  });
  return { header, stray, rules };
}

/**
 * Whether the item's last `}` closes the chain's `{` rather than a rule's: it does when the braces
 * balance, or, when one is missing, if it is lined up with `chain` (people indent rules).
 */
function closesChain(item: readonly IToken[], open: number): boolean {
  const last = item[item.length - 1]!;
  if (last.startColumn === item[0]!.startColumn) return true;
  let depth = 0;
  for (let i = open; i < item.length; i++) {
    const t = item[i]!;
    if (opening.has(t.tokenType)) depth++;
    else if (closing.has(t.tokenType)) depth--;
  }
  return depth <= 0;
}
