/**
 * Reads the subset of YAML that the TAP reporter writes (block mappings and sequences of mappings,
 * scalars as JSON strings), strictly: a key repeated in one mapping is an error, as it is for
 * strict YAML readers. Enough to check the reporter's structure without a YAML dependency.
 */
export function parseYamlBlock(lines: readonly string[]): unknown {
  const rows = lines.filter((l) => l.trim() !== "").map((l) => ({ indent: /^ */.exec(l)![0].length, text: l.trim() }));
  const [value, next] = readNode(rows, 0, rows[0]?.indent ?? 0);
  if (next !== rows.length) throw new Error(`unexpected line: ${rows[next]!.text}`);
  return value;
}

type Row = { readonly indent: number; readonly text: string };

function readNode(rows: readonly Row[], at: number, indent: number): [unknown, number] {
  return rows[at]?.text.startsWith("- ") ? readSequence(rows, at, indent) : readMapping(rows, at, indent);
}

function readSequence(rows: readonly Row[], at: number, indent: number): [unknown[], number] {
  const items: unknown[] = [];
  while (rows[at]?.indent === indent && rows[at]!.text.startsWith("- ")) {
    // "- key: value" opens a mapping whose keys sit two columns further in.
    const inner = [{ indent: indent + 2, text: rows[at]!.text.slice(2) }, ...rows.slice(at + 1)];
    const [item, next] = readMapping(inner, 0, indent + 2);
    items.push(item);
    at += next;
  }
  return [items, at];
}

function readMapping(rows: readonly Row[], at: number, indent: number): [Record<string, unknown>, number] {
  const map: Record<string, unknown> = {};
  while (rows[at]?.indent === indent && !rows[at]!.text.startsWith("- ")) {
    const m = /^([\w-]+):(?: (.*))?$/.exec(rows[at]!.text);
    if (!m) throw new Error(`not a mapping entry: ${rows[at]!.text}`);
    const key = m[1]!;
    if (Object.hasOwn(map, key)) throw new Error(`duplicate key '${key}'`);
    if (m[2] !== undefined) {
      map[key] = JSON.parse(m[2]);
      at++;
    } else {
      const child = rows[at + 1];
      if (!child || child.indent < indent || (child.indent === indent && !child.text.startsWith("- "))) throw new Error(`'${key}' has no value`);
      const [value, next] = readNode(rows, at + 1, child.indent);
      map[key] = value;
      at = next;
    }
  }
  return [map, at];
}
