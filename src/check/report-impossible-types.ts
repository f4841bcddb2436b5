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
  let kinds: Set<StanzaKind> | undefined;
  for (const atom of atoms) {
    const values = enumValues(atom, "kind");
    if (!values) continue;
    // An unknown kind (a typo, reported as SFW201) says nothing about types: no echo of it here.
    if (values.some((v) => !Object.hasOwn(stanzaTypes, v.text))) return;
    const s = new Set(values.map((v) => v.text as StanzaKind));
    const before = kinds;
    kinds = kinds ? new Set([...kinds].filter((k) => s.has(k))) : s;
    if (before && kinds.size === 0) {
      ctx.report("SFW316", atom.span, { why: `a stanza is one kind, and the kinds tested before (${[...before].join(", ")}) leave none of ${values.map((v) => v.text).join(", ")}` });
      return;
    }
  }
  let types: Set<string> | undefined;
  for (const atom of atoms) {
    const values = enumValues(atom, "type");
    if (!values) continue;
    const s = new Set(values.map((v) => v.text));
    const before = types;
    types = types ? new Set([...types].filter((t) => s.has(t))) : s;
    if (before && types.size === 0) {
      ctx.report("SFW316", atom.span, { why: `a stanza has one type, and the types tested before (${[...before].join(", ")}) leave none of ${values.map((v) => v.text).join(", ")}` });
      return;
    }
  }
  if (!kinds || kinds.size === 0) return;
  for (const atom of atoms) {
    for (const t of enumValues(atom, "type") ?? []) {
      if (![...kinds].some((k) => stanzaTypes[k]?.includes(t.text))) {
        ctx.report("SFW204", t.span, { kind: [...kinds].join(" or "), type: t.text });
      }
    }
  }
}

/** The enum names of a positive `x == a` / `x in [a, b]` atom testing `which`. */
function enumValues(atom: ast.Condition, which: "kind" | "type"): ast.Name[] | undefined {
  if (atom.kind === "compare" && atom.operator === "==" && refText(atom.left) === which && atom.right.kind === "ref") return [atom.right.parts[0]!];
  if (atom.kind === "in" && !atom.negated && refText(atom.left) === which && atom.right.kind === "list-literal") {
    return atom.right.items.flatMap((i) => (i.kind === "ref" && i.parts.length === 1 ? [i.parts[0]!] : []));
  }
  return undefined;
}
