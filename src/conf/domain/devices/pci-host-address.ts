/**
 * A host PCI address written without a `type` attribute, as inside the
 * `<source>` of a PCI host device or an NVMe disk:
 * `<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";

/** A host PCI device address. */
export interface PciHostAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

const LIMITS: [keyof PciHostAddress, number][] = [["domain", 0xffff], ["bus", 0xff], ["slot", 0x1f], ["function", 7]];

/**
 * Reads a host PCI address; each part accepts decimal or `0x` hex and must be
 * within the PCI limits.
 *
 * @example
 * ```ts
 * // <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>
 * parsePciHostAddress(r); // { domain: 0, bus: 6, slot: 18, function: 5 }
 * ```
 */
export function parsePciHostAddress(r: XmlReader): PciHostAddress {
  const a: PciHostAddress = { domain: 0, bus: 0, slot: 0, function: 0 };
  for (const [name, max] of LIMITS) {
    const v = r.uint(name, { hex: true }) ?? 0;
    if (v > max) throw r.error(`invalid PCI address ${name}='${r.attr(name)}', must be <= 0x${max.toString(16).toUpperCase()}`);
    a[name] = v;
  }
  return a;
}

/** Writes `<address domain bus slot function>`, with `type='pci'` first when `withType`. */
export function formatPciHostAddress(w: XmlWriter, a: PciHostAddress, withType = false): void {
  const hex = (n: number, width: number) => "0x" + n.toString(16).padStart(width, "0");
  w.elem("address", [
    ["type", withType ? "pci" : undefined],
    ["domain", hex(a.domain, 4)],
    ["bus", hex(a.bus, 2)],
    ["slot", hex(a.slot, 2)],
    ["function", hex(a.function, 1)],
  ]);
}
