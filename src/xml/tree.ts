/**
 * The small element tree the project parses XML into. Only `src/xml` builds
 * it; the rest of the project reads it through {@link XmlReader} and writes
 * XML with {@link XmlWriter}.
 * @module
 */

/** One element of a parsed document. */
export interface XmlElement {
  /** Qualified name as written, e.g. `qemu:commandline`. */
  name: string;
  /** Local part of the name. */
  local: string;
  /** Namespace prefix ("" when none). */
  prefix: string;
  /** Namespace URI the prefix resolves to ("" when none). */
  uri: string;
  /** Attributes by qualified name, in document order; `xmlns` declarations excluded. */
  attrs: Record<string, string>;
  /** Namespace declarations made on this element, prefix ("" for default) to URI. */
  nsDecls: Record<string, string>;
  /** Element and text children in document order (comments and PIs dropped). */
  nodes: XmlNode[];
  /** 1-based line of the start tag. */
  line: number;
  /** 1-based column of the start tag. */
  column: number;
  /** Set by {@link XmlReader} when the element was read (for `validate` mode). */
  used?: boolean;
  /** Attribute names read through {@link XmlReader}. */
  usedAttrs?: Set<string>;
  /** Whether the subtree is kept verbatim, so unknown content inside is fine. */
  verbatim?: boolean;
}

/** A child of an element: another element, or a run of character data. */
export type XmlNode = XmlElement | string;

/** The element children of an element, skipping text. */
export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const n of el.nodes) if (typeof n !== "string") out.push(n);
  return out;
}

/** The concatenated character data directly inside an element. */
export function directText(el: XmlElement): string {
  let s = "";
  for (const n of el.nodes) if (typeof n === "string") s += n;
  return s;
}

/** All character data inside an element and its descendants, like XPath `string()`. */
export function deepText(el: XmlElement): string {
  let s = "";
  for (const n of el.nodes) s += typeof n === "string" ? n : deepText(n);
  return s;
}
