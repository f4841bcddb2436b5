/** The chains mod_firewall defines itself; any other chain of a script is a custom `user/…` chain. */
export type BuiltinChain = "deliver" | "deliver_remote" | "preroute";

export const builtinChains: readonly BuiltinChain[] = ["deliver", "deliver_remote", "preroute"];

/** Whether the recipient of every stanza in a built-in chain is a local account or host. */
export const chainRecipientIsLocal: Readonly<Record<BuiltinChain, boolean>> = {
  deliver: true,
  deliver_remote: false,
  preroute: false,
};

export function isBuiltinChain(name: string): name is BuiltinChain {
  return (builtinChains as readonly string[]).includes(name);
}
