/**
 * Sizes with units, as libvirt's XML writes them (`<memory unit='MiB'>`).
 * @module
 */

const UNITS: Record<string, number> = {
  b: 1, byte: 1, bytes: 1,
  kb: 1000, k: 1024, kib: 1024,
  mb: 1000 ** 2, m: 1024 ** 2, mib: 1024 ** 2,
  gb: 1000 ** 3, g: 1024 ** 3, gib: 1024 ** 3,
  tb: 1000 ** 4, t: 1024 ** 4, tib: 1024 ** 4,
  pb: 1000 ** 5, p: 1024 ** 5, pib: 1024 ** 5,
  eb: 1000 ** 6, e: 1024 ** 6, eib: 1024 ** 6,
};

/**
 * Multiplier for a unit name (case-insensitive), or undefined when unknown.
 * An absent unit means `fallback` (bytes unless given).
 *
 * @example
 * ```ts
 * unitScale("MiB"); // 1048576
 * unitScale("KB");  // 1000
 * ```
 */
export function unitScale(unit: string | undefined, fallback = 1): number | undefined {
  if (unit === undefined || unit === "") return fallback;
  return UNITS[unit.toLowerCase()];
}

/** Every unit name accepted, for error messages. */
export const UNIT_NAMES = "b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB, PB, P, PiB, EB, E, EiB";
