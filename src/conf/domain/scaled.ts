/**
 * Sizes written as a number plus a unit, in the two directions libvirt uses
 * for tuning values: reading one into bytes, and writing bytes back with the
 * largest unit that divides them exactly.
 * @module
 */
import type { XmlReader } from "../../xml/mod.ts";
import { UNIT_NAMES, unitScale } from "../units.ts";

/**
 * Scales `value` by `unit` (or by `defaultScale` when no unit is given) into
 * bytes; errors name `what` and the element.
 *
 * @example
 * ```ts
 * scaledBytes(r, "6", "MiB", 1024, "cache size"); // 6291456
 * ```
 */
export function scaledBytes(
  r: XmlReader,
  value: string,
  unit: string | undefined,
  defaultScale: number,
  what: string,
): number {
  const scale = unitScale(unit, defaultScale);
  if (scale === undefined) {
    throw r.error(`unknown unit '${unit}' of ${what}, expected one of: ${UNIT_NAMES}`);
  }
  const t = value.trim();
  if (!/^\+?\d+$/.test(t)) {
    throw r.error(`invalid ${what} '${value}', expected a non-negative integer`);
  }
  return Number(t) * scale;
}

const PRETTY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

/**
 * Bytes in the largest binary unit that divides them exactly (libvirt's
 * `virFormatIntPretty`); zero stays in bytes.
 *
 * @example
 * ```ts
 * prettySize(50331648); // { value: 48, unit: "MiB" }
 * prettySize(3932160);  // { value: 3840, unit: "KiB" }
 * ```
 */
export function prettySize(bytes: number): { value: number; unit: (typeof PRETTY_UNITS)[number] } {
  let value = bytes;
  let i = 0;
  while (value !== 0 && value % 1024 === 0 && i < PRETTY_UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  return { value, unit: PRETTY_UNITS[i] };
}
