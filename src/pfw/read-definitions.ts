import { didYouMean } from "../diag/did-you-mean.js";
import type { Span } from "../diag/span.js";
import { LuaPatternError, match as luaMatch } from "../lua/pattern.js";
import { patternError } from "../lua/string-functions.js";
import { luaToNumber, idsafe, stripSlashes, trimLua } from "./lua-text.js";
import { pfwDefinitionTypes, type PfwDefinitionType } from "./model.js";
import type { ReadContext } from "./read-context.js";
import type { LogicalLine } from "./read-lines.js";

/**
 * `%TYPE name: value` lines: how mod_firewall splits them, and what each definition handler
 * (%ZONE, %RATE, %LIST, %PATTERN, %SEARCH) refuses at load time or silently ignores.
 */

const definitionTypes = new Set<string>(pfwDefinitionTypes);
const listBackends = ["memory", "http", "https", "file", "pubsubitemid"];
const listFilters = ["log", "upper", "lower", "md5", "sha1", "sha256", "prep", "bare"];
/** Functions of Prosody 0.12's util.hashes (what `%LIST … (hash: …)` accepts). */
const hashFunctions = ["equals", "hmac_md5", "hmac_sha1", "hmac_sha256", "hmac_sha512", "md5", "pbkdf2_hmac_sha1", "pbkdf2_hmac_sha256", "scram_Hi_sha1", "sha1", "sha224", "sha256", "sha384", "sha512"];

/** A definition line; what mod_firewall accepts is added to `cx.definitions`. */
export function readDefinition(cx: ReadContext, l: LogicalLine): void {
  const line = l.text;
  const head = /^%[ \t\n\v\f\r]*([A-Za-z0-9_]+) +([^ :]+)/.exec(line);
  const typeAt = /^%[ \t\n\v\f\r]*/.exec(line)![0].length;
  const typeWord = /^[A-Za-z0-9_]*/.exec(line.slice(typeAt))![0];
  if (!head) {
    // mod_firewall crashes while formatting its message about it.
    const guess = definitionTypes.has(typeWord) ? undefined : didYouMean(typeWord, pfwDefinitionTypes);
    cx.report("SFW505", cx.span(l, 0, line.length), { message: "unreadable definition (mod_firewall crashes on it: 'attempt to concatenate a nil value')" }, {
      hint: guess ? `did you mean '%${guess} name: value'?` : "write '%TYPE name: value' with at least one space between the type and the name",
    });
    return;
  }
  const what = head[1]!;
  const name = head[2]!;
  const typeSpan = cx.span(l, typeAt, typeAt + what.length);
  const nameAt = head[0].length - name.length;
  const nameSpan = cx.span(l, nameAt, head[0].length);
  if (!definitionTypes.has(what)) {
    const guess = didYouMean(what, pfwDefinitionTypes);
    cx.report("SFW505", typeSpan, { message: `definition of unknown object: ${what}` }, { hint: guess ? `did you mean '%${guess}'? (definition types are upper case)` : "definitions are %ZONE, %RATE, %LIST, %PATTERN and %SEARCH" });
    return;
  }
  if (!idsafe(name)) {
    cx.report("SFW505", nameSpan, { message: `invalid ${what} name '${name}'` }, { hint: "names start with a letter and contain only letters, digits and _" });
    return;
  }
  const colon = line.indexOf(":");
  if (colon < 0) {
    cx.report("SFW505", cx.span(l, 0, line.length), { message: "no value given for definition" }, { hint: `write '%${what} ${name}: value'` });
    return;
  }
  const between = line.slice(head[0].length, colon);
  if (trimLua(between) !== "") cx.report("SFW519", cx.span(l, head[0].length, colon), { message: `'${trimLua(between)}' between the name and ':' is ignored by mod_firewall` });
  const valueAt = line[colon + 1] === " " ? colon + 2 : colon + 1;
  const raw = line.slice(valueAt);
  const value = stripSlashes(raw);
  const valueSpan = raw === "" ? cx.span(l, colon, colon + 1) : cx.span(l, valueAt, line.length);
  const type = what as PfwDefinitionType;
  if (raw.startsWith("<")) cx.report("SFW521", valueSpan, { value: raw }, { hint: "list the values inline, or use %LIST name: file:/path for a list read from a file" });
  cx.commentChars(l, valueAt, "definition value");
  const ok = checkDefinition(cx, type, name, value, valueSpan, l, valueAt);
  const previous = cx.definitions.find((d) => d.type === type && d.name === name);
  if (ok && previous) cx.report("SFW520", nameSpan, { type, name }, { notes: [{ message: "the earlier definition", span: previous.span }] });
  if (ok) cx.definitions.push({ type, name, value, span: cx.span(l, 0, line.length) });
}

/** The definition handlers' checks. Returns false when mod_firewall rejects the definition. */
function checkDefinition(cx: ReadContext, type: PfwDefinitionType, name: string, value: string, span: Span, l: LogicalLine, valueAt: number): boolean {
  const fail = (message: string, hint?: string): false => {
    cx.report("SFW505", span, { message }, { hint });
    return false;
  };
  switch (type) {
    case "ZONE":
      if (!/[^, ]/.test(value)) cx.report("SFW519", span, { message: `zone ${name} has no members` });
      return true;
    case "SEARCH":
      if (value === "") cx.report("SFW519", span, { message: `search ${name} has an empty path` });
      return true;
    case "PATTERN":
      try {
        luaMatch("", value);
      } catch (e) {
        if (e instanceof LuaPatternError) return fail(`invalid pattern '${name}': ${e.message}`);
        throw e;
      }
      {
        const later = patternError(value);
        if (later) cx.report("SFW517", span, { message: `pattern ${name} is malformed (${later}): mod_firewall does not notice at load time, but matching raises an error` });
      }
      return true;
    case "RATE": {
      const m = /[\d.]+/.exec(value);
      const rate = m ? luaToNumber(m[0]) : undefined;
      if (!rate) return fail("unable to parse rate", "write '%RATE name: N' (N stanzas per second), optionally followed by '(burst B)', '(entries E)', '(allow overflow)'");
      if (rate.value <= 0) cx.report("SFW519", span, { message: `rate ${name} is ${m![0]} per second: nothing ever passes the limit` });
      for (const opt of value.matchAll(/\([^)]*\)?/g)) {
        const o = opt[0];
        if (/^\([ \t\n\v\f\r]*burst[ \t\n\v\f\r]+[\d.]+[ \t\n\v\f\r]*\)$/.test(o) || /^\([ \t\n\v\f\r]*entries[ \t\n\v\f\r]+\d+[ \t\n\v\f\r]*\)$/.test(o) || o === "(allow overflow)") continue;
        const at = valueAt + (opt.index ?? 0);
        cx.report("SFW519", cx.span(l, at, at + o.length), { message: `mod_firewall does not understand the rate option '${o}' and ignores it` }, { hint: "options are written '(burst N)', '(entries N)' and '(allow overflow)'" });
      }
      return true;
    }
    case "LIST":
      return checkList(cx, name, value, span, fail);
  }
}

function checkList(cx: ReadContext, name: string, value: string, span: Span, fail: (message: string, hint?: string) => false): boolean {
  const backend = /^[A-Za-z0-9]+/.exec(value)?.[0];
  if (backend === undefined || !listBackends.includes(backend)) {
    const guess = backend ? didYouMean(backend, listBackends) : undefined;
    return fail(backend === undefined ? `unknown list type (list ${name} has no type)` : `unknown list type '${backend}'`, guess ? `did you mean '${guess}'?` : "list types are memory, file:PATH, http(s)://URL and pubsubitemid:SERVICE/NODE");
  }
  const opts = new Map<string, string>();
  const optString = /^\S+\s+\(([\s\S]+)\)/.exec(value)?.[1];
  if (optString) for (const m of optString.matchAll(/([A-Za-z0-9]+): ?([^,]+)/g)) opts.set(m[1]!, m[2]!);
  let ok = true;
  if (backend === "memory" && opts.has("limit") && !luaToNumber(opts.get("limit")!)) ok = fail("invalid list limit", "write '(limit: N)'");
  if (backend === "http" || backend === "https") {
    if (!luaToNumber(opts.get("ttl") ?? "3600")) ok = fail(`invalid ttl for <${/^\S+/.exec(value)![0]}> (expected number of seconds)`);
    const pattern = opts.get("pattern");
    if (pattern !== undefined) {
      try {
        luaMatch("", pattern);
      } catch (e) {
        if (!(e instanceof LuaPatternError)) throw e;
        ok = fail(`invalid pattern for <${/^\S+/.exec(value)![0]}>`);
      }
    }
    const hash = opts.get("hash");
    if (hash !== undefined && !(/^[A-Za-z0-9]+$/.test(hash) && hashFunctions.includes(hash))) {
      const guess = didYouMean(hash, hashFunctions);
      ok = fail(`invalid hash function: ${hash}`, guess ? `did you mean '${guess}'?` : undefined);
    }
  }
  const filter = opts.get("filter");
  if (filter !== undefined) {
    for (const f of filter.matchAll(/[A-Za-z0-9_]+/g)) {
      if (!listFilters.includes(f[0])) {
        const guess = didYouMean(f[0], listFilters);
        ok = fail(`unknown list filter: ${f[0]}`, guess ? `did you mean '${guess}'?` : `filters are ${listFilters.join(", ")}`);
      }
    }
  }
  if (optString === undefined && /\(/.test(value)) cx.report("SFW519", span, { message: "these list options are not read: mod_firewall expects the type, white space, then '(key: value, …)'" });
  return ok;
}
