import { luaGmatch } from "../lua/string-functions.js";
import type { TargetVersion } from "../vocab/targets.js";
import { errorConditions } from "../vocab/error-conditions.js";
import { helperFrom, helperTo, sessionOf, splitTo, type Emitted, type EventContext } from "./context.js";
import type { Definitions } from "./definitions.js";
import { codeChainError, evaluateTemplate, parseTemplate } from "./template.js";
import { logArgument } from "../pfw/code-substitution.js";
import { bareJid, XmlElement } from "./xml.js";

/**
 * mod_firewall's actions. As with conditions, `compileAction` does the load-time part and throws
 * its errors; the returned function does what the generated code does for one stanza.
 */

/** What an action tells the handler: go on, or return a value (`nil` is `undefined`). */
export type ActionOutcome = { readonly kind: "continue" } | { readonly kind: "return"; readonly value: boolean | undefined };

export interface ActionRuntime {
  /** The handler's value for PASS: nil in built-in chains entered through their events, false otherwise. */
  readonly passReturn: false | undefined;
  /** `module:fire_event(name, event)` for the event being handled. */
  readonly fireEvent: (name: string) => boolean | undefined;
  /** `core_post_stanza(session, stanza)`: the stanza is routed, and meets deliver or deliver_remote again. Whether it got through. */
  readonly post: (stanza: XmlElement) => boolean;
}

export type ActionFunction = (ctx: EventContext, rt: ActionRuntime) => ActionOutcome;

export interface CompiledAction {
  readonly name: string;
  readonly run: ActionFunction;
  /** A terminal action always returns. */
  readonly terminal: boolean;
  /** Whether it fires events or posts stanzas (the runtime's closures are made only for those). */
  readonly usesRuntime: boolean;
  /** Prosody's error when the action's generated Lua does not compile: the whole chain is skipped. */
  readonly chainError?: string;
}

function withChainError(action: CompiledAction, chainError: string | undefined): CompiledAction {
  return chainError ? { ...action, chainError } : action;
}

/** An emitted stanza serialised only when someone reads it (most replays never do). */
class LazyEmitted implements Emitted {
  private serialised: string | undefined;

  constructor(
    readonly action: string,
    private readonly element: XmlElement,
    readonly error: Emitted["error"],
    readonly delivered: boolean | undefined,
  ) {}

  get xml(): string {
    return (this.serialised ??= this.element.toString());
  }
}

export function lazyEmitted(action: string, element: XmlElement, error?: Emitted["error"], delivered?: boolean): Emitted {
  return new LazyEmitted(action, element, error, delivered);
}

/**
 * The error a BOUNCE or DEFAULT sends back, built only when someone reads it: most stanzas of a
 * capture that a rule stops are bounced, and most replays never print the reply. The stanza it
 * answers is the simulation's own copy, which nothing changes once a handler has returned.
 */
class LazyErrorReply implements Emitted {
  private serialised: string | undefined;

  constructor(
    readonly action: string,
    private readonly orig: XmlElement,
    readonly error: NonNullable<Emitted["error"]>,
  ) {}

  get xml(): string {
    return (this.serialised ??= errorReply(this.orig, this.error.type, this.error.condition, this.error.text).toString());
  }
}

export function lazyErrorReply(action: string, orig: XmlElement, error: NonNullable<Emitted["error"]>): Emitted {
  return new LazyErrorReply(action, orig, error);
}

const go: ActionOutcome = { kind: "continue" };
const returns = { true: { kind: "return", value: true }, false: { kind: "return", value: false }, nil: { kind: "return", value: undefined } } as const;
const ret = (value: boolean | undefined): ActionOutcome => (value === true ? returns.true : value === false ? returns.false : returns.nil);
const stanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

/** util.stanza's reply(): to/from swapped, same id, iq → result. */
export function replyTo(orig: XmlElement): XmlElement {
  const attr: Record<string, string> = {};
  if (orig.attr.from !== undefined) attr.to = orig.attr.from;
  if (orig.attr.to !== undefined) attr.from = orig.attr.to;
  if (orig.attr.id !== undefined) attr.id = orig.attr.id;
  const type = orig.name === "iq" ? "result" : orig.attr.type;
  if (type !== undefined) attr.type = type;
  return new XmlElement(orig.name, attr);
}

/** util.stanza's error_reply(). */
export function errorReply(orig: XmlElement, type: string, condition: string, text: string | undefined): XmlElement {
  const reply = replyTo(orig);
  reply.attr.type = "error";
  const error = new XmlElement("error", { type });
  error.children.push(new XmlElement(condition, { xmlns: stanzasNs }));
  if (text !== undefined) error.children.push(new XmlElement("text", { xmlns: stanzasNs }, [text]));
  reply.children.push(error);
  return reply;
}

/** INJECT's mini XML reader (not an XML parser), reproduced with the same Lua patterns. */
export function compileInjectXml(data: string): XmlElement | undefined {
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  let shortClose = false;
  for (const [tagline0, text] of luaGmatch(data, "<([^>]+)>([^<]*)") as Iterable<string[]>) {
    let tagline = tagline0!;
    if (tagline.endsWith("/")) {
      tagline = tagline.slice(0, -1);
      shortClose = true;
    }
    if (tagline.startsWith("/")) stack.pop();
    else {
      const m = /^(\S*)\s*([\s\S]*)$/.exec(tagline)!;
      const attr: Record<string, string> = {};
      for (const [k, , v] of luaGmatch(m[2]!, "(%S+)=([\"'])([^%2]-)%2") as Iterable<string[]>) attr[k!] = v!;
      const el = new XmlElement(m[1]!, attr);
      if (!root) root = el;
      else stack[stack.length - 1]?.children.push(el);
      stack.push(el);
    }
    if (text !== undefined && /\S/.test(text)) stack[stack.length - 1]?.children.push(text);
    else if (shortClose) {
      shortClose = false;
      stack.pop();
    }
  }
  return root;
}

function need(arg: string | undefined, what: string): string {
  if (arg === undefined) throw new Error(`attempt to index a nil value (${what})`);
  return arg;
}

/** The error condition (and `:type`, if written) that `BOUNCE=argument` sends back; `BOUNCE.` sends service-unavailable. */
export function bounceCondition(argument: string | undefined): { condition: string; explicitType: string | undefined } {
  const first = argument === undefined ? "service-unavailable" : (/^\S+/.exec(argument)?.[0] ?? "");
  const explicitType = /:(\S+)/.exec(first)?.[1];
  return { condition: explicitType !== undefined ? (/^[^:]+/.exec(first)?.[0] ?? "") : first, explicitType };
}

/** Compiles one action (canonical name with spaces, argument after `=`). Throws mod_firewall's load error. */
export function compileAction(name: string, argument: string | undefined, defs: Definitions, target: TargetVersion): CompiledAction {
  const usesRuntime = ["REDIRECT", "COPY", "FORWARD", "REPORT TO", "UNSUBSCRIBE SENDER", "EVENT", "JUMP EVENT", "JUMP CHAIN"].includes(name);
  const a = (run: ActionFunction, terminal = false): CompiledAction => ({ name, run, terminal, usesRuntime });
  switch (name) {
    case "PASS":
      return a((_, rt) => ret(rt.passReturn), true);
    case "DROP":
      return a(() => ret(true), true);
    case "DEFAULT":
      return a(() => ret(false), true);
    case "RETURN":
      return a(() => ret(undefined), true);
    case "BOUNCE": {
      const { condition, explicitType } = bounceCondition(argument);
      const type = explicitType ?? errorConditions.get(condition) ?? "cancel";
      const text = argument === undefined ? undefined : / \((.+)\)$/s.exec(argument)?.[1];
      const error = { condition, type, ...(text !== undefined ? { text } : {}) };
      return a((ctx) => {
        const t = ctx.stanza.attr.type;
        if (t === "error" || (ctx.stanza.name === "iq" && t === "result")) return ret(true);
        if (!ctx.repliesMeetRules()) ctx.emitted.push(lazyErrorReply("BOUNCE", ctx.stanza, error));
        else {
          // Back to another server: the reply meets deliver_remote first.
          const reply = errorReply(ctx.stanza, error.type, error.condition, error.text);
          ctx.emitted.push(lazyEmitted("BOUNCE", reply, error, ctx.sendBack(reply)));
        }
        return ret(true);
      }, true);
    }
    case "REDIRECT":
    case "COPY":
      return a((ctx, rt) => {
        const copy = ctx.stanza.clone();
        if (argument === undefined) {
          // Without a target the copy goes back to the origin session, without routing (from an s2s
          // session, through deliver_remote).
          const xml = copy.toString();
          const delivered = ctx.sendBack(copy);
          ctx.emitted.push({ action: `${name} (sent back to the origin session)`, xml, ...(delivered !== undefined ? { delivered } : {}) });
        } else {
          copy.attr.to = argument;
          const xml = copy.toString();
          const delivered = rt.post(copy);
          ctx.emitted.push({ action: name, xml, delivered });
        }
        return name === "REDIRECT" ? ret(true) : go;
      }, name === "REDIRECT");
    case "REPLY":
      return a((ctx) => {
        const reply = replyTo(ctx.stanza);
        reply.children.push(new XmlElement("body", {}, argument === undefined ? [] : [argument]));
        const xml = reply.toString();
        const delivered = ctx.sendBack(reply);
        ctx.emitted.push({ action: "REPLY", xml, ...(delivered !== undefined ? { delivered } : {}) });
        return go;
      });
    case "FORWARD":
    case "REPORT TO": {
      if (name === "REPORT TO" && target === "0.12") throw new Error("Unknown action: REPORT_TO");
      const [to, reason, text] = name === "REPORT TO" ? splitReport(need(argument, "local 'spec'")) : [argument, undefined, undefined];
      return a((ctx, rt) => {
        const message = new XmlElement("message", { ...(to !== undefined ? { to } : {}), from: ctx.host });
        const forwarded = new XmlElement("forwarded", { xmlns: "urn:xmpp:forward:0" });
        const copy = ctx.stanza.clone();
        copy.attr.xmlns = "jabber:client";
        forwarded.children.push(copy);
        if (name === "REPORT TO") {
          const report = new XmlElement("report", { xmlns: "urn:xmpp:reporting:1", reason: reason ?? "abuse" });
          if (text !== undefined) report.children.push(new XmlElement("text", {}, [text]));
          message.children.push(report);
        }
        message.children.push(forwarded);
        const xml = message.toString();
        const delivered = rt.post(message);
        ctx.emitted.push({ action: name, xml, delivered });
        return go;
      });
    }
    case "LOG": {
      const text = need(argument, "local 'string'");
      const { level, message } = logArgument(text);
      const template = parseTemplate(message, "LOG", level);
      return withChainError(
        a((ctx) => {
          // `(session.log or log)(…)`: indexes the session.
          sessionOf(ctx);
          ctx.logs.push(`${level}: ${evaluateTemplate(template, ctx)}`);
          return go;
        }),
        codeChainError(message, "LOG", level),
      );
    }
    case "STRIP": {
      const spec = need(argument, "local 'tag_desc'");
      const m = /^(\S+) (.+)$/s.exec(spec);
      const element = m ? m[1]! : spec;
      const xmlns = m ? m[2] : undefined;
      const tagName = element === "*" ? undefined : element;
      return a((ctx) => {
        const own = ctx.stanza.attr.xmlns;
        ctx.stanza.children = ctx.stanza.children.filter((c) => {
          if (typeof c === "string") return true;
          if (tagName !== undefined && c.name !== tagName) return true;
          const matches = xmlns !== undefined ? (c.attr.xmlns ?? own) === xmlns : c.attr.xmlns === own;
          return !matches;
        });
        return go;
      });
    }
    case "INJECT": {
      const xml = need(argument, "local 'data'");
      compileInjectXml(xml);
      return a((ctx) => {
        const el = compileInjectXml(xml);
        if (el) ctx.stanza.children.push(el);
        return go;
      });
    }
    case "MARK ORIGIN":
    case "UNMARK ORIGIN":
    case "MARK USER":
    case "UNMARK USER": {
      const mark = need(argument, "local 'name'");
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(mark)) throw new Error("attempt to concatenate a nil value");
      const set = name.startsWith("MARK");
      const user = name.endsWith("USER");
      return a((ctx) => {
        const table = user ? sessionOf(ctx).userMarks : sessionOf(ctx).marks;
        if (table) {
          if (set) table.set(mark, ctx.now);
          else table.delete(mark);
        }
        return go;
      });
    }
    case "ADD TO": {
      const m = /(\S+) (.+)/s.exec(need(argument, "local 'spec'"));
      if (!m) throw new Error("attempt to concatenate a nil value (local 'list_name')");
      const template = parseTemplate(m[2]!, "ADD TO");
      const list = defs.lists.get(m[1]!);
      if (!list) throw new Error(defs.lists.size === 0 ? "attempt to index a nil value (field 'LIST')" : `Unknown list: ${m[1]}`);
      return withChainError(
        a((ctx) => {
          list.add(evaluateTemplate(template, ctx));
          return go;
        }),
        codeChainError(m[2]!, "ADD TO"),
      );
    }
    case "UNSUBSCRIBE SENDER":
      return a((ctx, rt) => {
        const [toNode, toHost] = splitTo(ctx);
        const from = bareJid(helperFrom(ctx));
        if (toNode !== undefined && toHost !== undefined && from !== undefined) ctx.world.unsubscribed(`${toNode}@${toHost}`, from);
        const attrs: Record<string, string> = { type: "unsubscribed" };
        const bareTo = bareJid(helperTo(ctx));
        if (bareTo !== undefined) attrs.from = bareTo;
        if (from !== undefined) attrs.to = from;
        const presence = new XmlElement("presence", attrs);
        const xml = presence.toString();
        const delivered = rt.post(presence);
        ctx.emitted.push({ action: "UNSUBSCRIBE SENDER", xml, delivered });
        return go;
      });
    case "RULEDEP":
      return a(() => go);
    case "EVENT":
      return a((_, rt) => {
        rt.fireEvent(argument ?? "");
        return go;
      });
    case "JUMP EVENT":
      return a((_, rt) => ret(rt.fireEvent(argument ?? "")), true);
    case "JUMP CHAIN": {
      const chain = need(argument, "local 'name'");
      return a((_, rt) => {
        const r = rt.fireEvent(`firewall/chains/${chain}`);
        if (r === undefined) return go;
        return r === false ? ret(rt.passReturn) : ret(r);
      });
    }
    case "TAG TRACE":
      if (target === "0.12") throw new Error("Unknown action: TAG_TRACE");
      return a(() => go);
  }
  throw new Error(`Unknown action: ${name.replace(/ /g, "_")}`);
}

/** `REPORT TO=JID [REASON] [TEXT]`. */
function splitReport(spec: string): [string, string | undefined, string | undefined] {
  const m = /^(\S+)\s*(\S*)\s*([\s\S]*)$/.exec(spec)!;
  return [m[1]!, m[2] || undefined, m[3] || undefined];
}
