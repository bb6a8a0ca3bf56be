/**
 * The QEMU/KVM driver: `qemu:///system`, `qemu:///session` and
 * `qemu:///embed?root=DIR`. Definitions and live status live in the state
 * tree of the URI (`docs/state.md`); guests run as daemonised QEMU
 * processes that outlive the virtkit process that started them, and every
 * later connection finds them again through their status files and QMP
 * sockets. See `docs/qemu.md`.
 *
 * @example
 * ```ts
 * import { open } from "../../mod.ts";
 * const conn = await open("qemu:///embed?root=/tmp/vk");
 * const dom = await conn.defineXML(xml);
 * await dom.create();
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { Driver, DriverConnection } from "../../src/connect.ts";
import { type ConnectUri, formatUri, uriMode } from "../../src/uri.ts";
import { stateLocation, statePaths } from "../../src/state/mod.ts";
import { QemuConnection } from "./driver.ts";
import { QemuHost } from "./host.ts";
import { Watcher } from "./watch.ts";
import { autostartDomains } from "./autostart.ts";

/** The hosts open in this process, by status folder, with their watchers. */
const hosts = new Map<string, { host: QemuHost; watcher: Watcher }>();

function acquire(uri: ConnectUri): { host: QemuHost; watcher: Watcher } {
  const location = stateLocation(uri);
  const paths = statePaths("qemu", location);
  let entry = hosts.get(paths.statusDir);
  if (!entry) {
    const host = new QemuHost(paths, location);
    const watcher = new Watcher(host);
    host.onListenersChanged = (n) => void (n > 0 ? watcher.start() : watcher.stop());
    entry = { host, watcher };
    hosts.set(paths.statusDir, entry);
  }
  entry.host.refs++;
  return entry;
}

async function release(statusDir: string): Promise<void> {
  const entry = hosts.get(statusDir);
  if (!entry || --entry.host.refs > 0) return;
  hosts.delete(statusDir);
  await entry.watcher.stop();
}

/** The QEMU driver, registered for the `qemu` URI scheme. */
export const driver: Driver = {
  name: "qemu",
  async open(uri: ConnectUri): Promise<DriverConnection> {
    const mode = uriMode(uri);
    if (mode === "custom") {
      throw new VirtError(
        "no-connect",
        "qemu",
        `unexpected QEMU URI path '${uri.path}', try qemu:///system, qemu:///session or qemu:///embed?root=DIR`,
      );
    }
    if (mode === "system" && Deno.uid() !== 0) {
      throw new VirtError(
        "operation-denied",
        "qemu",
        "qemu:///system needs root; use qemu:///session",
      );
    }
    const { host, watcher } = acquire(uri);
    const conn = new QemuConnection(
      formatUri(uri),
      host,
      watcher,
      () => release(host.paths.statusDir),
    );
    try {
      await autostartDomains(host);
    } catch (e) {
      await conn.close();
      throw e;
    }
    return conn;
  },
  probe(): Promise<string | undefined> {
    const binary = `/usr/bin/qemu-system-${Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"}`;
    try {
      Deno.statSync(binary);
    } catch {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(Deno.uid() === 0 ? "qemu:///system" : "qemu:///session");
  },
};
