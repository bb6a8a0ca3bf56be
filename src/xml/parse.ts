/**
 * Strict XML parsing behind one function. The parser (`saxes`) is used here and
 * nowhere else. Inputs are bounded: no DOCTYPE (so no entity expansion),
 * at most {@link MAX_XML_BYTES} of text and {@link MAX_XML_DEPTH} levels.
 * @module
 */
import { SaxesParser } from "saxes";
import { type ErrorDomain, VirtError } from "../errors.ts";
import type { XmlElement } from "./tree.ts";

/** Largest document accepted, in bytes of UTF-16 text (10 MiB). */
export const MAX_XML_BYTES = 10 * 1024 * 1024;
/** Deepest element nesting accepted. */
export const MAX_XML_DEPTH = 256;

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
    throw new VirtError(
      "xml-error",
      domain,
      `XML document is too large: ${text.length} characters, the limit is ${MAX_XML_BYTES}`,
    );
  }
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let startLine = 1;
  let startColumn = 1;
  const fail = (message: string): never => {
    throw new VirtError(
      "xml-error",
      domain,
      `malformed XML at line ${parser.line}, column ${parser.column + 1}: ${message}`,
    );
  };
  parser.on("error", (err) => {
    // saxes prefixes messages with "line:column: "; we add our own position.
    fail(err.message.replace(/^\d+:\d+: /, ""));
  });
  parser.on("doctype", () => fail("DOCTYPE declarations are not allowed"));
  parser.on("opentagstart", () => {
    startLine = parser.line;
    startColumn = parser.column;
    if (stack.length >= MAX_XML_DEPTH) {
      fail(`elements nested deeper than ${MAX_XML_DEPTH} levels`);
    }
  });
  parser.on("opentag", (tag) => {
    const attrs: Record<string, string> = {};
    const nsDecls: Record<string, string> = {};
    for (const [qname, a] of Object.entries(tag.attributes)) {
      if (a.prefix === "xmlns") nsDecls[a.local] = a.value;
      else if (qname === "xmlns") nsDecls[""] = a.value;
      else attrs[qname] = a.value;
    }
    const el: XmlElement = {
      name: tag.name,
      local: tag.local,
      prefix: tag.prefix,
      uri: tag.uri,
      attrs,
      nsDecls,
      nodes: [],
      line: startLine,
      column: startColumn,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.nodes.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  const addText = (t: string) => {
    const parent = stack[stack.length - 1];
    if (!parent) return; // whitespace outside the root; saxes rejects anything else
    const last = parent.nodes[parent.nodes.length - 1];
    if (typeof last === "string") parent.nodes[parent.nodes.length - 1] = last + t;
    else parent.nodes.push(t);
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.write(text).close();
  if (!root) {
    throw new VirtError("xml-error", domain, "malformed XML: the document has no root element");
  }
  return root;
}
