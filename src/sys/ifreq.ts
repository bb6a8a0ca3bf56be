/**
 * `struct ifreq`, the argument of the interface ioctls, and the one such
 * ioctl used outside TUN/TAP: `SIOCGIFINDEX`, an interface's index by name.
 * @module
 */
import {
  AF_INET,
  check,
  closeFd,
  errno,
  libc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  sysError,
} from "./libc.ts";
import { ENODEV } from "./errno.ts";
import { checkIfName } from "./names.ts";
import { inNetns } from "./netns.ts";

/** `sizeof(struct ifreq)` on 64-bit Linux: a 16-byte name and a 24-byte union. */
const IFREQ_SIZE = 40;
/** Offset of the union (flags, index, ...) after the name. */
const IFREQ_DATA = 16;
const SIOCGIFINDEX = 0x8933;

/** A zeroed `struct ifreq` carrying a (checked) interface name. */
export function ifreq(name: string): Uint8Array<ArrayBuffer> {
  checkIfName(name);
  const buf = new Uint8Array(IFREQ_SIZE);
  buf.set(new TextEncoder().encode(name));
  return buf;
}

/** A view of the union part of an `ifreq`. */
export function ifreqData(buf: Uint8Array<ArrayBuffer>): DataView {
  return new DataView(buf.buffer, buf.byteOffset + IFREQ_DATA, IFREQ_SIZE - IFREQ_DATA);
}

/** The interface name stored in an `ifreq` (the kernel may fill it in). */
export function ifreqName(buf: Uint8Array): string {
  const end = buf.subarray(0, IFREQ_DATA).indexOf(0);
  return new TextDecoder().decode(buf.subarray(0, end < 0 ? IFREQ_DATA : end));
}

/**
 * The index of an interface, by name (`SIOCGIFINDEX`), or undefined when no
 * interface has that name. Looks in the named network namespace when
 * `netns` is given.
 */
export function findLinkIndex(name: string, opts: { netns?: string } = {}): number | undefined {
  const req = ifreq(name);
  const c = libc();
  const fd = inNetns(
    opts.netns,
    () => check(c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "open socket for", name),
  );
  try {
    if (c.ioctlPtr(fd, BigInt(SIOCGIFINDEX), req) < 0) {
      const code = errno();
      if (code === ENODEV) return undefined;
      throw sysError("find interface", name, code);
    }
    return ifreqData(req).getInt32(0, true);
  } finally {
    closeFd(fd);
  }
}

/**
 * The index of an interface, by name, throwing `ENODEV` naming it when there
 * is none.
 *
 * @example
 * ```ts
 * linkIndex("lo"); // 1
 * ```
 */
export function linkIndex(name: string, opts: { netns?: string } = {}): number {
  const index = findLinkIndex(name, opts);
  if (index === undefined) throw sysError("find interface", name, ENODEV);
  return index;
}
