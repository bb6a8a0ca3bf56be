/**
 * Reading a whole document of one kind (a domain, a network, a secret): the
 * root element is checked, the caller's reader runs, and in validate mode
 * anything the reader did not touch is rejected.
 * @module
 */
import { type ErrorDomain, VirtError } from "../errors.ts";
import { parseXml } from "./parse.ts";
import { findUnused, XmlReader } from "./reader.ts";

/**
 * Parses `xml`, requires its root to be `<rootName>` and returns what `read`
 * makes of it.
 *
 * @param validate reject elements and attributes `read` did not look at
 * @throws VirtError on malformed XML, a wrong root or (validating) unknown content
 * @example
 * ```ts
 * const name = readDocument("<secret><uuid>..</uuid></secret>", "secret", "secret", false, (r) => r.childText("uuid"));
 * ```
 */
export function readDocument<T>(
  xml: string,
  rootName: string,
  domain: ErrorDomain,
  validate: boolean,
  read: (r: XmlReader) => T,
): T {
  const root = parseXml(xml, domain);
  if (root.name !== rootName) {
    throw new VirtError("xml-error", domain, `expected root element <${rootName}>, found <${root.name}> at line ${root.line}`);
  }
  const value = read(new XmlReader(root, domain));
  if (validate) {
    const unknown = findUnused(root);
    if (unknown) throw new VirtError("xml-detail", domain, `${rootName} XML does not validate: ${unknown}`);
  }
  return value;
}
