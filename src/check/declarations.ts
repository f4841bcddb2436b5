import type * as ast from "../syntax/ast.js";
import type { CheckContext, SymbolKind } from "./context.js";
import type { CheckedDefinition } from "./model.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { hasTrailingWhitespace, unsafeReason } from "./text-safety.js";
import { validateJid } from "./jids.js";
import { validatePath } from "./paths.js";
import { patternError } from "../lua/string-functions.js";
import { formatRate } from "./rate-numbers.js";

const unitSeconds: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600, day: 86400 };

/** mod_firewall's rule for definition and mark names. */
export const definitionNamePattern = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Names that cannot be declared because they are built in where declarations are referenced. */
const reservedNames = new Set(["local"]);

/** Records every declaration in the scope (reporting duplicates); translation happens later. */
export function collectDeclarations(ctx: CheckContext, file: ast.SfwFile): void {
  for (const item of file.items) {
    if (item.kind === "target" || item.kind === "chain") continue;
    const name = item.name.text;
    const previous = ctx.symbols.get(name);
    if (previous) {
      ctx.report("SFW202", item.name.span, { what: item.kind, name }, { notes: [{ message: `the first '${name}' is declared here`, span: previous.decl.name.span }] });
      continue;
    }
    if (reservedNames.has(name) && item.kind === "zone") {
      ctx.report("SFW205", item.name.span, { name, what: "zone", why: "'local' is the built-in zone of this server's hosts" });
      continue;
    }
    if (!definitionNamePattern.test(name)) {
      ctx.report("SFW205", item.name.span, { name, what: item.kind, why: "mod_firewall names start with a letter and contain only letters, digits and '_'" });
    } else if (item.kind === "rate" && !/^[A-Za-z0-9]+$/.test(name)) {
      ctx.report("SFW205", item.name.span, { name, what: "rate", why: "mod_firewall's LIMIT only accepts rate names made of letters and digits" }, { hint: `rename it, e.g. '${name.replace(/[^A-Za-z0-9]/g, "")}'` });
    }
    ctx.symbols.set(name, {
      kind: item.kind,
      name,
      decl: item,
      elementType: item.kind === "list" ? listElementType(ctx, item) : undefined,
      backend: item.kind === "list" ? item.source.backend.text : undefined,
    });
  }
}

function listElementType(ctx: CheckContext, decl: ast.ListDecl): string | undefined {
  const t = decl.type;
  if (!t) return undefined;
  if (t.name.text !== "set" || t.args.length !== 1) {
    ctx.report("SFW203", t.span, { message: "a list's type is set<domain>, set<jid> or set<string>" });
    return undefined;
  }
  const elem = t.args[0]!;
  if (!["domain", "jid", "string"].includes(elem.name.text) || elem.args.length > 0) {
    const s = didYouMean(elem.name.text, ["domain", "jid", "string"]);
    ctx.report("SFW201", elem.span, { what: "element type", name: elem.name.text }, { hint: s ? `did you mean '${s}'?` : "element types are domain, jid and string" });
    return undefined;
  }
  return elem.name.text;
}

/** Translates every declaration to its `%TYPE name: value` line. */
export function translateDeclarations(ctx: CheckContext, file: ast.SfwFile): CheckedDefinition[] {
  const out: CheckedDefinition[] = [];
  for (const item of file.items) {
    if (item.kind === "target" || item.kind === "chain") continue;
    if (ctx.symbols.get(item.name.text)?.decl !== item) continue;
    const value = translateOne(ctx, item);
    if (value === undefined) continue;
    const why = unsafeReason(value, "definition-value");
    if (why) {
      ctx.report("SFW213", item.span, { why });
      continue;
    }
    if (hasTrailingWhitespace(value)) {
      ctx.report("SFW213", item.span, { why: "it ends with whitespace, which mod_firewall's line trimming would drop" });
      continue;
    }
    const note = item.kind === "rate" ? `${item.burst ? item.burst.value : item.amount.value} at once, then ${item.amount.value} per ${item.per.text}` : undefined;
    out.push({ type: pfwType[item.kind], name: item.name.text, value, span: item.span, declKind: item.kind, ...(note ? { note } : {}) });
  }
  return out;
}

const pfwType: Readonly<Record<SymbolKind, CheckedDefinition["type"]>> = {
  zone: "ZONE",
  list: "LIST",
  rate: "RATE",
  pattern: "PATTERN",
  search: "SEARCH",
};

function translateOne(ctx: CheckContext, item: ast.Declaration): string | undefined {
  switch (item.kind) {
    case "zone":
      return translateZone(ctx, item);
    case "rate":
      return translateRate(ctx, item);
    case "pattern":
      return luaPatternText(ctx, item.pattern);
    case "search":
      if (item.path.kind !== "prefixed" || item.path.prefix !== "path") {
        ctx.report("SFW203", item.path.span, { message: "a search is a stanza path: path\"…\"" });
        return undefined;
      }
      return validatePath(ctx, item.path.value, item.path.valueSpan, "exists") ? item.path.value : undefined;
    case "list":
      return translateList(ctx, item);
  }
}

function translateZone(ctx: CheckContext, zone: ast.ZoneDecl): string | undefined {
  if (zone.members.length === 0) {
    ctx.report("SFW218", zone.span, { message: "a zone needs at least one member" });
    return undefined;
  }
  let ok = true;
  for (const m of zone.members) if (!validateJid(ctx, m.value, m.span, "any")) ok = false;
  return ok ? zone.members.map((m) => m.value).join(", ") : undefined;
}

function translateRate(ctx: CheckContext, rate: ast.RateDecl): string | undefined {
  const unit = unitSeconds[rate.per.text];
  if (unit === undefined) {
    const s = didYouMean(rate.per.text, Object.keys(unitSeconds));
    ctx.report("SFW201", rate.per.span, { what: "time unit", name: rate.per.text }, { hint: s ? `did you mean '${s}'?` : "units are second, minute, hour and day" });
    return undefined;
  }
  if (!(rate.amount.value > 0)) {
    ctx.report("SFW210", rate.amount.span, { why: "a rate must be positive" });
    return undefined;
  }
  const perSecond = rate.amount.value / unit;
  // "N per unit" allows N at once by default; `burst` sets that capacity explicitly.
  const capacity = rate.burst ? rate.burst.value : rate.amount.value;
  if (capacity < 1) {
    ctx.report("SFW210", (rate.burst ?? rate.amount).span, { why: `a bucket of ${capacity} stanza(s) can never let one through: mod_firewall would block every stanza` }, { hint: "add 'burst N' with N ≥ 1" });
    return undefined;
  }
  if (rate.entries && !(Number.isInteger(rate.entries.value) && rate.entries.value > 0)) {
    ctx.report("SFW218", rate.entries.span, { message: "entries must be a positive whole number" });
    return undefined;
  }
  const { rate: r, burst: b } = formatRate(perSecond, capacity);
  let text = `${r} (burst ${b})`;
  if (rate.entries) text += ` (entries ${rate.entries.value})`;
  if (rate.allowOverflow) text += " (allow overflow)";
  return text;
}

/** The text of a Lua pattern literal or pattern declaration reference, validated. */
export function luaPatternText(ctx: CheckContext, value: ast.Value): string | undefined {
  if (value.kind !== "prefixed" || value.prefix !== "lua") {
    ctx.report("SFW203", value.span, { message: "expected a Lua pattern: lua\"…\" (mod_firewall uses Lua patterns, not regular expressions)" });
    return undefined;
  }
  const error = patternError(value.value);
  if (error !== undefined) {
    ctx.report("SFW207", value.valueSpan, { error });
    return undefined;
  }
  return value.value;
}

const listOptionKeys: Readonly<Record<string, readonly string[]>> = {
  memory: ["limit", "filter"],
  file: ["missing", "filter"],
  http: ["ttl", "pattern", "hash", "checkcert", "filter"],
  pubsub: ["filter"],
};

const filterNames = ["lower", "upper", "md5", "sha1", "sha256", "prep", "bare", "log"];

function translateList(ctx: CheckContext, list: ast.ListDecl): string | undefined {
  const src = list.source;
  const backend = src.backend.text;
  const allowed = listOptionKeys[backend];
  if (!allowed) {
    const s = didYouMean(backend, Object.keys(listOptionKeys));
    ctx.report("SFW201", src.backend.span, { what: "list source", name: backend }, { hint: s ? `did you mean '${s}'?` : "list sources are memory, file(\"/path\"), http(\"https://…\") and pubsub(\"service/node\")" });
    return undefined;
  }
  let spec: string;
  if (backend === "memory") {
    if (src.args.length > 0) ctx.report("SFW206", src.args[0]!.span, { name: "memory", expected: "only options, e.g. memory(limit: 1000)" });
    spec = "memory";
  } else {
    const arg = src.args[0];
    if (!arg || arg.kind !== "string" || src.args.length > 1) {
      ctx.report("SFW206", (arg ?? src).span, { name: backend, expected: backend === "file" ? "one path string" : backend === "http" ? "one URL string" : "one \"service/node\" string" });
      return undefined;
    }
    if (/\s/.test(arg.value)) {
      ctx.report("SFW218", arg.span, { message: "mod_firewall reads the list location up to the first space: it cannot contain whitespace" });
      return undefined;
    }
    if (backend === "file") {
      if (!arg.value.startsWith("/")) ctx.report("SFW219", arg.span, { message: "a relative list path is resolved against Prosody's working directory; use an absolute path" });
      spec = `file:${arg.value}`;
    } else if (backend === "http") {
      if (!/^https?:\/\/./.test(arg.value)) {
        ctx.report("SFW218", arg.span, { message: "an http list needs an http:// or https:// URL" });
        return undefined;
      }
      spec = arg.value;
    } else {
      if (ctx.target === "0.12") ctx.report("SFW402", src.backend.span, { feature: "a pubsub list", why: "the Debian snapshot parses the service address wrongly" });
      spec = `pubsubitemid:${arg.value}`;
    }
  }
  const opts: string[] = [];
  for (const opt of src.options) {
    const key = opt.key.text;
    if (!allowed.includes(key)) {
      const s = didYouMean(key, allowed);
      ctx.report("SFW201", opt.key.span, { what: `option of ${backend} lists`, name: key }, { hint: s ? `did you mean '${s}'?` : `options: ${allowed.join(", ")}` });
      continue;
    }
    const text = listOptionText(ctx, key, opt.value);
    if (text === undefined) continue;
    if (/[,()]/.test(text)) {
      ctx.report("SFW218", opt.value.span, { message: "mod_firewall splits list options at ',' and ')': a value cannot contain them" });
      continue;
    }
    opts.push(`${key}: ${text}`);
  }
  return opts.length > 0 ? `${spec} (${opts.join(", ")})` : spec;
}

function listOptionText(ctx: CheckContext, key: string, value: ast.Value): string | undefined {
  switch (key) {
    case "limit":
      if (value.kind === "number" && Number.isInteger(value.value) && value.value > 0) return String(value.value);
      ctx.report("SFW218", value.span, { message: "limit is a positive whole number of items" });
      return undefined;
    case "ttl":
      if (value.kind === "duration" && value.seconds >= 1) return String(Math.round(value.seconds));
      if (value.kind === "number" && value.value >= 1) return String(Math.round(value.value));
      ctx.report("SFW218", value.span, { message: "ttl is a duration such as 1h or 600s" });
      return undefined;
    case "missing":
      if (value.kind === "ref" && value.parts.length === 1 && value.parts[0]!.text === "ignore") return "ignore";
      ctx.report("SFW218", value.span, { message: "the only value of missing is ignore" });
      return undefined;
    case "checkcert":
      if (value.kind === "ref" && value.parts.length === 1 && value.parts[0]!.text === "never") return "never";
      ctx.report("SFW218", value.span, { message: "the only value of checkcert is never (certificates are checked otherwise)" });
      return undefined;
    case "hash":
      if (value.kind === "ref" && value.parts.length === 1 && ["md5", "sha1", "sha256"].includes(value.parts[0]!.text)) {
        ctx.report("SFW219", value.span, { message: "mod_firewall compares raw binary digests, not hex: the list must contain binary digests" });
        return value.parts[0]!.text;
      }
      ctx.report("SFW218", value.span, { message: "hash is md5, sha1 or sha256" });
      return undefined;
    case "pattern":
      return luaPatternText(ctx, value);
    case "filter": {
      const items = value.kind === "list-literal" ? value.items : [value];
      const names: string[] = [];
      for (const it of items) {
        const n = it.kind === "ref" && it.parts.length === 1 ? it.parts[0]!.text : undefined;
        if (!n || !filterNames.includes(n)) {
          const s = n ? didYouMean(n, filterNames) : undefined;
          ctx.report("SFW218", it.span, { message: `unknown filter${n ? ` '${n}'` : ""}${s ? ` (did you mean '${s}'?)` : `; filters are ${filterNames.join(", ")}`}` });
          return undefined;
        }
        names.push(n);
      }
      return names.join(" ");
    }
    default:
      return undefined;
  }
}
