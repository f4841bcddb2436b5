import { diagnosticCases, ruleSource } from "../helpers/diagnostic-cases.js";

// Line 4 holds `    when …` (the condition starts at column 10); line 5 holds `    then …` (actions at column 10).

diagnosticCases("unknown names (SFW201)", {
  valid: [
    ruleSource("kind == message and type in [chat, normal]", "drop"),
    ruleSource("from.host in blocked", "drop", 'list blocked: set<domain> = file("/etc/b.txt")'),
  ],
  invalid: [
    { name: "misspelt stanza kind", source: ruleSource("kind == mesage", "drop"), diagnostics: [{ code: "SFW201", line: 4, column: 18, endColumn: 24, message: "unknown stanza kind 'mesage'", hint: "did you mean 'message'?" }] },
    { name: "misspelt list", source: ruleSource("from.host in blocked_domain", "drop", 'list blocked_domains: set<domain> = memory'), diagnostics: [{ code: "SFW201", line: 4, column: 23, message: "unknown list 'blocked_domain'", hint: "did you mean 'blocked_domains'?" }] },
    { name: "a misspelt list does not hide a misspelt JID part before it", source: ruleSource("from.hots in blocked_domain", "drop", 'list blocked_domains: set<domain> = memory'), diagnostics: [{ code: "SFW201", line: 4, column: 15, message: "unknown JID part 'hots'", hint: "did you mean 'host'?" }, { code: "SFW201", line: 4, column: 23, message: "unknown list 'blocked_domain'" }] },
    { name: "adding to a misspelt list: the value is checked too", source: ruleSource(undefined, "add from.bear to seeen", 'list seen: set<jid> = memory'), diagnostics: [{ code: "SFW201", line: 5, column: 19, message: "unknown JID part 'bear'" }, { code: "SFW201", line: 5, column: 27, message: "unknown list 'seeen'", hint: "did you mean 'seen'?" }] },
    { name: "misspelt predicate", source: ruleSource("in_rooster", "drop"), diagnostics: [{ code: "SFW201", line: 4, column: 10, message: "unknown condition 'in_rooster'", hint: "did you mean 'in_roster'?" }] },
    { name: "unknown chain in jump", source: ruleSource(undefined, "jump contnet") + "chain content { rule x { then drop } }\n", diagnostics: [{ code: "SFW201", line: 5, column: 15, message: "unknown chain 'contnet'", hint: "did you mean 'content'?" }] },
    { name: "unknown JID part", source: ruleSource("from.domain == \"x.org\"", "drop"), diagnostics: [{ code: "SFW201", line: 4, column: 15, message: "unknown JID part 'domain'" }] },
    { name: "unknown rate unit", source: "rate r = 5 per minut\n" + ruleSource("exceeds r", "drop"), diagnostics: [{ code: "SFW201", line: 1, column: 16, message: "unknown time unit 'minut'", hint: "did you mean 'minute'?" }] },
    { name: "unknown log level", source: ruleSource(undefined, 'log warning "x"'), diagnostics: [{ code: "SFW201", line: 5, column: 14, message: "unknown log level 'warning'", hint: "did you mean 'warn'?" }] },
  ],
});

diagnosticCases("duplicates (SFW202)", {
  valid: [],
  invalid: [
    { name: "two declarations", source: 'list a = memory\nlist a = memory\n' + ruleSource("from in a", "drop"), diagnostics: [{ code: "SFW202", line: 2, column: 6, message: "list 'a' is already defined" }] },
    { name: "two rules of one name", source: "chain deliver {\n  rule r { then drop }\n  rule r { then pass }\n}\n", diagnostics: [{ code: "SFW202", line: 3, column: 8, message: "rule 'r' is already defined" }] },
  ],
});

diagnosticCases("types (SFW203, SFW204)", {
  valid: [ruleSource("kind == iq and type in [get, set]", "drop")],
  invalid: [
    { name: "type impossible for kind", source: ruleSource("kind == iq and type == chat", "drop"), diagnostics: [{ code: "SFW204", line: 4, column: 33, message: "iq stanzas never have type 'chat'" }] },
    { name: "two kinds at once", source: ruleSource("kind == message and kind == iq", "drop"), diagnostics: [{ code: "SFW316", line: 4, column: 30, message: "the kinds tested before (message) leave none of iq" }] },
    { name: "two types at once", source: ruleSource("type in [chat, normal] and type == groupchat", "drop"), diagnostics: [{ code: "SFW316", line: 4, column: 37, message: "the types tested before (chat, normal) leave none of groupchat" }] },
    { name: "a misspelt kind is reported once, not again with the types", source: ruleSource("kind == mesage and type == chat", "drop"), diagnostics: [{ code: "SFW201", line: 4, column: 18, message: "unknown stanza kind 'mesage'" }] },
    { name: "domain list tested with a bare JID", source: ruleSource("from.bare in blocked", "drop", 'list blocked: set<domain> = memory'), diagnostics: [{ code: "SFW203", line: 4, column: 10, message: "list 'blocked' holds domains, but this value is a bare jid", hint: "use .host" }] },
    { name: "a rate used as a list", source: ruleSource("from in r", "drop", "rate r = 1 per second"), diagnostics: [{ code: "SFW203", line: 4, column: 18, message: "'r' is a rate, but a list is expected here" }] },
    { name: "zone with in", source: ruleSource("from in partners", "drop", 'zone partners = ["p.example"]'), diagnostics: [{ code: "SFW203", line: 4, column: 10, message: "zones are tested with entering/leaving" }] },
    { name: "concatenation where nothing is substituted", source: ruleSource(undefined, 'reply "hi " + from'), diagnostics: [{ code: "SFW216", line: 5, column: 16 }] },
    { name: "regex instead of Lua pattern", source: ruleSource('body matches "https?://"', "drop"), diagnostics: [{ code: "SFW203", line: 4, column: 23, message: "mod_firewall uses Lua patterns" }] },
  ],
});

diagnosticCases("values mod_firewall cannot take (SFW205, SFW207–SFW215, SFW217)", {
  valid: [
    ruleSource("time in [22:00..06:00]", "drop"),
    ruleSource(undefined, 'bounce not-allowed type auth "No"'),
    // Compared strings are literal (no `$` operator): expression markers in them are plain text.
    ruleSource('body contains "$(os.exit())"', "drop"),
    ruleSource('body == "$<@from>"', "drop"),
    ruleSource('body == ""', "drop"),
    ruleSource("kind in [message, iq] and kind == iq and type in [get, set] and type == get", "drop"),
    // A bounce text is not at the end of its line (it is in parentheses): its spaces are kept.
    ruleSource(undefined, 'bounce policy-violation "trailing "'),
  ],
  invalid: [
    { name: "rate name with underscore", source: "rate per_user = 1 per second\n" + ruleSource("exceeds per_user", "drop"), diagnostics: [{ code: "SFW205", line: 1, column: 6, message: "LIMIT only accepts rate names made of letters and digits" }] },
    { name: "invalid Lua pattern", source: 'pattern p = lua"[a-z"\n' + ruleSource("body matches p", "drop"), diagnostics: [{ code: "SFW207", line: 1, column: 17, message: "invalid Lua pattern: malformed pattern (missing ']')" }] },
    { name: "a pubsub list on 0.12 (the message reads as a sentence)", source: ruleSource("from.bare in ps", "drop", 'list ps = pubsub("pubsub.example/blocklist")'), diagnostics: [{ code: "SFW402", line: 1, column: 11, message: "a pubsub list does not work in the target: the Debian snapshot parses the service address wrongly" }] },
    { name: "time with minutes", source: ruleSource("time in [09:30..17:00]", "drop"), diagnostics: [{ code: "SFW402", line: 4, column: 19, message: "mod_firewall's TIME raises an error" }] },
    { name: "empty time range", source: ruleSource("time in [09:00..09:00]", "drop"), diagnostics: [{ code: "SFW208", line: 4, column: 19, message: "start and end are the same hour" }] },
    { name: "unknown day", source: ruleSource("day in [mon..friday]", "drop"), diagnostics: [{ code: "SFW209", line: 4, column: 23, message: "unknown day 'friday'", hint: "did you mean 'fri'?" }] },
    { name: "zero rate", source: "rate r = 0 per second\n" + ruleSource("exceeds r", "drop"), diagnostics: [{ code: "SFW210", line: 1, column: 10, message: "a rate must be positive" }] },
    { name: "rate that never lets a stanza through", source: "rate r = 0.5 per second\n" + ruleSource("exceeds r", "drop"), diagnostics: [{ code: "SFW210", line: 1, column: 10, message: "can never let one through" }] },
    { name: "malformed JID", source: ruleSource(undefined, 'redirect "a@@b"'), diagnostics: [{ code: "SFW211", line: 5, column: 19, message: "invalid JID 'a@@b'" }] },
    { name: "JID not normalised", source: ruleSource('from == "Bob@Example.com"', "drop"), diagnostics: [{ code: "SFW212", line: 4, column: 18, message: "Write 'bob@example.com'" }] },
    { name: "a destination not normalised: routed as written, to another server", source: ruleSource(undefined, 'copy "Archive@Example.org"'), diagnostics: [{ code: "SFW212", line: 5, column: 15, message: "Prosody routes a stanza by the address as written" }] },
    { name: "line break in reply", source: ruleSource(undefined, 'reply "a\\nDROP."'), diagnostics: [{ code: "SFW213", line: 5, column: 16, message: "line break" }] },
    { name: "trailing backslash", source: ruleSource(undefined, 'log "C:\\\\"'), diagnostics: [{ code: "SFW213", line: 5, column: 14, message: "ends with a backslash" }] },
    { name: "trailing space in a compared string (mod_firewall trims the line: 'buy ' would match 'buyer')", source: ruleSource('body contains "buy "', "drop"), diagnostics: [{ code: "SFW213", line: 4, column: 24, message: "ends with whitespace" }] },
    { name: "trailing space in a group name", source: ruleSource('from in group "Best Friends "', "drop"), diagnostics: [{ code: "SFW213", line: 4, column: 24, message: "ends with whitespace" }] },
    { name: "expression marker in log text", source: ruleSource(undefined, 'log "$(os.exit())"'), diagnostics: [{ code: "SFW213", line: 5, column: 14, message: "'$(' or '$<'" }] },
    { name: "compared path without # or @", source: ruleSource('path"body" == "x"', "drop"), diagnostics: [{ code: "SFW214", line: 4, column: 15, message: "must end in '#'" }] },
    { name: "inject attribute with a 2", source: ruleSource(undefined, "inject xml\"<x xmlns='urn:x:2'/>\""), diagnostics: [{ code: "SFW215", line: 5, column: 21, message: "because its value contains the character '2'" }] },
    { name: "unknown error condition", source: ruleSource(undefined, "bounce policy-violaton"), diagnostics: [{ code: "SFW217", line: 5, column: 17, hint: "did you mean 'policy-violation'?" }] },
  ],
});

diagnosticCases("arguments and declarations (SFW206, SFW218–SFW222)", {
  valid: [ruleSource(undefined, 'log "x"; drop', 'list l: set<string> = file("/etc/l.txt", missing: ignore)\nchain other { rule x { when from in l then drop } }'), ruleSource('from_admin_of "example.org" or to_admin_of *', "drop"), ruleSource(undefined, 'log "x" + unsafe_lua"(function(s) if s then return s.host end end)(session) or stanza:get_child_text(\\"body\\")"')],
  invalid: [
    { name: "argument to a predicate without one", source: ruleSource('in_roster "x"', "drop"), diagnostics: [{ code: "SFW206", line: 4, column: 20, message: "'in_roster' expects no argument" }] },
    { name: "list option value with a comma", source: ruleSource("from in l", "drop", 'list l: set<string> = http("https://x.example/l", pattern: lua"[a,b]+")'), diagnostics: [{ code: "SFW218", line: 1, column: 60, message: "splits list options" }] },
    { name: "relative list path", source: ruleSource("from.host in l", "drop", 'list l: set<domain> = file("lists/l.txt")'), diagnostics: [{ code: "SFW219", line: 1, column: 28, message: "relative list path" }] },
    { name: "unbalanced unsafe_lua", source: ruleSource(undefined, 'log "x" + unsafe_lua"session.ip)"'), diagnostics: [{ code: "SFW220", line: 5, column: 31 }] },
    { name: "unsafe_lua is flagged", source: ruleSource(undefined, 'log "x" + unsafe_lua"session.ip"'), diagnostics: [{ code: "SFW221", line: 5, column: 20, message: "arbitrary Lua" }] },
    // mod_firewall pastes the code as tostring((CODE)): Prosody's compile of the chain fails (checked with prosodyctl mod_firewall + luac5.4 in test/pfw/code-substitution.test.ts)
    { name: "unsafe_lua that is not an expression", source: ruleSource(undefined, 'log "x" + unsafe_lua"1 2"'), diagnostics: [{ code: "SFW223", line: 5, column: 31, endColumn: 34, message: "')' expected near '2'" }] },
    { name: "unsafe_lua with an unfinished string", source: ruleSource(undefined, 'log "x" + unsafe_lua"session.ip .. \\"x"'), diagnostics: [{ code: "SFW223", line: 5, column: 31, message: "unfinished string" }] },
    { name: "unsafe_lua with '...'", source: ruleSource(undefined, 'log "x" + unsafe_lua"..."'), diagnostics: [{ code: "SFW223", line: 5, column: 31, message: "outside a vararg function" }] },
    { name: "unsafe_lua with a statement", source: ruleSource(undefined, 'log "x" + unsafe_lua"x = 1"'), diagnostics: [{ code: "SFW223", line: 5, column: 31, message: "')' expected near '='" }] },
    // Prosody refuses these scripts: "function not supported here: host" (prosodyctl mod_firewall on the compiled .pfw)
    { name: "a JID part in from_admin_of", source: ruleSource("from_admin_of to.host", "drop"), diagnostics: [{ code: "SFW222", line: 4, column: 27, endColumn: 31, message: "'.host' cannot be used in 'from_admin_of'", hint: "write the host as text, or from_admin for the host the stanza is handled on (in deliver, the recipient's host)" }] },
    { name: "a JID part in a joined to_admin_of host", source: ruleSource('to_admin_of "x." + from.bare', "drop"), diagnostics: [{ code: "SFW222", line: 4, column: 34, message: "'.bare' cannot be used in 'to_admin_of'", hint: "write the host as text, or to_admin for the host the stanza is handled on (in deliver, the recipient's host)" }] },
  ],
});

diagnosticCases("behaviour that differs from the documentation (SFW403, SFW405)", {
  valid: [],
  invalid: [
    { name: "DAY compares the day of the month", source: ruleSource("day in [mon..fri]", "drop"), diagnostics: [{ code: "SFW403", line: 4, column: 10, message: "day of the MONTH" }] },
    { name: "user marks need an option", source: ruleSource("user_marked spammer", "drop"), diagnostics: [{ code: "SFW405", line: 4, column: 10, message: "firewall_experimental_user_marks" }] },
    { name: "setting a user mark needs it too", source: ruleSource('body contains "x"', "mark user spammer"), diagnostics: [{ code: "SFW405", line: 5, column: 10, message: "firewall_experimental_user_marks" }] },
  ],
});
