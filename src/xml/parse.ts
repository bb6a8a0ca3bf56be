/**
 * Strict XML parsing behind one function. A small parser of our own: it
 * accepts well-formed XML 1.0 with namespaces and refuses any DOCTYPE (so no
 * entity declarations and no entity expansion), documents over
 * {@link MAX_XML_BYTES} and nesting deeper than {@link MAX_XML_DEPTH}.
 * Errors carry the line and column of the fault.
 * @module
 */
import { type ErrorDomain, VirtError } from "../errors.ts";
import type { XmlElement } from "./tree.ts";

/** Largest document accepted, in characters (10 MiB). */
export const MAX_XML_BYTES = 10 * 1024 * 1024;
/** Deepest element nesting accepted. */
export const MAX_XML_DEPTH = 256;

const NAME = /[A-Za-z_:\u00C0-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.\w:\u00B7\u00C0-\u02FF\u0300-\u037D\u037F-\u1FFF\u200C-\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;
// deno-lint-ignore no-control-regex
const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
const XML_NS = "http://www.w3.org/XML/1998/namespace";

/** The namespace bindings in force at one element. */
interface Scope {
  parent: Scope | undefined;
  decls: Record<string, string>;
}

function lookupNs(scope: Scope | undefined, prefix: string): string | undefined {
  if (prefix === "xml") return XML_NS;
  for (let s = scope; s; s = s.parent) {
    const uri = s.decls[prefix];
    if (uri !== undefined) return uri;
  }
  return undefined;
}

class Parser {
  private pos = 0;
  private readonly stack: XmlElement[] = [];
  private scope: Scope | undefined;
  // The scope to return to when each open element closes.
  private readonly scopes: (Scope | undefined)[] = [];
  private root: XmlElement | undefined;
  // Element start offsets, in document order, turned into lines at the end.
  private readonly starts: number[] = [];
  private readonly elements: XmlElement[] = [];

  constructor(private readonly text: string, private readonly domain: ErrorDomain) {}

  fail(message: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf("\n"); i !== -1 && i < at; i = this.text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new VirtError("xml-error", this.domain, `malformed XML at line ${line}, column ${at - lineStart + 1}: ${message}`);
  }

  parse(): XmlElement {
    const t = this.text;
    const bad = BAD_CHAR.exec(t);
    if (bad) this.fail(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0")} is not allowed in XML`, bad.index);
    if (t.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (t.startsWith("<?xml", this.pos) && /\s/.test(t[this.pos + 5] ?? "")) {
      const end = t.indexOf("?>", this.pos);
      if (end === -1) this.fail("unterminated XML declaration");
      this.pos = end + 2;
    }
    while (this.pos < t.length) {
      const lt = t.indexOf("<", this.pos);
      const end = lt === -1 ? t.length : lt;
      if (end > this.pos) this.textRun(this.pos, end);
      if (lt === -1) break;
      this.pos = lt;
      this.markup();
    }
    if (this.stack.length) this.fail(`unclosed element <${this.stack[this.stack.length - 1].name}>`);
    if (!this.root) this.fail("the document has no root element");
    this.assignLines();
    return this.root;
  }

  private markup(): void {
    const t = this.text;
    const c = t.charCodeAt(this.pos + 1);
    if (c === 47 /* / */) return this.closeTag();
    if (c === 33 /* ! */) {
      if (t.startsWith("<!--", this.pos)) {
        const end = t.indexOf("-->", this.pos + 4);
        if (end === -1) this.fail("unterminated comment");
        if (t.slice(this.pos + 4, end).includes("--")) this.fail("'--' is not allowed inside a comment");
        this.pos = end + 3;
        return;
      }
      if (t.startsWith("<![CDATA[", this.pos)) {
        if (!this.stack.length) this.fail("CDATA outside the root element");
        const end = t.indexOf("]]>", this.pos + 9);
        if (end === -1) this.fail("unterminated CDATA section");
        this.appendText(t.slice(this.pos + 9, end));
        this.pos = end + 3;
        return;
      }
      if (t.startsWith("<!DOCTYPE", this.pos)) this.fail("DOCTYPE declarations are not allowed");
      this.fail("unexpected '<!'");
    }
    if (c === 63 /* ? */) {
      const end = t.indexOf("?>", this.pos + 2);
      if (end === -1) this.fail("unterminated processing instruction");
      NAME.lastIndex = this.pos + 2;
      const m = NAME.exec(t);
      if (!m) this.fail("processing instruction without a target");
      if (m[0].toLowerCase() === "xml") this.fail("the XML declaration is only allowed at the start of the document");
      this.pos = end + 2;
      return;
    }
    this.openTag();
  }

  private name(what: string): string {
    const t = this.text;
    const start = this.pos;
    let i = start;
    let c = t.charCodeAt(i);
    if (!isNameStart(c)) this.fail(`expected ${what} name`);
    let wide = c >= 0x80;
    for (;;) {
      c = t.charCodeAt(++i);
      if (isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46) wide ||= c >= 0x80;
      else if (c === 0xb7) wide = true;
      else break;
    }
    if (wide) {
      // Rare non-ASCII names get the full check.
      NAME.lastIndex = start;
      const m = NAME.exec(t);
      if (!m || m[0].length !== i - start) this.fail(`invalid ${what} name`);
    }
    this.pos = i;
    return t.slice(start, i);
  }

  private skipSpace(): boolean {
    const t = this.text;
    const start = this.pos;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 9 || c === 13) this.pos++;
      else return this.pos > start;
    }
  }

  private openTag(): void {
    const start = this.pos;
    if (this.root && !this.stack.length) this.fail("the document may have only one root element");
    if (this.stack.length >= MAX_XML_DEPTH) this.fail(`elements nested deeper than ${MAX_XML_DEPTH} levels`);
    this.pos++;
    const qname = this.name("element");
    const raw: [string, string, number][] = [];
    const t = this.text;
    let selfClosing = false;
    for (;;) {
      const spaced = this.skipSpace();
      const c = t.charCodeAt(this.pos);
      if (c === 62 /* > */) {
        this.pos++;
        break;
      }
      if (c === 47 /* / */ && t.charCodeAt(this.pos + 1) === 62) {
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (Number.isNaN(c)) this.fail(`unterminated start tag <${qname}>`);
      if (!spaced) this.fail(`expected whitespace before an attribute in <${qname}>`);
      const at = this.pos;
      const aname = this.name("attribute");
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== 61 /* = */) this.fail(`expected '=' after attribute '${aname}'`);
      this.pos++;
      this.skipSpace();
      const q = t[this.pos];
      if (q !== "'" && q !== '"') this.fail(`expected a quoted value for attribute '${aname}'`);
      const end = t.indexOf(q, this.pos + 1);
      if (end === -1) this.fail(`unterminated value of attribute '${aname}'`);
      const rawValue = t.slice(this.pos + 1, end);
      if (rawValue.includes("<")) this.fail(`'<' is not allowed in the value of attribute '${aname}'`, this.pos + 1 + rawValue.indexOf("<"));
      for (const r of raw) if (r[0] === aname) this.fail(`duplicate attribute '${aname}'`, at);
      // Literal white space is normalised; character references such as &#10; are kept.
      raw.push([aname, this.decode(normalizeAttr(rawValue), this.pos + 1), at]);
      this.pos = end + 1;
    }
    this.element(qname, raw, start, selfClosing);
  }

  private element(qname: string, raw: [string, string, number][], start: number, selfClosing: boolean): void {
    const attrs: Record<string, string> = {};
    let nsDecls: Record<string, string> | undefined;
    for (const [k, v] of raw) {
      if (k === "xmlns") (nsDecls ??= {})[""] = v;
      else if (k.startsWith("xmlns:")) {
        if (v === "") this.fail(`namespace prefix '${k.slice(6)}' may not be bound to an empty URI`, start);
        (nsDecls ??= {})[k.slice(6)] = v;
      } else attrs[k] = v;
    }
    const scope: Scope | undefined = nsDecls ? { parent: this.scope, decls: nsDecls } : this.scope;
    const colon = qname.indexOf(":");
    const prefix = colon === -1 ? "" : qname.slice(0, colon);
    const local = colon === -1 ? qname : qname.slice(colon + 1);
    const uri = lookupNs(scope, prefix);
    if (uri === undefined && prefix) this.fail(`namespace prefix '${prefix}' of <${qname}> is not declared`, start);
    for (const [k, , at] of raw) {
      const c = k.indexOf(":");
      if (c > 0 && k.slice(0, c) !== "xmlns" && lookupNs(scope, k.slice(0, c)) === undefined) {
        this.fail(`namespace prefix '${k.slice(0, c)}' of attribute '${k}' is not declared`, at);
      }
    }
    const el: XmlElement = { name: qname, local, prefix, uri: uri ?? "", attrs, nsDecls: nsDecls ?? {}, nodes: [], line: 0, column: 0 };
    this.starts.push(start);
    this.elements.push(el);
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.nodes.push(el);
    else this.root = el;
    if (!selfClosing) {
      this.stack.push(el);
      this.scopes.push(this.scope);
      this.scope = scope;
    }
  }

  private closeTag(): void {
    const start = this.pos;
    this.pos += 2;
    const qname = this.name("element");
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== 62) this.fail(`expected '>' to end </${qname}>`);
    this.pos++;
    const top = this.stack.pop();
    if (!top) this.fail(`closing tag </${qname}> without an open element`, start);
    if (top.name !== qname) this.fail(`closing tag </${qname}> does not match <${top.name}>`, start);
    this.scope = this.scopes.pop();
  }

  private textRun(from: number, to: number): void {
    const raw = this.text.slice(from, to);
    if (!this.stack.length) {
      if (raw.trim() !== "") this.fail("text is not allowed outside the root element", from);
      return;
    }
    if (raw.includes("]]>")) this.fail("']]>' is not allowed in text", from + raw.indexOf("]]>"));
    this.appendText(this.decode(raw, from).replace(/\r\n?/g, "\n"));
  }

  private appendText(s: string): void {
    const nodes = this.stack[this.stack.length - 1].nodes;
    const last = nodes.length - 1;
    if (last >= 0 && typeof nodes[last] === "string") nodes[last] += s;
    else nodes.push(s);
  }

  private decode(s: string, offset: number): string {
    if (!s.includes("&")) return s;
    return s.replace(/&([^;&\s]*);?/g, (m, ref: string, i: number) => {
      if (!m.endsWith(";")) this.fail("'&' must start a reference such as &amp;", offset + i);
      if (ref.startsWith("#")) {
        const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        if (!/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref) || !isXmlChar(code)) this.fail(`invalid character reference &${ref};`, offset + i);
        return String.fromCodePoint(code);
      }
      const v = PREDEFINED[ref];
      if (v === undefined) this.fail(`undefined entity &${ref};`, offset + i);
      return v;
    });
  }

  private assignLines(): void {
    const t = this.text;
    let line = 1;
    let lineStart = 0;
    let nl = t.indexOf("\n");
    for (let i = 0; i < this.starts.length; i++) {
      const at = this.starts[i];
      while (nl !== -1 && nl < at) {
        line++;
        lineStart = nl + 1;
        nl = t.indexOf("\n", nl + 1);
      }
      this.elements[i].line = line;
      this.elements[i].column = at - lineStart + 1;
    }
  }
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0xc0;
}

function isXmlChar(c: number): boolean {
  return c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function normalizeAttr(v: string): string {
  return /[\t\n\r]/.test(v) ? v.replace(/\r\n|[\t\n\r]/g, " ") : v;
}

/**
 * Parses a whole XML document and returns its root element.
 *
 * @param text the document
 * @param domain the subsystem named in errors (e.g. "domain" for domain XML)
 * @throws VirtError ("xml-error") with line and column on malformed input,
 *   a DOCTYPE, an oversized document or excessive nesting
 *
 * @example
 * ```ts
 * const root = parseXml("<domain type='kvm'><name>a</name></domain>");
 * root.attrs.type; // "kvm"
 * ```
 */
export function parseXml(text: string, domain: ErrorDomain = "xml"): XmlElement {
  if (text.length > MAX_XML_BYTES) {
    throw new VirtError("xml-error", domain, `XML document is too large: ${text.length} characters, the limit is ${MAX_XML_BYTES}`);
  }
  return new Parser(text, domain).parse();
}
