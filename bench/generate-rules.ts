/** A realistic `.sfw` rule set of `count` rules over a few chains, for benchmarks. */
export function generateRuleSet(count: number): string {
  const out: string[] = [
    'target prosody "0.12"',
    'list blocked: set<domain> = file("/etc/prosody/firewall/blocked.txt", missing: ignore)',
    "list reported: set<jid> = memory(limit: 10000)",
    "rate strangers = 10 per minute entries 5000",
    'pattern link = lua"https?://%S+"',
    'zone partners = ["partner.example"]',
    "",
  ];
  const perChain = Math.ceil(count / 2);
  for (const chain of ["deliver", "preroute"]) {
    out.push(`chain ${chain} {`);
    for (let i = 0; i < perChain && out.length < count * 5; i++) {
      const n = `${chain}_${i}`;
      switch (i % 6) {
        case 0:
          out.push(`  rule r${n} {\n    when kind == message and from.bare == "user${i}@spam${i % 97}.example"\n    then bounce policy-violation "Blocked ${i}"\n  }`);
          break;
        case 1:
          out.push(`  rule r${n} {\n    when kind == message and type in [chat, normal] and body contains "offer${i}"\n    then log info "spam ${i} from " + from.bare; drop\n  }`);
          break;
        case 2:
          out.push(`  rule r${n} {\n    when from.host == "host${i}.example" or to.node == "victim${i}"\n    then drop\n  }`);
          break;
        case 3:
          out.push(`  rule r${n} {\n    when payload "urn:example:${i}" and not to_self\n    then strip "x${i}" "urn:example:${i}"\n  }`);
          break;
        case 4:
          out.push(`  rule r${n} {\n    when kind == presence and type == subscribe and from matches jid"<*>@<*.bad${i}.example>"\n    then bounce not-allowed\n  }`);
          break;
        default:
          out.push(`  rule r${n} {\n    when path"{urn:example:${i}}x@v" == "${i}" or body matches link\n    then add from.bare to reported; drop\n  }`);
      }
    }
    out.push("}");
  }
  out.push(`chain unused_but_fine { rule x { when from.host in blocked or entering partners or exceeds strangers per from.host then drop } }`);
  return out.join("\n") + "\n";
}
