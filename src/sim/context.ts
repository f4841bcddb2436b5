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
  /** The client's available presence as mod_presence keeps it (`origin.presence`), once it sent one. */
  presence?: XmlElement | undefined;
  /**
   * The event has no origin (`event.origin` is nil): a reply an s2s session sends back meets
   * deliver_remote through `route/remote`, which carries none. Code that uses `session` raises.
   */
  readonly absent?: true;
}

/** The origin of an event that has none ({@link Session.absent}). */
export const noOrigin: Session = { id: "", type: "local", fullJid: undefined, host: "", directed: new Set(), marks: new Map(), userMarks: undefined, absent: true };

/** The event's session, as generated code that indexes `session` reads it: it raises where there is none. */
export function sessionOf(ctx: EventContext): Session {
  if (ctx.session.absent) throw new FirewallRuntimeError("attempt to index a nil value (local 'session'): this event has no origin session");
  return ctx.session;
}

/** Prosody's message when a chain's generated Lua does not compile (the chain is skipped). */
export function compileError(why: string): string {
  return `Error compiling (probably a compiler bug, please report): ${why}`;
}

/** Raised where mod_firewall's generated code would raise a Lua error while handling a stanza. */
export class FirewallRuntimeError extends Error {
  /**
   * The built-in chain whose handler raised first, on which host: set as the error leaves it. A
   * stanza the firewall sends on its way (a reply, a copy) meets chains of its own inside the one
   * running, and the error goes up through both.
   */
  raisedIn: { readonly chain: string; readonly host: string } | undefined;
}

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
  /**
   * `session.send(stanza)`: to a client or component directly; from an s2s session, through
   * `route/remote` on this host, so the stanza meets deliver_remote first. Whether those rules let
   * it through; undefined when it meets none ({@link repliesMeetRules}).
   */
  sendBack(stanza: XmlElement): boolean | undefined;
  /** Whether {@link sendBack} runs rules (an s2s session, deliver_remote rules on this host): only then is a reply built before it is read. */
  repliesMeetRules(): boolean;
}

/** The `to` helper: the `to` attribute, or the sending session's bare JID. */
export function helperTo(ctx: EventContext): string | undefined {
  return ctx.stanza.attr.to ?? bareJid(sessionOf(ctx).fullJid);
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
