import type { MessageEntry } from "./message-entry.js";

/** SFW5xx: reading hand-written `.pfw` scripts the way mod_firewall does. */
export const pfwMessages = {} as const satisfies Record<string, MessageEntry>;
