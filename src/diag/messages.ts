import type { MessageEntry } from "./message-entry.js";
import { syntaxMessages } from "./messages-syntax.js";
import { checkMessages } from "./messages-check.js";
import { pfwMessages } from "./messages-pfw.js";
import { simMessages } from "./messages-sim.js";

/**
 * The one message catalog: every diagnostic code with its default severity, template and doc.
 * Ranges: SFW1xx syntax, SFW2xx names/types, SFW3xx structure/reachability, SFW4xx target,
 * SFW5xx `.pfw` reading, SFW6xx simulation input.
 */
export const messages = {
  ...syntaxMessages,
  ...checkMessages,
  ...pfwMessages,
  ...simMessages,
} as const satisfies Record<string, MessageEntry>;

/** A diagnostic code (`SFW201`). */
export type Code = keyof typeof messages;
