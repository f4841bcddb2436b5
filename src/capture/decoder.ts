import type { TrafficItem } from "../sim/traffic.js";
import type { Line } from "./lines.js";

/**
 * A capture format's reader: fed lines synchronously, it appends what they hold (stanzas, bad
 * records) to `out`. Synchronous on purpose: a replay handles millions of records, and a chain of
 * async generators costs more per record than simulating it.
 */
export interface CaptureDecoder {
  line(line: Line, out: TrafficItem[]): void;
  /**
   * The end of the input. `brokenOff`: it stops at damaged compressed data, the unfinished last
   * line dropped: what is complete is handed on, but checks of a file's end do not apply.
   */
  end(out: TrafficItem[], brokenOff: boolean): void;
}
