import { diag, type Diagnostic, type DiagnosticNote, type MessageData } from "../diag/diagnostic.js";
import type { Code } from "../diag/messages.js";
import type { Span } from "../diag/span.js";
import type * as ast from "../syntax/ast.js";
import type { TargetVersion } from "../vocab/targets.js";
import type { Requirement } from "./model.js";

/** What a declared name is. */
export type SymbolKind = "zone" | "list" | "rate" | "pattern" | "search";

/** A declaration in the file's scope. */
export interface DeclSymbol {
  readonly kind: SymbolKind;
  readonly name: string;
  readonly decl: ast.Declaration;
  /** For lists: the element type (`domain`, `jid`, `string`), if declared. */
  readonly elementType: string | undefined;
  /** For lists: the backend (`memory`, `file`, `http`, `pubsub`). */
  readonly backend: string | undefined;
}

/** Mutable state shared by the checker's passes for one file. */
export interface CheckContext {
  readonly file: string;
  readonly target: TargetVersion;
  readonly symbols: Map<string, DeclSymbol>;
  readonly chains: Map<string, ast.ChainDecl>;
  /** Names of declarations referred to by some rule or declaration. */
  readonly used: Set<string>;
  readonly requirements: Map<string, Requirement>;
  readonly diagnostics: Diagnostic[];
  report(code: Code, span: Span, data?: MessageData, extra?: { notes?: readonly DiagnosticNote[]; hint?: string }): void;
  require(req: Requirement): void;
}

export function createContext(file: string, target: TargetVersion): CheckContext {
  const diagnostics: Diagnostic[] = [];
  const requirements = new Map<string, Requirement>();
  return {
    file,
    target,
    symbols: new Map(),
    chains: new Map(),
    used: new Set(),
    requirements,
    diagnostics,
    report(code, span, data = {}, extra = {}) {
      diagnostics.push(diag(code, span, data, extra));
    },
    require(req) {
      if (!requirements.has(req.text)) requirements.set(req.text, req);
    },
  };
}

/** Human words for symbol kinds in messages. */
export const symbolWords: Readonly<Record<SymbolKind, string>> = {
  zone: "zone",
  list: "list",
  rate: "rate",
  pattern: "pattern",
  search: "search",
};
