import type { CliIo } from "./io.js";

/** A progress line on stderr for long runs (only when stderr is a terminal): stanzas, rate, ETA. */
export class Progress {
  private read = 0;
  private count = 0;
  private readonly started = Date.now();
  private last = 0;

  constructor(
    private readonly io: CliIo,
    private readonly total: number,
    /** What the line is about, when a run has more than one pass. */
    private readonly label = "",
  ) {}

  bytes(n: number): void {
    this.read += n;
  }

  /** Counts stanzas handled (a batch at a time: the line is redrawn at most five times a second). */
  stanzas(n: number): void {
    this.count += n;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = this.count / Math.max(seconds, 0.001);
    const fraction = this.total > 0 ? Math.min(1, this.read / this.total) : 0;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : 0;
    const width = 24;
    const bar = "#".repeat(Math.round(fraction * width)).padEnd(width, ".");
    this.line = `\r${this.label}[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${this.count} stanzas  ${Math.round(rate)}/s  ETA ${Math.ceil(eta)}s `;
    this.io.stderr(this.line);
  }

  /** The line last drawn, to draw again after other output. */
  private line = "";

  /**
   * Something else is written to the terminal (a skipped record, a stanza's line on a stdout that
   * is the same terminal): the progress line is cleared first and drawn again below it, so the
   * two never share a line.
   */
  interrupt(write: () => void): void {
    if (this.line === "") return write();
    this.io.stderr("\r\u001b[K");
    write();
    this.io.stderr(this.line);
  }

  done(): void {
    if (this.line !== "") this.io.stderr("\r\u001b[K");
    this.line = "";
  }
}
