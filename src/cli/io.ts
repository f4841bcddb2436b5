/** What the CLI may touch of the outside world: injected so tests run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  /** The same for text already encoded as UTF-8 (long outputs are encoded as they are made, not joined first). */
  readonly stdoutBytes?: (bytes: Uint8Array) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Standard input as a stream of bytes, when available. */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
  /** Resolves once what was written to stdout has gone out (backpressure for long outputs). */
  readonly outputDrained?: () => Promise<void>;
  /** Whether stderr is a terminal (colour, progress). */
  readonly stderrIsTty?: boolean;
  /** Whether stdout is a terminal: then what is printed shares it with the progress line. */
  readonly stdoutIsTty?: boolean;
}

/** Exit statuses: 0 success (warnings allowed), 1 errors found (or tests failed), 2 usage or I/O problems. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** A problem with the command line or the file system, mapped to exit status 2. */
export class UsageError extends Error {}
