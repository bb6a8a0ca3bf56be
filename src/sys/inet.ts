/**
 * IP addresses as netlink carries them: address families, raw bytes in
 * network order, and `ADDRESS/PREFIX` notation. Parsing and canonical text
 * come from the network XML's address module.
 * @module
 */
import {
  formatIp,
  IP_BITS,
  type IpAddress,
  type IpFamily,
  parseIp,
} from "../conf/network/ipaddr.ts";
import { invalid } from "./names.ts";

/** Socket address families by name. */
export const FAMILIES: Record<IpFamily, number> = { ipv4: 2, ipv6: 10 };

/** An address with a prefix length, as in `192.0.2.1/24`. */
export interface Cidr {
  /** The address. */
  address: IpAddress;
  /** Prefix length in bits. */
  prefix: number;
}

/**
 * Parses `ADDRESS[/PREFIX]`; a bare address gets the full prefix (32 or 128).
 * `what` names the value in the error (`address`, `route destination`).
 */
export function parseCidr(text: string, what: string): Cidr {
  const [addr, len, ...rest] = text.split("/");
  const address = parseIp(addr);
  const bits = address ? IP_BITS[address.family] : 0;
  const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!address || rest.length > 0 || !(prefix <= bits)) {
    throw invalid(`invalid ${what} '${text}': expected ADDRESS[/PREFIX]`);
  }
  return { address, prefix };
}

/** An address's bytes in network order (4 or 16). */
export function ipBytes(a: IpAddress): Uint8Array<ArrayBuffer> {
  const n = IP_BITS[a.family] / 8;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((a.value >> BigInt(8 * (n - 1 - i))) & 0xffn);
  return out;
}

/** The text of an address given as bytes in network order. */
export function ipText(family: IpFamily, bytes: Uint8Array): string {
  const value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return formatIp({ family, value });
}

/** The family named by a socket address family number, or undefined for others. */
export function familyOf(af: number): IpFamily | undefined {
  return af === FAMILIES.ipv4 ? "ipv4" : af === FAMILIES.ipv6 ? "ipv6" : undefined;
}
