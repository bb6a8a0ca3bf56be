/**
 * Checks of the names and link-layer addresses handed to the kernel, so a bad
 * value is refused with a clear message before any system call.
 * @module
 */
import { VirtError } from "../errors.ts";

/** The longest interface name the kernel accepts (`IFNAMSIZ - 1`). */
const IFNAME_MAX = 15;

/** The error for a bad argument, raised before any system call. */
export function invalid(message: string): VirtError {
  return new VirtError("invalid-arg", "system", message);
}

/**
 * Throws unless `name` is a valid interface name: 1 to 15 bytes, not `.` or
 * `..`, without `/`, `:` or whitespace.
 *
 * @example
 * ```ts
 * checkIfName("br0");         // ok
 * checkIfName("bad name");    // throws "invalid interface name 'bad name': ..."
 * ```
 */
export function checkIfName(name: string): void {
  const len = new TextEncoder().encode(name).length;
  let why: string | undefined;
  if (len === 0) why = "it is empty";
  else if (len > IFNAME_MAX) why = `it is longer than ${IFNAME_MAX} bytes`;
  else if (name === "." || name === "..") why = "'.' and '..' are reserved";
  else if (/[/:\s]/.test(name)) why = "it must not contain '/', ':' or whitespace";
  else if (name.includes("\0")) why = "it must not contain NUL";
  if (why) throw invalid(`invalid interface name '${name}': ${why}`);
}

/**
 * Throws unless `name` can name a namespace under `/run/netns`: not empty,
 * not `.` or `..`, without `/` or NUL.
 */
export function checkNetnsName(name: string): void {
  if (name === "" || name === "." || name === ".." || /[/\0]/.test(name)) {
    throw invalid(`invalid network namespace name '${name}'`);
  }
}

/**
 * The six bytes of a MAC address written as `aa:bb:cc:dd:ee:ff` (either
 * case), throwing for any other form.
 */
export function parseMac(mac: string): Uint8Array<ArrayBuffer> {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) {
    throw invalid(`invalid MAC address '${mac}': expected six hex pairs separated by ':'`);
  }
  return new Uint8Array(mac.split(":").map((h) => parseInt(h, 16)));
}

/** A link-layer address as lower-case hex pairs separated by `:`. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}
