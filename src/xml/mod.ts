/**
 * The project's only door to XML: parse into a small tree, read it with
 * position-aware typed accessors, write it in libvirt's canonical layout.
 * @module
 */
export { MAX_XML_BYTES, MAX_XML_DEPTH, parseXml } from "./parse.ts";
export { findUnused, XmlReader } from "./reader.ts";
export { readDocument } from "./document.ts";
export { type Attr, escapeXml, XmlWriter } from "./writer.ts";
export { deepText, directText, elementChildren, type XmlElement, type XmlNode } from "./tree.ts";
