import test from "ava";
import { spawn } from "node:child_process";
import { readPfw } from "../../src/pfw/read.js";
import { prosodyctlAvailable, prosodyScriptPath, requireProsody } from "../helpers/prosody.js";

/** The rules of a script, compactly: conditions => actions per chain. */
function shape(text: string): string[] {
  const { script } = readPfw(text, "t.pfw");
  return script.chains.flatMap((c) =>
    c.rules.map((r) => `${c.name}:${r.conditions.length > 0 ? " " : ""}${r.conditions.map((x) => `${x.negated ? "!" : ""}${x.name}${x.argument !== undefined ? `(${x.argument})` : ""}`).join(" & ")} => ${r.actions.map((a) => `${a.name}${a.argument !== undefined ? `(${a.argument})` : ""}`).join(", ")}${r.storedTwice ? " [twice]" : ""}`),
  );
}


const readCases: [string, string, string[]][] = [
  ["default chain, NOT before and after the name", "KIND: message\nNOT TYPE: error\nTYPE NOT: chat\nDROP.\n", ["deliver: KIND(message) & !TYPE(error) & !TYPE(chat) => DROP"]],
  ["? and spaces or underscores in names", "TO_FULL JID?\nIN ROSTER\nPASS.\n", ["deliver: TO FULL JID & IN ROSTER => PASS"]],
  ["one optional space after ':', none skipped after '='", "TO:  a@b\nLOG= x\n", ["deliver: TO( a@b) => LOG( x)"]],
  ["action names are case-insensitive, text after '.' ignored", "drop. whatever\n", ["deliver: => DROP"]],
  ["chains and user chains", "::preroute\nKIND: iq\nJUMP CHAIN=user/x\n\n::user/x\nRETURN.\n", ["preroute: KIND(iq) => JUMP CHAIN(user/x)", "user/x: => RETURN"]],
  ["a comment does not end a rule", "KIND: message\n# note\nDROP.\n", ["deliver: KIND(message) => DROP"]],
  ["a trailing backslash joins lines, before comments are seen", "KIND: mess\\\nage\nDROP.\n\n# c \\\nDROP.\n", ["deliver: KIND(message) => DROP"]],
  ["a condition after actions is swallowed and the rule stored twice", "LOG=a\nKIND: presence\nDROP.\n", ["deliver: => LOG(a) [twice]", "deliver: => LOG(a) [twice]", "deliver: => DROP"]],
  ["definitions decode escapes; ':<' is literal", "%ZONE z:< /etc/x\n%PATTERN p: a\\tb\n", []],
];

for (const [name, text, expected] of readCases) {
  test(`reading: ${name}`, (t) => {
    t.deepEqual(shape(text), expected);
  });
}

test("definitions are read as mod_firewall reads them", (t) => {
  const { script } = readPfw("%ZONE z:< /etc/x\n%PATTERN p: a\\tb\\q\n%RATE r:1 (burst 2)\n", "t.pfw");
  t.deepEqual(script.definitions.map((d) => [d.type, d.name, d.value]), [["ZONE", "z", "< /etc/x"], ["PATTERN", "p", "a\tb\\q"], ["RATE", "r", "1 (burst 2)"]]);
});

// The oracle: Prosody's own compiler on the same scripts. `check` must report an error exactly
// when Prosody refuses a script, and on the line Prosody names.
const oracleScripts: string[] = [
  "KIND: message\nDROP.\n",
  "KNID: message\nDROP.\n",
  "kind: message\nDROP.\n",
  "KIND : message\nDROP.\n",
  "KIND: message\nDORP.\n",
  "KIND: message\nDROP .\n",
  "KIND: message\nDROP\n",
  "KIND: message\n\nDROP.\n",
  "::incoming\nDROP.\n",
  "::deliver # comment\nDROP.\n",
  "::user/anything\nDROP.\n",
  "%LSIT l: memory\n",
  "%ZONE 1z: a\n",
  "%RATE r\n",
  "%RATE r: fast\n",
  "%LIST l: ftp://x\n",
  "%LIST l: memory (filter: shout)\n",
  "%PATTERN p: [a\n",
  "%PATTERN p: a(\n",
  "KIND?\nDROP.\n",
  "INSPECT: body=x\nDROP.\n",
  "INSPECT: body#~/=x\nDROP.\n",
  "INSPECT: body#~=[a\nDROP.\n",
  "DAY: funday\nDROP.\n",
  "TIME: 9-17\nDROP.\n",
  "TIME: 9am-5pm\nDROP.\n",
  "LIMIT: per_user\nDROP.\n\n%RATE per_user: 1\n",
  "LIMIT: nosuch\nDROP.\n\n%RATE r: 1\n",
  "%RATE r: 1 (burst 5)\nLIMIT: r on $<@from|host>\nDROP.\n",
  "CHECK LIST: nolist contains $<@from>\nDROP.\n",
  "%LIST l: memory\nCHECK LIST: l contains $<@from|bare>\nADD TO=l $<@to>\nDROP.\n",
  "%PATTERN p: x\n%SEARCH s: body#\nCOUNT: p in s = 2\nDROP.\n",
  "%PATTERN p: x\n%SEARCH s: body#\nCOUNT: p in s >= 2\nDROP.\n",
  "%PATTERN p: x\n%SEARCH s: body#\nCOUNT: p in s ~ 2\nDROP.\n",
  "KIND: message\nDROP.\nKIND: iq\nDROP.\n",
  "LOG=x\nKIND: iq\n",
  "ORIGIN MARKED: spam (60s)\nMARK ORIGIN=spam\nDROP.\n",
  "ORIGIN MARKED: 1spam\nDROP.\n",
  "MARK ORIGIN=1x\n",
  "BOUNCE=policy-violation (go away)\n",
  "BOUNCE= policy-violation\n",
  "LOG.\n",
  "STRIP.\n",
  "JUMP CHAIN.\n",
  "REPLY.\n",
  "ENTERING: $local\nDROP.\n",
  "ENTERING: my-zone\nDROP.\n",
  "CROSSING GROUPS: a, b\nDROP.\n",
  "FROM: <*>@<*.spam.example>\nTO: <<[a-z]+>>@example.org\nDROP.\n",
  "TO EXACTLY: $<@from|bare>\nDROP.\n",
  "LOG=$<@from|shout>\n",
  "# comment \\\nDROP.\n",
  "%ZONE z: a\n%ZONE z: b\nLEAVING: z\nDROP.\n",
  "FROM IP: 10.0.0.1\nDROP.\n",
  "REPORT TO=abuse@example.org spam\n",
  "MAY: xmpp:federate\nDROP.\n",
];

async function prosodyRefuses(text: string, index: number): Promise<{ refused: boolean; line: number | undefined; output: string }> {
  const path = prosodyScriptPath(text, `oracle${index}`);
  const output = await new Promise<string>((resolve) => {
    const child = spawn("prosodyctl", ["mod_firewall", path]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve(`${code}\n${out}`));
  });
  const [status, ...rest] = output.split("\n");
  const body = rest.join("\n");
  let refused = status !== "0";
  if (!refused) {
    // A chain whose generated Lua does not compile is refused when loading too.
    const code = body.split("\n").filter((l) => !/^\S+\s+(debug|info|warn|error)\t/.test(l)).join("\n");
    const luac = await new Promise<number | null>((resolve) => {
      const child = spawn("luac5.4", ["-p", "-"]);
      child.on("error", () => resolve(0));
      child.on("close", resolve);
      child.stdin.end(code);
    });
    refused = luac !== 0;
  }
  const line = /on line (\d+)/.exec(body)?.[1];
  return { refused, line: line !== undefined ? Number(line) : undefined, output: body.slice(0, 400) };
}

test("check reports an error exactly where Prosody's own compiler refuses a script", async (t) => {
  if (!requireProsody(t)) return;
  t.true(prosodyctlAvailable());
  const results: Awaited<ReturnType<typeof prosodyRefuses>>[] = [];
  for (let i = 0; i < oracleScripts.length; i += 4) {
    results.push(...(await Promise.all(oracleScripts.slice(i, i + 4).map((s, j) => prosodyRefuses(s, i + j)))));
  }
  const disagreements: string[] = [];
  oracleScripts.forEach((text, i) => {
    const read = readPfw(text, "t.pfw");
    const errors = read.diagnostics.filter((d) => d.severity === "error").sort((a, b) => a.span.start.offset - b.span.start.offset);
    const prosody = results[i]!;
    if ((errors.length > 0) !== prosody.refused) disagreements.push(`${JSON.stringify(text)}: stanzafw ${errors.length > 0 ? `reports ${errors.map((e) => e.code).join(",")}` : "accepts"}, Prosody ${prosody.refused ? "refuses" : "accepts"}: ${prosody.output}`);
    else if (prosody.line !== undefined && errors[0] && errors[0].span.start.line !== prosody.line) disagreements.push(`${JSON.stringify(text)}: stanzafw's first error is on line ${errors[0].span.start.line}, Prosody names line ${prosody.line}`);
  });
  t.log(`${oracleScripts.length} scripts, ${results.filter((r) => r.refused).length} refused by Prosody`);
  t.deepEqual(disagreements, []);
});
