/**
 * The bridge device of a virtual network, through `src/sys` (rtnetlink):
 * created with the network's spanning-tree setting, forward delay, MTU and
 * MAC address, given the network's `<ip>` addresses, and brought up; or
 * deleted again. Networks with `<forward mode='bridge'>` use a host bridge
 * that exists already and is left alone.
 * @module
 */
import type { NetworkDef } from "../conf/network/def.ts";
import { ipSubnet } from "../conf/network/ip.ts";
import { VirtError } from "../errors.ts";
import {
  addAddress,
  createBridge,
  deleteLink,
  findLinkIndex,
  getLink,
  setLinkUp,
} from "../sys/mod.ts";

/** Whether virtkit creates and deletes the bridge of networks in this mode. */
export function managesBridge(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode === undefined || mode === "nat" || mode === "route" || mode === "open";
}

/** Whether a link called `name` exists on the host. */
export function linkExists(name: string): boolean {
  return findLinkIndex(name) !== undefined;
}

/** The bridge name of a network, or an internal error when none was assigned. */
export function bridgeName(def: NetworkDef): string {
  const name = def.bridge?.name;
  if (!name) {
    throw new VirtError("internal-error", "network", `network '${def.name}' has no bridge name`);
  }
  return name;
}

/**
 * Creates the bridge of a network and brings it up with its addresses. On
 * failure the bridge is deleted again before the error is thrown.
 *
 * @throws VirtError `system-error` from the kernel (e.g. the name is taken)
 */
export function createNetworkBridge(def: NetworkDef): void {
  const name = bridgeName(def);
  createBridge(name, {
    stp: def.bridge?.stp ?? true,
    forwardDelay: def.bridge?.delay ?? 0,
    mtu: def.mtu,
    mac: def.mac,
  });
  try {
    for (const ip of def.ips) {
      const s = ipSubnet(ip);
      addAddress(name, `${ip.address}/${s.prefix}`);
    }
    setLinkUp(name);
  } catch (e) {
    removeNetworkBridge(name);
    throw e;
  }
}

/** Deletes a network's bridge; a bridge that is already gone is fine. */
export function removeNetworkBridge(name: string): void {
  if (!linkExists(name)) return;
  deleteLink(name);
}

/**
 * Checks that `name` is an existing bridge on the host, for networks and
 * interfaces that attach to a host bridge.
 *
 * @throws VirtError `operation-invalid` when it is missing or not a bridge
 */
export function checkHostBridge(name: string): void {
  if (!linkExists(name)) {
    throw new VirtError(
      "operation-invalid",
      "network",
      `bridge '${name}' does not exist on the host`,
    );
  }
  const kind = getLink(name).kind;
  if (kind !== "bridge") {
    throw new VirtError(
      "operation-invalid",
      "network",
      `'${name}' is not a bridge (it is a ${kind ?? "plain"} device)`,
    );
  }
}
