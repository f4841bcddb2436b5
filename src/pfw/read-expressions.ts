import type { Span } from "../diag/span.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { substituteCode, type MetaSite } from "./code-substitution.js";
import type { ReadContext } from "./read-context.js";
import { subSpan } from "./read-lines.js";

/**
 * The two kinds of substitution mod_firewall's `meta` makes in the arguments of some conditions
 * and actions (LOG, ADD TO, TO/FROM EXACTLY, … ADMIN OF, INSPECT with `$`, LIMIT … on, CHECK
 * LIST): `$<…>` stanza expressions and `$(…)` Lua code. Conditions and actions both check them
 * here.
 */

const expressionFunctions = ["bare", "node", "host", "resource"];

/**
 * `$<…>` expressions, as mod_firewall's `meta` substitutes them. `deps` tells whether the
 * handler gives meta a dependency table (without one, bare/node/host/resource fail).
 */
export function checkExpressions(cx: ReadContext, text: string, span: Span, deps: boolean, shift = 0): void {
  for (const m of stanzaExpressions(text)) {
    const exprAt = m.start - 1 - shift;
    let code = "stanza";
    if (m.path.startsWith("@")) {
      const attr = m.path.slice(1);
      code = deps && ["to", "from", "type"].includes(attr) ? attr : "attr";
    }
    for (const fn of m.functions) {
      if ((code === "to" || code === "from") && expressionFunctions.includes(fn)) {
        code = "derived";
        continue;
      }
      if (!expressionFunctions.includes(fn)) {
        const guess = didYouMean(fn, expressionFunctions);
        cx.report("SFW506", subSpan(span, Math.max(0, exprAt), m.end - m.start + 1), { message: `unknown function: ${fn}` }, { hint: guess ? `did you mean '|${guess}'?` : "functions are |bare, |node, |host, |resource" });
        break;
      }
      if (!deps) {
        cx.report("SFW506", subSpan(span, Math.max(0, exprAt), m.end - m.start + 1), { message: `function not supported here: ${fn}` });
        break;
      }
      code = "derived";
    }
  }
}

/**
 * The `$<…>` expressions of a text as `meta` reads them: where each stands (`start` at its `<`,
 * `end` after its `>`), its path without a `||"default"`, and the `|function` chain after it.
 */
export function* stanzaExpressions(text: string): Generator<{ readonly start: number; readonly end: number; readonly path: string; readonly functions: readonly string[] }> {
  for (const m of balanced(text, "<", ">")) {
    let path = text.slice(m.start + 1, m.end - 1).replace(/\|\|"[\s\S]*"$/, "");
    const chain = /\|[A-Za-z0-9|]+$/.exec(path)?.[0];
    if (chain) path = path.slice(0, -chain.length);
    yield { ...m, path, functions: [...(chain ?? "").matchAll(/\|([A-Za-z0-9]+)/g)].map((f) => f[1]!) };
  }
}

/**
 * `$(…)` code, substituted as mod_firewall's `meta` does on the text it scans (SFW508 when the
 * chain's generated Lua does not compile). After a piece of code whose effect on the following
 * lines cannot be decided, nothing more is claimed in that chain.
 */
export function checkCode(cx: ReadContext, site: MetaSite, text: string, span: Span, level?: string): void {
  if (!text.includes("$(") || cx.undecidedChains.has(cx.chain)) return;
  const r = substituteCode(site, text, level);
  if (r.verdict.kind === "undecided") cx.undecidedChains.add(cx.chain);
  if (!r.problem) return;
  const s = r.problem.substitution;
  cx.report("SFW508", subSpan(span, s.at, s.length), { message: r.problem.message, chain: cx.chain });
}

/** Balanced `open…close` groups preceded by `$`, as Lua's `$%b<>` finds them. */
function* balanced(text: string, open: string, close: string): Generator<{ start: number; end: number }> {
  let i = 0;
  while (i < text.length) {
    if (text[i] === "$" && text[i + 1] === open) {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === open) depth++;
        else if (text[j] === close && --depth === 0) break;
      }
      if (j < text.length) {
        yield { start: i + 1, end: j + 1 };
        i = j + 1;
        continue;
      }
    }
    i++;
  }
}
