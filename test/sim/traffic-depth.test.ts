import test from "ava";
import { join } from "node:path";
import { SaxesParser } from "saxes";
import { readCapture } from "../../src/capture/read-capture.js";
import { parseStanzaRecord } from "../../src/sim/stanza-fast-path.js";
import { RecordParser, readTrafficText, TrafficReader, type TrafficItem } from "../../src/sim/traffic.js";
import { maxStanzaDepth, type XmlElement } from "../../src/sim/xml.js";
import { runIn, workdir } from "../helpers/cli.js";
import { inPieces, readXmlLineByLine as lineByLine } from "../helpers/xml-capture.js";

/**
 * A stanza nested deeper than maxStanzaDepth is a bad record (src/sim/traffic.ts, TrafficReader,
 * checkDepth): reported at its start and skipped to its end tag (src/sim/end-tag-scanner.ts), and
 * reading goes on right after it; one never closed ends at the next line that begins a stanza, as
 * a stanza never closed does. saxes is stopped at the deep start tag: each element costs it a walk
 * over all those open, so going on through 100,000 levels took minutes.
 */

const N = maxStanzaDepth;

/** A stanza whose elements nest `depth` deep (the stanza counted), with its `to`. */
function deep(depth: number, to: string, open = "<a>", close = "</a>"): string {
  return `<message to='${to}'><body>hi</body>${open.repeat(depth - 1)}${close.repeat(depth - 1)}</message>`;
}

/** The depth of a tree. */
function depthOf(e: XmlElement): number {
  let max = 0;
  for (const c of e.children) if (typeof c !== "string") max = Math.max(max, depthOf(c));
  return max + 1;
}

const summary = (items: readonly TrafficItem[]) => items.map((i) => (i.kind === "stanza" ? `${i.line}:${i.column} ${i.stanza.name} ${i.stanza.attr.to ?? ""}` : `${i.line}:${i.column} ${i.message}`));

/** The message for a stanza too deep whose level N+1 begins at `line`, `column`. */
const tooDeep = (line: number, column: number) => `the stanza is nested deeper than ${N} elements (level ${N + 1} begins at line ${line}, column ${column}); it is skipped to its end tag (or, if it is never closed, to the next line that begins a stanza)`;

/** The same for another element, said at the start tag of level N+1. */
const tooDeepIn = (name: string, line: number, column: number) => `elements are nested deeper than ${N} in <${name}> (line ${line}, column ${column}); it is skipped to its end tag (or, if it is never closed, to the next line that begins a stanza)`;

/** Where level N+1 begins in {@link deep}'s stanza written at `column`, `to` its `to`. */
const levelColumn = (column: number, to: string) => column + `<message to='${to}'><body>hi</body>`.length + 3 * (N - 1);


test(`a stanza ${N} deep is read as before, by the fast path and by saxes`, async (t) => {
  const text = `${deep(N, "a@example.org")}\n${deep(N, "b@example.org", "<b xmlns='urn:x'>", "</b>")}\n`;
  const items = readTrafficText(text, "c.xml");
  t.deepEqual(summary(items), ["1:1 message a@example.org", "2:1 message b@example.org"]);
  t.true(items.every((i) => i.kind === "stanza" && depthOf(i.stanza) === N));
  t.deepEqual(await lineByLine(text), items);
  t.truthy(parseStanzaRecord(deep(N, "a@example.org"), "jabber:client", 1 << 20));
  t.is(parseStanzaRecord(deep(N + 1, "a@example.org"), "jabber:client", 1 << 20), undefined);
});

const S = "xmlns:stream='http://etherx.jabber.org/streams'";

// Captures with a record too deep: what is read, and where.
const cases: [title: string, text: string, expected: string[]][] = [
  [
    "one stanza a line",
    `${deep(2, "a@example.org")}\n${deep(N + 1, "b@example.org")}\n${deep(N, "c@example.org")}\n<presence to='d@example.org'/>\n`,
    ["1:1 message a@example.org", `2:1 ${tooDeep(2, levelColumn(1, "b@example.org"))}`, "3:1 message c@example.org", "4:1 presence d@example.org"],
  ],
  [
    "in a pretty-printed stream: skipped to its end tag, the stanzas after it read at any column; the stream goes on",
    `<stream:stream xmlns='jabber:client' ${S}>\n  <message to='a@example.org'>\n    ${"<a>".repeat(N)}\n    ${"</a>".repeat(N)}\n  </message>\n   <message to='indented@example.org'/>\n  <message to='b@example.org'>\n    <body>ok</body>\n  </message>\n</stream:stream>\n`,
    [`2:3 ${tooDeep(3, 5 + 3 * (N - 1))}`, "6:4 message indented@example.org", "7:3 message b@example.org"],
  ],
  [
    "stanzas on the same line, before and after it, each at its column",
    `<message to='a@example.org'/>${deep(N + 1, "b@example.org")}<presence to='c@example.org'/> <iq to='d@example.org' type='get' id='1'/>\n<message to='e@example.org'/>\n`,
    ["1:1 message a@example.org", `1:30 ${tooDeep(1, levelColumn(30, "b@example.org"))}`, `1:${30 + deep(N + 1, "b@example.org").length} presence c@example.org`, `1:${61 + deep(N + 1, "b@example.org").length} iq d@example.org`, "2:1 message e@example.org"],
  ],
  [
    // Only markup counts: `<` and `>` in values, comments, CDATA and processing instructions do not, nor a self-closed element.
    "its end found past markup that holds tags' characters",
    `<message to='b@example.org'><body>hi</body>${`<a x='</a>' y="/>">`.repeat(N)}<!-- </a></a> --><![CDATA[</a>]]><?pi </a>?><e/><f\n/>${"</a >".repeat(N)}</message><message to='c@example.org'/>\n`,
    [`1:1 ${tooDeep(1, 1 + "<message to='b@example.org'><body>hi</body>".length + (N - 1) * `<a x='</a>' y="/>">`.length)}`, `2:${"/>".length + N * "</a >".length + "</message>".length + 1} message c@example.org`],
  ],
  [
    // Columns count characters, as the XML parser does: a character outside the BMP is one.
    "characters outside the BMP in the part skipped: the next stanza's column counts each as one",
    `${deep(N + 1, "b@example.org", "<a t='\u{1F600}'>")}<message to='c@example.org'/>\n`,
    [`1:1 ${tooDeep(1, 1 + "<message to='b@example.org'><body>hi</body>".length + (N - 1) * "<a t='x'>".length)}`, `1:${1 + deep(N + 1, "b@example.org", "<a t='x'>").length} message c@example.org`],
  ],
  [
    "two deep stanzas on a line, a comment after the first: the stanza after the second is read",
    `${deep(N + 1, "a@example.org")}<!-- not an expectation -->${deep(N + 1, "b@example.org")}<message to='c@example.org'/>\n`,
    [`1:1 ${tooDeep(1, levelColumn(1, "a@example.org"))}`, `1:${1 + deep(N + 1, "a@example.org").length + 27} ${tooDeep(1, levelColumn(1 + deep(N + 1, "a@example.org").length + 27, "b@example.org"))}`, `1:${1 + deep(N + 1, "a@example.org").length + 27 + deep(N + 1, "b@example.org").length} message c@example.org`],
  ],
  [
    // End tags are counted, not matched: one too many ends the record early, and saxes reports the stray one.
    "an end tag too many: the record ends early, the stanza after it is read",
    `<message to='a@example.org'>${"<a>".repeat(N)}${"</a>".repeat(N + 1)}</message><message to='b@example.org'/>\n<message to='c@example.org'/>\n`,
    // The record ends after the (N + 1)th `</a>`; saxes tells of the stray `</message>` where it ends.
    [`1:1 ${tooDeep(1, 29 + 3 * (N - 1))}`, `1:${28 + 7 * N + 4 + 10} unmatched closing tag: message.`, `1:${28 + 7 * N + 4 + 10 + 1} message b@example.org`, "2:1 message c@example.org"],
  ],
  [
    // One too few: never closed, it holds the rest of its line, as a stanza left open does.
    "an end tag too few: never closed, it ends at the next line that begins a stanza",
    `<message to='a@example.org'>${"<a>".repeat(N)}${"</a>".repeat(N - 1)}</message><message to='b@example.org'/>\n<message to='c@example.org'/>\n`,
    [`1:1 ${tooDeep(1, 29 + 3 * (N - 1))}`, "2:1 message c@example.org"],
  ],
  [
    "the deep part over many lines, at the stanza's column (not a stanza)",
    `<message to='a@example.org'>\n${"<a>\n".repeat(N + 10)}${"</a>\n".repeat(N + 10)}</message>\n<message to='b@example.org'/>\n`,
    [`1:1 ${tooDeep(N + 1, 1)}`, `${2 * N + 23}:1 message b@example.org`],
  ],
  [
    "one event a line: the next event's line",
    `<t:traffic xmlns:t='urn:stanzafw:traffic:0' step='1s'>\n<t:event origin='c2s:a@example.org/r'>${deep(N + 1, "b@example.org")}</t:event>\n<t:event origin='s2s:r.example'><message from='x@r.example' to='c@example.org'/></t:event>\n</t:traffic>\n`,
    [`2:39 ${tooDeep(2, levelColumn(39, "b@example.org"))}`, "3:33 message c@example.org"],
  ],
  [
    "the last record of the file: nothing else is reported",
    `<traffic xmlns='urn:stanzafw:traffic:0'>\n<message xmlns='jabber:client' to='a@example.org'/>\n${deep(N + 1, "b@example.org").replace("<message ", "<message xmlns='jabber:client' ")}\n</traffic>\n`,
    ["2:1 message a@example.org", `3:1 ${tooDeep(3, levelColumn(1, "b@example.org") + " xmlns='jabber:client'".length)}`],
  ],
  [
    "a top-level element that is not a stanza",
    `<foo>${"<a>".repeat(N)}${"</a>".repeat(N)}</foo>\n<message to='b@example.org'/>\n`,
    ["1:1 <foo> is not a stanza (message, presence or iq) and is skipped", `1:${6 + 3 * (N - 1)} ${tooDeepIn("foo", 1, 1)}`, "2:1 message b@example.org"],
  ],
  [
    // Only a stream, traffic and event element are not counted; reading would go on at a line at the third event's column.
    "wrappers in wrappers: counted from the third",
    `<traffic xmlns='urn:stanzafw:traffic:0'>${"<event>".repeat(N + 3)}\n<message xmlns='jabber:client' to='b@example.org'/>\n`,
    [`1:${41 + 7 * (N + 2)} ${tooDeepIn("event", 1, 55)}`],
  ],
];

for (const [title, text, expected] of cases) {
  test(`a stanza nested deeper than ${N} elements is skipped: ${title}`, async (t) => {
    const items = readTrafficText(text, "c.xml");
    t.deepEqual(summary(items), expected);
    t.deepEqual(await lineByLine(text), items);
    const starts = [...text.matchAll(/\n/g)].map((m) => m.index + 1);
    for (const d of [0, 1, 3, 8]) t.deepEqual(inPieces(text, starts.map((s) => Math.min(text.length, s + d))), items, `cut ${d} after each line start`);
  });
}

test("skipped to its end tag in pieces of any size: the scanner carries what a piece ends in the middle of", (t) => {
  const deepPart = `<a x='</a>' y="/>" z="a > b">`.repeat(N) + `<!-- </a></a> - -- --><![CDATA[</a> ]] ]]]><?pi </a> ? ?><!DOCTYPE x><e/><f\n/><g\r\n/>` + "</a >".repeat(N);
  const text = `<message to='b@example.org'><body>hi</body>${deepPart}</message><message to='c@example.org'/><presence to='d@example.org'/>\n`;
  const whole = readTrafficText(text, "c.xml");
  t.deepEqual(
    summary(whole).map((s) => s.replace(/ \(level.*/, "")),
    ["1:1 the stanza is nested deeper than 256 elements", `3:${5 * N + 13} message c@example.org`, `3:${5 * N + 42} presence d@example.org`],
  );
  // Every character of the part the scanner reads a piece of its own, then pieces of 2 to 9.
  const from = text.indexOf("<a ") + (N - 1) * 28;
  for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    const cuts: number[] = [];
    for (let c = from; c < text.length; c += size) cuts.push(c);
    t.deepEqual(inPieces(text, cuts), whole, `pieces of ${size}`);
  }
});

/** Counts the start tags saxes reads (its `opentagstart` events) while `run` runs. */
function startTagsRead(run: () => void): number {
  type On = (this: unknown, name: string, handler: (...args: unknown[]) => void) => void;
  const proto = SaxesParser.prototype as unknown as { on: On };
  const on = proto.on;
  let n = 0;
  proto.on = function (name, handler) {
    on.call(this, name, name === "opentagstart" ? (...args) => (n++, handler(...args)) : handler);
  };
  try {
    run();
  } finally {
    proto.on = on;
  }
  return n;
}

const levels = 100_000;
const huge = `<message from='a@x.example/r' to='b@example.org'><body>hi</body>${"<a>".repeat(levels)}${"</a>".repeat(levels)}</message>`;

test(`${levels} levels in one line: saxes is stopped at level ${N + 1}, and the next stanza is read`, (t) => {
  const items: TrafficItem[] = [];
  // Each element read costs saxes a walk over those open: stopping at level N + 1 bounds the work.
  const read = startTagsRead(() => {
    const reader = new TrafficReader("c.xml");
    items.push(...reader.writeLine(huge), ...reader.writeLine("<message to='c@example.org'><body>next</body></message>"), ...reader.end());
  });
  t.deepEqual(summary(items), [`1:1 ${tooDeep(1, 64 + 3 * (N - 1) + 1)}`, "2:1 message c@example.org"]);
  // The stanza, its body, the <a>s down to level N + 1; the next line is between stanzas again, and read by the fast path.
  t.is(read, N + 2);
  const records = startTagsRead(() => t.like(new RecordParser("r.log").parse(huge), { kind: "problem", message: `the stanza is nested deeper than ${N} elements` }));
  t.is(records, N + 2);
});

test(`sim: a record ${levels} levels deep is reported and skipped in every capture format, the next stanza simulated`, async (t) => {
  const next = "<message from='c@x.example/r' to='b@example.org'><body>next</body></message>";
  const dir = workdir({
    "r.sfw": 'target prosody "0.12"\nchain deliver {\n  rule spam {\n    when body contains "casino"\n    then bounce policy-violation "no"\n  }\n}\n',
    "w.json": '{"hosts": ["example.org"]}',
    "t.xml": `${huge}\n${next}\n`,
    "t.jsonl": `${JSON.stringify({ xml: huge, direction: "in" })}\n${JSON.stringify({ xml: next, direction: "in" })}\n`,
    "t.log": `Nov 25 10:00:00 s2sin1\tdebug\tRECV: ${huge}\nNov 25 10:00:01 s2sin1\tdebug\tRECV: ${next}\n`,
  });
  for (const file of ["t.xml", "t.jsonl", "t.log"]) {
    const r = await runIn(dir, ["sim", "r.sfw", "--traffic", file, "--world", "w.json"]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^${file.replace(".", "\\.")}:1:1: skipped: (malformed stanza: )?the stanza is nested deeper than ${N} elements`, "m"), file);
    t.regex(r.stdout, new RegExp(`^${file.replace(".", "\\.")}:2 {2}pass .*"next"`, "m"), file);
    t.regex(r.stdout, /^1 stanza: 1 pass; 1 skipped \(malformed input\)$/m, file);
  }
  // The same read without the command line.
  const items: TrafficItem[] = [];
  for await (const i of readCapture(join(dir, "t.jsonl"), "t.jsonl")) items.push(i);
  t.deepEqual(
    items.map((i) => `${i.line} ${i.kind}`),
    ["1 problem", "2 stanza"],
  );
});
