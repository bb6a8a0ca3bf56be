/**
 * The host side of a guest's network interface, for the QEMU and LXC
 * drivers:
 *
 * - {@link prepareInterface}: a persistent TAP device for a QEMU guest
 *   (`<target dev>`, or the first free `vnetN`), attached to the bridge of
 *   the interface (`type='network'`: the running network's bridge;
 *   `type='bridge'`: the named host bridge; `type='ethernet'`: none) and up;
 * - {@link prepareVethInterface}: a veth pair for a container, the host end
 *   on the bridge, the guest end left for the caller to move into the
 *   container's namespace;
 * - {@link releaseInterface}: deletes the device when the guest stops.
 *
 * The host end gets the guest's MAC address with its first byte set to
 * 0xfe, as libvirt does, so the bridge never takes the guest's address as
 * its own.
 * @module
 */
import type { InterfaceDef } from "../conf/domain/devices/interface.ts";
import type { NetworkDef } from "../conf/network/def.ts";
import { VirtError } from "../errors.ts";
import {
  createTap,
  createVeth,
  deleteLink,
  findLinkIndex,
  setLinkUp,
  setMac,
  setMaster,
  setMtu,
} from "../sys/mod.ts";
import { checkHostBridge, managesBridge } from "./bridge.ts";
import type { NetworkDriver } from "./driver.ts";

/** What the interface helpers need to know about the guest. */
export interface PrepareOptions {
  /** The guest's name, for messages. */
  domainName: string;
  /** The interface's position among the guest's interfaces, for messages. */
  index: number;
  /** The network driver, needed for `type='network'` interfaces. */
  networks?: NetworkDriver;
}

/** A prepared TAP device: its name and the bridge it is attached to. */
export interface PreparedInterface {
  ifname: string;
  bridge?: string;
  /** The device existed before (`<target dev managed='no'>`): release leaves it alone. */
  keep?: boolean;
}

/** A prepared veth pair. */
export interface PreparedVeth {
  /** The end that stays on the host (on the bridge). */
  hostIfname: string;
  /** The end the caller moves into the container. */
  guestIfname: string;
  bridge?: string;
}

function unsupported(iface: InterfaceDef, opts: PrepareOptions, why: string): VirtError {
  return new VirtError(
    "config-unsupported",
    "network",
    `interface ${opts.index} (type '${iface.source.type}') of domain '${opts.domainName}': ${why}`,
  );
}

/** The host-side MAC of a guest MAC: the same with the first byte 0xfe. */
export function hostSideMac(mac: string): string {
  return `fe${mac.slice(2)}`;
}

/** The bridge (if any) an interface attaches to, and the MTU from its network. */
async function attachment(
  iface: InterfaceDef,
  opts: PrepareOptions,
): Promise<{ bridge?: string; net?: NetworkDef }> {
  const s = iface.source;
  switch (s.type) {
    case "bridge":
      checkHostBridge(s.bridge);
      return { bridge: s.bridge };
    case "ethernet":
      return {};
    case "network": {
      if (!opts.networks) {
        throw unsupported(iface, opts, "this connection has no network driver");
      }
      const net = await opts.networks.activeNetwork(s.network);
      const mode = net.forward?.mode;
      if (!managesBridge(net) && mode !== "bridge") {
        throw unsupported(
          iface,
          opts,
          `network '${net.name}' uses forward mode '${mode}', which needs a macvtap or host device`,
        );
      }
      const bridge = net.bridge?.name;
      if (!bridge) {
        throw unsupported(
          iface,
          opts,
          `network '${net.name}' has no bridge (forward devices only)`,
        );
      }
      if (mode === "bridge") checkHostBridge(bridge);
      return { bridge, net };
    }
    default:
      throw unsupported(
        iface,
        opts,
        "only network, bridge and ethernet interfaces get a TAP device",
      );
  }
}

/** Attaches a new host-side link to its bridge with the right MAC and MTU, and brings it up. */
function plug(ifname: string, iface: InterfaceDef, bridge: string | undefined, net?: NetworkDef) {
  setMac(ifname, hostSideMac(iface.mac));
  const mtu = iface.mtu ?? net?.mtu;
  if (mtu) setMtu(ifname, mtu);
  if (bridge) setMaster(ifname, bridge);
  setLinkUp(ifname);
}

/**
 * Creates the TAP device of a QEMU guest's interface, attached and up.
 * With `<target dev managed='no'>` the named device must exist and is only
 * attached.
 *
 * @throws VirtError for an interface type without a TAP, a network that is
 *   not running, a missing bridge, or a device name that is taken
 */
export async function prepareInterface(
  iface: InterfaceDef,
  opts: { domainName: string; index: number; networks?: NetworkDriver },
): Promise<{ ifname: string; bridge?: string; keep?: boolean }> {
  const { bridge, net } = await attachment(iface, opts);
  if (iface.targetManaged === "no") {
    const dev = iface.targetDev;
    if (!dev || findLinkIndex(dev) === undefined) {
      throw unsupported(iface, opts, `the unmanaged target device '${dev ?? ""}' does not exist`);
    }
    if (bridge) setMaster(dev, bridge);
    setLinkUp(dev);
    return { ifname: dev, bridge, keep: true };
  }
  const ifname = createTap(iface.targetDev ?? "vnet%d", {
    vnetHdr: iface.model === "virtio",
    multiQueue: (iface.driver?.queues ?? 1) > 1,
  });
  try {
    plug(ifname, iface, bridge, net);
  } catch (e) {
    deleteLink(ifname);
    throw e;
  }
  return { ifname, bridge };
}

/** The first `PREFIXn` no link is called, from `start`. */
function freeName(prefix: string, start = 0): string {
  for (let n = start; n < 10_000; n++) {
    if (findLinkIndex(`${prefix}${n}`) === undefined) return `${prefix}${n}`;
  }
  throw new VirtError("internal-error", "network", `no free '${prefix}N' device name`);
}

function isEexist(e: unknown): boolean {
  return e instanceof VirtError && e.message.includes("EEXIST");
}

/**
 * Creates the veth pair of a container's interface: the host end
 * (`<target dev>` or `vnetN`) attached and up, the guest end (`vethN`)
 * carrying the guest's MAC, left in the host namespace for the caller to
 * move into the container.
 */
export async function prepareVethInterface(
  iface: InterfaceDef,
  opts: PrepareOptions,
): Promise<PreparedVeth> {
  const { bridge, net } = await attachment(iface, opts);
  for (let attempt = 0;; attempt++) {
    const hostIfname = iface.targetDev ?? freeName("vnet");
    const guestIfname = freeName("veth");
    try {
      createVeth(hostIfname, guestIfname, { peerMac: iface.mac, mtu: iface.mtu ?? net?.mtu });
    } catch (e) {
      // Another guest took one of the names between the check and the creation.
      if (isEexist(e) && iface.targetDev === undefined && attempt < 10) continue;
      throw e;
    }
    try {
      plug(hostIfname, iface, bridge, net);
    } catch (e) {
      deleteLink(hostIfname);
      throw e;
    }
    return { hostIfname, guestIfname, bridge };
  }
}

/**
 * Deletes the host device of an interface when its guest stops (a veth
 * takes its peer along). A device that is already gone is fine; one marked
 * `keep` is left alone.
 */
export function releaseInterface(prepared: { ifname: string; keep?: boolean }): Promise<void> {
  if (!prepared.keep && findLinkIndex(prepared.ifname) !== undefined) {
    try {
      deleteLink(prepared.ifname);
    } catch (e) {
      if (findLinkIndex(prepared.ifname) !== undefined) return Promise.reject(e);
    }
  }
  return Promise.resolve();
}
