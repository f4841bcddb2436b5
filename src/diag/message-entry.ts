import type { Severity } from "./diagnostic.js";

/** One catalog entry: default severity, message template with `{placeholders}`, and a doc line for users. */
export interface MessageEntry {
  readonly severity: Severity;
  readonly message: string;
  readonly doc: string;
}
