import type { MessageEntry } from "./message-entry.js";

/** SFW6xx: simulation input (stanza files, world files). */
export const simMessages = {} as const satisfies Record<string, MessageEntry>;
