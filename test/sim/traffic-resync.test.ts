import test from "ava";
import { join } from "node:path";
import { readCapture } from "../../src/capture/read-capture.js";
import { RecordParser, readTrafficText, TrafficReader, type TrafficItem } from "../../src/sim/traffic.js";
import { runIn, workdir } from "../helpers/cli.js";
import { inPieces, readXmlLineByLine as lineByLine } from "../helpers/xml-capture.js";

/**
 * A stanza left open (a capture's line cut off) ends where a line begins the next stanza, rather
 * than swallowing the rest of the file (src/sim/traffic.ts, TrafficReader, on resynchronising).
 * Well-formed captures must read exactly as without that; broken ones lose the broken stanza only.
 */

/** The reader as it was before resynchronising (records still read this way). */
function withoutResync(text: string): TrafficItem[] {
  const reader = new TrafficReader("c.xml", 1 << 20, false);
  return [...reader.write(text), ...reader.end()];
}



const summary = (items: readonly TrafficItem[]) => items.map((i) => (i.kind === "stanza" ? `${i.line}:${i.column} ${i.stanza.name} ${i.stanza.attr.to ?? i.stanza.attr.id ?? ""}` : `${i.line}:${i.column} ${i.message}`));

const S = "xmlns:stream='http://etherx.jabber.org/streams'";
const carbon = (to: string) => `<message from='a@example.org' to='a@example.org/phone'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='b@example.org/x' to='${to}' type='chat'><body>hi</body></message></forwarded></received></message>`;
const mam = (id: string) => `<message to='a@example.org/phone'><result xmlns='urn:xmpp:mam:2' queryid='q' id='${id}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-25T10:00:00Z'/><message xmlns='jabber:client' from='b@example.org/x' to='a@example.org'><body>old</body></message></forwarded></result></message>`;

// Well-formed captures: nested stanzas in every layout, and lines that look like the next stanza but are not.
const wellFormed: [title: string, text: string, problems?: number][] = [
  ["carbons and MAM results, one stanza a line", [carbon("a@example.org"), mam("r1"), carbon("c@example.org"), "<iq type='result' id='q'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>", mam("r2")].join("\n") + "\n"],
  [
    "a pretty-printed carbon: the forwarded message indented deeper",
    "<message from='a@example.org' to='a@example.org/phone'>\n  <received xmlns='urn:xmpp:carbons:2'>\n    <forwarded xmlns='urn:xmpp:forward:0'>\n      <message xmlns='jabber:client' from='b@example.org/x' to='a@example.org'>\n        <body>hi</body>\n      </message>\n    </forwarded>\n  </received>\n</message>\n<message to='after@example.org'/>\n",
  ],
  [
    "a carbon written without indentation: the forwarded message at column 1",
    "<message from='a@example.org' to='a@example.org/phone'>\n<received xmlns='urn:xmpp:carbons:2'>\n<forwarded xmlns='urn:xmpp:forward:0'>\n<message xmlns='jabber:client' from='b@example.org/x' to='a@example.org'>\n<body>hi</body>\n</message>\n</forwarded>\n</received>\n</message>\n<message to='after@example.org'/>\n",
  ],
  [
    "a MAM result without indentation: the message after the forwarded's delay",
    "<message to='a@example.org/phone'>\n<result xmlns='urn:xmpp:mam:2' id='r1'>\n<forwarded xmlns='urn:xmpp:forward:0'>\n<delay xmlns='urn:xmpp:delay' stamp='2026-11-25T10:00:00Z'/>\n<message xmlns='jabber:client' to='a@example.org'><body>old</body></message>\n</forwarded>\n</result>\n</message>\n",
  ],
  [
    "a pretty-printed stream: stanzas indented, a forwarded one deeper",
    `<stream:stream xmlns='jabber:client' ${S}>\n  <message to='a@example.org'>\n    <body>one</body>\n  </message>\n  <message from='a@example.org' to='a@example.org/r'>\n    <sent xmlns='urn:xmpp:carbons:2'>\n      <forwarded xmlns='urn:xmpp:forward:0'>\n        <message xmlns='jabber:client' to='b@example.org'/>\n      </forwarded>\n    </sent>\n  </message>\n  <presence/>\n</stream:stream>\n`,
  ],
  [
    "an extension's own <message> element (its namespace on its tag) at column 1 in a stanza",
    "<message to='a@example.org'>\n<message xmlns='urn:example:ext'>not a stanza</message>\n<body>x</body>\n</message>\n<iq type='get' id='1'>\n<iq xmlns='urn:example:ext'/>\n</iq>\n",
  ],
  ["the same with its namespace on the next line of its start tag", "<message to='a@example.org'>\n<message\n  xmlns='urn:example:ext'>not a stanza</message>\n</message>\n"],
  [
    "stanza lines inside comments, CDATA and a processing instruction in a stanza",
    "<message to='a@example.org'><!--\n<message to='in-comment@example.org'/>\n--><body><![CDATA[\n<message to='in-cdata@example.org'/>\n]]></body><?pi\n<message to='in-pi@example.org'/>\n?></message>\n<message to='after@example.org'/>\n",
  ],
  [
    "<traffic> and <event> wrappers, pretty-printed, a pubsub <event> at the wrapper's column",
    "<traffic xmlns='urn:stanzafw:traffic:0' step='1s'>\n<event origin='s2s:pubsub.example.org'>\n<message xmlns='jabber:client' from='pubsub.example.org' to='a@example.org'>\n<event xmlns='http://jabber.org/protocol/pubsub#event'>\n<items node='n'><item id='1'><message xmlns='jabber:client' to='x@example.org'><body>payload</body></message></item></items>\n</event>\n</message>\n</event>\n<event time='+5s'>\n  <message xmlns='jabber:client' to='b@example.org'/>\n</event>\n</traffic>\n",
  ],
  [
    "prefixed wrappers, one event a line, with carbons inside",
    `<t:traffic xmlns:t='urn:stanzafw:traffic:0'>\n<t:event origin='c2s:a@example.org/r'>${carbon("b@example.org")}</t:event>\n<t:event origin='s2s:r.example' time='+1s'><message from='x@r.example' to='a@example.org'/></t:event>\n</t:traffic>\n`,
  ],
  ["start tags over two lines", "<message to='a@example.org'\n  type='chat'>\n<body\n>x</body>\n</message>\n<message\n to='b@example.org'/>\n"],
  ["CRLF line ends", "<message to='a@example.org'>\r\n<body>x</body>\r\n</message>\r\n" + carbon("c@example.org") + "\r\n"],
  ["stanzas inside an unknown top-level element (a BOSH body) are left to it", "<body xmlns='http://jabber.org/protocol/httpbind'>\n<message to='a@example.org'/>\n<message to='b@example.org'/>\n</body>\n", 1],
];

for (const [title, text, problems = 0] of wellFormed) {
  test(`a well-formed capture reads exactly as without resynchronising: ${title}`, async (t) => {
    const items = readTrafficText(text, "c.xml");
    t.deepEqual(items, withoutResync(text));
    t.is(items.filter((i) => i.kind === "problem").length, problems, summary(items).join("\n"));
    t.deepEqual(await lineByLine(text.replace(/\r\n/g, "\n")), readTrafficText(text.replace(/\r\n/g, "\n"), "c.xml"));
  });
}

/** Well-formed captures made up at random: XMPP stanzas nesting forwarded ones, in every layout. */
function randomCapture(tape: readonly number[]): string {
  let n = 0;
  const pick = (k: number) => (tape.length === 0 ? 0 : tape[n++ % tape.length]! % k);
  const layout = pick(3); // 0: one stanza a line, 1: pretty-printed, 2: one element a line, unindented
  const nl = (depth: number) => (layout === 0 ? "" : `\n${layout === 1 ? "  ".repeat(depth) : ""}`);
  const stanza = (depth: number, inner: boolean): string => {
    const name = ["message", "presence", "iq"][pick(3)]!;
    const open = `<${name}${inner ? " xmlns='jabber:client'" : ""} to='u${pick(9)}@example.org'${name === "iq" ? " type='get' id='i'" : ""}>`;
    const children: string[] = [];
    for (let c = pick(4); c > 0; c--) {
      const d = depth + 1;
      switch (pick(6)) {
        case 0:
          children.push(`${nl(d)}<body>text ${pick(99)}</body>`);
          break;
        case 1:
          if (depth < 6) children.push(`${nl(d)}<received xmlns='urn:xmpp:carbons:2'>${nl(d + 1)}<forwarded xmlns='urn:xmpp:forward:0'>${nl(d + 2)}${stanza(d + 2, true)}${nl(d + 1)}</forwarded>${nl(d)}</received>`);
          break;
        case 2:
          children.push(`${nl(d)}<body><![CDATA[\n<message to='cdata@example.org'>\n]]></body>`);
          break;
        case 3:
          children.push(`${nl(d)}<!--\n<message to='comment@example.org'>\n-->`);
          break;
        case 4:
          children.push(`${nl(d)}<message xmlns='urn:example:ext'>${nl(d + 1)}<x/>${nl(d)}</message>`);
          break;
        default:
          if (depth < 6) children.push(`${nl(d)}<result xmlns='urn:xmpp:mam:2' id='r'><forwarded xmlns='urn:xmpp:forward:0'>${nl(d + 1)}<delay xmlns='urn:xmpp:delay' stamp='2026-11-25T10:00:00Z'/>${nl(d + 1)}${stanza(d + 1, true)}</forwarded></result>`);
      }
    }
    return `${open}${children.join("")}${nl(depth)}</${name}>`;
  };
  const wrapper = pick(3);
  const depth = wrapper === 0 ? 0 : 1;
  const lines = Array.from({ length: 1 + pick(5) }, () => `${layout === 1 ? "  ".repeat(depth) : ""}${stanza(depth, wrapper === 2)}`);
  if (wrapper === 1) return `<stream:stream xmlns='jabber:client' ${S}>\n${lines.join("\n")}\n</stream:stream>\n`;
  if (wrapper === 2) return `<traffic xmlns='urn:stanzafw:traffic:0'>\n${lines.join("\n")}\n</traffic>\n`;
  return `${lines.join("\n")}\n`;
}

test("random well-formed captures with nested forwarded stanzas, in every layout: read exactly as without resynchronising", async (t) => {
  const fc = await import("fast-check");
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (tape) => {
      const text = randomCapture(tape);
      const items = readTrafficText(text, "c.xml");
      t.deepEqual(items, withoutResync(text), text);
      t.false(
        items.some((i) => i.kind === "problem"),
        text,
      );
    }),
    { numRuns: 400, seed: 7 },
  );
});

// Broken captures: what is reported, and which stanzas are read, at which lines.
const broken: [title: string, text: string, expected: string[]][] = [
  [
    "one stanza a line, one cut off in its body",
    "<message to='a@example.org'/>\n<message to='cut@example.org'><body>hi\n<message to='b@example.org'/>\n<presence to='c@example.org'/>\n<iq type='get' id='q' to='example.org'/>\n",
    ["1:1 message a@example.org", "2:1 the stanza is not closed before the next stanza (line 3)", "3:1 message b@example.org", "4:1 presence c@example.org", "5:1 iq example.org"],
  ],
  [
    "a stanza's start tag cut off",
    "<message to='a@exa\n<message to='b@example.org'/>\n<presence to='c@example.org'/>\n",
    ["1:1 the stanza's start tag is not closed before the next stanza (line 2)", "2:1 message b@example.org", "3:1 presence c@example.org"],
  ],
  [
    "a stanza's start tag cut off after an attribute",
    "<message to='a@example.org' \n<message to='b@example.org'/>\n",
    ["1:1 the stanza's start tag is not closed before the next stanza (line 2)", "2:1 message b@example.org"],
  ],
  [
    "cut off in an end tag, and right after a '<'",
    "<message to='a@example.org'><body>hi</bo\n<message to='b@example.org'><body>hi</body><\n<message to='c@example.org'/>\n",
    ["1:1 the stanza is not closed before the next stanza (line 2)", "2:1 the stanza is not closed before the next stanza (line 3)", "3:1 message c@example.org"],
  ],
  [
    "a child's start tag cut off",
    "<message to='a@example.org'><x xmlns='urn:x' a='1\n<message to='b@example.org'/>\n",
    ["1:1 the stanza is not closed before the next stanza (line 2)", "2:1 message b@example.org"],
  ],
  [
    "two cut lines in a row, and the last line cut (reported at the end, as before)",
    "<message to='a@example.org'><body>one\n<message to='b@example.org'><body>two\n<message to='c@example.org'/>\n<message to='d@example.org'><body>",
    ["1:1 the stanza is not closed before the next stanza (line 2)", "2:1 the stanza is not closed before the next stanza (line 3)", "3:1 message c@example.org", "4:1 the stanza is not closed before the end of the file"],
  ],
  [
    "a carbon cut inside the forwarded message's body",
    `${carbon("a@example.org").replace(/<\/body>.*/, "")}\n${carbon("b@example.org")}\n${mam("r1")}\n`,
    ["1:1 the stanza is not closed before the next stanza (line 2)", "2:1 message a@example.org/phone", "3:1 message a@example.org/phone"],
  ],
  [
    "a pretty-printed stanza missing its end, the next one at its column",
    "<message to='a@example.org'>\n  <body>hi</body>\n<message to='b@example.org'>\n  <body>ok</body>\n</message>\n",
    ["1:1 the stanza is not closed before the next stanza (line 3)", "3:1 message b@example.org"],
  ],
  [
    "in a pretty-printed stream: the stanzas' column",
    `<stream:stream xmlns='jabber:server' ${S}>\n  <message to='a@example.org'><body>hi\n  <message to='b@example.org'/>\n  <message xmlns='jabber:client' to='c@example.org'/>\n</stream:stream>\n`,
    ["2:3 the stanza is not closed before the next stanza (line 3)", "3:3 message b@example.org", "4:3 message c@example.org"],
  ],
  [
    "a line at another column is not the next stanza; the next one at the column is",
    "<message to='a@example.org'><body>hi\n   <message to='indented@example.org'/>\n<message to='b@example.org'/>\n",
    ["1:1 the stanza is not closed before the next stanza (line 3)", "3:1 message b@example.org"],
  ],
  [
    "a line whose tag declares another namespace is not the next stanza",
    "<message to='a@example.org'><body>hi</body>\n<message xmlns='urn:example:ext'/>\n<message to='b@example.org'/>\n",
    ["1:1 the stanza is not closed before the next stanza (line 3)", "3:1 message b@example.org"],
  ],
  [
    "one event a line: the event cut off with its stanza ends at the next event",
    "<t:traffic xmlns:t='urn:stanzafw:traffic:0' step='1s'>\n<t:event origin='c2s:a@example.org/r'><message to='cut@example.org'><body>hi\n<t:event origin='s2s:r.example'><message from='x@r.example' to='a@example.org'/></t:event>\n<message to='z@example.org'/>\n</t:traffic>\n",
    ["2:39 the stanza is not closed before the next event (line 3)", "3:33 message a@example.org", "4:1 message z@example.org"],
  ],
  [
    "an inline expectation on its own line between the cut stanza and the next is the next one's",
    "<!-- expect: pass -->\n<message to='a@example.org'><body>hi\n<!-- expect: drop -->\n<message to='b@example.org'/>\n<message to='c@example.org'/>\n",
    ["2:1 the stanza is not closed before the next stanza (line 4)", "4:1 message b@example.org", "5:1 message c@example.org"],
  ],
  // Where the rule does not apply, the stanza is reported at the end of the file, as before.
  [
    "cut inside an extension element (where XMPP nests stanzas): not resynchronised",
    "<message to='a@example.org'><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>hi\n<message to='b@example.org'/>\n",
    ["1:1 the stanza is not closed before the end of the file"],
  ],
  [
    "cut inside a comment: the lines after it are the comment's",
    "<message to='a@example.org'><!-- hi\n<message to='b@example.org'/>\n",
    ["1:1 the stanza is not closed before the end of the file"],
  ],
];

for (const [title, text, expected] of broken) {
  test(`a stanza left open ends at the next stanza's line: ${title}`, async (t) => {
    const items = readTrafficText(text, "c.xml");
    t.deepEqual(summary(items), expected);
    t.deepEqual(await lineByLine(text), items);
    // Whatever the chunks: each cut near every line start.
    const starts = [...text.matchAll(/\n/g)].map((m) => m.index + 1);
    for (const d of [0, 1, 3, 8]) t.deepEqual(inPieces(text, starts.map((s) => Math.min(text.length, s + d))), items, `cut ${d} after each line start`);
  });
}

test("after a resynchronisation the stream's namespace, the traffic defaults and the enclosing event are kept", (t) => {
  const stream = readTrafficText(`<stream:stream xmlns='jabber:server' ${S}>\n<message to='a@example.org'><body>hi\n<message to='b@example.org'><x xmlns='urn:x'/></message>\n</stream:stream>\n`, "c.xml");
  const good = readTrafficText(`<stream:stream xmlns='jabber:server' ${S}>\n<message to='b@example.org'><x xmlns='urn:x'/></message>\n</stream:stream>\n`, "c.xml");
  const [after] = stream.filter((i) => i.kind === "stanza");
  const [reference] = good.filter((i) => i.kind === "stanza");
  t.is(after?.kind === "stanza" ? after.streamNamespace : "", "jabber:server");
  t.deepEqual(after?.kind === "stanza" ? after.stanza : undefined, reference?.kind === "stanza" ? reference.stanza : undefined);
  t.is(stream.filter((i) => i.kind === "problem").length, 1);

  const traffic = readTrafficText(
    "<traffic xmlns='urn:stanzafw:traffic:0' start='2026-11-25T10:00:00Z' step='2s' origin='s2s:r.example'>\n<event time='+1s' chain='deliver'>\n  <message xmlns='jabber:client' to='a@example.org'><body>cut\n  <message xmlns='jabber:client' to='b@example.org'/>\n</event>\n<message xmlns='jabber:client' to='c@example.org'/>\n<message to='d@example.org'/>\n</traffic>\n",
    "c.xml",
  );
  t.deepEqual(summary(traffic), ["3:3 the stanza is not closed before the next stanza (line 4)", "4:3 message b@example.org", "6:1 message c@example.org", "7:1 <message> without xmlns inside <traffic xmlns='urn:stanzafw:traffic:0'> is in the wrapper's namespace, not a stanza's: give it xmlns='jabber:client' (or give the wrapper's namespace a prefix: xmlns:t='urn:stanzafw:traffic:0')"]);
  const [inEvent, afterEvent] = traffic.filter((i) => i.kind === "stanza");
  t.like(inEvent, { annotations: { time: "+1s", chain: "deliver" }, defaults: { start: "2026-11-25T10:00:00Z", step: "2s", origin: "s2s:r.example" } });
  t.deepEqual(afterEvent?.kind === "stanza" ? afterEvent.annotations : undefined, {});
  t.like(afterEvent, { defaults: { step: "2s" } });
});

test("a long capture with cut lines: every other stanza is read, at its own line, line by line as a whole", async (t) => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `<message to='u${i + 1}@example.org' id='m${i + 1}'><body>${i + 1}</body></message>`);
  const cut = new Map<number, string>([
    [3, "<message to='cut@example.org'><body>hi"],
    [5000, "<message to='cut@exa"],
    [12_345, carbon("x@example.org").replace(/<\/body>.*/, "")],
    [15_000, "<message to='cut@example.org'><body>15000</body></mess"],
    [19_999, "<presence to='cut@example.org'><status>away"],
  ]);
  for (const [line, text] of cut) lines[line - 1] = text;
  const text = `${lines.join("\n")}\n`;
  const items = await lineByLine(text);
  t.deepEqual(items, readTrafficText(text, "c.xml"));
  const stanzas = items.filter((i) => i.kind === "stanza");
  t.is(stanzas.length, 20_000 - cut.size);
  t.true(stanzas.every((i) => i.kind === "stanza" && i.stanza.attr.to === `u${i.line}@example.org`));
  t.deepEqual(
    items.filter((i) => i.kind === "problem").map((i) => `${i.line} ${i.kind === "problem" ? i.message : ""}`),
    [...cut.keys()].map((line) => `${line} the stanza${cut.get(line)!.includes(">") ? " is" : "'s start tag is"} not closed before the next stanza (line ${line + 1})`),
  );
});

test("sim: the stanzas after a cut line are simulated, each at its line", async (t) => {
  const rules = 'target prosody "0.12"\nchain deliver {\n  rule spam {\n    when body contains "casino"\n    then bounce policy-violation "no"\n  }\n}\n';
  const traffic = ["<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>", "<message from='x@remote.example/r' to='alice@example.org'><body>cut of", "<message from='x@remote.example/r' to='alice@example.org'><body>casino</body></message>", "<message from='x@remote.example/r' to='alice@example.org'><body>hi</body></message>"].join("\n");
  const dir = workdir({ "r.sfw": rules, "t.xml": `${traffic}\n`, "w.json": '{"hosts": ["example.org"]}' });
  const r = await runIn(dir, ["sim", "r.sfw", "--traffic", "t.xml", "--world", "w.json"]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^t\.xml:1 {2}bounce/m);
  t.regex(r.stdout, /t\.xml:2:1: skipped: the stanza is not closed before the next stanza \(line 3\)/);
  t.regex(r.stdout, /^t\.xml:3 {2}bounce/m);
  t.regex(r.stdout, /^t\.xml:4 {2}pass/m);
  t.regex(r.stdout, /^3 stanzas: 1 pass, 2 bounce; 1 skipped \(malformed input\)$/m);
});

test("records (log lines, JSON lines) are parsed one at a time: a cut record is reported as before, the next ones are read", async (t) => {
  const parser = new RecordParser("r.log");
  t.like(parser.parseWithSaxes("<message to='a@example.org'><body>hi\n<message to='b@example.org'/>"), { kind: "problem", message: "the stanza is not complete" });
  t.like(parser.parse("<message to='b@example.org'/>"), { kind: "stanza", stanza: { name: "message", attr: { to: "b@example.org" } } });
  const dir = workdir({
    "c.jsonl": [JSON.stringify({ xml: "<message to='a@example.org'><body>cut" }), JSON.stringify({ xml: "<message to='b@example.org'/>" }), JSON.stringify({ xml: "<message to='c@example.org'>\n<body>x\n<message to='d@example.org'/>" }), JSON.stringify({ xml: "<presence to='e@example.org'/>" })].join("\n"),
    "p.log": ["Nov 25 10:00:00 s2sin1\tdebug\tRECV: <message from='x@r.example' to='a@example.org'><body>cut", "Nov 25 10:00:01 s2sin1\tdebug\tRECV: <message from='x@r.example' to='b@example.org'/>"].join("\n"),
  });
  const read = async (name: string) => {
    const out: TrafficItem[] = [];
    for await (const i of readCapture(join(dir, name), name)) out.push(i);
    return out.map((i) => (i.kind === "stanza" ? `${i.line} ${i.stanza.attr.to}` : `${i.line} problem`));
  };
  t.deepEqual(await read("c.jsonl"), ["1 problem", "2 b@example.org", "3 problem", "4 e@example.org"]);
  t.deepEqual(await read("p.log"), ["1 problem", "2 b@example.org"]);
});
