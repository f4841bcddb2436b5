import type { Assumptions, World } from "./world.js";
import { bareJid, splitJid, type XmlElement } from "./xml.js";

/** A connection a stanza came from, with the state mod_firewall keeps on it. */
export interface Session {
  /** `c2s:FULLJID`, `s2s:DOMAIN`, `local:HOST`. */
  readonly id: string;
  readonly type: "c2s" | "s2s" | "local";
  /** The bound full JID of a client session. */
  readonly fullJid: string | undefined;
  /** The local host the session belongs to (c2s), or the remote domain (s2s). */
  readonly host: string;
  readonly directed: Set<string>;
  /** Origin marks: name → time set (seconds). */
  readonly marks: Map<string, number>;
  /** The user's marks table (`firewall_marks`), shared by the user's sessions when user marks are enabled. */
  readonly userMarks: Map<string, number> | undefined;
}

/** Raised where mod_firewall's generated code would raise a Lua error while handling a stanza. */
export class FirewallRuntimeError extends Error {}

/** Raised where the simulator cannot reproduce what the server would do (e.g. arbitrary Lua). */
export class CannotSimulate extends Error {}

/** One evaluated condition, for `--trace`. */
export interface TraceEntry {
  /** The script (`.pfw` file) of the rule. */
  readonly script: string;
  readonly chain: string;
  readonly rule: number;
  readonly line: number;
  readonly text: string;
  readonly result: boolean;
  readonly hoisted?: boolean;
}

/** A stanza the firewall sent or re-posted. */
export interface Emitted {
  readonly action: string;
  readonly xml: string;
  /** For error replies: what was sent. */
  readonly error?: { readonly condition: string; readonly type: string; readonly text?: string };
  /** For stanzas posted through routing (COPY, REDIRECT, FORWARD, UNSUBSCRIBE SENDER): whether the firewall let them through. */
  readonly delivered?: boolean;
}

/** Everything the generated handler code can see while one stanza goes through a chain. */
export interface EventContext {
  /** The stanza, mutated in place by STRIP and INJECT as in Prosody. */
  readonly stanza: XmlElement;
  readonly session: Session;
  /** The host whose firewall instance handles the event (`current_host`). */
  readonly host: string;
  /** Event time in seconds since the epoch. */
  readonly now: number;
  readonly world: World;
  readonly assume: Assumptions;
  readonly trace: TraceEntry[] | undefined;
  readonly emitted: Emitted[];
  readonly logs: string[];
}

/** The `to` helper: the `to` attribute, or the sending session's bare JID. */
export function helperTo(ctx: EventContext): string | undefined {
  return ctx.stanza.attr.to ?? bareJid(ctx.session.fullJid);
}

export function helperFrom(ctx: EventContext): string | undefined {
  return ctx.stanza.attr.from;
}

export function splitTo(ctx: EventContext): ReturnType<typeof splitJid> {
  return splitJid(helperTo(ctx));
}

export function splitFrom(ctx: EventContext): ReturnType<typeof splitJid> {
  return splitJid(helperFrom(ctx));
}
