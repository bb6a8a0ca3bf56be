/**
 * CPU and node sets in libvirt's list syntax (`0-3,^2,8`).
 * @module
 */

/**
 * Parses a set such as `0-3,^2,8` into sorted unique numbers, or returns
 * undefined when the text is not a valid set.
 *
 * @example
 * ```ts
 * parseBitmap("0-3,^2,8"); // [0, 1, 3, 8]
 * ```
 */
export function parseBitmap(text: string, max = 1 << 20): number[] | undefined {
  const on = new Set<number>();
  const off = new Set<number>();
  const s = text.trim();
  if (s === "") return undefined;
  for (const raw of s.split(",")) {
    const part = raw.trim();
    const neg = part.startsWith("^");
    const body = neg ? part.slice(1) : part;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(body);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi >= max) return undefined;
    if (neg && m[2] !== undefined) return undefined;
    for (let i = lo; i <= hi; i++) (neg ? off : on).add(i);
  }
  for (const i of off) on.delete(i);
  return [...on].sort((a, b) => a - b);
}

/**
 * Formats numbers as a canonical set: ascending, runs collapsed to ranges.
 *
 * @example
 * ```ts
 * formatBitmap([0, 1, 2, 5, 6, 7]); // "0-2,5-7"
 * ```
 */
export function formatBitmap(bits: readonly number[]): string {
  const sorted = [...new Set(bits)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
