/**
 * The host-side services of one state location, as a stateful driver
 * connection offers them (libvirt runs its secret and node device drivers
 * beside every hypervisor driver): secrets, node devices, host statistics,
 * and the host and domain capabilities.
 *
 * A driver connection embeds them in one line, and the {@link Connection}
 * methods (`listAllSecrets`, `listAllDevices`, `getMemoryStats` ...) then
 * work on it:
 *
 * ```ts
 * class LxcConnection implements DriverConnection {
 *   readonly services = new HostServices(stateLocation(parseUri(uri)), "lxc");
 *   ...
 * }
 * ```
 *
 * This module is light: the implementations (`service-parts.ts`) load on
 * the first call. See `docs/secrets.md` and `docs/host.md`.
 * @module
 */
import {
  type DomainCapsQuery,
  type DriverNodeDevices,
  type DriverSecrets,
  type DriverServices,
  importLazily,
  noSupport,
} from "../connect.ts";
import type { StateLocation } from "../state/paths.ts";
import type { HostCapsOptions } from "./host-caps.ts";
import type { DetachOptions } from "./nodedev/vfio.ts";
import type { MdevctlOptions } from "./nodedev/mdevctl.ts";
import type { NodeInfo } from "./nodeinfo.ts";
import type { HostRoots } from "./sysfs.ts";

type Parts = typeof import("./service-parts.ts");

let partsModule: Promise<Parts> | undefined;

/** The implementations, imported on first use. */
function parts(): Promise<Parts> {
  return partsModule ??= importLazily<Parts>("./service-parts.ts", import.meta.url);
}

/**
 * An object whose every method loads the real object first and then calls
 * it, so that building it costs nothing.
 */
function deferred<T extends object>(load: () => Promise<T>): T {
  let real: Promise<T> | undefined;
  return new Proxy({} as T, {
    get(_target, prop) {
      // Not a thenable, and no symbol-keyed behaviour.
      if (typeof prop !== "string" || prop === "then") return undefined;
      return async (...args: unknown[]) => {
        const obj = await (real ??= load());
        const f = (obj as Record<string, unknown>)[prop];
        if (typeof f !== "function") throw noSupport(prop);
        return await f.apply(obj, args);
      };
    },
  });
}

/** The drivers that embed host services. */
export type HostDriverKind = "qemu" | "lxc";

/** Options of {@link HostServices}, for tests. */
export interface HostServicesOptions {
  /** The kernel's trees; default `hostRoots()`. */
  roots?: HostRoots;
  /** Where mdevctl is (tests use a fake). */
  mdevctl?: MdevctlOptions;
  /** How `vfio-pci` is loaded (tests use a fake). */
  detach?: DetachOptions;
}

/**
 * Everything host-side a stateful connection offers besides its guests:
 * the secrets of its state location, the host's node devices, statistics,
 * node information and capabilities. Domain capabilities are offered by
 * QEMU connections only, as in libvirt.
 */
export class HostServices implements DriverServices {
  /** The secrets of the state location (the same store for every connection to it). */
  readonly secrets: DriverSecrets;
  /** The host's devices. */
  readonly nodeDevices: DriverNodeDevices;
  readonly #location: StateLocation;
  readonly #kind: HostDriverKind;
  readonly #opts: HostServicesOptions;

  /**
   * @param location the connection's state location (`stateLocation(uri)`)
   * @param kind the embedding driver
   * @param opts the kernel's trees and helpers, for tests
   */
  constructor(location: StateLocation, kind: HostDriverKind, opts: HostServicesOptions = {}) {
    this.#location = location;
    this.#kind = kind;
    this.#opts = opts;
    this.secrets = deferred(async () => {
      const [p, { openSecretStore }] = await Promise.all([
        parts(),
        importLazily<typeof import("../secret/mod.ts")>("../secret/mod.ts", import.meta.url),
      ]);
      return new p.StoreSecrets(openSecretStore(location));
    });
    this.nodeDevices = deferred(async () => new (await parts()).HostNodeDevices(opts));
  }

  async #roots(): Promise<HostRoots> {
    if (this.#opts.roots) return this.#opts.roots;
    const { hostRoots } = await importLazily<typeof import("./sysfs.ts")>(
      "./sysfs.ts",
      import.meta.url,
    );
    return hostRoots();
  }

  /**
   * A secret's value for the driver's own use (disk encryption, Ceph,
   * iSCSI, TLS, vTPM): private secrets included. Never hand it to a caller.
   */
  async secretValueForGuest(uuid: string): Promise<Uint8Array> {
    const { openSecretStore } = await importLazily<typeof import("../secret/mod.ts")>(
      "../secret/mod.ts",
      import.meta.url,
    );
    return await openSecretStore(this.#location).getValue(uuid, { internal: true });
  }

  /** The host's memory statistics in KiB, or one NUMA cell's (cell -1: the host). */
  async memoryStats(cell: number): Promise<[string, number][]> {
    return await (await parts()).memoryStats(await this.#roots(), cell);
  }

  /** CPU times in nanoseconds of all CPUs, or of one (cpu -1: all). */
  async cpuStats(cpu: number): Promise<[string, number][]> {
    return await (await parts()).cpuStats(await this.#roots(), cpu);
  }

  /** What `nodeinfo` reports for this host. */
  async nodeInfo(): Promise<NodeInfo> {
    return await (await parts()).nodeInfo(await this.#roots());
  }

  /**
   * The capabilities XML. QEMU connections list a guest per installed
   * emulator (unless `opts.emulators` is given); LXC connections pass their
   * `exe` guests in `opts.guests` and have no migration features.
   */
  async capabilities(opts: HostCapsOptions = {}): Promise<string> {
    const p = await parts();
    const roots = await this.#roots();
    return this.#kind === "lxc"
      ? await p.lxcCapabilities(roots, opts)
      : await p.qemuCapabilities(roots, this.#location, opts);
  }

  /**
   * The domain capabilities XML of a QEMU emulator: the one given, else the
   * one for `arch` (default the host's). LXC connections answer `no-support`.
   */
  async domainCapabilities(query: DomainCapsQuery, _flags: number): Promise<string> {
    if (this.#kind !== "qemu") throw noSupport("virConnectGetDomainCapabilities");
    return await (await parts()).qemuDomainCapabilities(
      await this.#roots(),
      this.#location,
      query,
    );
  }
}
