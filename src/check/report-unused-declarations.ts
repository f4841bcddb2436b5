import type { CheckContext } from "./context.js";

/** Reports declarations nothing refers to (SFW308). */
export function reportUnusedDeclarations(ctx: CheckContext): void {
  for (const sym of ctx.symbols.values()) {
    if (!ctx.used.has(sym.name)) ctx.report("SFW308", sym.decl.name.span, { what: sym.kind, name: sym.name });
  }
}
