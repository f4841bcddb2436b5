import type * as ast from "../syntax/ast.js";
import type { CheckContext, DeclSymbol, SymbolKind } from "./context.js";
import { didYouMean } from "../diag/did-you-mean.js";

/**
 * Resolves a reference to a declaration of the given kind, marks it used, and reports an unknown
 * name (with "did you mean" among declarations of that kind) or a declaration of another kind.
 */
export function useSymbol(ctx: CheckContext, name: ast.Name, kind: SymbolKind): DeclSymbol | undefined {
  const sym = ctx.symbols.get(name.text);
  if (!sym) {
    const candidates = [...ctx.symbols.values()].filter((s) => s.kind === kind).map((s) => s.name);
    const s = didYouMean(name.text, candidates);
    ctx.report("SFW201", name.span, { what: kind, name: name.text }, s ? { hint: `did you mean '${s}'?` } : {});
    return undefined;
  }
  ctx.used.add(sym.name);
  if (sym.kind !== kind) {
    ctx.report("SFW203", name.span, { message: `'${name.text}' is a ${sym.kind}, but a ${kind} is expected here` }, { notes: [{ message: `'${name.text}' is declared here`, span: sym.decl.name.span }] });
    return undefined;
  }
  return sym;
}
