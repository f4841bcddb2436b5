/**
 * Whether Lua 5.4 text is a syntactically valid expression (or expression statement), read the
 * way `lparser.c` reads it: literals, prefix expressions with calls, method calls and indexing,
 * table constructors, unary and binary operators, and `function … end` (whose body is skipped to
 * its matching `end` by keyword balancing, as no statement parser is needed here; a body is
 * trusted, so an error inside one is never claimed). Messages are Lua's (`')' expected near ';'`).
 *
 * The text may be a piece of a larger chunk (mod_firewall's generated code): with `context:
 * "piece"`, running out of text or stopping before its end means the code around it decides,
 * and the verdict is `undecided`, never `invalid`.
 */
import { luaTokens, type LuaToken } from "./lex.js";

/** A verdict on a piece of Lua. `offset` is 0-based in the text checked. */
export type LuaSyntaxVerdict =
  | { readonly kind: "valid" }
  /** Lua refuses to compile it; `message` is Lua's, without the chunk name and line. */
  | { readonly kind: "invalid"; readonly message: string; readonly offset: number }
  /** It depends on the code before or after the text (or on limits not modelled). */
  | { readonly kind: "undecided"; readonly reason: string; readonly offset: number };

/**
 * `alone`: the text is all there is (as `return TEXT` in a non-vararg function). `piece`: the text
 * is followed by more code on the next lines of the chunk.
 */
export type LuaTextContext = "alone" | "piece";

/** What the text must be: an expression, or a statement that is a function call (`f(x);`). */
export type LuaTextForm = "expression" | "call statement";

/** Nesting beyond this is left undecided: Lua's own limit (200 C levels) counts differently. */
const maxDepth = 150;

class Stop {
  constructor(readonly verdict: LuaSyntaxVerdict) {}
}

const unaryOperators = new Set(["not", "-", "#", "~"]);
const binaryOperators = new Set(["+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or", "&", "|", "~", "<<", ">>"]);
/** Keywords that open a block closed by `end` (`while` and `for` are counted by their `do`). */
const blockOpeners = new Set(["function", "if", "do"]);

class ExpressionParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly LuaToken[],
    private readonly context: LuaTextContext,
    private readonly length: number,
  ) {}

  private peek(): LuaToken | undefined {
    const t = this.tokens[this.pos];
    if (t?.kind === "error") throw new Stop({ kind: "invalid", message: `${t.message} near '${t.text}'`, offset: t.offset });
    if (t?.kind === "open") throw new Stop(this.context === "piece" ? { kind: "undecided", reason: `a ${t.what} is still open at the end of the text`, offset: t.offset } : { kind: "invalid", message: `unfinished ${t.what} (starting at line 1) near <eof>`, offset: t.offset });
    return t;
  }

  private is(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind !== "string" && t.text === text;
  }

  /** Lua's error at the current token, or undecided when the text ran out (in a piece). */
  private fail(expected: string): never {
    const t = this.peek();
    if (t === undefined) {
      if (this.context === "piece") throw new Stop({ kind: "undecided", reason: "the text ends inside an expression: the code after it decides", offset: this.length });
      throw new Stop({ kind: "invalid", message: `${expected} near <eof>`, offset: this.length });
    }
    throw new Stop({ kind: "invalid", message: `${expected} near '${t.text}'`, offset: t.offset });
  }

  private expect(text: string): void {
    if (!this.is(text)) this.fail(`'${text}' expected`);
    this.pos++;
  }

  private enter(): void {
    if (++this.depth > maxDepth) throw new Stop({ kind: "undecided", reason: "expressions nested too deeply to decide here", offset: this.peek()?.offset ?? this.length });
  }

  expression(): void {
    this.enter();
    if (this.peek() !== undefined && unaryOperators.has(this.peek()!.text) && this.peek()!.kind !== "string") {
      this.pos++;
      this.expression();
    } else this.simple();
    while (this.peek() !== undefined && this.peek()!.kind !== "string" && binaryOperators.has(this.peek()!.text)) {
      this.pos++;
      this.enter();
      while (this.peek() !== undefined && this.peek()!.kind !== "string" && unaryOperators.has(this.peek()!.text)) this.pos++;
      this.simple();
      this.depth--;
    }
    this.depth--;
  }

  private simple(): void {
    const t = this.peek();
    if (t && (t.kind === "number" || t.kind === "string" || (t.kind === "keyword" && ["nil", "true", "false"].includes(t.text)))) {
      this.pos++;
      return;
    }
    // mod_firewall's handlers are `function (event)`, which takes no '...'.
    if (this.is("...")) this.fail("cannot use '...' outside a vararg function");
    if (this.is("{")) return this.constructorExpression();
    if (this.is("function")) {
      this.pos++;
      return this.functionBody();
    }
    this.suffixed();
  }

  /** A suffixed expression; whether it ends in a call. */
  suffixed(): boolean {
    this.primary();
    let call = false;
    for (;;) {
      const t = this.peek();
      if (t === undefined) return call;
      if (t.kind === "string") {
        this.pos++;
        call = true;
      } else if (this.is(".")) {
        this.pos++;
        this.name();
        call = false;
      } else if (this.is("[")) {
        this.pos++;
        this.expression();
        this.expect("]");
        call = false;
      } else if (this.is(":")) {
        this.pos++;
        this.name();
        this.callArguments();
        call = true;
      } else if (this.is("(") || this.is("{")) {
        this.callArguments();
        call = true;
      } else return call;
    }
  }

  private primary(): void {
    const t = this.peek();
    if (t?.kind === "name") {
      this.pos++;
      return;
    }
    if (this.is("(")) {
      this.pos++;
      this.expression();
      this.expect(")");
      return;
    }
    this.fail("unexpected symbol");
  }

  private name(): void {
    if (this.peek()?.kind !== "name") this.fail("<name> expected");
    this.pos++;
  }

  private callArguments(): void {
    const t = this.peek();
    if (t?.kind === "string") {
      this.pos++;
      return;
    }
    if (this.is("{")) return this.constructorExpression();
    if (!this.is("(")) this.fail("function arguments expected");
    this.pos++;
    if (this.is(")")) {
      this.pos++;
      return;
    }
    this.expression();
    while (this.is(",")) {
      this.pos++;
      this.expression();
    }
    this.expect(")");
  }

  private constructorExpression(): void {
    this.expect("{");
    while (!this.is("}")) {
      const next = this.tokens[this.pos + 1];
      if (this.peek()?.kind === "name" && next?.kind === "symbol" && next.text === "=") {
        this.pos += 2;
        this.expression();
      } else if (this.is("[")) {
        this.pos++;
        this.expression();
        this.expect("]");
        this.expect("=");
        this.expression();
      } else this.expression();
      if (this.is(",") || this.is(";")) this.pos++;
      else break;
    }
    this.expect("}");
  }

  /** `(params) block end`: the parameters are parsed, the block skipped to its matching `end`. */
  private functionBody(): void {
    this.expect("(");
    if (!this.is(")")) {
      for (;;) {
        if (this.is("...")) {
          this.pos++;
          break;
        }
        this.name();
        if (!this.is(",")) break;
        this.pos++;
      }
    }
    this.expect(")");
    let open = 1;
    let repeats = 0;
    for (;;) {
      const t = this.peek();
      if (t === undefined) this.fail("'end' expected");
      this.pos++;
      if (t.kind === "stray") throw new Stop({ kind: "invalid", message: `unexpected symbol near '${t.text}'`, offset: t.offset });
      if (t.kind !== "keyword") continue;
      if (blockOpeners.has(t.text)) open++;
      else if (t.text === "repeat") repeats++;
      else if (t.text === "until" && repeats > 0) repeats--;
      else if (t.text === "end" && --open === 0) return;
    }
  }

  /** After a complete form: the end of the text, or the rest (which the surrounding code decides in a piece). */
  finish(): LuaSyntaxVerdict {
    const t = this.peek();
    if (t === undefined) return { kind: "valid" };
    if (this.context === "alone") this.fail("'<eof>' expected");
    // Whatever statements follow, a byte no token starts with, or a malformed token, fails.
    for (let i = this.pos; i < this.tokens.length; i++) {
      const r = this.tokens[i]!;
      if (r.kind === "stray") return { kind: "invalid", message: `unexpected symbol near '${r.text}'`, offset: r.offset };
      if (r.kind === "error") return { kind: "invalid", message: `${r.message} near '${r.text}'`, offset: r.offset };
    }
    return { kind: "undecided", reason: "more code follows the expression on its line", offset: t.offset };
  }

  callStatement(): LuaSyntaxVerdict {
    const call = this.suffixed();
    if (this.is("=") || this.is(",")) return { kind: "undecided", reason: "the line is an assignment", offset: this.peek()!.offset };
    if (!call) this.fail("syntax error");
    while (this.is(";")) this.pos++;
    return this.finish();
  }
}

/**
 * Whether `text` compiles as a Lua 5.4 expression (or as a function-call statement), inside a
 * function that takes no `...`.
 */
export function checkLua(text: string, options: { readonly form?: LuaTextForm; readonly context?: LuaTextContext } = {}): LuaSyntaxVerdict {
  const parser = new ExpressionParser(luaTokens(text), options.context ?? "alone", text.length);
  try {
    if (options.form === "call statement") return parser.callStatement();
    parser.expression();
    return parser.finish();
  } catch (e) {
    if (e instanceof Stop) return e.verdict;
    throw e;
  }
}

/** Whether `text` alone is a Lua expression (`return TEXT` in a function without `...` compiles). */
export function checkLuaExpression(text: string): LuaSyntaxVerdict {
  return checkLua(text);
}
