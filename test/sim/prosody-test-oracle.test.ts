import test from "ava";
import { disagreements, prosodyOutcome, simulatedOutcome, type OracleCase } from "../helpers/firewall-oracle.js";
import { requireProsody } from "../helpers/prosody.js";

// Hand-written cases for the fast fidelity oracle (test/helpers/firewall-oracle.ts): each
// exercises one part of mod_firewall's semantics, traps included. Random scripts are compared in
// random-scripts.test.ts.

const m = (id: string, attrs: string, body = "hi", extra = "") => `<message id="${id}" ${attrs}><body>${body}</body>${extra}</message>`;
const from = (jid: string) => `from="${jid}" to="alice@example.org" type="chat"`;

const cases: OracleCase[] = [
  {
    name: "kinds, types and their defaults",
    script: "KIND: presence\nTYPE: available\nDROP.\n\nTYPE: normal|headline\nBOUNCE=not-acceptable (no)\n\nKIND: iq\nTYPE: get\nDEFAULT.\n",
    stanzas: [`<presence id="p1" from="a@b.example/r" to="alice@example.org"/>`, `<presence id="p2" from="a@b.example/r" to="alice@example.org" type="subscribe"/>`, `<message id="m1" from="a@b.example/r" to="alice@example.org"><body>x</body></message>`, m("m2", from("a@b.example/r")), `<iq id="i1" from="a@b.example/r" to="alice@example.org" type="get"><query xmlns="jabber:iq:version"/></iq>`, `<message id="m3" from="a@b.example/r" to="alice@example.org" type="error"><error type="cancel"/></message>`],
  },
  {
    name: "JID patterns",
    script: "FROM: <*>@<*.spam.example>\nDROP.\n\nFROM: spam.example\nBOUNCE=policy-violation\n\nTO: <<[a-z]+>>@example.org/<*>\nDROP.\n\nFROM EXACTLY: bob@good.example/phone\nBOUNCE=forbidden:auth (who)\n",
    stanzas: [m("a", from("x@mail.spam.example/r")), m("b", from("x@spam.example/r")), m("c", `from="spam.example" to="alice@example.org"`), m("d", `from="ok@good.example/r" to="alice@example.org/phone"`), m("e", from("bob@good.example/phone")), m("f", from("bob@good.example/laptop"))],
  },
  {
    name: "INSPECT and PAYLOAD",
    script: "INSPECT: body#/=casino\nBOUNCE=policy-violation (spam)\n\nINSPECT: body#~=^%d+$\nDROP.\n\nINSPECT: {urn:xmpp:receipts}request\nPAYLOAD: urn:xmpp:receipts\nDROP.\n\nINSPECT: @id=drop-me\nDROP.\n\nINSPECT: body#$=$<@from|node>\nDROP.\n",
    stanzas: [m("a", from("x@b.example/r"), "the casino is open"), m("b", from("x@b.example/r"), "12345"), m("c", from("x@b.example/r"), "1234 5"), m("d", from("x@b.example/r"), "", `<request xmlns="urn:xmpp:receipts"/>`), m("drop-me", from("x@b.example/r")), m("f", from("echo@b.example/r"), "echo")],
  },
  {
    name: "STRIP and INJECT",
    script: "STRIP=html http://jabber.org/protocol/xhtml-im\nSTRIP=subject\nINJECT=<checked xmlns='urn:example:checked' by='fw'>ok</checked>\n",
    stanzas: [m("a", from("x@b.example/r"), "hi", `<subject>s</subject><html xmlns="http://jabber.org/protocol/xhtml-im"><body xmlns="http://www.w3.org/1999/xhtml">hi</body></html>`), m("b", from("x@b.example/r"))],
  },
  {
    name: "rate limits with a burst and per-key buckets, and hoisting",
    script: "%RATE r: 1 (burst 2)\n%RATE s: 0.5 (burst 4)\nKIND: message\nLIMIT: r on $<@from|host>\nBOUNCE=resource-constraint\n\nKIND: presence\nLIMIT: s\nDROP.\n\nKIND: iq\nLIMIT: s\nDROP.\n",
    stanzas: [m("a", from("x@one.example/r")), m("b", from("y@one.example/r")), m("c", from("z@one.example/r")), m("d", from("x@two.example/r")), `<iq id="i1" from="a@b.example/r" to="alice@example.org" type="get"/>`, `<presence id="p1" from="a@b.example/r" to="alice@example.org"/>`, `<iq id="i2" from="a@b.example/r" to="alice@example.org" type="get"/>`],
  },
  {
    name: "chains, RETURN, PASS and JUMP CHAIN",
    script: "JUMP CHAIN=user/screen\n\nINSPECT: body#=bad\nDROP.\n\n::user/screen\nFROM: <*>@trusted.example\nPASS.\n\nINSPECT: body#=worse\nBOUNCE=not-allowed\n\nRETURN.\n",
    stanzas: [m("a", from("x@trusted.example/r"), "bad"), m("b", from("x@other.example/r"), "bad"), m("c", from("x@other.example/r"), "worse"), m("d", from("x@other.example/r"), "fine")],
  },
  {
    name: "a memory list with a limit forgets the least recently added; adding again makes an item the newest",
    script: "%LIST recent: memory (limit: 2)\nINSPECT: body#=add\nADD TO=recent $<@from|bare>\nDROP.\n\nCHECK LIST: recent contains $<@from|bare>\nBOUNCE=policy-violation\n",
    stanzas: [
      m("1", from("a@x.example/r"), "add"),
      m("2", from("b@x.example/r"), "add"),
      m("3", from("a@x.example/r"), "check"),
      m("4", from("a@x.example/r"), "add"),
      m("5", from("c@x.example/r"), "add"),
      m("6", from("a@x.example/r"), "check"),
      m("7", from("b@x.example/r"), "check"),
      m("8", from("c@x.example/r"), "check"),
      m("9", from("d@x.example/r"), "add"),
      m("10", from("a@x.example/r"), "check"),
      m("11", from("c@x.example/r"), "check"),
    ],
  },
  {
    name: "lists, SCAN and COUNT",
    script: "%LIST seen: memory (filter: lower)\n%PATTERN word: %a+\n%PATTERN link: https?://%S+\n%SEARCH body: body#\n%LIST bad: memory\nADD TO=bad casino\n\nCHECK LIST: seen contains $<@from|bare>\nDROP.\n\nINSPECT: body#=remember me\nADD TO=seen $<@from|bare>\n\nSCAN: body for word in bad\nBOUNCE=policy-violation\n\nCOUNT: link in body >= 2\nDROP.\n",
    stanzas: [m("a", from("Mixed@Case.example/r"), "remember me"), m("b", from("mixed@case.example/r"), "hello"), m("c", from("x@b.example/r"), "visit the CASINO casino"), m("d", from("x@b.example/r"), "http://a https://b"), m("e", from("x@b.example/r"), "http://a only")],
  },
  {
    name: "marks on the session, REPLY and the swallowed line",
    script: "ORIGIN MARKED: tagged\nBOUNCE=policy-violation (marked)\n\nINSPECT: body#=tag me\nMARK ORIGIN=tagged\nREPLY=you are tagged\nDROP.\n\nINSPECT: body#=tag me\nKIND: message\n",
    stanzas: [m("a", from("x@b.example/r"), "hello"), m("b", from("x@b.example/r"), "tag me"), m("c", from("x@b.example/r"), "hello again")],
  },
  {
    name: "a condition-less rule stored twice",
    script: "INSPECT: body#=x\nDROP.\n\nINJECT=<a xmlns='urn:x'/>\nKIND: message\nDROP.\n",
    stanzas: [m("a", from("x@b.example/r"), "x"), m("b", from("x@b.example/r"), "y")],
  },
  {
    name: "CROSSING GROUPS precedence, TO SELF and missing addresses",
    script: "TO SELF?\nBOUNCE=bad-request\n\nFROM?\nDROP.\n",
    stanzas: [`<message id="a" from="x@b.example/r"><body>to nobody</body></message>`, `<message id="b" to="alice@example.org"><body>from nobody</body></message>`, m("c", from("x@b.example/r"))],
  },
];

test("the simulator agrees with `prosodyctl mod_firewall test` on every stanza", async (t) => {
  if (!requireProsody(t)) return;
  const real = await Promise.all(cases.map((c, i) => prosodyOutcome(c, `sim_oracle_${i}`)));
  const found = cases.flatMap((c, i) => disagreements(c, real[i]!, simulatedOutcome(c)));
  t.log(`${cases.length} scripts, ${cases.reduce((n, c) => n + c.stanzas.length, 0)} stanzas compared`);
  t.deepEqual(found, []);
});
