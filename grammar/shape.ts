import type { ISerializedGast } from "chevrotain";

/**
 * A grammar's shape: for each rule, the rules and words it refers to. Computed both from the
 * EBNF people read and from the parser, so a test can show where they drift apart.
 */
export type GrammarShape = ReadonlyMap<string, ReadonlySet<string>>;

const tokenClasses: Readonly<Record<string, string>> = {
  Identifier: "NAME",
  StringLiteral: "STRING",
  PrefixedString: "TYPED_STRING",
  NumberLiteral: "NUMBER",
  Duration: "DURATION",
  Time: "TIME",
};

interface SerializedNode extends ISerializedGast {
  readonly name?: string;
  readonly pattern?: string;
  readonly separator?: SerializedNode;
}

/** The shape of the Chevrotain parser's grammar (from `getSerializedGastProductions()`). */
export function shapeOfParser(productions: readonly ISerializedGast[]): GrammarShape {
  const shape = new Map<string, Set<string>>();
  for (const rule of productions as readonly SerializedNode[]) {
    const refs = new Set<string>();
    const walk = (node: SerializedNode): void => {
      if (node.type === "NonTerminal" && node.name) refs.add(node.name);
      if (node.type === "Terminal" && node.name) refs.add(tokenClasses[node.name] ?? `'${node.pattern ?? node.name}'`);
      if (node.separator) walk(node.separator);
      for (const child of (node.definition ?? []) as SerializedNode[]) walk(child);
    };
    walk(rule);
    shape.set(rule.name!, refs);
  }
  return shape;
}

/** The shape of an EBNF text in the notation of `grammar/sfw.ebnf`. */
export function shapeOfEbnf(text: string): GrammarShape {
  const withoutComments = text.replace(/\(\*[\s\S]*?\*\)/g, " ");
  const shape = new Map<string, Set<string>>();
  const token = /'[^']*'|[A-Za-z_][A-Za-z0-9_]*|;|=/g;
  let current: Set<string> | undefined;
  let pendingName: string | undefined;
  for (const m of withoutComments.matchAll(token)) {
    const t = m[0];
    if (current === undefined) {
      if (t === "=" && pendingName) {
        current = new Set();
        shape.set(pendingName, current);
      } else pendingName = t;
      continue;
    }
    if (t === ";") {
      current = undefined;
      pendingName = undefined;
    } else if (t !== "=") current.add(t);
  }
  return shape;
}

/** Human-readable differences between two shapes (empty when they agree). */
export function shapeDifferences(ebnf: GrammarShape, parser: GrammarShape): string[] {
  const out: string[] = [];
  for (const name of new Set([...ebnf.keys(), ...parser.keys()])) {
    const a = ebnf.get(name);
    const b = parser.get(name);
    if (!a) out.push(`rule ${name} is in the parser but not in the EBNF`);
    else if (!b) out.push(`rule ${name} is in the EBNF but not in the parser`);
    else {
      const onlyEbnf = [...a].filter((x) => !b.has(x));
      const onlyParser = [...b].filter((x) => !a.has(x));
      if (onlyEbnf.length) out.push(`${name}: the EBNF has ${onlyEbnf.join(" ")} which the parser does not`);
      if (onlyParser.length) out.push(`${name}: the parser has ${onlyParser.join(" ")} which the EBNF does not`);
    }
  }
  return out;
}
