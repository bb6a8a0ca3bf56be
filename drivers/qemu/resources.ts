/**
 * Host resources a guest needs before QEMU starts, and their release when
 * it stops: VNC ports, the nvram copy, the host side of network interfaces
 * and the cgroup.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { StateLocation } from "../../src/state/mod.ts";
import type { NetworkDriver } from "../../src/net/driver.ts";
import { importLazily } from "../../src/connect.ts";

type InterfacesModule = typeof import("../../src/net/interfaces.ts");
type CgroupsModule = typeof import("../../src/host/cgroups.ts");

/** The TAP helpers (FFI), loaded only for guests that need a TAP device. */
function interfaces(): Promise<InterfacesModule> {
  return importLazily<InterfacesModule>("../../src/net/interfaces.ts", import.meta.url);
}

/** The cgroup helpers, loaded when a guest is placed (while QEMU sets its machine up). */
function cgroups(): Promise<CgroupsModule> {
  return importLazily<CgroupsModule>("../../src/host/cgroups.ts", import.meta.url);
}
import type { QemuNetHost } from "./argv.ts";
import type { DomainRuntime, PreparedNic } from "./status.ts";

/** The first VNC port (display :0) and the last one libvirt hands out. */
const VNC_PORT_MIN = 5900;
const VNC_PORT_MAX = 65535;

/** Interface types QEMU handles without anything on the host side. */
const SELF_CONTAINED_NICS = new Set(["user", "server", "client", "mcast", "udp"]);
/** Interface types that get a TAP device on the host. */
const TAP_NICS = new Set(["network", "bridge", "ethernet"]);

/**
 * Ports for `autoport='yes'` VNC servers (and websockets asked for with
 * `-1`): the lowest ports from 5900 that nobody listens on and no other
 * running guest holds. Call it holding the driver lock until QEMU has bound
 * the ports.
 *
 * @param taken ports recorded by other running guests
 */
export function allocateGraphicsPorts(
  def: DomainDef,
  taken: Set<number>,
): { port?: number; websocket?: number }[] {
  return def.devices.graphics.map((g) => {
    if (g.type !== "vnc") return {};
    const l = g.listens[0];
    if (l?.type === "socket" || l?.type === "none") return {};
    const address = l?.address ?? "127.0.0.1";
    const out: { port?: number; websocket?: number } = {};
    if (g.autoport) {
      out.port = freePort(address, taken);
      taken.add(out.port);
    }
    if (g.websocket === -1) {
      out.websocket = freePort(address, taken);
      taken.add(out.websocket);
    }
    return out;
  });
}

function freePort(address: string, taken: Set<number>): number {
  for (let port = VNC_PORT_MIN; port <= VNC_PORT_MAX; port++) {
    if (taken.has(port)) continue;
    try {
      Deno.listen({ hostname: address, port, transport: "tcp" }).close();
      return port;
    } catch {
      // In use (or not bindable): try the next one.
    }
  }
  throw new VirtError(
    "operation-failed",
    "qemu",
    `no free VNC port on ${address} between ${VNC_PORT_MIN} and ${VNC_PORT_MAX}`,
  );
}

/** The VNC and websocket ports a live definition uses. */
export function graphicsPorts(def: DomainDef): number[] {
  const out: number[] = [];
  for (const g of def.devices.graphics) {
    if (g.type !== "vnc") continue;
    if (g.port > 0) out.push(g.port);
    if (g.websocket !== undefined && g.websocket > 0) out.push(g.websocket);
  }
  return out;
}

/**
 * Copies the nvram template to the nvram path when the guest has no
 * variable store yet (libvirt does this at first start).
 *
 * @throws VirtError naming `<os><nvram>` when the copy fails
 */
export async function prepareNvram(def: DomainDef): Promise<void> {
  const nv = def.os.nvram;
  if (!nv?.path || !nv.template) return;
  try {
    await Deno.stat(nv.path);
    return;
  } catch { /* missing: copy it */ }
  try {
    const dir = nv.path.slice(0, nv.path.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.copyFile(nv.template, nv.path);
    await Deno.chmod(nv.path, 0o600);
  } catch (e) {
    throw new VirtError(
      "operation-failed",
      "qemu",
      `<os><nvram>${nv.path}</nvram>: cannot copy the template '${nv.template}': ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * The host side of each `<interface>`: nothing for the types QEMU handles
 * itself (`user`, sockets); a TAP device attached to its bridge for
 * `network`, `bridge` and `ethernet` (QEMU opens it by name: Deno cannot
 * hand a child process extra file descriptors). The live definition gets
 * the device name as `<target dev>`. With `dryRun` nothing is created and
 * the names are only predicted (for `domxml-to-native`).
 *
 * @returns the per-interface argument for `buildQemuArgv` and what to release later
 * @throws VirtError naming the interface; devices made before the failure are removed
 */
export async function prepareInterfaces(
  def: DomainDef,
  opts: { networks?: () => Promise<NetworkDriver>; dryRun?: boolean } = {},
): Promise<{ hosts: QemuNetHost[]; nics: PreparedNic[] }> {
  const hosts: QemuNetHost[] = [];
  const nics: PreparedNic[] = [];
  try {
    for (const [i, n] of def.devices.interfaces.entries()) {
      const type = n.source.type;
      if (SELF_CONTAINED_NICS.has(type)) {
        hosts.push({});
        continue;
      }
      if (!TAP_NICS.has(type)) {
        throw new VirtError(
          "config-unsupported",
          "qemu",
          `<interface type='${type}'> (#${i + 1}): not supported by the QEMU driver`,
        );
      }
      if (opts.dryRun) {
        hosts.push({ ifname: n.targetDev ?? `vnet${i}` });
        continue;
      }
      const { prepareInterface } = await interfaces();
      const prepared = await prepareInterface(n, {
        domainName: def.name,
        index: i,
        networks: n.source.type === "network" ? await opts.networks?.() : undefined,
      });
      nics.push({
        index: i,
        ifname: prepared.ifname,
        release: { ifname: prepared.ifname, keep: prepared.keep },
      });
      n.targetDev = prepared.ifname;
      hosts.push({ ifname: prepared.ifname });
    }
  } catch (e) {
    await releaseNics(nics);
    throw e;
  }
  return { hosts, nics };
}

async function releaseNics(nics: PreparedNic[]): Promise<string[]> {
  const errors: string[] = [];
  if (!nics.length) return errors;
  const { releaseInterface } = await interfaces();
  for (const nic of nics) {
    try {
      await releaseInterface(nic.release as { ifname: string; keep?: boolean });
    } catch (e) {
      errors.push(`${nic.ifname}: ${(e as Error).message}`);
    }
  }
  return errors;
}

/** Which cgroup a guest was placed in, kept in its runtime record to find it again. */
export interface CgroupPlacement {
  name: string;
  partition?: string;
}

/**
 * Puts the QEMU process in the guest's cgroup (`/machine/qemu-ID-NAME.libvirt-qemu`,
 * libvirt's layout, v1 and v2) and applies `<memtune>` and `<cputune>` limits.
 * Only a privileged driver uses cgroups, as in libvirt.
 */
export async function placeInCgroup(
  def: DomainDef,
  id: number,
  pid: number,
  location: StateLocation,
): Promise<CgroupPlacement | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const { createMachineGroup, hostCgroupLayout, machineName } = await cgroups();
  const layout = await hostCgroupLayout();
  if (layout.mode === "none") return undefined;
  const name = machineName(
    "qemu",
    id,
    def.name,
    location.mode === "embed" ? { embedRoot: location.root } : {},
  );
  const placement: CgroupPlacement = { name, partition: def.resource?.partition };
  const cg = await createMachineGroup(layout, {
    name,
    driver: "qemu",
    partition: placement.partition,
  });
  try {
    await cg.addProcess(pid);
    const mt = def.memtune;
    if (
      mt &&
      (mt.hardLimit !== undefined || mt.softLimit !== undefined || mt.swapHardLimit !== undefined)
    ) {
      await cg.setMemory({
        hardLimitKiB: mt.hardLimit,
        softLimitKiB: mt.softLimit,
        swapHardLimitKiB: mt.swapHardLimit,
      });
    }
    const ct = def.cputune;
    if (ct && (ct.shares !== undefined || ct.period !== undefined || ct.quota !== undefined)) {
      await cg.setCpu({ shares: ct.shares, period: ct.period, quota: ct.quota });
    }
  } catch (e) {
    await cg.remove().catch(() => {});
    throw e;
  }
  return placement;
}

/** Releases what {@link prepareInterfaces} and {@link placeInCgroup} set up. */
export async function releaseHostResources(rt: DomainRuntime): Promise<void> {
  const errors = await releaseNics(rt.nics);
  const placement = rt.cgroup as CgroupPlacement | undefined;
  if (placement) {
    try {
      const { hostCgroupLayout, openMachineGroup } = await cgroups();
      const layout = await hostCgroupLayout();
      const cg = await openMachineGroup(layout, {
        name: placement.name,
        driver: "qemu",
        partition: placement.partition,
      });
      // A process that has just exited stays listed until its parent (init) reaps it.
      for (let i = 0;; i++) {
        try {
          await cg?.remove();
          break;
        } catch (e) {
          if (i >= 100) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } catch (e) {
      errors.push(`cgroup ${placement.name}: ${(e as Error).message}`);
    }
  }
  if (errors.length) {
    throw new VirtError(
      "operation-failed",
      "qemu",
      `cannot release host resources: ${errors.join("; ")}`,
    );
  }
}
