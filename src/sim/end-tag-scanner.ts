/**
 * Finds where an element that the XML parser was stopped in ends, without parsing it: a stanza
 * nested too deep is skipped to its end tag this way (src/sim/traffic.ts), so that what follows
 * it on the same line is read. It counts start and end tags only, at constant cost per character
 * and constant memory, and tells markup from data as XML does: quoted attribute values, comments,
 * CDATA sections and processing instructions may hold `<` and `>`. Names are not matched to
 * their end tags and nothing is checked: the record is reported as bad whatever it holds.
 */

/** Where the scanner stands between two pieces of text. */
type State =
  | "text"
  /** Inside a start tag (its name or attributes); `quote` is the open value's quote, `slash` that the last character was `/`. */
  | "start"
  | "end"
  | "comment"
  | "cdata"
  | "pi"
  /** `<!` followed by anything but a comment or CDATA (a DOCTYPE, malformed here): to the next `>`. */
  | "declaration";

/** How the deep start tag stood where the parser stopped: right after its name and the character that ended it. */
export type StoppedIn = "text" | "start" | "start-slash";

const gt = 0x3e;
const slashCode = 0x2f;

export class EndTagScanner {
  private state: State;
  private quote = 0;
  private slash = false;
  /** The characters of a construct's start or end that the last piece ended in the middle of. */
  private carry = "";

  /**
   * `depth`: how many elements are open, the one whose end is wanted the outermost, the deep
   * one counted; `stoppedIn`: where in the deep start tag the parser stopped.
   */
  constructor(
    private depth: number,
    stoppedIn: StoppedIn,
  ) {
    this.state = stoppedIn === "text" ? "text" : "start";
    this.slash = stoppedIn === "start-slash";
  }

  /**
   * Reads the next piece of text: the index in it just after the `>` that closes the outermost
   * element, or -1 when the piece ends before it (the scanner then goes on with the next piece).
   */
  scan(piece: string): number {
    const s = this.carry === "" ? piece : this.carry + piece;
    const base = this.carry.length;
    this.carry = "";
    let i = 0;
    while (i < s.length) {
      switch (this.state) {
        case "text": {
          const open = s.indexOf("<", i);
          if (open < 0) return -1;
          // `<!` needs up to nine characters to tell a comment, a CDATA section or a declaration apart.
          const next = s.charCodeAt(open + 1);
          if (Number.isNaN(next) || (next === 0x21 && s.length - open < 9 && ("<![CDATA[".startsWith(s.slice(open)) || "<!--".startsWith(s.slice(open))))) {
            this.carry = s.slice(open);
            return -1;
          }
          if (next === slashCode) {
            this.state = "end";
            i = open + 2;
          } else if (next === 0x3f) {
            this.state = "pi";
            i = open + 2;
          } else if (next === 0x21) {
            if (s.startsWith("<!--", open)) {
              this.state = "comment";
              i = open + 4;
            } else if (s.startsWith("<![CDATA[", open)) {
              this.state = "cdata";
              i = open + 9;
            } else {
              this.state = "declaration";
              i = open + 2;
            }
          } else {
            this.state = "start";
            this.quote = 0;
            this.slash = false;
            this.depth++;
            i = open + 1;
          }
          break;
        }
        case "start": {
          for (; i < s.length; i++) {
            const c = s.charCodeAt(i);
            if (this.quote !== 0) {
              if (c === this.quote) this.quote = 0;
            } else if (c === 0x22 || c === 0x27) this.quote = c;
            else if (c === gt) {
              this.state = "text";
              i++;
              if (this.slash && --this.depth === 0) return i - base;
              break;
            }
            this.slash = this.quote === 0 && c === slashCode;
          }
          break;
        }
        case "end":
        case "declaration": {
          const close = s.indexOf(">", i);
          if (close < 0) return -1;
          i = close + 1;
          const ended = this.state === "end";
          this.state = "text";
          if (ended && --this.depth === 0) return i - base;
          break;
        }
        default: {
          const terminator = this.state === "comment" ? "-->" : this.state === "cdata" ? "]]>" : "?>";
          const close = s.indexOf(terminator, i);
          if (close < 0) {
            // The terminator may begin at the end of this piece.
            this.carry = s.slice(Math.max(i, s.length - (terminator.length - 1)));
            return -1;
          }
          i = close + terminator.length;
          this.state = "text";
        }
      }
    }
    return -1;
  }
}
