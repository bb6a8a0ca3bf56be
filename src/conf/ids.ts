/**
 * UUIDs and MAC addresses: parsing, canonical formatting and generation.
 * @module
 */

/**
 * Parses a UUID in any form libvirt accepts (32 hex digits, optionally with
 * dashes anywhere and surrounding spaces) and returns the canonical
 * lower-case `8-4-4-4-12` form, or undefined when it is malformed.
 *
 * @example
 * ```ts
 * parseUuid("C7A5FDBDEDAF9455926AD65C16DB1809"); // "c7a5fdbd-edaf-9455-926a-d65c16db1809"
 * ```
 */
export function parseUuid(text: string): string | undefined {
  const hex = text.trim().replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A new random (version 4) UUID. */
export function generateUuid(): string {
  return crypto.randomUUID();
}

/**
 * Parses a MAC address (`aa:bb:cc:dd:ee:ff`, one or two hex digits a part)
 * into its canonical lower-case form, or undefined when malformed.
 */
export function parseMac(text: string): string | undefined {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => p.toLowerCase().padStart(2, "0")).join(":");
}

/** Whether a canonical MAC address is a multicast address (lowest bit of the first byte). */
export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/**
 * A random MAC address under a three-byte prefix (`52:54:00` is QEMU's).
 */
export function generateMac(prefix = "52:54:00"): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `${prefix}:${[...b].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}
