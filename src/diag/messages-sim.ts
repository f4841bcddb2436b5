import type { MessageEntry } from "./message-entry.js";

/** SFW6xx: test files and the inputs of simulations. */
export const simMessages = {
  SFW601: { severity: "error", message: "unknown verdict '{verdict}' (pass, drop, bounce, redirect, default, error or unsimulatable)", doc: "An expectation names a verdict the simulator never gives." },
  SFW602: { severity: "error", message: "cannot read {what} '{path}': {why}", doc: "A file a test file refers to (rules, world, traffic) does not exist or cannot be read." },
  SFW603: { severity: "error", message: "invalid world: {problem}", doc: "The world given to a test is not valid (see docs/world.md)." },
  SFW604: { severity: "error", message: "{problem}", doc: "A stanza literal that is not exactly one well-formed message, presence or iq, a malformed record in a traffic file of a test (the run fails: its expectation cannot be checked), or an `at` time that is not ISO 8601." },
  SFW605: { severity: "error", message: "the rule file '{path}' has errors: fix them first (stanzafw check)", doc: "A test cannot run against a rule set that does not compile." },
  SFW606: { severity: "error", message: "no rule '{rule}' in the rule sets of this test", doc: "An expectation's `by` names a rule that does not exist." },
  SFW607: { severity: "error", message: "malformed expectation: {problem}", doc: "An `expect:` comment in a traffic file that cannot be read." },
  SFW608: { severity: "error", message: "a test file needs a 'rules' line naming the rule sets it tests", doc: "Every test file says which rule files it runs." },
  SFW609: { severity: "error", message: "unknown error condition '{condition}': not a stanza error condition, and no rule set of this test bounces with it", doc: "An expectation names an error condition that is neither an RFC 6120 stanza error condition nor one a `.pfw` rule set of the test bounces with." },
  SFW610: { severity: "error", message: "{problem}", doc: "A `send … chain` names a chain that is neither built in nor defined by a rule set of the test: the stanza would run no rule at all." },
} as const satisfies Record<string, MessageEntry>;
