import test from "ava";
import fc from "fast-check";
import { parseStanzaRecord, readStartTag } from "../../src/sim/stanza-fast-path.js";
import { RecordParser } from "../../src/sim/traffic.js";
import type { XmlElement, XmlNode } from "../../src/sim/xml.js";

// The fast path for capture records against saxes (the reference): on random records, plain and
// hostile, whatever the fast path accepts saxes accepts too, with the same tree; and the fast path
// does accept the plain records it exists for.

const max = 1 << 20;

/** The tree as data, attribute order included (it decides how stanzas are printed). */
function shape(node: XmlNode): unknown {
  if (typeof node === "string") return node;
  return { name: node.name, attr: Object.entries(node.attr), children: node.children.map(shape) };
}

function reference(xml: string): XmlElement | string {
  const item = new RecordParser("record").parseWithSaxes(xml);
  return item?.kind === "stanza" ? item.stanza : (item?.message ?? "nothing");
}

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

const plainText = fc.array(pick("a", "b", " ", "é", "😀", "&amp;", "&lt;", "&gt;", "&apos;", "&quot;", "&#65;", "&#x1F600;", ">", "\n", "\t", "'", '"', "中"), { maxLength: 8 }).map((parts) => parts.join(""));
const plainValue = fc.array(pick("a", "b", " ", "é", "&amp;", "&lt;", "&#10;", "&#x9;", ">", "]]>", "/", "@", "中"), { maxLength: 6 }).map((parts) => parts.join(""));
const childName = pick("body", "x", "item", "a-b", "c.d", "_e", "query", "error");
const attrName = pick("to", "from", "id", "type", "xml:lang", "a", "b-c", "node");
const namespace = pick(undefined, "jabber:client", "jabber:x:data", "urn:xmpp:hints", "", "jabber:server");
const space = pick(" ", "  ", "\n", "\t", "\n\t");

interface Tree {
  name: string;
  xmlns: string | undefined;
  attrs: [string, string][];
  children: (Tree | string)[];
}

const tree: fc.Memo<Tree> = fc.memo((depth) =>
  fc.record({
    name: childName,
    xmlns: namespace,
    attrs: fc.uniqueArray(fc.tuple(attrName, plainValue), { maxLength: 3, selector: (a) => a[0] }),
    children: depth <= 1 ? fc.array(plainText, { maxLength: 2 }) : fc.array(fc.oneof(plainText, tree(depth - 1)), { maxLength: 3 }),
  }),
);

const stanzaTree = fc.record({
  name: pick("message", "presence", "iq"),
  xmlns: pick(undefined, "jabber:client", "jabber:server"),
  attrs: fc.uniqueArray(fc.tuple(attrName, plainValue), { maxLength: 4, selector: (a) => a[0] }),
  children: fc.array(fc.oneof(plainText, tree(3)), { maxLength: 4 }),
});

function serialise(t: Tree | string, quote: string, gap: string): string {
  if (typeof t === "string") return t;
  const q = (v: string) => (quote === "'" ? v.replace(/'/g, "&apos;") : v.replace(/"/g, "&quot;"));
  const attrs = [...(t.xmlns !== undefined ? [["xmlns", t.xmlns] as [string, string]] : []), ...t.attrs].map(([k, v]) => `${gap}${k}${gap === " " ? "" : gap}=${quote}${q(v)}${quote}`).join("");
  // Text next to text would be one run in the document: keep them apart with an element.
  const parts = t.children.map((c) => serialise(c, quote, gap));
  const body = t.children.map((c, i) => (typeof c === "string" && typeof t.children[i - 1] === "string" ? `<sep/>${parts[i]}` : parts[i])).join("");
  return t.children.length === 0 ? `<${t.name}${attrs}${gap}/>` : `<${t.name}${attrs}>${body}</${t.name}${gap === " " ? "" : gap}>`;
}

const plainRecord = fc.tuple(stanzaTree, pick("'", '"'), space).map(([t, quote, gap]) => serialise(t, quote, gap));

test("plain records: the fast path reads every one, exactly as saxes does", (t) => {
  fc.assert(
    fc.property(plainRecord, (xml) => {
      const fast = parseStanzaRecord(xml, "jabber:client", max);
      const ref = reference(xml);
      if (typeof ref === "string") return false; // the generator makes only well-formed records
      t.deepEqual(fast && shape(fast), shape(ref), xml);
      return fast !== undefined;
    }),
    { numRuns: 3000, seed: 5 },
  );
});

const hostile = pick("<", ">", "&", ";", "&#0;", "&#xD800;", "&bogus;", "\r", "\u0001", "\uFFFE", "\uD800", "]]>", "<!-- c -->", "<![CDATA[x]]>", "<?pi x?>", "<!DOCTYPE m>", "p:", "xmlns:p='u' ", " xmlns='http://www.w3.org/XML/1998/namespace'", "é", "'", '"', "/", "=", " ", "\n", "</x>", "<x>");

const mutated = fc.tuple(plainRecord, fc.array(fc.tuple(fc.nat(), fc.nat(3), hostile), { minLength: 1, maxLength: 3 })).map(([xml, edits]) => {
  let s = xml;
  for (const [at, cut, insert] of edits) {
    const i = at % (s.length + 1);
    s = s.slice(0, i) + insert + s.slice(i + cut);
  }
  return s;
});

test("hostile records: whatever the fast path accepts, saxes accepts with the same tree", (t) => {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(mutated, (xml) => {
      const fast = parseStanzaRecord(xml, "jabber:client", max);
      const ref = reference(xml);
      if (typeof ref === "string") refused++;
      if (fast === undefined) return true;
      accepted++;
      t.deepEqual(shape(fast), typeof ref === "string" ? `saxes: ${ref}` : shape(ref), xml);
      return true;
    }),
    { numRuns: 6000, seed: 9 },
  );
  // Both outcomes must be well represented, or the test proves little.
  t.true(accepted > 150, `accepted ${accepted}`);
  t.true(refused > 1000, `refused by saxes ${refused}`);
});

test("fixed cases: left to saxes, or read", (t) => {
  const left = [
    "<message><!-- c --><body/></message>",
    "<message><body><![CDATA[x]]></body></message>",
    "<message xmlns:p='urn:p'><p:x/></message>",
    "<message to='a\nb'/>",
    "<message>\r\n</message>",
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>",
    "<foo/>",
    "<message/><message/>",
    "<message><body>a]]>b</body></message>",
    "<message><body>&nbsp;</body></message>",
    "<message><body>" + "x".repeat(20) + "</body></message>",
  ];
  for (const xml of left) t.is(parseStanzaRecord(xml, "jabber:client", 10), undefined, xml);
  const read = parseStanzaRecord(" <message xmlns='jabber:server' to='b@x' xml:lang='en'><body>a &amp; b</body><x xmlns='urn:x'><y/></x></message> ", "jabber:client", 100);
  t.is(read?.toString(), "<message xmlns='jabber:server' to='b@x' xml:lang='en'><body xmlns='jabber:server'>a &amp; b</body><x xmlns='urn:x'><y xmlns='urn:x'/></x></message>");
});

/** The root's name and attributes as the whole parse gives them (`xmlns` aside). */
function rootTag(e: XmlElement): unknown {
  const { xmlns: _, ...attr } = e.attr;
  return { name: e.name, attr };
}

test("start tags alone: on every plain record, the root's name and attributes as the whole parse reads them", (t) => {
  fc.assert(
    fc.property(plainRecord, (xml) => {
      const whole = parseStanzaRecord(xml, "jabber:client", max)!;
      const tag = readStartTag(xml);
      t.deepEqual(tag && { name: tag.name, attr: { ...tag.attr } }, rootTag(whole), xml);
      return tag !== undefined;
    }),
    { numRuns: 2000, seed: 11 },
  );
});

test("start tags alone: a record cut short anywhere is refused", (t) => {
  fc.assert(
    fc.property(plainRecord, fc.nat(), (xml, at) => {
      const trimmed = xml.trim();
      const cut = trimmed.slice(0, at % trimmed.length);
      t.is(readStartTag(cut), undefined, cut);
      return true;
    }),
    { numRuns: 2000, seed: 12 },
  );
});

test("start tags alone: fixed cases", (t) => {
  const read = readStartTag(" <message type='chat' to='a&amp;b@x' xmlns='jabber:server'><body><x></message>\n");
  t.deepEqual(read && { name: read.name, attr: { ...read.attr } }, { name: "message", attr: { type: "chat", to: "a&b@x" } });
  t.is(readStartTag("<presence to='a@x'/>")?.attr.to, "a@x");
  t.is(readStartTag("<presence to='a@x'></presence  >")?.name, "presence");
  const refused = [
    "<presence to='a@x'/><presence/>",
    "<message to='a@x'><body>hi</body></messag>",
    "<message to='a@x'><body>hi</body>",
    "<message to='a@x' to='b@x'/>",
    "<message to='a\nb'/>",
    "<message xmlns:p='u' p:a='b'/>",
    "<message to='a&nbsp;'/>",
    "message/>",
  ];
  for (const xml of refused) t.is(readStartTag(xml), undefined, xml);
});
