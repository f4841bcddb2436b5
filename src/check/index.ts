import type * as ast from "../syntax/ast.js";
import type { Diagnostic } from "../diag/diagnostic.js";
import { hasErrors } from "../diag/diagnostic.js";
import { defaultTarget, targetVersions, type TargetVersion } from "../vocab/targets.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { isBuiltinChain } from "../vocab/chains.js";
import { createContext, type CheckContext } from "./context.js";
import type { CheckedChain, CheckedFile, CheckedRule, Formula } from "./model.js";
import { literalsOf } from "./formula.js";
import { collectDeclarations, translateDeclarations } from "./declarations.js";
import { translateCondition } from "./conditions.js";
import { translateAction } from "./actions.js";
import { reportDeadActions } from "./report-dead-actions.js";
import { reportUnreachableRules } from "./report-unreachable-rules.js";
import { reportChainGraph } from "./report-chain-graph.js";
import { reportRosterContext } from "./report-roster-context.js";
import { reportUnusedDeclarations } from "./report-unused-declarations.js";
import { reportImpossibleTypes } from "./report-impossible-types.js";
import { mayMatchItsForward } from "./report-forward-loops.js";
import { reportTargetFeatures } from "./report-target-features.js";

export interface CheckOptions {
  /** Overrides the file's `target` declaration. */
  readonly target?: TargetVersion;
}

export interface CheckResult {
  /** Undefined when any error was found. */
  readonly model: CheckedFile | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Checks a parsed `.sfw` file: resolves names, checks types, translates conditions and actions
 * to mod_firewall's vocabulary, and reports structural problems. Never throws for user errors.
 */
export function check(file: ast.SfwFile, options: CheckOptions = {}): CheckResult {
  const fileName = file.span.file;
  const resolved = resolveTarget(file);
  const target = options.target ? { version: options.target, diagnostics: resolved.diagnostics } : resolved;
  const ctx = createContext(fileName, target.version);
  ctx.diagnostics.push(...target.diagnostics);

  // Stage 1: scope.
  collectDeclarations(ctx, file);
  const chainDecls = collectChains(ctx, file);

  // Stage 2: translation (declarations, then rules).
  const definitions = translateDeclarations(ctx, file);
  const pfwNameOf = (name: string): string | undefined => (isBuiltinChain(name) ? name : ctx.chains.has(name) ? `user/${name}` : undefined);
  const chains: CheckedChain[] = chainDecls.map((decl) => ({
    name: decl.name.text,
    pfwName: pfwNameOf(decl.name.text)!,
    builtin: isBuiltinChain(decl.name.text),
    span: decl.span,
    rules: translateRules(ctx, decl, pfwNameOf),
  }));

  // Stage 3: structure, reachability and target (only meaningful on a fully translated model).
  if (!hasErrors(ctx.diagnostics)) {
    for (const chain of chains) {
      reportUnreachableRules(ctx, chain);
      for (const rule of chain.rules) reportDeadActions(ctx, rule);
    }
    reportChainGraph(ctx, chains);
    reportRosterContext(ctx, chains);
    reportTargetFeatures(ctx, chains);
  }
  reportUnusedDeclarations(ctx);

  const model: CheckedFile | undefined = hasErrors(ctx.diagnostics)
    ? undefined
    : { file: fileName, target: target.version, definitions, chains, requirements: [...ctx.requirements.values()] };
  return { model, diagnostics: ctx.diagnostics };
}

function resolveTarget(file: ast.SfwFile): { version: TargetVersion; diagnostics: Diagnostic[] } {
  const ctx = createContext(file.span.file, defaultTarget);
  const decls = file.items.filter((i): i is ast.TargetDecl => i.kind === "target");
  let version = defaultTarget;
  decls.forEach((decl, index) => {
    if (index > 0) {
      ctx.report("SFW311", decl.span, {}, { notes: [{ message: "the first target is declared here", span: decls[0]!.span }] });
      return;
    }
    if (decl.product.text !== "prosody") {
      ctx.report("SFW201", decl.product.span, { what: "target product", name: decl.product.text }, { hint: "write target prosody \"0.12\"" });
      return;
    }
    const v = decl.version.value;
    if ((targetVersions as readonly string[]).includes(v)) {
      version = v as TargetVersion;
    } else {
      const s = didYouMean(v, targetVersions);
      ctx.report("SFW404", decl.version.span, { text: v }, { hint: s ? `did you mean "${s}"?` : `targets: ${targetVersions.map((t) => `"${t}"`).join(", ")}` });
    }
  });
  return { version, diagnostics: ctx.diagnostics };
}

function collectChains(ctx: CheckContext, file: ast.SfwFile): ast.ChainDecl[] {
  const out: ast.ChainDecl[] = [];
  for (const item of file.items) {
    if (item.kind !== "chain") continue;
    const previous = ctx.chains.get(item.name.text);
    if (previous) {
      ctx.report("SFW202", item.name.span, { what: "chain", name: item.name.text }, { notes: [{ message: "the first definition is here", span: previous.name.span }] });
      continue;
    }
    if (!isBuiltinChain(item.name.text) && (item.name.text.startsWith("sfw") || !/^[A-Za-z][A-Za-z0-9_]*$/.test(item.name.text))) {
      ctx.report("SFW205", item.name.span, { name: item.name.text, what: "chain", why: "custom chain names start with a letter, contain letters, digits and '_', and do not start with 'sfw' (reserved for generated chains)" });
    }
    ctx.chains.set(item.name.text, item);
    out.push(item);
    if (item.rules.length === 0) ctx.report("SFW312", item.name.span, { name: item.name.text });
  }
  return out;
}

/**
 * Whether a condition looks at the recipient (TO…, ENTERING, LEAVING): a copy made in `deliver`
 * for a local address comes back through `deliver`, and only such a test can keep the rule from
 * copying its own copies.
 */
function testsRecipient(condition: Formula | undefined): boolean {
  return literalsOf(condition).some((l) => l.name.startsWith("TO") || l.name === "ENTERING" || l.name === "LEAVING");
}

function translateRules(ctx: CheckContext, chain: ast.ChainDecl, pfwNameOf: (name: string) => string | undefined): CheckedRule[] {
  const rules: CheckedRule[] = [];
  const names = new Map<string, ast.RuleDecl>();
  for (const rule of chain.rules) {
    const prev = names.get(rule.name.text);
    if (prev) ctx.report("SFW202", rule.name.span, { what: "rule", name: rule.name.text }, { notes: [{ message: "the first rule of that name is here", span: prev.name.span }] });
    else names.set(rule.name.text, rule);
    const condition = rule.when ? translateCondition(ctx, rule.when) : undefined;
    reportImpossibleTypes(ctx, rule.when);
    if (rule.actions.length === 0) ctx.report("SFW301", rule.name.span, { name: rule.name.text });
    if (!isBuiltinChain(chain.name.text)) {
      for (const a of rule.actions) if (a.kind === "bare-action" && a.verb === "default") ctx.report("SFW317", a.span, { chain: chain.name.text });
    }
    if (chain.name.text === "deliver" && !(rule.when && !condition) && !testsRecipient(condition)) {
      for (const a of rule.actions) if (a.kind === "redirect" || a.kind === "copy") ctx.report("SFW318", a.span, { action: a.kind });
    }
    if (chain.name.text === "deliver" && !(rule.when && !condition) && mayMatchItsForward(condition)) {
      for (const a of rule.actions) if (a.kind === "forward" || a.kind === "report") ctx.report("SFW319", a.span, { action: a.kind === "forward" ? "forward" : "report_to" });
    }
    const actions = rule.actions.map((a) => translateAction(ctx, a, pfwNameOf));
    if (rule.when && !condition) continue;
    if (actions.some((a) => a === undefined)) continue;
    rules.push({ name: rule.name.text, span: rule.span, condition, actions: actions.map((a) => a!) });
  }
  return rules;
}
