import test from "ava";
import { actualDiagnostics, diagnosticCases, ruleSource } from "../helpers/diagnostic-cases.js";

diagnosticCases("dead actions (SFW302)", {
  valid: [ruleSource(undefined, 'log "x"; drop')],
  invalid: [{ name: "action after drop", source: ruleSource(undefined, 'drop; log "never"'), diagnostics: [{ code: "SFW302", line: 5, column: 16, message: "'drop' before it always ends the chain" }] }],
});

diagnosticCases("unreachable and shadowed rules (SFW303, SFW304)", {
  valid: [
    "chain deliver {\n  rule a { when kind == message then drop }\n  rule b { when kind == presence then drop }\n}\n",
    "chain deliver {\n  rule a { when kind == message and in_roster then drop }\n  rule b { when kind == message then drop }\n}\n",
    // A broader list later: not shadowed.
    "chain deliver {\n  rule a { when kind == message then drop }\n  rule b { when kind in [message, presence] then drop }\n}\n",
    "chain deliver {\n  rule a { when type in [chat, normal] then drop }\n  rule b { when type in [chat, headline] then drop }\n}\n",
    // Broader texts and addresses later, another path, the other address, Lua patterns: not shadowed.
    'chain deliver {\n  rule a { when body contains "buy now" then drop }\n  rule b { when body contains "buy" then drop }\n}\n',
    'chain deliver {\n  rule a { when body == "buy" then drop }\n  rule b { when body contains "buy now" then drop }\n}\n',
    'chain deliver {\n  rule a { when path"{urn:x}x/y#" contains "v" then drop }\n  rule b { when body == "v" then drop }\n}\n',
    'chain deliver {\n  rule a { when body matches lua"sell" then drop }\n  rule b { when body contains "sell" then drop }\n}\n',
    'chain deliver {\n  rule a { when from.bare == "bob@spam.example" then drop }\n  rule b { when from.host == "spam.example" then drop }\n}\n',
    'chain deliver {\n  rule a { when to.host == "spam.example" then drop }\n  rule b { when from.bare == "bob@spam.example" then drop }\n}\n',
    'chain deliver {\n  rule a { when from == "spam.example" then drop }\n  rule b { when from.bare == "bob@spam.example" then drop }\n}\n',
    'chain deliver {\n  rule a { when from.host == "spam.example" then drop }\n  rule b { when from.host == "spam.example.net" then drop }\n}\n',
  ],
  invalid: [
    { name: "after an unconditional terminal rule", source: "chain deliver {\n  rule a { then pass }\n  rule b { when kind == message then drop }\n}\n", diagnostics: [{ code: "SFW303", line: 3, column: 3, message: "rule 'b' can never fire: rule 'a' always decides first" }] },
    { name: "conditions include an earlier rule's", source: "chain deliver {\n  rule a { when kind == message then drop }\n  rule b { when kind == message and in_roster then pass }\n}\n", diagnostics: [{ code: "SFW304", line: 3, column: 3, message: "rule 'b' can never fire" }] },
    { name: "a kind within an earlier rule's list of kinds", source: "chain deliver {\n  rule a { when kind in [message, presence] then drop }\n  rule b { when kind == message and body contains \"x\" then pass }\n}\n", diagnostics: [{ code: "SFW304", line: 3, column: 3, message: "rule 'a' has already decided" }] },
    { name: "types within an earlier rule's list of types", source: "chain deliver {\n  rule a { when type in [chat, normal, headline] then drop }\n  rule b { when kind == message and type in [chat, normal] then pass }\n}\n", diagnostics: [{ code: "SFW304", line: 3, column: 3 }] },
    { name: "a text that contains an earlier rule's", source: 'chain deliver {\n  rule a { when body contains "buy" then drop }\n  rule b { when kind == message and body contains "buy now" then pass }\n}\n', diagnostics: [{ code: "SFW304", line: 3, column: 3, message: "rule 'a' has already decided" }] },
    { name: "a text equal to one that contains an earlier rule's", source: 'chain deliver {\n  rule a { when body contains "buy" then drop }\n  rule b { when body == "buy it" then pass }\n}\n', diagnostics: [{ code: "SFW304", line: 3, column: 3 }] },
    { name: "a value at a path an earlier rule requires", source: 'chain deliver {\n  rule a { when has path"{urn:x}x/y#" then drop }\n  rule b { when path"{urn:x}x/y#" == "v" then pass }\n}\n', diagnostics: [{ code: "SFW304", line: 3, column: 3 }] },
    { name: "an account of a server an earlier rule stops", source: 'chain deliver {\n  rule a { when from.host == "spam.example" then drop }\n  rule b { when from.bare == "bob@spam.example" then pass }\n}\n', diagnostics: [{ code: "SFW304", line: 3, column: 3, message: "rule 'a' has already decided" }] },
    { name: "a full JID of an account an earlier rule stops", source: 'chain deliver {\n  rule a { when to.bare == "honeypot@example.org" then drop }\n  rule b { when to == "honeypot@example.org/phone" then pass }\n}\n', diagnostics: [{ code: "SFW304", line: 3, column: 3 }] },
    { name: "each alternative covered", source: "chain deliver {\n  rule a { when kind == message or kind == iq then drop }\n  rule b { when (kind == iq or kind == message) and in_roster then pass }\n}\n", diagnostics: [{ code: "SFW304", line: 3, column: 3 }] },
  ],
});

diagnosticCases("roster conditions where the recipient is remote (SFW305)", {
  valid: [ruleSource("in_roster", "drop")],
  invalid: [
    { name: "in deliver_remote", source: "chain deliver_remote {\n  rule r { when subscribed then pass }\n}\n", diagnostics: [{ code: "SFW305", line: 2, column: 17, message: "the recipient is on a remote server" }] },
    { name: "in a custom chain reached from preroute", source: "chain preroute {\n  rule r { then jump c }\n}\nchain c {\n  rule x { when in_roster then pass }\n}\n", diagnostics: [{ code: "SFW305", line: 5, column: 17, message: "may be on a remote server" }] },
  ],
});

diagnosticCases("chains (SFW306, SFW307, SFW312)", {
  valid: ["chain deliver {\n  rule r { then jump c }\n}\nchain c {\n  rule x { then pass }\n}\n"],
  invalid: [
    { name: "never jumped to", source: "chain deliver {\n  rule r { then pass }\n}\nchain c {\n  rule x { then pass }\n}\n", diagnostics: [{ code: "SFW306", line: 4, column: 1, message: "chain 'c' is never jumped to" }] },
    { name: "jump cycle", source: "chain deliver {\n  rule r { then jump a }\n}\nchain a {\n  rule x { then jump b }\n}\nchain b {\n  rule y { then jump a }\n}\n", diagnostics: [{ code: "SFW307", line: 8, column: 17, message: "jump cycle: a → b → a" }] },
    { name: "empty chain", source: "chain deliver {\n}\n", diagnostics: [{ code: "SFW312", line: 1, column: 7 }] },
  ],
});

diagnosticCases("unused declarations (SFW308)", {
  valid: [],
  invalid: [{ name: "unused rate", source: "rate r = 1 per second\n" + ruleSource(undefined, "drop"), diagnostics: [{ code: "SFW308", line: 1, column: 6, message: "rate 'r' is never used" }] }],
});

diagnosticCases("rate tests and lowering (SFW309, SFW310, SFW313, SFW314, SFW321)", {
  valid: [
    ruleSource("exceeds r and (kind == message or kind == iq)", 'log "x"', "rate r = 5 per second"),
    ruleSource("exceeds r or in_roster", "drop", "rate r = 5 per second"),
    // Alternatives of one kind are one KIND line: no 'or' is left for the rate test to follow.
    ruleSource("(kind == message or kind == iq) and exceeds r", "drop", "rate r = 5 per second"),
    // Lowered through helper chains (test/emit/rate-after-or.test.ts shows what they do in Prosody).
    ruleSource('(kind == message or payload "urn:x") and exceeds r', "drop", "rate r = 5 per second"),
    ruleSource('(kind == message or payload "urn:x") and exceeds r per from.host and type == chat', 'log "x"', "rate r = 5 per second"),
    // One rate per chain; one chain testing a rate, jumped to from two (one handler, one set of buckets).
    "rate r = 5 per second\nrate s = 5 per second\nchain deliver {\n  rule a { when exceeds r then drop }\n}\nchain preroute {\n  rule b { when exceeds s then drop }\n}\n",
    "rate r = 5 per second\nchain deliver {\n  rule a { then jump c }\n}\nchain preroute {\n  rule b { then jump c }\n}\nchain c {\n  rule d { when exceeds r then drop }\n}\n",
  ],
  invalid: [
    // Where the alternatives' helper chain would change what the actions mean ('default' in a chain reached by jump passes).
    { name: "rate test after an or, the action default", source: ruleSource('(kind == message or payload "urn:x") and exceeds r', "default", "rate r = 5 per second"), diagnostics: [{ code: "SFW309", line: 4, column: 51, message: "move it to the front: 'exceeds r and (…)'" }] },
    { name: "rate test per sender after an or, then another rate test", source: ruleSource('(kind == message or payload "urn:x") and exceeds r per from.host and (in_roster or to_self) and exceeds s', "drop", "rate r = 5 per second\nrate s = 1 per second"), diagnostics: [{ code: "SFW309", line: 5, column: 106, message: "move it to the front" }] },
    { name: "rate test inside an or with non-terminal actions", source: ruleSource("exceeds r or in_roster", 'log "x"', "rate r = 5 per second"), diagnostics: [{ code: "SFW309", line: 4, column: 10, message: "helper chain with its own rate buckets. Test the rate first ('exceeds r and (…)')" }] },
    { name: "same rate twice in one rule", source: ruleSource("(exceeds r and kind == iq) or (exceeds r and kind == message)", "drop", "rate r = 5 per second"), diagnostics: [{ code: "SFW309", line: 4, column: 41, message: "more than once" }] },
    { name: "same rate in two rules", source: "rate r = 5 per second\nchain deliver {\n  rule a { when kind == iq and exceeds r then drop }\n  rule b { when exceeds r then bounce }\n}\n", diagnostics: [{ code: "SFW310", line: 3, column: 32, message: "appears in 2 rules" }] },
    {
      name: "a rate tested after an 'or' in one rule and directly in another: the helper chain splits its buckets",
      source: 'rate r = 2 per minute\nchain deliver {\n  rule a { when (body contains "casino" or payload "urn:x") and exceeds r then drop }\n  rule b { when kind == presence and exceeds r then drop }\n}\n',
      diagnostics: [{ code: "SFW320", line: 3, column: 65, message: "rate 'r' is tested by rules 'a' and 'b' of chain 'deliver'" }],
    },
    {
      name: "the same, with two rules left in the chain: they still share the up-front evaluation",
      source: 'rate r = 2 per minute\nchain deliver {\n  rule a { when (body contains "casino" or payload "urn:x") and exceeds r then drop }\n  rule b { when kind == presence and exceeds r then drop }\n  rule c { when kind == iq and exceeds r then drop }\n}\n',
      diagnostics: [
        { code: "SFW320", line: 3, column: 65, message: "rate 'r' is tested by rules 'a', 'b' and 'c' of chain 'deliver'" },
        { code: "SFW310", line: 4, column: 38, message: "appears in 2 rules of chain 'deliver'" },
      ],
    },
    {
      name: "a rate tested in two chains: each has its own buckets",
      source: "rate r = 5 per second\nchain deliver {\n  rule a { when exceeds r then drop }\n}\nchain preroute {\n  rule b { when kind == iq then pass }\n  rule c { when exceeds r per from.host then drop }\n}\n",
      diagnostics: [{ code: "SFW321", line: 7, column: 17, message: "rate 'r' is tested in chains 'deliver' and 'preroute'" }],
    },
    {
      name: "a rate tested in three chains, one of them jumped to: reported once",
      source: "rate r = 5 per second\nchain deliver {\n  rule a { when exceeds r then drop }\n  rule j { then jump c }\n}\nchain deliver_remote {\n  rule b { when exceeds r then drop }\n}\nchain c {\n  rule d { when exceeds r then drop }\n}\n",
      diagnostics: [{ code: "SFW321", line: 7, column: 17, message: "rate 'r' is tested in chains 'deliver', 'deliver_remote' and 'c'" }],
    },
    { name: "explosive condition", source: ruleSource(Array.from({ length: 7 }, (_, i) => `(payload "a${i}" or payload "b${i}")`).join(" and "), "drop"), diagnostics: [{ code: "SFW313", line: 3, column: 3 }] },
    { name: "log right after event", source: ruleSource(undefined, 'event "x"; log "y"'), diagnostics: [{ code: "SFW314", line: 3, column: 3, message: "'log' right after 'event'" }] },
    { name: "log right after event in a rule an 'or' splits: reported once", source: ruleSource("kind == message or kind == iq", 'event "x"; log "y"'), diagnostics: [{ code: "SFW314", line: 3, column: 3, message: "'log' right after 'event'" }] },
  ],
});

diagnosticCases("targets (SFW401, SFW402, SFW404, SFW311)", {
  valid: ['target prosody "13"\n' + ruleSource('may "xmpp:federate"', "drop")],
  invalid: [
    { name: "role condition on 0.12", source: 'target prosody "0.12"\n' + ruleSource('to_role "prosody:admin"', "drop"), diagnostics: [{ code: "SFW402", line: 5, column: 10, message: "get_jid_role does not exist" }] },
    { name: "newer condition on 0.12", source: ruleSource('from_ip "10.0.0.1"', "drop"), diagnostics: [{ code: "SFW401", line: 4, column: 10, message: "the condition FROM IP is not available" }] },
    { name: "admin condition removed in 13", source: 'target prosody "13"\n' + ruleSource("from_admin", "drop"), diagnostics: [{ code: "SFW401", line: 5, column: 10 }] },
    { name: "unknown target", source: 'target prosody "0.11"\n' + ruleSource(undefined, "drop"), diagnostics: [{ code: "SFW404", line: 1, column: 16 }] },
    { name: "two targets", source: 'target prosody "0.12"\ntarget prosody "13"\n' + ruleSource(undefined, "drop"), diagnostics: [{ code: "SFW311", line: 2, column: 1 }] },
  ],
});

const hoisted = (between: string, decl = "list seen: set<jid> = memory(limit: 100)") =>
  `${decl}\nchain deliver {\n  rule first { when kind == presence and from.bare in seen then log "p" }\n  rule change { when to.node == "honeypot" then ${between} }\n  rule later { when from.bare in seen then drop }\n}\n`;

diagnosticCases("conditions computed once per chain, changed in between (SFW315)", {
  valid: [
    // Used by one rule only: evaluated where it stands, after the addition.
    'list seen: set<jid> = memory(limit: 100)\nchain deliver {\n  rule change { when to.node == "honeypot" then add from.bare to seen }\n  rule later { when from.bare in seen then drop }\n}\n',
    // Another list is changed: the hoisted value is still right.
    hoisted("add from.bare to other", "list seen: set<jid> = memory(limit: 100)\nlist other: set<jid> = memory(limit: 100)"),
    // The addition comes after the last use.
    'list seen: set<jid> = memory(limit: 100)\nchain deliver {\n  rule first { when kind == presence and from.bare in seen then log "p" }\n  rule later { when from.bare in seen then drop }\n  rule change { when to.node == "honeypot" then add from.bare to seen }\n}\n',
  ],
  invalid: [
    { name: "a list addition between two uses of the list", source: hoisted("add from.bare to seen"), diagnostics: [{ code: "SFW315", line: 5, column: 3, message: "in rule 'change' does not change it for rule 'later' on the same stanza" }] },
    {
      name: "an injected payload tested by two rules",
      source: 'chain deliver {\n  rule first { when kind == presence and has path"{urn:x}t" then log "p" }\n  rule tag { when kind == message then inject xml"<t xmlns=\'urn:x\'/>" }\n  rule later { when has path"{urn:x}t" then drop }\n}\n',
      diagnostics: [{ code: "SFW315", line: 4, column: 3, message: "before rule 'first': 'INJECT=" }],
    },
  ],
});

diagnosticCases("default in a chain reached by jump (SFW317)", {
  valid: ['chain deliver {\n  rule j { when kind == message then jump sub }\n  rule d { when body contains "y" then default }\n}\nchain sub {\n  rule p { when body contains "x" then pass }\n}\n'],
  invalid: [
    {
      name: "default in a custom chain behaves like pass",
      source: 'chain deliver {\n  rule j { when kind == message then jump sub }\n}\nchain sub {\n  rule d { when body contains "x" then default }\n}\n',
      diagnostics: [{ code: "SFW317", line: 5, column: 40, message: "in chain 'sub', reached by jump, 'default' ends the chain and the stanza passes" }],
    },
  ],
});

// SFW318 is incidental in other snippets (ruleSource's chain is deliver): its valid cases are checked with it kept.
for (const source of [
  'chain deliver {\n  rule archive { when kind == message and to.bare != "archive@example.org" then copy "archive@example.org" }\n}\n',
  'chain deliver {\n  rule bounced { when not to_self then redirect "postmaster@example.org" }\n}\n',
  'chain preroute {\n  rule archive { when kind == message then copy "archive@example.org" }\n}\n',
]) {
  test(`SFW318 not reported where the recipient is tested, or outside deliver: ${source.split("\n")[1]!.trim()}`, (t) => {
    t.deepEqual(actualDiagnostics(source, new Set(["SFW318"])).filter((d) => d.code === "SFW318"), []);
  });
}

diagnosticCases("copy and redirect in deliver without a test of the recipient (SFW318)", {
  valid: [],
  invalid: [
    { name: "a copy that meets its own rule again", source: 'chain deliver {\n  rule archive { when kind == message then copy "archive@example.org" }\n}\n', diagnostics: [{ code: "SFW318", line: 2, column: 44, message: "'copy' in the deliver chain, by a rule that does not test the recipient" }] },
    { name: "a redirect without conditions", source: 'chain deliver {\n  rule all { then redirect "bob@example.org" }\n}\n', diagnostics: [{ code: "SFW318", line: 2, column: 19, message: "'redirect' in the deliver chain" }] },
  ],
});

// The message FORWARD and REPORT TO send: from the host, to the target, holding only <forwarded>.
diagnosticCases("forward in deliver by a rule that may match the forwarded message (SFW319)", {
  valid: [
    // The forwarded message has no body, is no presence, and is from the server, not a listed host.
    'chain deliver {\n  rule spam { when body contains "casino" then forward "abuse@example.org"; drop }\n}\n',
    'chain deliver {\n  rule subs { when kind == presence then forward "audit@example.org" }\n}\n',
    'list blocked: set<domain> = file("/etc/prosody/blocked.txt")\nchain deliver {\n  rule blocked { when from.host in blocked then forward "abuse@example.org"; drop }\n}\n',
    'chain deliver {\n  rule chats { when type == chat then forward "audit@example.org" }\n}\n',
    'chain preroute {\n  rule all { when kind == message then forward "audit@example.org" }\n}\n',
  ],
  invalid: [
    { name: "every normal message, the forward too", source: 'chain deliver {\n  rule audit { when kind == message and type == normal then forward "audit@example.org" }\n}\n', diagnostics: [{ code: "SFW319", line: 2, column: 61, message: "'forward' in the deliver chain, by a rule that may match the message it sends" }] },
    { name: "a negated address test holds for the server", source: 'list blocked: set<domain> = file("/etc/prosody/blocked.txt")\nchain deliver {\n  rule others { when not from.host in blocked then forward "audit@example.org" }\n}\n', diagnostics: [{ code: "SFW319", line: 3, column: 52 }] },
    { name: "a rule without conditions", source: 'chain deliver {\n  rule all { then forward "audit@example.org" }\n}\n', diagnostics: [{ code: "SFW319", line: 2, column: 19 }] },
  ],
});
