import { spawn } from "node:child_process";
import { readPfw } from "../../src/pfw/read.js";
import { Simulator } from "../../src/sim/engine.js";
import { pfwSource } from "../../src/sim/load-rules.js";
import { readTrafficText } from "../../src/sim/traffic.js";
import { World } from "../../src/sim/world.js";
import type { XmlElement } from "../../src/sim/xml.js";
import { prosodyScriptPath } from "./prosody.js";

/**
 * The fast fidelity oracle: `prosodyctl mod_firewall test SCRIPT` runs the deliver chain on
 * stanzas (one module instance, a dummy session) and prints the stanzas that pass and the replies
 * it sends. A case is compared stanza by stanza with the simulator: passed or not, the stanza as
 * passed (after STRIP/INJECT), and the error condition (or REPLY body) of each reply.
 */
export interface OracleCase {
  readonly name: string;
  readonly script: string;
  /** One stanza each, every one with a distinct `id` (how the two outcomes are matched). */
  readonly stanzas: readonly string[];
  /**
   * The host whose deliver chain the simulator runs (default example.org). prosodyctl serves
   * `localhost` (Debian's default configuration) with empty rosters, and fails on a roster
   * condition about a recipient on any host it does not serve.
   */
  readonly host?: string;
}

export interface Outcome {
  /** By stanza id: the stanza as it passed, canonical. */
  readonly passed: ReadonlyMap<string, string>;
  /** By stanza id: the reply's error condition, or `reply:BODY` for a REPLY. */
  readonly replies: ReadonlyMap<string, string>;
}

/** Canonical form of a stanza: name, sorted attributes, children (text trimmed). */
function canonical(el: XmlElement): string {
  const attrs = Object.entries(el.attr).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const kids = el.children.map((c) => (typeof c === "string" ? c.trim() : canonical(c))).filter((c) => c !== "");
  return `<${el.name} ${attrs.join(" ")}>${kids.join("")}</${el.name}>`;
}

function stanzasIn(text: string): XmlElement[] {
  return readTrafficText(text, "out.xml").flatMap((i) => (i.kind === "stanza" ? [i.stanza] : []));
}

const stanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";

/** A reply as compared: an error's condition, type and text, or the kind and body of a REPLY. */
function replyOf(s: XmlElement): string {
  const error = s.getChild("error");
  if (error) {
    const text = error.getChildText("text", stanzaErrors);
    return `${error.tags.find((t) => t.name !== "text")?.name ?? "?"}/${error.attr.type ?? "?"}${text !== undefined ? ` "${text}"` : ""}`;
  }
  return `${s.name} ${s.attr.type ?? ""} reply: ${s.getChildText("body") ?? ""}`;
}

function idOf(xml: string): string {
  return stanzasIn(xml)[0]?.attr.id ?? "?";
}

/** A stanza's text in the canonical form of {@link Outcome.passed} (to tell a changed stanza). */
export function canonicalOf(xml: string): string {
  return canonical(stanzasIn(xml)[0]!);
}

/** What the real mod_firewall did; `exitCode` is prosodyctl's (not 0: the harness itself failed). */
export async function prosodyOutcome(c: OracleCase, name: string): Promise<Outcome & { exitCode: number | null; output: string }> {
  const path = prosodyScriptPath(c.script, name);
  const { stdout, stderr, exitCode } = await new Promise<{ stdout: string; stderr: string; exitCode: number | null }>((resolve) => {
    const child = spawn("prosodyctl", ["mod_firewall", "test", path]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ stdout: out, stderr: err, exitCode: code }));
    child.stdin.end(c.stanzas.join("\n") + "\n");
  });
  // The test stream gives every stanza xml:lang='en'; real traffic carries its own.
  const passed = new Map(
    stanzasIn(stdout).map((s) => {
      delete s.attr["xml:lang"];
      return [s.attr.id ?? "?", canonical(s)];
    }),
  );
  const replyText = stderr.split("\n").filter((l) => l.startsWith("<")).join("\n");
  const replies = new Map(stanzasIn(replyText).map((s) => [s.attr.id ?? "?", replyOf(s)]));
  return { passed, replies, exitCode, output: stdout + stderr };
}

/**
 * What the simulator does with the same script and stanzas, in the deliver chain of the case's
 * host. The origin is the server itself: prosodyctl's test runs one module instance
 * whatever each stanza's recipient, and a local origin on that host keeps every stanza there
 * (a stanza for a remote recipient would otherwise run on the origin's host, with buckets and
 * lists of its own).
 */
export function simulatedOutcome(c: OracleCase): Outcome & { verdicts: ReadonlyMap<string, string>; loaded: boolean } {
  const read = readPfw(c.script, "case.pfw");
  const host = c.host ?? "example.org";
  // Rosters given, and empty: what prosodyctl's null storage driver holds.
  const sim = new Simulator([pfwSource("case.pfw", read.script, read.diagnostics)], new World({ hosts: [host], ...(c.host ? { rosters: {}, pending: {} } : {}) }));
  const passed = new Map<string, string>();
  const replies = new Map<string, string>();
  const verdicts = new Map<string, string>();
  for (const xml of c.stanzas) {
    const stanza = stanzasIn(xml)[0]!;
    const r = sim.simulate({ stanza, time: 1_800_000_000, origin: `local:${host}`, chain: "deliver" });
    const id = stanza.attr.id ?? "?";
    verdicts.set(id, `${r.verdict}${r.reason !== undefined ? ` (${r.reason})` : ""}`);
    if (r.verdict === "pass" || r.verdict === "default") passed.set(id, canonical(stanzasIn(r.stanza)[0]!));
    for (const e of r.emitted) {
      if (e.action === "BOUNCE" || e.action === "REPLY") replies.set(id, replyOf(stanzasIn(e.xml)[0]!));
    }
  }
  return { passed, replies, verdicts, loaded: sim.loadReports().every((r) => r.loaded) };
}

/**
 * Whether prosodyctl failed because mod_firewall raised while loading the script (the "stored
 * twice" crash and the like: on a server, the module fails to load and no script of it runs).
 */
export function crashedRunning(r: { exitCode: number | null; output: string }): boolean {
  // A Lua error in a chain's generated code: on a server, logged and the stanza lost; the test harness stops there.
  return r.exitCode !== 0 && !crashedLoading(r) && /Mod_firewall::[\w/]+:\d+: /.test(r.output);
}

export function crashedLoading(r: { exitCode: number | null; output: string }): boolean {
  // prosodyctl prints the traceback on standard output.
  return r.exitCode !== 0 && r.output.includes("in global 'load_script'");
}

function describe(o: Outcome, id: string): string {
  return `${o.passed.has(id) ? `passed ${o.passed.get(id)}` : "stopped"}${o.replies.has(id) ? `, replied ${o.replies.get(id)}` : ""}`;
}

/** The stanzas of a case on which the two outcomes differ, each described. */
export function disagreements(c: OracleCase, prosody: Outcome, sim: Outcome & { verdicts: ReadonlyMap<string, string> }): string[] {
  const out: string[] = [];
  for (const xml of c.stanzas) {
    const id = idOf(xml);
    if (describe(sim, id) !== describe(prosody, id)) out.push(`${c.name} / ${xml}\n    Prosody:   ${describe(prosody, id)}\n    simulator: ${describe(sim, id)} [${sim.verdicts.get(id)}]`);
  }
  return out;
}
