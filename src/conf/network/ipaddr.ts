/**
 * IPv4 and IPv6 addresses as the network XML uses them: strict parsing,
 * canonical text (the form glibc's `inet_ntop` prints, which is what libvirt
 * writes back), prefixes, netmasks and subnet arithmetic.
 * @module
 */

/** An address family, named as the network XML's `family` attribute names it. */
export type IpFamily = "ipv4" | "ipv6";

/** A parsed address: its family and its value as an unsigned integer. */
export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

/** Address width in bits by family. */
export const IP_BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

function parseIpv4Value(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // One to three decimal digits; a leading zero would be read as octal by
    // the C library, so such forms are refused rather than guessed at.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6Value(text: string): bigint | undefined {
  let s = text;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    // An IPv4 tail stands for the last two words.
    const v4 = parseIpv4Value(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const words = (h: string): bigint[] | undefined => {
    if (h === "") return [];
    const out: bigint[] = [];
    for (const w of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      out.push(BigInt(parseInt(w, 16)));
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return undefined;
  const given = head.length + tail.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const all = [...head, ...Array<bigint>(8 - given).fill(0n), ...tail];
  return all.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/**
 * Parses an address in numeric form (dotted quad, or IPv6 with optional
 * `::` compression and an embedded IPv4 tail). Returns undefined when the
 * text is not an address.
 *
 * @example
 * ```ts
 * parseIp("192.168.122.1"); // { family: "ipv4", value: 3232266753n }
 * ```
 */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.trim();
  if (t.includes(":")) {
    const v = parseIpv6Value(t);
    return v === undefined ? undefined : { family: "ipv6", value: v };
  }
  const v = parseIpv4Value(t);
  return v === undefined ? undefined : { family: "ipv4", value: v };
}

function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
}

function formatIpv6(v: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of at least two zero words; the first one wins a tie.
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  if (best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
    return (best.len === 5 ? "::ffff:" : "::") + formatIpv4(v & 0xffffffffn);
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (best.base < 0) return hex(words);
  return hex(words.slice(0, best.base)) + "::" + hex(words.slice(best.base + best.len));
}

/** Canonical text of an address. */
export function formatIp(a: IpAddress): string {
  return a.family === "ipv4" ? formatIpv4(a.value) : formatIpv6(a.value);
}

/** The canonical form of an address written as text, or undefined when malformed. */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text);
  return a ? formatIp(a) : undefined;
}

/** The mask with the top `prefix` bits set, for a family. */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(IP_BITS[family]);
  const all = (1n << bits) - 1n;
  return prefix <= 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

/** The prefix length a netmask stands for, or undefined when its bits are not contiguous. */
export function netmaskPrefix(mask: IpAddress): number | undefined {
  const bits = IP_BITS[mask.family];
  for (let p = 0; p <= bits; p++) if (prefixMask(mask.family, p) === mask.value) return p;
  return undefined;
}

/** `a` with every bit past `prefix` cleared (its network address). */
export function networkAddress(a: IpAddress, prefix: number): IpAddress {
  return { family: a.family, value: a.value & prefixMask(a.family, prefix) };
}

/** `a` with every bit past `prefix` set (its IPv4 broadcast address). */
export function broadcastAddress(a: IpAddress, prefix: number): IpAddress {
  const all = (1n << BigInt(IP_BITS[a.family])) - 1n;
  return { family: a.family, value: a.value | (all & ~prefixMask(a.family, prefix)) };
}

/** Whether two addresses of one family lie in the same subnet of the given prefix. */
export function sameSubnet(a: IpAddress, b: IpAddress, prefix: number): boolean {
  return a.family === b.family && networkAddress(a, prefix).value === networkAddress(b, prefix).value;
}

/**
 * The prefix length of an address definition: the explicit prefix when
 * positive, else the netmask's, else the classful default of an IPv4
 * address (8, 16 or 24; 0 for 0.0.0.0) or 64 for IPv6 (0 for `::`).
 * Returns undefined for an IPv4 address outside classes A to C.
 */
export function effectivePrefix(address: IpAddress, netmask?: IpAddress, prefix?: number): number | undefined {
  if (prefix !== undefined && prefix > 0) return prefix;
  if (netmask) return netmaskPrefix(netmask);
  if (address.family === "ipv6") return address.value === 0n ? 0 : 64;
  const octet = Number(address.value >> 24n);
  if (octet === 0) return 0;
  if ((octet & 0x80) === 0) return 8;
  if ((octet & 0xc0) === 0x80) return 16;
  if ((octet & 0xe0) === 0xc0) return 24;
  return undefined;
}

/**
 * The reverse-DNS zone of a subnet (`122.168.192.in-addr.arpa`), or undefined
 * when the prefix does not fall on an octet (IPv4) or nibble (IPv6) boundary.
 */
export function ptrDomain(a: IpAddress, prefix: number): string | undefined {
  if (a.family === "ipv4") {
    if (prefix <= 0 || prefix >= 32 || prefix % 8 !== 0) return undefined;
    const octets = formatIpv4(a.value).split(".").slice(0, prefix / 8);
    return [...octets.reverse(), "in-addr.arpa"].join(".");
  }
  if (prefix <= 0 || prefix >= 128 || prefix % 4 !== 0) return undefined;
  const nibbles = a.value.toString(16).padStart(32, "0").slice(0, prefix / 4).split("");
  return [...nibbles.reverse(), "ip6.arpa"].join(".");
}
