/**
 * Host node devices: enumeration from sysfs, node device XML, the device
 * tree, detaching PCI devices for assignment, and mediated devices through
 * mdevctl. See `docs/host.md`.
 *
 * @example
 * ```ts
 * const roots = hostRoots();
 * for (const d of await listNodeDevices(roots, { cap: "net" })) console.log(d.name);
 * console.log(await nodeDeviceXml(roots, "computer"));
 * ```
 * @module
 */
import { VirtError } from "../../errors.ts";
import type { HostRoots } from "../sysfs.ts";
import { capNames, NODEDEV_CAP_NAMES, type NodeDeviceDef } from "./def.ts";
import { enumerateNodeDevices, type EnumerateOptions } from "./enumerate.ts";
import { formatNodeDeviceXml } from "./format.ts";

export * from "./def.ts";
export { deviceName, enumerateNodeDevices, type EnumerateOptions } from "./enumerate.ts";
export { formatNodeDeviceXml } from "./format.ts";
export { formatDeviceTree, type TreeNode } from "./tree.ts";
export {
  type DetachOptions,
  detachPciDevice,
  pciAddressOfName,
  reattachPciDevice,
  VFIO_DRIVER,
} from "./vfio.ts";
export {
  findMdevctl,
  type MdevctlDevice,
  type MdevctlOptions,
  mdevDefine,
  mdevList,
  mdevSetAutostart,
  mdevStart,
  mdevStop,
  mdevUndefine,
} from "./mdevctl.ts";
export { parseVpd } from "./vpd.ts";
export { parseIdDatabase } from "./ids.ts";

/** Options of {@link listNodeDevices}. */
export interface ListNodeDevicesOptions extends EnumerateOptions {
  /** Only devices with one of these capabilities (`nodedev-list --cap`); a comma list is split. */
  cap?: string | string[];
}

/**
 * The host's node devices sorted by name (`computer` included), optionally
 * only those with one of the given capabilities.
 *
 * @throws VirtError `invalid-arg` for an unknown capability name
 */
export async function listNodeDevices(
  roots: HostRoots,
  opts: ListNodeDevicesOptions = {},
): Promise<NodeDeviceDef[]> {
  const wanted = (Array.isArray(opts.cap) ? opts.cap : opts.cap?.split(",") ?? []).map((c) =>
    c.trim()
  ).filter((c) => c);
  for (const c of wanted) {
    if (!(NODEDEV_CAP_NAMES as readonly string[]).includes(c)) {
      throw new VirtError(
        "invalid-arg",
        "nodedev",
        `unknown node device capability '${c}': expected one of ${NODEDEV_CAP_NAMES.join(", ")}`,
      );
    }
  }
  const all = (await enumerateNodeDevices(roots, opts)).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  return wanted.length ? all.filter((d) => capNames(d).some((c) => wanted.includes(c))) : all;
}

/**
 * One node device by name.
 *
 * @throws VirtError `no-node-device` when there is none
 */
export async function lookupNodeDevice(
  roots: HostRoots,
  name: string,
  opts: EnumerateOptions = {},
): Promise<NodeDeviceDef> {
  const dev = (await enumerateNodeDevices(roots, opts)).find((d) => d.name === name);
  if (!dev) {
    throw new VirtError("no-node-device", "nodedev", `no node device with matching name '${name}'`);
  }
  return dev;
}

/** The XML of one node device (`nodedev-dumpxml`). */
export async function nodeDeviceXml(
  roots: HostRoots,
  name: string,
  opts: EnumerateOptions = {},
): Promise<string> {
  return formatNodeDeviceXml(await lookupNodeDevice(roots, name, opts));
}
