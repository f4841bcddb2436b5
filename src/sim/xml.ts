/**
 * XML elements with the semantics of Prosody's `util.stanza`: children in order (elements and
 * text), `xmlns` kept as an attribute only where Prosody's stream parser sets it (on elements
 * outside the stream's default namespace and everything below them), and the lookups
 * mod_firewall relies on (`get_child`, `get_child_text`, `find`).
 */
export type XmlNode = XmlElement | string;

/**
 * How deep a stanza's elements may nest, the stanza itself counted as 1 (the stream, `<traffic>`
 * and `<event>` around it are not counted). Real XMPP stays far below: a MAM result holding a
 * carbon of a message with an XHTML-IM body is about 12 levels, and even hand-nested XHTML-IM or
 * a data form in a pubsub item in a forwarded stanza stays in the tens. Deeper records come from a
 * broken or hostile client, and cost: the XML parser resolves each element's namespaces by
 * walking every open element (quadratic: 100,000 levels take minutes), and the simulator's trees
 * are walked recursively (`toString`, `clone`, the worker's codec). 256 leaves an order of
 * magnitude of room for anything real while bounding that walk to a few hundred steps per element.
 * The readers refuse a deeper stanza as a bad record before parsing further (src/sim/traffic.ts).
 */
export const maxStanzaDepth = 256;

export class XmlElement {
  constructor(
    public name: string,
    public attr: Record<string, string> = {},
    public children: XmlNode[] = [],
  ) {}

  get tags(): XmlElement[] {
    return this.children.filter((c): c is XmlElement => typeof c !== "string");
  }

  /** First child with this name (any when undefined) and namespace (the parent's when undefined). */
  getChild(name?: string, xmlns?: string): XmlElement | undefined {
    for (const child of this.children) {
      if (typeof child === "string") continue;
      if (name !== undefined && child.name !== name) continue;
      if (xmlns === undefined ? this.attr.xmlns === child.attr.xmlns : child.attr.xmlns === xmlns) return child;
    }
    return undefined;
  }

  /** The element's text, or undefined when it has child elements (as `get_text`). */
  getText(): string | undefined {
    if (this.children.some((c) => typeof c !== "string")) return undefined;
    return this.children.join("");
  }

  getChildText(name?: string, xmlns?: string): string | undefined {
    return this.getChild(name, xmlns)?.getText();
  }

  /**
   * `stanza:find(path)`: `{ns}name/…` steps taking the first matching child, ending in `#`
   * (text) or `@attr` (attribute); otherwise the element reached.
   */
  find(path: string): XmlElement | string | undefined {
    let node: XmlElement | undefined = this;
    let pos = 0;
    while (node) {
      if (path[pos] === "@") return node.attr[path.slice(pos + 1)];
      let xmlns: string | undefined;
      if (path[pos] === "{") {
        const close = path.indexOf("}", pos + 1);
        // Lua's `^([^}]+)}` needs at least one character and a closing brace; otherwise no match (nil).
        if (close <= pos + 1) {
          xmlns = undefined;
          pos = Number.NaN;
        } else {
          xmlns = path.slice(pos + 1, close);
          pos = close + 1;
        }
      }
      if (Number.isNaN(pos)) return undefined;
      let end = pos;
      while (end < path.length && path[end] !== "@" && path[end] !== "/" && path[end] !== "#") end++;
      const name = path.slice(pos, end) || undefined;
      const sep = path.charAt(end) === "/" || path.charAt(end) === "#" ? path.charAt(end) : "";
      const next = end + sep.length;
      if (next === path.length) return sep === "#" ? node.getChildText(name, xmlns) : node.getChild(name, xmlns);
      node = node.getChild(name, xmlns);
      pos = next;
    }
    return undefined;
  }

  clone(): XmlElement {
    return new XmlElement(this.name, { ...this.attr }, this.children.map((c) => (typeof c === "string" ? c : c.clone())));
  }

  /** Serialised like `tostring(stanza)`: attributes in insertion order, single-quoted, escaped. */
  toString(): string {
    const attrs = Object.entries(this.attr)
      .map(([k, v]) => ` ${attributeName(k)}='${escapeXml(v)}'`)
      .join("");
    if (this.children.length === 0) return `<${this.name}${attrs}/>`;
    return `<${this.name}${attrs}>${this.children.map((c) => (typeof c === "string" ? escapeXml(c) : c.toString())).join("")}</${this.name}>`;
  }
}

/** Namespaced attributes are kept as `uri\u0001name` by Prosody; print them with a prefix-less form. */
function attributeName(key: string): string {
  const sep = key.indexOf("\u0001");
  return sep < 0 ? key : key.slice(sep + 1);
}

const needsEscape = /[&<>'"]/;

export function escapeXml(s: string): string {
  if (!needsEscape.test(s)) return s;
  return s.replace(/[&<>'"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;" })[c]!);
}

export type JidParts = readonly [node: string | undefined, host: string | undefined, resource: string | undefined];

const noJid: JidParts = [undefined, undefined, undefined];

/**
 * The last few JIDs split and made bare: a rule set asks for the parts of the same `from` and
 * `to` many times per stanza (host for a list, bare for a rate key, both for a zone). Results are
 * immutable, so handing out the same one is safe.
 */
const memoSize = 4;
const splitKeys: (string | undefined)[] = new Array<string | undefined>(memoSize).fill(undefined);
const splitValues: JidParts[] = new Array<JidParts>(memoSize).fill(noJid);
let splitNext = 0;
const bareKeys: (string | undefined)[] = new Array<string | undefined>(memoSize).fill(undefined);
const bareValues: (string | undefined)[] = new Array<string | undefined>(memoSize).fill(undefined);
let bareNext = 0;

/** Splits a JID like `util.jid.split`: node, host, resource; all undefined when it is not a valid JID. */
export function splitJid(jid: string | undefined): JidParts {
  if (jid === undefined) return noJid;
  for (let i = 0; i < memoSize; i++) if (splitKeys[i] === jid) return splitValues[i]!;
  const parts = computeSplit(jid);
  splitKeys[splitNext] = jid;
  splitValues[splitNext] = parts;
  splitNext = (splitNext + 1) % memoSize;
  return parts;
}

function computeSplit(jid: string): JidParts {
  // util.jid: node is what precedes the first '@' before any '/', resource after the first '/'
  // (it may hold anything, '@' and '/' included); node, host and resource are never empty.
  const slash = jid.indexOf("/");
  const end = slash < 0 ? jid.length : slash;
  if (slash >= 0 && slash === jid.length - 1) return noJid;
  const at = jid.indexOf("@");
  let node: string | undefined;
  let hostStart = 0;
  if (at >= 0 && at < end) {
    if (at === 0) return noJid;
    node = jid.slice(0, at);
    hostStart = at + 1;
    const second = jid.indexOf("@", hostStart);
    if (second >= 0 && second < end) return noJid;
  }
  if (hostStart === end) return noJid;
  return [node, hostStart === 0 && slash < 0 ? jid : jid.slice(hostStart, end), slash < 0 ? undefined : jid.slice(slash + 1)];
}

export function bareJid(jid: string | undefined): string | undefined {
  if (jid === undefined) return undefined;
  for (let i = 0; i < memoSize; i++) if (bareKeys[i] === jid) return bareValues[i];
  const [, host, resource] = splitJid(jid);
  // A valid JID without a resource is its own bare JID: no new string. With one, the bare JID is
  // what precedes the first '/' (node@host or host): one slice, not a concatenation to flatten
  // when it is used as a key.
  const bare = host === undefined ? undefined : resource === undefined ? jid : jid.slice(0, jid.indexOf("/"));
  bareKeys[bareNext] = jid;
  bareValues[bareNext] = bare;
  bareNext = (bareNext + 1) % memoSize;
  return bare;
}
