/**
 * Pieces that several XML formats share: the `<uuid>` element and the
 * `<metadata>` element with foreign-namespace content.
 * @module
 */
import type { XmlElement, XmlReader, XmlWriter } from "../xml/mod.ts";
import { generateUuid, parseUuid } from "./ids.ts";

/**
 * Reads a UUID child element in canonical form; a new random UUID when the
 * element is absent (or `emptyGenerates` and it is empty).
 * @throws VirtError naming the element when the UUID is malformed
 */
export function readUuid(r: XmlReader, name = "uuid", emptyGenerates = false): string {
  const el = r.child(name);
  if (!el) return generateUuid();
  const text = el.text().trim();
  if (text === "" && emptyGenerates) return generateUuid();
  const u = parseUuid(text);
  if (!u) throw el.error(`malformed ${name} '${text}'`);
  return u;
}

/**
 * Reads `<metadata>`: its namespaced children, the first one per namespace,
 * kept verbatim; children without a namespace are dropped, as libvirt does.
 */
export function readMetadata(md: XmlReader | undefined): XmlElement[] | undefined {
  if (!md) return undefined;
  const seen = new Set<string>();
  const out: XmlElement[] = [];
  for (const e of md.elements()) {
    const el = e.keepVerbatim();
    if (el.uri === "" || seen.has(el.uri)) continue;
    seen.add(el.uri);
    out.push(el);
  }
  return out;
}

/** Writes `<metadata>` (self-closed when empty), each child declaring its own namespace as libvirt writes it. */
export function writeMetadata(w: XmlWriter, metadata: XmlElement[] | undefined): void {
  if (!metadata) return;
  w.elem("metadata", null, (w) => {
    for (const m of metadata) w.verbatim(m, m.nsDecls[m.prefix] === undefined ? { [m.prefix]: m.uri } : undefined);
  });
}
