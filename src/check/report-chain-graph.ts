import type { CheckContext } from "./context.js";
import type { CheckedChain } from "./model.js";
import type { Span } from "../diag/span.js";

/** Edges of the jump graph: chain pfw name → jumped-to chain pfw names, with the jump's span. */
export function jumpGraph(chains: readonly CheckedChain[]): Map<string, { target: string; span: Span }[]> {
  const graph = new Map<string, { target: string; span: Span }[]>();
  for (const chain of chains) {
    const edges = graph.get(chain.pfwName) ?? [];
    for (const rule of chain.rules) {
      for (const a of rule.actions) if (a.name === "JUMP CHAIN" && a.argument) edges.push({ target: a.argument, span: a.span });
    }
    graph.set(chain.pfwName, edges);
  }
  return graph;
}

/** Reports custom chains never jumped to (SFW306) and jump cycles (SFW307), each cycle once. */
export function reportChainGraph(ctx: CheckContext, chains: readonly CheckedChain[]): void {
  const graph = jumpGraph(chains);
  const jumped = new Set([...graph.values()].flat().map((e) => e.target));
  for (const chain of chains) {
    if (!chain.builtin && !jumped.has(chain.pfwName)) ctx.report("SFW306", chain.span, { name: chain.name });
  }
  const byPfw = new Map(chains.map((c) => [c.pfwName, c]));
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "active");
    stack.push(node);
    for (const edge of graph.get(node) ?? []) {
      const s = state.get(edge.target);
      if (s === "active") {
        const cycle = [...stack.slice(stack.indexOf(edge.target)), edge.target].map((n) => byPfw.get(n)?.name ?? n);
        ctx.report("SFW307", edge.span, { cycle: cycle.join(" → ") });
      } else if (s === undefined && graph.has(edge.target)) {
        visit(edge.target);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const chain of chains) if (!state.has(chain.pfwName)) visit(chain.pfwName);
}

/** For each chain, the built-in chains from which it can be reached (itself included when built in). */
export function reachingBuiltins(chains: readonly CheckedChain[]): Map<string, Set<string>> {
  const graph = jumpGraph(chains);
  const result = new Map<string, Set<string>>(chains.map((c) => [c.pfwName, new Set<string>()]));
  for (const root of chains.filter((c) => c.builtin)) {
    const seen = new Set<string>();
    const todo = [root.pfwName];
    while (todo.length > 0) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      result.get(n)?.add(root.pfwName);
      for (const e of graph.get(n) ?? []) todo.push(e.target);
    }
  }
  return result;
}
