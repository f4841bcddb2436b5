import test from "ava";
import { readTrafficText } from "../../src/sim/traffic.js";
import { readXmlLineByLine as lineByLine } from "../helpers/xml-capture.js";

/**
 * XML captures are read a line at a time, and a line holding one stanza between stanzas goes to
 * the fast path instead of saxes. Whatever the capture, the items must be those of saxes reading
 * the whole text (readTrafficText), positions and annotations included.
 */

const S = "xmlns:stream='http://etherx.jabber.org/streams'";

const captures: [string, string][] = [
  ["one stanza a line, comments as annotations", "<!-- expect: drop -->\n<message to='a@example.org' type='chat'><body>hi &amp; bye</body></message>\n<presence from='b@remote.example/r' to='a@example.org'/>\n  \t<iq type='get' id='1' to='example.org'><query xmlns='jabber:iq:version'/></iq>   \n\n<!-- expect: pass -->\n<message to='a@example.org'/>\n"],
  ["an XML declaration and a byte-order mark first", "\uFEFF<?xml version='1.0'?>\n<message to='a@example.org'/>\n<message to='b@example.org'/>\n"],
  ["a server stream: its namespace, foreign stanzas", `<stream:stream xmlns='jabber:server' ${S} to='example.org'>\n<message from='x@r.example/y' to='a@example.org'><body>1</body></message>\n<message xmlns='jabber:client' to='a@example.org'><body>2</body></message>\n<iq type='set' id='3'><x xmlns='urn:x'><y/></x></iq>\n</stream:stream>\n`],
  ["a component stream", `<stream:stream xmlns='jabber:component:accept' ${S}>\n<message to='a@example.org'/>\n</stream:stream>\n`],
  ["a stream with an unknown default namespace: nothing is a stanza", `<stream:stream xmlns='urn:other' ${S}>\n<message to='a@example.org'/>\n<message xmlns='jabber:client' to='a@example.org'/>\n</stream:stream>\n`],
  ["traffic with its namespace as default: stanzas must declare theirs", "<traffic xmlns='urn:stanzafw:traffic:0' start='2026-11-25T10:00:00Z' step='1s'>\n<message to='a@example.org'/>\n<message xmlns='jabber:client' to='a@example.org'><body>x</body></message>\n<!-- expect: bounce -->\n<message xmlns='jabber:client' to='b@example.org'/>\n</traffic>\n"],
  ["traffic with a prefix: stanzas in no namespace", "<t:traffic xmlns:t='urn:stanzafw:traffic:0' step='2s'>\n<message to='a@example.org'/>\n<t:event origin='c2s:a@example.org/r' time='+5s'>\n<message to='b@example.org'/>\n</t:event>\n<t:event origin='s2s:r.example'><message from='x@r.example' to='a@example.org'/></t:event>\n<presence/>\n</t:traffic>\n"],
  ["stanzas over several lines, and lines inside comments and CDATA", "<message to='a@example.org'>\n  <body>two\nlines</body>\n</message>\n<!--\n<message to='commented@example.org'/>\n-->\n<message to='a@example.org'><body><![CDATA[\n<message to='cdata@example.org'/>\n]]></body></message>\n<message to='after@example.org'/>\n"],
  ["a comment holding '>' before its end", "<!-- a > b\n<message to='in-comment@example.org'/>\n-->\n<message to='a@example.org'/>\n"],
  ["broken lines between good ones: errors where saxes puts them", "<message to='a@example.org'/>\n<message to='a@example.org'><body>unclosed</message>\n<message to='b@example.org'/>\n<message to='c@example.org' to='d@example.org'/>\n<message to='e@example.org'/>\n<foo/>\n<message to='f@example.org'/>\n<message to='g@example.org'><body>&nbsp;</body></message>\n<message to='h@example.org'/>\n<message to='truncated@example.org'><body>"],
  ["text at the top level, a processing instruction, two stanzas on a line", "hello\n<message to='a@example.org'/>\n<?pi x?>\n<message to='b@example.org'/><message to='c@example.org'/>\n<message to='d@example.org'/> trailing text\n<message to='e@example.org'/>\n"],
  ["a start tag over two lines", "<message to='a@example.org'\n type='chat'/>\n<message to='b@example.org'/>\n"],
];

for (const [title, text] of captures) {
  test(`XML line by line, as saxes reads it: ${title}`, async (t) => {
    const reference = readTrafficText(text, "c.xml");
    t.true(reference.length > 0);
    t.deepEqual(await lineByLine(text), reference);
  });
}

test("many stanza lines, then a broken one: its line is still the file's", async (t) => {
  const lines = Array.from({ length: 5000 }, (_, i) => `<message to='u${i}@example.org' id='m${i}'><body>${i}</body></message>`);
  lines.splice(4321, 0, "<message to='broken@example.org'><body></message>");
  const text = `${lines.join("\n")}\n`;
  const got = await lineByLine(text);
  t.deepEqual(got, readTrafficText(text, "c.xml"));
  t.deepEqual(
    got.filter((i) => i.kind === "problem").map((i) => i.line),
    [4322],
  );
});

const pieces = [
  "<message to='a@example.org' type='chat'><body>hi</body></message>",
  "<presence from='b@r.example/x' to='a@example.org'/>",
  " <iq type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq> ",
  "<message xmlns='jabber:client' to='a@example.org'/>",
  "<message to='a@example.org'><body>",
  "text</body></message>",
  "</message>",
  "<!-- expect: drop -->",
  "<!-- open",
  "close -->",
  "<![CDATA[",
  "]]>",
  "<t:event xmlns:t='urn:stanzafw:traffic:0' origin='s2s:r.example'>",
  "</t:event>",
  `<stream:stream xmlns='jabber:server' ${S}>`,
  "</stream:stream>",
  "<message to='x@example.org' to='y@example.org'/>",
  "<message to='a@example.org'><body>&bogus;</body></message>",
  "<foo><message to='in-foo@example.org'/></foo>",
  "plain text",
  "",
  "<message to='a@example.org'",
  " type='chat'/>",
  "<?pi?>",
];

test("random captures made of stanza lines and pieces of everything else: line by line as saxes reads them", async (t) => {
  const fc = await import("fast-check");
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 40 }), async (lines) => {
      const text = `${lines.join("\n")}\n`;
      t.deepEqual(await lineByLine(text), readTrafficText(text, "c.xml"), text);
    }),
    { numRuns: 300, seed: 11 },
  );
});

// What is skipped at the top level, and why: the reason names the slip (a stanza's name in the wrong namespace).
const skippedCases: [title: string, text: string, message: RegExp][] = [
  ["a stanza without xmlns in a <traffic> whose namespace is the default", "<traffic xmlns='urn:stanzafw:traffic:0'>\n<message to='a@example.org'/>\n</traffic>\n", /^<message> without xmlns inside <traffic xmlns='urn:stanzafw:traffic:0'> is in the wrapper's namespace, not a stanza's: give it xmlns='jabber:client'/],
  ["the same inside an <event>", "<traffic xmlns='urn:stanzafw:traffic:0'>\n<event time='+1s'><iq type='get' id='1'/></event>\n</traffic>\n", /^<iq> without xmlns inside <traffic/],
  ["a stanza's name in another namespace", "<presence xmlns='urn:other'/>\n", /^<presence> is in the namespace 'urn:other', not a stanza's/],
  ["not a stanza's name", "<foo/>\n", /^<foo> is not a stanza \(message, presence or iq\) and is skipped$/],
];
for (const [title, text, message] of skippedCases) {
  test(`skipped at the top level, with the reason: ${title}`, async (t) => {
    const items = readTrafficText(text, "c.xml");
    t.is(items.length, 1);
    const [item] = items;
    t.is(item?.kind, "problem");
    t.regex(item?.kind === "problem" ? item.message : "", message);
    t.deepEqual(await lineByLine(text), items);
  });
}

test("a stanza whose start tag is malformed is reported and dropped, not simulated as saxes recovered it", async (t) => {
  const text = "<message from='x@r.example/y' <body>lost</body></message>\n<message to='a@example.org'/>\n<presence to='a@example.org' type='error>\n<presence to='b@example.org'/>\n";
  const items = readTrafficText(text, "c.xml");
  // The start tag left open on line 3 (its quote never closed) ends where the next stanza begins.
  t.deepEqual(
    items.filter((i) => i.kind === "stanza").map((i) => (i.kind === "stanza" ? `${i.line} ${i.stanza.attr.to}` : "")),
    ["2 a@example.org", "4 b@example.org"],
  );
  t.deepEqual(items.filter((i) => i.kind === "problem").map((i) => i.line)[0], 1);
  t.deepEqual(items.filter((i) => i.kind === "problem").map((i) => i.line).slice(-1), [3]);
  t.deepEqual(await lineByLine(text), items);
});
