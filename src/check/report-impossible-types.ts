import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./context.js";
import { stanzaTypes, type StanzaKind } from "../vocab/stanza-kinds.js";
import { refText } from "./values.js";

/**
 * Reports `type` values that cannot occur with the kinds the same conjunction requires
 * (`kind == iq and type == chat`) (SFW204). Looks at the atoms ANDed at the top of a condition.
 */
export function reportImpossibleTypes(ctx: CheckContext, cond: ast.Condition | undefined): void {
  if (!cond) return;
  const atoms = cond.kind === "and" ? cond.operands : [cond];
  // An unknown kind (a typo, reported as SFW201) says nothing from there on: no echo of it here.
  const unknownAt = atoms.findIndex((atom) => enumValues(atom, "kind")?.some((v) => !Object.hasOwn(stanzaTypes, v.text)));
  const kinds = allowed(ctx, unknownAt < 0 ? atoms : atoms.slice(0, unknownAt), "kind", "a stanza is one kind");
  if (kinds === "contradiction" || unknownAt >= 0) return;
  if (allowed(ctx, atoms, "type", "a stanza has one type") === "contradiction") return;
  if (!kinds || kinds.size === 0) return;
  for (const atom of atoms) {
    for (const t of enumValues(atom, "type") ?? []) {
      if (![...kinds].some((k) => stanzaTypes[k as StanzaKind]?.includes(t.text))) {
        ctx.report("SFW204", t.span, { kind: [...kinds].join(" or "), type: t.text });
      }
    }
  }
}

/**
 * The values the atoms ANDed allow for `which` (undefined when none tests it); when they exclude
 * each other, SFW316 is reported at the atom that leaves none.
 */
function allowed(ctx: CheckContext, atoms: readonly ast.Condition[], which: "kind" | "type", rule: string): Set<string> | undefined | "contradiction" {
  let values: Set<string> | undefined;
  for (const atom of atoms) {
    const tested = enumValues(atom, which);
    if (!tested) continue;
    const these = new Set(tested.map((v) => v.text));
    const before = values;
    values = before ? new Set([...before].filter((v) => these.has(v))) : these;
    if (before && values.size === 0) {
      ctx.report("SFW316", atom.span, { why: `${rule}, and the ${which}s tested before (${[...before].join(", ")}) leave none of ${tested.map((v) => v.text).join(", ")}` });
      return "contradiction";
    }
  }
  return values;
}

/** The enum names of a positive `x == a` / `x in [a, b]` atom testing `which`. */
function enumValues(atom: ast.Condition, which: "kind" | "type"): ast.Name[] | undefined {
  if (atom.kind === "compare" && atom.operator === "==" && refText(atom.left) === which && atom.right.kind === "ref") return [atom.right.parts[0]!];
  if (atom.kind === "in" && !atom.negated && refText(atom.left) === which && atom.right.kind === "list-literal") {
    return atom.right.items.flatMap((i) => (i.kind === "ref" && i.parts.length === 1 ? [i.parts[0]!] : []));
  }
  return undefined;
}
