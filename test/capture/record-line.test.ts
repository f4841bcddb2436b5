import test from "ava";
import fc from "fast-check";
import { recordLine, recordStart } from "../../src/capture/prosody-log.js";

/** What the regular expression says of a line, in recordLine's terms. */
function byRegex(line: string): unknown {
  const m = recordStart.exec(line);
  return m ? { time: m[1] ?? "", session: m[2], direction: m[4], text: m[5] } : undefined;
}

const table: readonly string[] = [
  "Nov 25 10:00:00 s2sin55d0a0\tdebug\tRECV: <message/>",
  "Nov  5 10:00:00 c2s5627f279e470\tdebug\tSEND: <iq type='result'/>",
  "Nov 5 10:00:00 c2s1\tinfo\tRECV: ",
  "Nov 125 10:00:00 c2s1\tdebug\tRECV: <x/>",
  "Nov 25 10:00:0 c2s1\tdebug\tRECV: <x/>",
  "nov 25 10:00:00 c2s1\tdebug\tRECV: <x/>",
  "Nov 25 10:00:00  c2s1\tdebug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s 1\tdebug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s\u00a01\tdebug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s1\tde-bug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s1\tdebug\tRECV:<x/>",
  "Nov 25 10:00:00 c2s1\tdebug\tRECEIVED: <x/>",
  "Nov 25 10:00:00 c2s1\tdebug\tRECV: <body>a\tb</body>",
  "Nov 25 10:00:00 c2s1\t\tRECV: <x/>",
  "Nov 25 10:00:00 \tdebug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s1\tdebug",
  "",
  // Prosody's default timestamp, then a name padded with spaces (the console sink), or nothing after it.
  "Nov 25 10:00:00 c2s1    debug\tRECV: <x/>",
  "Nov 25 10:00:00 25  debug\tRECV: <x/>",
  "Nov 25 10:00:00 ",
  "Nov 25 10:00:00",
  // Other timestamps (any os.date format), none, and the console sink's padded names.
  "2026-11-25 10:00:00 c2s1\tdebug\tRECV: <x/>",
  "c2s1\tdebug\tRECV: <x/>",
  "c2s1                debug\tRECV: <x/>",
  "10:00:00 c2s1      debug\tSEND: <x/>",
  "c2s1 debug\tRECV: <x/>",
  " c2s1\tdebug\tRECV: <x/>",
  "a  b\tdebug\tRECV: <x/>",
  "Nov 25 10:00:00 c2s1\tinfo\tClient disconnected\tdebug\tRECV: <x/>",
  "x\ty c2s1\tdebug\tRECV: <x/>",
];

test("a record's first line is read as the regular expression reads it: a table of edge cases", (t) => {
  for (const line of table) t.deepEqual(recordLine(line), byRegex(line), JSON.stringify(line));
});

test("a record's first line is read as the regular expression reads it: random lines from log-like pieces", (t) => {
  const piece = fc.constantFrom("Nov", "nov", "NOV", " ", "  ", "    ", "5", "25", "125", "10:00:00", "1:00:00", "10:0a:00", "2026-11-25", "c2s1", "s2sin5", "\t", "debug", "info", "RECV: ", "SEND: ", "RECV:", "<message/>", "\u00a0", "\u2028", "x", "_", "-");
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const line = parts.join("");
      t.deepEqual(recordLine(line), byRegex(line), JSON.stringify(line));
      const stamped = `Nov 25 10:00:00 ${line}`;
      t.deepEqual(recordLine(stamped), byRegex(stamped), JSON.stringify(stamped));
    }),
    { numRuns: 3000 },
  );
});
