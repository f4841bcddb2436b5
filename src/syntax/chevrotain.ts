import type * as Chevrotain from "chevrotain";

/**
 * Chevrotain's runtime, from the single-file build its package ships. The package's entry point
 * is its modular build, which imports some 300 modules of lodash-es: about 0.3 s at every start,
 * more than checking a rule set takes. That file is not in the package's exports map, so it is
 * found beside the entry point; should a release move it, the package is imported as usual.
 * Types still come from the package itself.
 */
async function load(): Promise<typeof Chevrotain> {
  try {
    return (await import(new URL("../chevrotain.min.mjs", import.meta.resolve("chevrotain")).href)) as typeof Chevrotain;
  } catch {
    return await import("chevrotain");
  }
}

export const { createToken, Lexer, CstParser, EOF } = await load();
