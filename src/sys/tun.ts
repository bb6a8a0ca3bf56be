/**
 * TAP devices through `/dev/net/tun`: `TUNSETIFF` attaches a descriptor to a
 * (new or existing) device, `TUNSETOWNER`/`TUNSETGROUP` let an unprivileged
 * user open it later, and `TUNSETPERSIST` keeps it after the descriptor
 * closes. The kernel cannot create TUN/TAP devices through rtnetlink, which is
 * why these are ioctls; a persistent TAP is removed with `deleteLink`.
 * @module
 */
import { check, closeFd, libc, O_RDWR, openFile, sysError } from "./libc.ts";
import { findLinkIndex, ifreq, ifreqData, ifreqName } from "./ifreq.ts";
import { EEXIST } from "./errno.ts";

const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_VNET_HDR = 0x4000;

/** How a TAP device is set up. */
export interface TapOptions {
  /** User id allowed to open the device without privileges. */
  owner?: number;
  /** Group id allowed to open the device without privileges. */
  group?: number;
  /** Frames carry a `virtio_net_hdr` (what QEMU's vhost/virtio-net uses). */
  vnetHdr?: boolean;
  /** The device accepts several queues (one descriptor each). */
  multiQueue?: boolean;
  /** The device outlives the descriptor; `createTap` always sets it. */
  persist?: boolean;
}

/** An open TAP queue: its descriptor and the device name the kernel used. */
export interface TapHandle {
  /** The `/dev/net/tun` descriptor; close it with `closeFd`. */
  fd: number;
  /** The device name (the kernel's choice when a `%d` pattern was given). */
  name: string;
}

/**
 * Opens `/dev/net/tun` attached to the TAP device `name`, creating the device
 * if it does not exist. `name` may hold a `%d` pattern (`vnet%d`) for the
 * kernel to number. The device lives while the descriptor is open, or until
 * deleted when `persist` is set.
 *
 * @example
 * ```ts
 * const tap = openTap("vnet%d", { vnetHdr: true });
 * // hand tap.fd to QEMU, then closeFd(tap.fd)
 * ```
 */
export function openTap(name: string, opts: TapOptions = {}): TapHandle {
  const req = ifreq(name);
  const flags = IFF_TAP | IFF_NO_PI | (opts.vnetHdr ? IFF_VNET_HDR : 0) |
    (opts.multiQueue ? IFF_MULTI_QUEUE : 0);
  ifreqData(req).setUint16(0, flags, true);
  const fd = openFile("/dev/net/tun", O_RDWR, "open");
  try {
    const c = libc();
    check(c.ioctlPtr(fd, BigInt(TUNSETIFF), req), "create tap", name);
    const actual = ifreqName(req);
    if (opts.owner !== undefined) {
      check(c.ioctlInt(fd, BigInt(TUNSETOWNER), BigInt(opts.owner)), "set owner of tap", actual);
    }
    if (opts.group !== undefined) {
      check(c.ioctlInt(fd, BigInt(TUNSETGROUP), BigInt(opts.group)), "set group of tap", actual);
    }
    if (opts.persist) {
      check(c.ioctlInt(fd, BigInt(TUNSETPERSIST), 1n), "make persistent tap", actual);
    }
    return { fd, name: actual };
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

/**
 * Creates a persistent TAP device and returns its name; it stays until
 * `deleteLink` removes it. Unlike `openTap`, an existing device of that name
 * is an error (`EEXIST`), not something to attach to.
 *
 * @example
 * ```ts
 * createTap("vkt0", { owner: 1000 });
 * ```
 */
export function createTap(name: string, opts: Omit<TapOptions, "persist"> = {}): string {
  if (!name.includes("%") && findLinkIndex(name) !== undefined) {
    throw sysError("create tap", name, EEXIST);
  }
  const tap = openTap(name, { ...opts, persist: true });
  closeFd(tap.fd);
  return tap.name;
}
