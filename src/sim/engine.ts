import type { PfwRule, PfwScript } from "../pfw/model.js";
import type { TargetVersion } from "../vocab/targets.js";
import { compileAction, errorReply, lazyEmitted, lazyErrorReply, type ActionRuntime, type CompiledAction } from "./actions.js";
import { compileCondition, type CompiledCondition, type HandlerState } from "./conditions.js";
import { CannotSimulate, FirewallRuntimeError, noOrigin, sessionOf, type Emitted, type EventContext, type Session, type TraceEntry } from "./context.js";
import { Definitions } from "./definitions.js";
import { Assumptions, type World } from "./world.js";
import { outboundPresence, trackDirected } from "./outbound-presence.js";
import { keptPresence, normalPresence, probeAnswers, subscribeAnswers, subscriptionFollowUps, type Posted } from "./presence-traffic.js";
import { bareJid, splitJid, XmlElement } from "./xml.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { logHazards } from "../pfw/log-after-call.js";

/**
 * The simulator proper: scripts loaded per host as mod_firewall loads them, chains run as the
 * generated handlers run (hoisted conditions, short-circuit, per-handler rate limiters, the
 * return-value protocol), and events routed through preroute, deliver and deliver_remote.
 */

/** Where a `.pfw` rule came from, for scripts compiled from `.sfw`. */
export interface RuleOrigin {
  /** `file:line` of the `.sfw` rule. */
  readonly sfw: string;
  readonly name: string;
}

export interface ScriptSource {
  readonly file: string;
  readonly script: PfwScript;
  /** Key `chain#index` (index of the rule in the chain as stored). */
  readonly origins?: ReadonlyMap<string, RuleOrigin>;
  /** The first error of reading the script, when mod_firewall's parser refuses it. */
  readonly refusal?: { readonly message: string; readonly line: number; readonly stopsLoading?: boolean };
}

interface CompiledRule {
  readonly index: number;
  readonly line: number;
  readonly conditions: readonly {
    readonly compiled: CompiledCondition;
    readonly negated: boolean;
    readonly text: string;
    readonly line: number;
    /** Its place among the chain's hoisted conditions, or -1. */
    slot: number;
  }[];
  /** `raises`: the generated Lua fails before (or right after) this action runs, and why. */
  readonly actions: readonly { readonly compiled: CompiledAction; readonly line: number; readonly raises: { readonly before: boolean; readonly message: string } | undefined }[];
  /** The deciding-rule descriptions, made once per action name. */
  readonly decisions: Map<string, DecidingRule>;
}

interface CompiledChain {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
  /** How many conditions are used more than once in the chain: computed once, before the first rule using them. */
  readonly hoisted: number;
  /** Rate limiter instances of the chain's two handlers (entered through its event, or jumped to). */
  readonly states: { readonly event: HandlerState; readonly jump: HandlerState };
}

interface CompiledScript {
  readonly index: number;
  readonly source: ScriptSource;
  readonly chains: ReadonlyMap<string, CompiledChain>;
}

export interface LoadReport {
  readonly file: string;
  readonly host: string;
  readonly loaded: boolean;
  /** Why Prosody would not load the script (it then runs without it). */
  readonly error?: string;
  readonly line?: number;
  /** Chains of a loaded script that Prosody would skip (a Lua compile error in the generated code). */
  readonly skippedChains: readonly { readonly chain: string; readonly error: string }[];
}

export type Verdict = "pass" | "drop" | "bounce" | "redirect" | "default" | "error" | "unsimulatable";

export interface DecidingRule {
  readonly script: string;
  readonly chain: string;
  /** `file:line` of the rule in the `.pfw` script. */
  readonly pfw: string;
  readonly sfw?: string;
  readonly name?: string;
  readonly action: string;
}

export interface ChainRun {
  readonly chain: string;
  readonly host: string;
  /** What the chain's handlers returned together: `nil`, `true` or `false`; `raised` when one raised a Lua error (the stanza is lost there). */
  readonly result: "nil" | "true" | "false" | "raised";
}

export interface SimResult {
  readonly verdict: Verdict;
  readonly rule: DecidingRule | undefined;
  /** The error condition sent back to the sender, if any. */
  readonly error: { readonly condition: string; readonly type: string; readonly text?: string } | undefined;
  readonly chains: readonly ChainRun[];
  readonly emitted: readonly Emitted[];
  readonly logs: readonly string[];
  readonly assumptions: readonly string[];
  readonly trace: readonly TraceEntry[] | undefined;
  /** For `error` and `unsimulatable`: what happened. */
  readonly reason?: string;
  /** The stanza as delivered (after STRIP/INJECT), when it passed. */
  readonly stanza: string;
  /** The presence Prosody's mod_presence made of this stanza and sent through the chains (src/sim/presence-traffic.ts), each simulated. */
  readonly generated: readonly GeneratedStanza[];
}

/** A stanza the server itself posted because of the one simulated: why, and what the firewall did with it. */
export interface GeneratedStanza {
  readonly why: string;
  /** As Prosody posted it. */
  readonly stanza: XmlElement;
  readonly result: SimResult;
}

/** What Prosody made of a stanza, and of those, in the order made. */
export function allGenerated(r: SimResult): GeneratedStanza[] {
  return r.generated.flatMap((g) => [g, ...allGenerated(g.result)]);
}

export interface SimEvent {
  readonly stanza: XmlElement;
  /** `c2s:FULLJID`, `s2s:DOMAIN`, `local:HOST`; inferred from `from` when absent. */
  readonly origin?: string | undefined;
  /** Seconds since the epoch. */
  readonly time: number;
  /** Run only this chain instead of routing. */
  readonly chain?: string | undefined;
  /** The origin's session begins with this event: the simulator forgets the state of an earlier one (origin marks). */
  readonly newSession?: boolean | undefined;
  /**
   * The origin's connection ends: the stanza is the unavailable presence Prosody makes for it
   * (`resource-unbind`), processed as the client's own if the client was available, else posted
   * to the JIDs it sent directed presence to; the session is gone afterwards.
   */
  readonly unbound?: boolean | undefined;
}

export interface SimulatorOptions {
  readonly target?: TargetVersion;
  readonly trace?: boolean;
}

const builtinChains = new Set(["preroute", "deliver", "deliver_remote"]);
const maxJumpDepth = 200;
/** Presence posted because of presence posted…: a probe's answers are the deepest mod_presence goes (2). */
const maxPostedDepth = 4;
const noGenerated: readonly GeneratedStanza[] = Object.freeze([]);

/** Load errors that escape mod_firewall's loader (later scripts are not loaded either). */
function isTier2(message: string): boolean {
  return /^(Unknown list|Unknown rate limit|Undefined (search path|pattern)|Invalid (list|zone|rate limit) name|attempt to index a nil value \(field 'LIST'\)|attempt to compare number with nil)/.test(message);
}

class HostFirewall {
  readonly definitions: Definitions;
  readonly scripts: CompiledScript[] = [];
  readonly reports: LoadReport[] = [];
  /** Chain name → the files of the scripts with rules in it (made on first use). */
  private readonly withRules = new Map<string, readonly string[]>();

  /** The files of the scripts that have rules in this chain. */
  filesWithRules(chain: string): readonly string[] {
    let files = this.withRules.get(chain);
    if (files === undefined) {
      files = this.scripts.filter((s) => (s.chains.get(chain)?.rules.length ?? 0) > 0).map((s) => s.source.file);
      this.withRules.set(chain, files);
    }
    return files;
  }

  constructor(
    readonly host: string,
    sources: readonly ScriptSource[],
    world: World,
    readonly target: TargetVersion,
  ) {
    this.definitions = new Definitions(world);
    let blocked: string | undefined;
    sources.forEach((source, index) => {
      if (blocked) {
        this.reports.push({ file: source.file, host, loaded: false, error: `not loaded: loading stopped at an earlier script (${blocked})`, skippedChains: [] });
        return;
      }
      const result = this.load(source, index);
      this.reports.push(result.report);
      if (result.compiled) this.scripts.push(result.compiled);
      if (!result.report.loaded && ((result.report.error && isTier2(result.report.error)) || source.refusal?.stopsLoading)) blocked = source.file;
    });
  }

  private load(source: ScriptSource, index: number): { report: LoadReport; compiled?: CompiledScript } {
    const fail = (error: string, line?: number) => ({ report: { file: source.file, host: this.host, loaded: false, error, ...(line !== undefined ? { line } : {}), skippedChains: [] } });
    if (source.refusal) return fail(source.refusal.message, source.refusal.line);
    for (const def of source.script.definitions) {
      try {
        this.definitions.define(def);
      } catch (e) {
        return fail((e as Error).message, def.span.start.line);
      }
    }
    const chains = new Map<string, CompiledChain>();
    const skippedChains: { chain: string; error: string }[] = [];
    for (const chain of source.script.chains) {
      const rules: CompiledRule[] = [];
      const uses = new Map<string, number>();
      let chainError: string | undefined;
      for (const [ruleIndex, rule] of chain.rules.entries()) {
        if (rule.storedTwice && rule.conditions.length > 0) return fail("attempt to compare number with nil (a rule was stored twice: a condition line right after an action line)", rule.span.start.line);
        const conditions: CompiledRule["conditions"][number][] = [];
        for (const c of rule.conditions) {
          let compiled: CompiledCondition;
          try {
            compiled = compileCondition(c.name, c.argument, { definitions: this.definitions, target: this.target });
          } catch (e) {
            return fail((e as Error).message, c.span.start.line);
          }
          if (compiled.chainError) chainError ??= compiled.chainError;
          uses.set(compiled.key, (uses.get(compiled.key) ?? 0) + 1);
          conditions.push({ compiled, negated: c.negated, text: `${c.negated ? "NOT " : ""}${c.name}${c.argument !== undefined ? `: ${c.argument}` : "?"}`, line: c.span.start.line, slot: -1 });
        }
        const actions: CompiledRule["actions"][number][] = [];
        for (const a of rule.actions) {
          try {
            const compiled = compileAction(a.name, a.argument, this.definitions, this.target);
            if (compiled.chainError) chainError ??= compiled.chainError;
            actions.push({ compiled, line: a.span.start.line, raises: undefined });
          } catch (e) {
            return fail((e as Error).message, a.span.start.line);
          }
        }
        rules.push({ index: ruleIndex, line: rule.span.start.line, conditions, actions, decisions: new Map() });
      }
      if (chainError) {
        skippedChains.push({ chain: chain.name, error: chainError });
        continue;
      }
      markLogHazards(rules, chain.rules);
      const slots = new Map([...uses].filter(([, n]) => n > 1).map(([k], i) => [k, i]));
      for (const rule of rules) for (const c of rule.conditions) c.slot = slots.get(c.compiled.key) ?? -1;
      chains.set(chain.name, {
        name: chain.name,
        rules,
        hoisted: slots.size,
        states: { event: { throttles: new Map(), multiThrottles: new Map() }, jump: { throttles: new Map(), multiThrottles: new Map() } },
      });
    }
    return { report: { file: source.file, host: this.host, loaded: true, skippedChains }, compiled: { index, source, chains } };
  }
}

/**
 * Why an origin given by the traffic names no session Prosody could have, or undefined: a client
 * session is a JID with a node (`c2s:user@host/resource`), a server session a domain, the server
 * itself a host or nothing. Anything else was read as a local session, silently.
 */
function originProblemOf(origin: string): string | undefined {
  const colon = origin.indexOf(":");
  const kind = colon < 0 ? origin : origin.slice(0, colon);
  const rest = colon < 0 ? "" : origin.slice(colon + 1);
  const [node, host, resource] = splitJid(rest);
  const ok = kind === "c2s" ? node !== undefined && host !== undefined : kind === "s2s" ? host !== undefined && node === undefined && resource === undefined : kind === "local" ? rest === "" || (host !== undefined && node === undefined && resource === undefined) : false;
  return ok ? undefined : `origin '${origin}' names no session: it is c2s:USER@HOST/RESOURCE (a local client), s2s:DOMAIN (another server) or local:HOST (the server itself)`;
}

/**
 * Actions where the generated Lua raises: after an INJECT or EVENT that LOG directly follows, and
 * at a LOG that runs into the helper local declared before its rule (src/pfw/log-after-call.ts).
 */
function markLogHazards(rules: CompiledRule[], source: readonly PfwRule[]): void {
  for (const h of logHazards(source)) {
    const at = h.kind === "action" ? h.call : h.log;
    (rules[at.rule]!.actions[at.action] as { raises: unknown }).raises =
      h.kind === "action"
        ? { before: false, message: `'${h.name}' followed by 'LOG' is read by Lua as one call expression` }
        : { before: true, message: `a rule without conditions starting with LOG is read by Lua as a call of ${h.name} declared before it` };
  }
}

interface HandlerResult {
  readonly value: boolean | undefined;
  readonly decided?: DecidingRule;
}

const sessionSweepMinimum = 10_000;

export class Simulator {
  private readonly hosts = new Map<string, HostFirewall>();
  private readonly sessions = new Map<string, Session>();
  private readonly userMarkTables = new Map<string, Map<string, number>>();
  readonly target: TargetVersion;
  /** The first local host (or `localhost`): where events without a host of their own are handled. */
  private readonly firstHost: string;
  /** Whether a rule can change a stanza's children (STRIP, INJECT): only then is the whole stanza copied. */
  private readonly changesChildren: boolean;

  /** The world as this run changes it (rosters, pending requests): a fork of the one given, which other runs share. */
  readonly world: World;

  constructor(
    private readonly sources: readonly ScriptSource[],
    world: World,
    private readonly options: SimulatorOptions = {},
  ) {
    this.world = world.fork();
    this.target = options.target ?? "0.12";
    this.firstHost = [...world.hosts][0] ?? "localhost";
    this.changesChildren = sources.some((s) => s.script.chains.some((c) => c.rules.some((r) => r.actions.some((a) => a.name === "STRIP" || a.name === "INJECT"))));
  }

  /** The firewall of a host, loaded on first use (every host has its own module instance). */
  host(name: string): HostFirewall {
    let fw = this.hosts.get(name);
    if (!fw) {
      fw = new HostFirewall(name, this.sources, this.world, this.target);
      this.hosts.set(name, fw);
    }
    return fw;
  }

  /** How Prosody would load the scripts (on the first local host, or `localhost`). */
  loadReports(): readonly LoadReport[] {
    return this.host(this.firstHost).reports;
  }

  simulate(event: SimEvent): SimResult {
    if (!event.unbound) return this.run(event, 0);
    const origin = event.origin ?? this.inferOrigin(event.stanza);
    const session = this.sessions.get(origin);
    try {
      if (session?.presence !== undefined) return this.run({ ...event, unbound: false }, 0);
      const assume = new Assumptions();
      const stamped = session ? new XmlElement(event.stanza.name, { ...event.stanza.attr, from: session.fullJid! }, event.stanza.children) : event.stanza;
      const generated = session ? this.directedUnavailable(stamped, session, event.time, 0) : [];
      const reason = generated.length > 0 ? "the client had no available presence: Prosody sends its unavailable presence only to the JIDs it sent directed presence to" : "the client had neither available nor directed presence: Prosody sends nothing for its disconnection";
      return new Outcome("pass", undefined, undefined, [], [], [], assume.list(), this.options.trace ? [] : undefined, reason, event.stanza, generated);
    } finally {
      this.forgetSession(origin);
    }
  }

  /**
   * `posted`: above 0, the event is a stanza Prosody posts itself (`core_post_stanza`), that many
   * steps from the stanza simulated: it is not stamped, and with `preevents` it meets preroute
   * and mod_presence's outbound handler whatever its origin, without them neither.
   */
  private run(event: SimEvent, posted: number, preevents = posted > 0): SimResult {
    // The event's stanza is never changed: the simulation works on a copy (of the attributes
    // only, unless a rule can change children).
    const given = event.stanza;
    const origin = event.origin ?? this.inferOrigin(given);
    const known = this.sessions.get(origin);
    const originProblem = event.origin !== undefined && known === undefined ? originProblemOf(origin) : undefined;
    if (originProblem) return new Outcome("unsimulatable", undefined, undefined, [], [], [], [], this.options.trace ? [] : undefined, originProblem, given, noGenerated);
    // A new connection starts again from what the world says of the session.
    if (event.newSession) this.forgetSession(origin);
    const session = known !== undefined && !event.newSession ? known : this.session(origin);
    // Prosody stamps client stanzas with the session's full JID, and removes a `to` that is the sender's own bare JID.
    const stamped = posted === 0 && session.type === "c2s" && session.fullJid !== undefined && (given.attr.from !== session.fullJid || given.attr.to === bareJid(session.fullJid));
    // Only STRIP and INJECT change a stanza (its children), and only stamping its attributes: any
    // other stanza is simulated as it is, uncopied.
    let stanza = this.changesChildren ? given.clone() : stamped ? new XmlElement(given.name, { ...given.attr }, given.children) : given;
    if (stamped) {
      stanza.attr.from = session.fullJid!;
      if (stanza.attr.to === bareJid(session.fullJid)) delete stanza.attr.to;
    }
    const assume = new Assumptions();
    const trace: TraceEntry[] | undefined = this.options.trace ? [] : undefined;
    const emitted: Emitted[] = [];
    const logs: string[] = [];
    const chains: ChainRun[] = [];
    let final: { verdict: Verdict; rule?: DecidingRule; error?: SimResult["error"]; reason?: string } = { verdict: "pass" };
    let running: { chain: string; host: string } | undefined;
    // A client's own stanza meets the pre-events (preroute, then mod_presence's pre-routing
    // handler, which preroute returning false skips); what Prosody posts, only when posted with them.
    const preroute = posted === 0 ? session.type === "c2s" : preevents;
    let presenceHandled = !preroute || event.chain !== undefined;
    // A `subscribed` or `unsubscribed` mod_presence's outbound handler routed, and whether the contact had a subscription before.
    let routed: { readonly type: "subscribed" | "unsubscribed"; readonly user: string; readonly contact: string; readonly had: boolean; readonly posted: boolean } | undefined;
    try {
      for (const step of this.route(event, stanza, session, assume, preroute)) {
        if (!presenceHandled && step.chain !== "preroute") {
          presenceHandled = true;
          const p = outboundPresence(stanza, this.world, assume);
          if (p.kind === "stopped") {
            final = { verdict: "pass", reason: p.reason };
            if (p.unroutedApproval) routed = { type: "subscribed", ...p.unroutedApproval, had: false, posted: false };
            break;
          }
          if (p.kind === "rewritten") {
            stanza = p.stanza;
            const type = stanza.attr.type;
            if ((type === "subscribed" || type === "unsubscribed") && p.contactSubscribed !== undefined) routed = { type, user: stanza.attr.from!, contact: stanza.attr.to!, had: p.contactSubscribed, posted: true };
          } else if (session.type === "c2s") trackDirected(stanza, session.directed, this.world, assume);
        }
        const ctx = new StanzaContext(this, stanza, session, step.host, event.time, this.world, assume, trace, emitted, logs);
        running = step;
        const r = this.runBuiltin(step.host, step.chain, ctx);
        running = undefined;
        chains.push({ chain: step.chain, host: step.host, result: r.value === undefined ? "nil" : String(r.value) as "true" | "false" });
        if (r.value === true) {
          final = { verdict: verdictOf(r.decided, stanza), ...(r.decided ? { rule: r.decided } : {}) };
          break;
        }
        if (r.value === false) {
          if (step.chain === "preroute") {
            presenceHandled = true; // remaining pre-routing handlers skipped, mod_presence's too; routing goes on
            continue;
          }
          final = { verdict: "default", ...(r.decided ? { rule: r.decided } : {}) };
          const t = stanza.attr.type;
          if (step.chain.startsWith("user/") || t === "error" || (stanza.name === "iq" && t === "result")) break;
          const condition = step.chain === "deliver_remote" ? "not-allowed" : "service-unavailable";
          const text = step.chain === "deliver_remote" ? "Communication with remote domains is not enabled" : undefined;
          const error = { condition, type: "cancel", ...(text !== undefined ? { text } : {}) };
          if (!ctx.repliesMeetRules()) emitted.push(lazyErrorReply("DEFAULT", stanza, error));
          else {
            // The server's error goes back to the other server through deliver_remote, as a BOUNCE's does.
            const reply = errorReply(stanza, error.type, condition, text);
            emitted.push(lazyEmitted("DEFAULT", reply, error, ctx.sendBack(reply)));
          }
          break;
        }
        // A rule that ended the chain and let the stanza go on decided its pass: PASS, RETURN, or a
        // DEFAULT in a chain jumped to (the jump then returns the caller's PASS).
        if (r.decided) final = { verdict: "pass", rule: r.decided };
      }
    } catch (e) {
      if (e instanceof CannotSimulate) final = { verdict: "unsimulatable", reason: e.message };
      else if (e instanceof FirewallRuntimeError) {
        if (running) chains.push({ chain: running.chain, host: running.host, result: "raised" });
        // Raised in a chain met by a stanza sent on the way (a reply through deliver_remote, a copy through deliver): that one is listed too, and named.
        const inner = e.raisedIn && (!running || e.raisedIn.chain !== running.chain || e.raisedIn.host !== running.host) ? e.raisedIn : undefined;
        if (inner) chains.push({ chain: inner.chain, host: inner.host, result: "raised" });
        const where = inner ? ` in ${inner.chain}${inner.host !== (running ?? inner).host ? ` of ${inner.host}` : ""}, met by a stanza sent on the way${running ? ` from ${running.chain}` : " (the server's error reply)"}` : "";
        final = { verdict: "error", reason: `mod_firewall raises a Lua error${where} (${e.message}): Prosody logs it and the stanza is lost` };
      } else throw e;
    }
    const bounce = final.verdict === "bounce" ? emitted.find((x) => x.action === "BOUNCE") : final.verdict === "default" ? emitted.find((x) => x.action === "DEFAULT") : undefined;
    const reason = bounce?.delivered === false ? "the error reply is stopped in deliver_remote: the sender gets nothing back" : final.reason;
    // Handed to mod_presence's handlers after deliver let it through: the presence it makes of it
    // (not for a chain the event names: it is run alone, not routed).
    const generating = stanza.name === "presence" && event.chain === undefined && posted < maxPostedDepth && final.verdict !== "error" && final.verdict !== "unsimulatable";
    const deliver = generating && final.verdict === "pass" ? chains.find((c) => c.chain === "deliver") : undefined;
    let generated = deliver?.result === "nil" ? this.presenceTraffic(stanza, session, deliver.host, event.time, assume, posted) : noGenerated;
    // The outbound handler posts these after routing the stanza, whatever deliver made of it.
    if (generating && routed) {
      const followUps = subscriptionFollowUps(routed.type, routed.user, routed.contact, session.id, routed.had, routed.posted, this.availableSessions(routed.user), this.world, assume);
      const made = followUps.map((p): GeneratedStanza => ({ why: p.why, stanza: p.stanza, result: this.run({ stanza: p.stanza, origin: p.origin, time: event.time }, posted + 1, p.preevents) }));
      if (made.length > 0) generated = [...made, ...generated];
    }
    return new Outcome(final.verdict, final.rule, bounce?.error, chains, emitted, logs, assume.list(), trace, reason, stanza, generated);
  }

  /** Client sessions with available presence, by bare JID (those the world gives, once asked for). */
  private readonly available = new Map<string, Session[]>();

  private availableSessions(bare: string): Session[] {
    let list = this.available.get(bare);
    if (!list) {
      list = [];
      this.available.set(bare, list);
      for (const jid of this.world.availableAtStart(bare)) {
        const s = this.session(`c2s:${jid}`);
        // What it sent before the traffic began is not known: an available presence without content.
        s.presence ??= new XmlElement("presence", { from: jid });
        list.push(s);
      }
    }
    return list;
  }

  /** A session of a new connection replaces the old one, whose presence is gone with it. */
  private forgetSession(id: string): void {
    const old = this.sessions.get(id);
    if (old?.presence !== undefined) this.setAvailable(old, undefined);
    this.sessions.delete(id);
  }

  private setAvailable(session: Session, presence: XmlElement | undefined): void {
    const bare = bareJid(session.fullJid);
    if (bare === undefined) return;
    const list = this.availableSessions(bare);
    const at = list.indexOf(session);
    session.presence = presence;
    if (presence !== undefined && at < 0) list.push(session);
    else if (presence === undefined && at >= 0) list.splice(at, 1);
    // An emptied list stays: made again, it would take the world's available sessions back.
  }

  /** Unavailable presence (`stanza`, from the session's full JID) to each JID the session sent directed presence to, which it then forgets. */
  private directedUnavailable(stanza: XmlElement, session: Session, time: number, posted: number): GeneratedStanza[] {
    const out = [...session.directed].map((jid): GeneratedStanza => {
      const copy = new XmlElement(stanza.name, { ...stanza.attr, to: jid }, stanza.children);
      return { why: "unavailable presence to a JID the session sent directed presence to", stanza: copy, result: this.run({ stanza: copy, origin: session.id, time }, posted + 1) };
    });
    session.directed.clear();
    return out;
  }

  /** What mod_presence posts of a presence deliver let through on `host`, each simulated in turn. */
  private presenceTraffic(stanza: XmlElement, session: Session, host: string, time: number, assume: Assumptions, posted: number): readonly GeneratedStanza[] {
    const out: GeneratedStanza[] = [];
    const post = (p: Posted) => void out.push({ why: p.why, stanza: p.stanza, result: this.run({ stanza: p.stanza, origin: p.origin, time }, posted + 1) });
    const type = stanza.attr.type;
    if (session.type === "c2s" && !session.absent && stanza.attr.to === undefined && (type === undefined || type === "unavailable")) {
      const user = bareJid(session.fullJid);
      if (user === undefined) return noGenerated;
      const others = this.availableSessions(user).filter((s) => s !== session);
      const initial = session.presence === undefined;
      if (type === undefined && initial) this.setAvailable(session, stanza);
      normalPresence(stanza, session, initial, { world: this.world, assume, otherResources: others }).forEach(post);
      if (type === "unavailable") {
        this.setAvailable(session, undefined);
        // The copies to its own resources took those out of the set on the way (the outbound handler).
        out.push(...this.directedUnavailable(stanza, session, time, posted));
      } else this.setAvailable(session, keptPresence(stanza, session.host, time));
      return out;
    }
    const [node, toHost] = splitJid(stanza.attr.to);
    if (node !== undefined && toHost === host && this.world.isLocalHost(toHost)) {
      const owner = `${node}@${toHost}`;
      // The answers are made before any is posted: posting them cannot change the list they are made of.
      const contact = bareJid(stanza.attr.from);
      if (type === "probe") probeAnswers(stanza, owner, toHost, this.availableSessions(owner), this.world, assume).forEach(post);
      else if (type === "subscribe" && contact !== undefined) {
        const answers = subscribeAnswers(stanza, owner, toHost, this.availableSessions(owner), this.world, assume);
        // The request is kept as pending (unless the contact is subscribed): before the answer to
        // an approval given in advance, after the acknowledgement otherwise, as mod_presence does.
        const approved = this.world.isContactPreapproved(owner, contact);
        if (approved) this.world.setContactPendingIn(owner, contact);
        answers.forEach(post);
        if (!approved) this.world.setContactPendingIn(owner, contact);
      } else if (contact !== undefined) {
        if (type === "unsubscribe") this.world.processInboundUnsubscribe(owner, contact);
        else if (type === "subscribed") this.world.processInboundSubscriptionApproval(owner, contact);
        else if (type === "unsubscribed") this.world.processInboundSubscriptionCancellation(owner, contact);
      }
    }
    return out.length > 0 ? out : noGenerated;
  }

  private inferOrigin(stanza: XmlElement): string {
    const from = stanza.attr.from;
    const [, host] = splitJid(from);
    if (host === undefined) return `local:${this.firstHost}`;
    return this.world.isLocalHost(host) ? `c2s:${from}` : `s2s:${host}`;
  }

  private session(id: string): Session {
    let s = this.sessions.get(id);
    if (s) return s;
    const colon = id.indexOf(":");
    const kind = colon < 0 ? id : id.slice(0, colon);
    const rest = colon < 0 ? "" : id.slice(colon + 1);
    const type = kind === "c2s" ? "c2s" : kind === "s2s" ? "s2s" : "local";
    const fullJid = type === "c2s" ? rest : undefined;
    const host = type === "c2s" ? (splitJid(rest)[1] ?? rest) : rest || this.firstHost;
    const given = this.world.session(id);
    const marks = new Map(Object.entries(given?.marks ?? {}).map(([k, v]) => [k, Date.parse(v) / 1000]));
    let userMarks: Map<string, number> | undefined;
    const bare = bareJid(fullJid);
    if (type === "c2s" && bare !== undefined && this.world.userMarksEnabled && this.target === "0.12") {
      userMarks = this.userMarkTables.get(bare);
      if (!userMarks) {
        userMarks = new Map(Object.entries(this.world.userMarks(bare) ?? {}).map(([k, v]) => [k, Date.parse(v) / 1000]));
        this.userMarkTables.set(bare, userMarks);
      }
    }
    s = { id, type, fullJid, host, directed: new Set(given?.directed ?? []), marks, userMarks };
    if (this.sessions.size >= this.sweepAt) this.sweepSessions();
    this.sessions.set(id, s);
    return s;
  }

  /** When the session table grows past this size, sessions that hold nothing are forgotten. */
  private sweepAt = sessionSweepMinimum;

  /**
   * A capture of a day names more client resources than memory should hold. A session without
   * marks or directed presence, that the world says nothing about, is recreated identically on its
   * next stanza, so forgetting it changes no verdict.
   */
  private sweepSessions(): void {
    for (const [id, s] of this.sessions) {
      if (s.marks.size === 0 && s.directed.size === 0 && s.presence === undefined && this.world.session(id) === undefined) this.sessions.delete(id);
    }
    this.sweepAt = Math.max(sessionSweepMinimum, 2 * this.sessions.size);
  }

  /** How many sessions the simulator holds (for tests of its memory). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private definedChains: ReadonlySet<string> | undefined;

  /**
   * Why an event cannot be run through the chain it names (`--chain`, `chain=` in traffic,
   * `send … chain` in a test): undefined for a built-in chain or one that a rule file defines. A
   * misspelt name would otherwise run no rule at all, and every stanza would pass.
   */
  chainProblem(chain: string): string | undefined {
    if (builtinChains.has(chain)) return undefined;
    this.definedChains ??= new Set(this.sources.flatMap((s) => s.script.chains.map((c) => c.name)));
    if (this.definedChains.has(chain)) return undefined;
    const known = [...new Set([...builtinChains, ...this.definedChains])];
    const guess = didYouMean(chain, known);
    return `unknown chain '${chain}'${guess ? ` (did you mean '${guess}'?)` : ""}: the chains are ${known.map((c) => `'${c}'`).join(", ")}`;
  }

  /** Which built-in chains an event meets, on which host. */
  private route(event: SimEvent, stanza: XmlElement, session: Session, assume: Assumptions, preroute: boolean): { chain: string; host: string }[] {
    const firstHost = this.firstHost;
    const toHost = splitJid(stanza.attr.to ?? bareJid(session.fullJid))[1];
    if (event.chain) {
      const problem = this.chainProblem(event.chain);
      if (problem) throw new CannotSimulate(problem);
      const host = event.chain === "deliver" && this.world.isLocalHost(toHost) ? toHost! : session.type !== "s2s" ? session.host : firstHost;
      return [{ chain: event.chain, host }];
    }
    const steps: { chain: string; host: string }[] = [];
    if (preroute) steps.push({ chain: "preroute", host: session.host });
    // A world without hosts: a stanza from another server must be for us.
    const assumeLocal = this.world.hosts.size === 0 && session.type === "s2s" && toHost !== undefined;
    if (assumeLocal) assume.add(`no local hosts given in the world: assumed ${toHost} is local`);
    if (assumeLocal || this.world.isLocalHost(toHost) || (toHost === undefined && session.type === "c2s")) steps.push({ chain: "deliver", host: toHost ?? session.host });
    else if (session.type !== "s2s") steps.push({ chain: "deliver_remote", host: session.host });
    return steps;
  }

  /** Runs every loaded script's handler of a built-in (or, with `chain`, any) chain until one returns non-nil. */
  private runBuiltin(host: string, chain: string, ctx: EventContext): HandlerResult {
    try {
      return this.runScripts(host, chain, ctx);
    } catch (e) {
      if (e instanceof FirewallRuntimeError) e.raisedIn ??= { chain, host };
      throw e;
    }
  }

  private runScripts(host: string, chain: string, ctx: EventContext): HandlerResult {
    const fw = this.host(host);
    let lastPass: DecidingRule | undefined;
    for (const script of fw.scripts) {
      const compiled = script.chains.get(chain);
      if (!compiled) continue;
      // A user chain given as the event's chain runs as if jumped to.
      const viaJump = !builtinChains.has(chain);
      const r = this.runHandler(fw, script, compiled, viaJump, ctx, 0);
      if (r.value !== undefined) {
        this.orderAssumed(fw, chain, ctx);
        return r;
      }
      if (r.decided) lastPass = r.decided;
    }
    return lastPass ? { value: undefined, decided: lastPass } : { value: undefined };
  }

  /**
   * `firewall_scripts` is a set, and handlers of one priority run in the order of a Lua table's
   * iteration: when a script's handler stops a stanza that another script's handler of the same
   * chain could also have seen, the order given is an assumption, and said so.
   */
  private orderAssumed(fw: HostFirewall, chain: string, ctx: EventContext): void {
    const files = fw.filesWithRules(chain);
    if (files.length > 1) ctx.assume.add(`Prosody runs the ${chain} handlers of ${files.join(", ")} in an order it does not define (firewall_scripts is a set): simulated in the order given`);
  }

  /** `firewall/chains/NAME` fired from an action (called by {@link HandlerRuntime}). */
  fireChainEvent(fw: HostFirewall, chain: string, ctx: EventContext, depth: number): HandlerResult {
    for (const script of fw.scripts) {
      const compiled = script.chains.get(chain);
      if (!compiled) continue;
      const r = this.runHandler(fw, script, compiled, true, ctx, depth + 1);
      if (r.value !== undefined) return r;
    }
    return { value: undefined };
  }

  private runHandler(fw: HostFirewall, script: CompiledScript, chain: CompiledChain, viaJump: boolean, ctx: EventContext, depth: number): HandlerResult {
    if (depth > maxJumpDepth) throw new FirewallRuntimeError("stack overflow (a chain jumps to itself)");
    const state = viaJump ? chain.states.jump : chain.states.event;
    const passReturn: false | undefined = viaJump ? false : undefined;
    const cache: (boolean | undefined)[] | undefined = chain.hoisted > 0 ? new Array(chain.hoisted) : undefined;
    const trace = ctx.trace;
    // Made only for the actions that fire events or post stanzas (most rule sets have none).
    let rt: HandlerRuntime | undefined;
    for (const rule of chain.rules) {
      // Repeated conditions are computed before the rule, unconditionally, once per stanza.
      if (cache) {
        for (const c of rule.conditions) {
          if (c.slot >= 0 && cache[c.slot] === undefined) {
            const v = c.compiled.evaluate(ctx, state);
            cache[c.slot] = v;
            if (trace) trace.push({ script: script.source.file, chain: chain.name, rule: rule.index, line: c.line, text: c.text.replace(/^NOT /, ""), result: v, hoisted: true });
          }
        }
      }
      let matched = true;
      for (const c of rule.conditions) {
        const cached = c.slot >= 0 ? cache![c.slot] : undefined;
        const raw = cached !== undefined ? cached : c.compiled.evaluate(ctx, state);
        const v = c.negated ? !raw : raw;
        if (trace) trace.push({ script: script.source.file, chain: chain.name, rule: rule.index, line: c.line, text: c.text, result: v });
        if (!v) {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
      for (const a of rule.actions) {
        if (a.raises?.before) throw new FirewallRuntimeError(a.raises.message);
        const outcome = a.compiled.run(ctx, a.compiled.usesRuntime ? (rt ??= new HandlerRuntime(this, fw, ctx, depth, passReturn)) : noRuntime(passReturn));
        if (a.raises) throw new FirewallRuntimeError(a.raises.message);
        if (outcome.kind === "return") {
          const inner = rt?.inner;
          const viaInner = (a.compiled.name === "JUMP CHAIN" || a.compiled.name === "JUMP EVENT") && inner !== undefined;
          const decided = viaInner ? inner : this.decision(script, chain, rule, a.compiled.name);
          return { value: outcome.value, decided };
        }
      }
    }
    return { value: undefined };
  }

  private postDepth = 0;

  /**
   * `core_post_stanza` from inside an action: the new stanza is routed like any stanza from the
   * origin session (deliver for a local recipient, deliver_remote otherwise; not preroute), now,
   * before the action goes on. A rule that copies to a recipient whose chain copies again loops
   * until Lua's stack overflows, as in Prosody. (Called by {@link HandlerRuntime}.)
   */
  post(stanza: XmlElement, ctx: EventContext): boolean {
    sessionOf(ctx);
    if (this.postDepth >= maxJumpDepth / 2) throw new FirewallRuntimeError("stack overflow (a stanza the firewall posts meets a rule that posts it again)");
    this.postDepth++;
    try {
      const toHost = splitJid(stanza.attr.to)[1];
      const chain = this.world.isLocalHost(toHost) ? "deliver" : "deliver_remote";
      const host = chain === "deliver" ? toHost! : ctx.host;
      const r = this.runBuiltin(host, chain, new StanzaContext(this, stanza, ctx.session, host, ctx.now, ctx.world, ctx.assume, ctx.trace, ctx.emitted, ctx.logs));
      return r.value === undefined;
    } finally {
      this.postDepth--;
    }
  }

  /**
   * `session.send` of a reply (BOUNCE, REPLY, COPY without a target). An s2s session's `send`
   * fires `route/remote` on the host it belongs to: the reply meets deliver_remote there, as an
   * event without an origin, before it leaves (mod_s2s in Prosody 0.12). Whether those rules let
   * it through; undefined where it meets none.
   */
  sendBack(stanza: XmlElement, ctx: EventContext): boolean | undefined {
    if (!this.repliesMeetRules(ctx)) return undefined;
    if (this.postDepth >= maxJumpDepth / 2) throw new FirewallRuntimeError("stack overflow (a reply the firewall sends meets a rule that replies again)");
    this.postDepth++;
    try {
      return this.runBuiltin(ctx.host, "deliver_remote", new StanzaContext(this, stanza, noOrigin, ctx.host, ctx.now, ctx.world, ctx.assume, ctx.trace, ctx.emitted, ctx.logs)).value === undefined;
    } finally {
      this.postDepth--;
    }
  }

  /** Whether a reply sent back on the event's session meets rules before it leaves (see {@link sendBack}). */
  repliesMeetRules(ctx: EventContext): boolean {
    return sessionOf(ctx).type === "s2s" && this.host(ctx.host).filesWithRules("deliver_remote").length > 0;
  }

  private decision(script: CompiledScript, chain: CompiledChain, rule: CompiledRule, action: string): DecidingRule {
    let decided = rule.decisions.get(action);
    if (!decided) {
      const origin = script.source.origins?.get(`${chain.name}#${rule.index}`);
      decided = { script: script.source.file, chain: chain.name, pfw: `${script.source.file}:${rule.line}`, action, ...(origin ? { sfw: origin.sfw, name: origin.name } : {}) };
      rule.decisions.set(action, decided);
    }
    return decided;
  }
}

/** What the actions that fire events or post stanzas get from the handler running them. */
class HandlerRuntime implements ActionRuntime {
  /** The rule that decided inside the chain an event jumped to. */
  inner: DecidingRule | undefined;

  constructor(
    private readonly sim: Simulator,
    private readonly fw: HostFirewall,
    private readonly ctx: EventContext,
    private readonly depth: number,
    readonly passReturn: false | undefined,
  ) {}

  readonly fireEvent = (name: string): boolean | undefined => {
    this.inner = undefined;
    if (name.startsWith("firewall/chains/")) {
      const r = this.sim.fireChainEvent(this.fw, name.slice("firewall/chains/".length), this.ctx, this.depth);
      this.inner = r.decided;
      return r.value;
    }
    this.ctx.logs.push(`debug: event '${name}' fired (no handler simulated)`);
    return undefined;
  };

  readonly post = (stanza: XmlElement): boolean => this.sim.post(stanza, this.ctx);
}

/** What one stanza meets in a chain (a class: made for every stanza and chain, so kept cheap). */
class StanzaContext implements EventContext {
  constructor(
    private readonly sim: Simulator,
    readonly stanza: XmlElement,
    readonly session: Session,
    readonly host: string,
    readonly now: number,
    readonly world: World,
    readonly assume: Assumptions,
    readonly trace: TraceEntry[] | undefined,
    readonly emitted: Emitted[],
    readonly logs: string[],
  ) {}

  sendBack(stanza: XmlElement): boolean | undefined {
    return this.sim.sendBack(stanza, this);
  }

  repliesMeetRules(): boolean {
    return this.sim.repliesMeetRules(this);
  }
}

class Outcome implements SimResult {
  private serialised: string | undefined;

  constructor(
    readonly verdict: Verdict,
    readonly rule: DecidingRule | undefined,
    readonly error: SimResult["error"],
    readonly chains: readonly ChainRun[],
    readonly emitted: readonly Emitted[],
    readonly logs: readonly string[],
    readonly assumptions: readonly string[],
    readonly trace: readonly TraceEntry[] | undefined,
    readonly reason: string | undefined,
    private readonly element: XmlElement,
    readonly generated: readonly GeneratedStanza[],
  ) {}

  /** Serialised on demand: most callers never look at it, and it costs more than the simulation. */
  get stanza(): string {
    return (this.serialised ??= this.element.toString());
  }
}

/** Actions that neither fire events nor post stanzas get a runtime without closures. */
const plainRuntimes = { nil: { passReturn: undefined, fireEvent: unavailable, post: unavailable }, false: { passReturn: false, fireEvent: unavailable, post: unavailable } } as const;

function unavailable(): never {
  throw new Error("internal error: an action that does not declare it uses the runtime called it");
}

function noRuntime(passReturn: false | undefined): ActionRuntime {
  return passReturn === false ? plainRuntimes.false : plainRuntimes.nil;
}

function verdictOf(decided: DecidingRule | undefined, stanza: XmlElement): Verdict {
  switch (decided?.action) {
    case "BOUNCE": {
      const t = stanza.attr.type;
      return t === "error" || (stanza.name === "iq" && t === "result") ? "drop" : "bounce";
    }
    case "REDIRECT":
      return "redirect";
    default:
      return "drop";
  }
}
