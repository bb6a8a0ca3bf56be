/**
 * The implementations behind {@link HostServices} (`services.ts`), loaded
 * on first use: the secrets of a store as the connection API sees them,
 * the host's node devices (sysfs, vfio-pci, mdevctl), and the host
 * statistics and capabilities of a state location.
 * @module
 */
import { VirtError } from "../errors.ts";
import {
  type DomainCapsQuery,
  type DriverNodeDevices,
  type DriverSecrets,
  type NodeDeviceSummary,
  SECRET_USAGE_NAMES,
  type SecretKey,
  type SecretSummary,
  VIR_NODE_DEVICE_CREATE_XML_VALIDATE,
  VIR_SECRET_DEFINE_VALIDATE,
} from "../connect-host.ts";
import { importLazily } from "../connect.ts";
import type { SecretDef, SecretUsageType } from "../conf/secret.ts";
import { parseUuid } from "../conf/ids.ts";
import type { SecretStore } from "../secret/mod.ts";
import { type StateLocation, statePaths } from "../state/mod.ts";
import { readDocument } from "../xml/mod.ts";
import { formatDomainCaps, qemuDomainCaps } from "./domcaps.ts";
import { findQemuBinaries, probeInstalledQemu, type QemuEmulator } from "./guests.ts";
import { hostCapabilitiesXml, type HostCapsOptions, kvmUsable } from "./host-caps.ts";
import type { NodeInfo } from "./nodeinfo.ts";
import { hostNodeInfo, nodeCpuStats, nodeMemoryStats } from "./stats.ts";
import { type HostRoots, hostRoots } from "./sysfs.ts";
import type { HostServicesOptions } from "./services.ts";
import {
  capNames,
  detachPciDevice,
  listNodeDevices,
  lookupNodeDevice,
  mdevDefine,
  mdevSetAutostart,
  mdevStart,
  mdevStop,
  mdevUndefine,
  type NodeDeviceDef,
  nodeDeviceXml,
  pciAddressOfName,
  reattachPciDevice,
} from "./nodedev/mod.ts";

type QemuCapsModule = typeof import("../../drivers/qemu/caps.ts");

// ---- secrets ----------------------------------------------------------------

/** A secret definition as the connection API reports it. */
function secretSummary(def: SecretDef): SecretSummary {
  return {
    uuid: def.uuid,
    usageType: def.usage ? SECRET_USAGE_NAMES.indexOf(def.usage.type) : 0,
    usageID: def.usage?.id,
    ephemeral: def.ephemeral,
    private: def.private,
  };
}

/**
 * The connection API's view of a {@link SecretStore}. It never asks the
 * store for a private value: `getValue` is the public call, which refuses.
 */
export class StoreSecrets implements DriverSecrets {
  /** @param store the store of the connection's state location */
  constructor(readonly store: SecretStore) {}

  /** Every secret, sorted by UUID. */
  async list(): Promise<SecretSummary[]> {
    return (await this.store.list()).map((e) => secretSummary(e.def));
  }

  /** Defines a secret (`VIR_SECRET_DEFINE_VALIDATE` rejects unknown XML). */
  async define(xml: string, flags: number): Promise<SecretSummary> {
    const validate = (flags & VIR_SECRET_DEFINE_VALIDATE) !== 0;
    return secretSummary(await this.store.define(xml, { validate }));
  }

  /** The secret with this UUID, or used for this usage. */
  async lookup(key: SecretKey): Promise<SecretSummary> {
    if ("uuid" in key) return secretSummary(await this.store.lookupByUUID(key.uuid));
    const type = SECRET_USAGE_NAMES[key.usageType];
    if (type === undefined || type === "none") {
      throw new VirtError(
        "invalid-arg",
        "secret",
        `unknown secret usage type ${key.usageType}: expected 1 (volume) to ${
          SECRET_USAGE_NAMES.length - 1
        } (${SECRET_USAGE_NAMES.at(-1)})`,
      );
    }
    return secretSummary(await this.store.lookupByUsage(type as SecretUsageType, key.usageID));
  }

  /** The definition XML. */
  xml(uuid: string, _flags: number): Promise<string> {
    return this.store.xml(uuid);
  }

  /** Sets the value (at most 1 MiB). */
  setValue(uuid: string, value: Uint8Array, _flags: number): Promise<void> {
    return this.store.setValue(uuid, value);
  }

  /** The value of a secret that is not private. */
  getValue(uuid: string, _flags: number): Promise<Uint8Array> {
    return this.store.getValue(uuid);
  }

  /** Removes a secret and its value. */
  undefine(uuid: string): Promise<void> {
    return this.store.undefine(uuid);
  }
}

// ---- node devices -----------------------------------------------------------

/** A node device as the connection API reports it. */
function deviceSummary(d: NodeDeviceDef): NodeDeviceSummary {
  // libvirt's udev backend keeps the `computer` root persistent and autostarted.
  const root = d.name === "computer";
  return {
    name: d.name,
    parent: d.parent,
    caps: capNames(d),
    active: d.active,
    persistent: d.persistent || root,
    autostart: d.autostart || root,
  };
}

/** A mediated device definition read from node device XML. */
interface MdevRequest {
  /** The parent's sysfs address (`0000:00:02.0`). */
  parent: string;
  type: string;
  uuid?: string;
}

/** Reads the node device XML of a mediated device (`nodedev-define`, `nodedev-create`). */
function parseMdevXml(xml: string, validate: boolean): MdevRequest {
  return readDocument(xml, "device", "nodedev", validate, (r) => {
    r.childText("name");
    const parentName = r.childText("parent");
    if (!parentName) throw r.error("a mediated device needs a <parent> element");
    const cap = r.child("capability");
    if (!cap) throw r.error("missing <capability> element");
    const kind = cap.req("type");
    if (kind !== "mdev") {
      throw cap.error(
        `only mediated devices (type 'mdev') can be defined or created, not type '${kind}'`,
      );
    }
    const type = cap.child("type")?.req("id");
    if (!type) throw cap.error("a mediated device needs <type id='...'/>");
    const uuidText = cap.childText("uuid");
    const uuid = uuidText === undefined ? undefined : parseUuid(uuidText);
    if (uuidText !== undefined && !uuid) throw cap.error(`malformed <uuid> '${uuidText}'`);
    if (cap.children("attr").length) {
      throw new VirtError(
        "config-unsupported",
        "nodedev",
        "mediated device <attr> elements are not supported",
      );
    }
    if (!parentName.startsWith("pci_")) {
      throw r.error(`the parent of a mediated device must be a PCI device, not '${parentName}'`);
    }
    return { parent: pciAddressOfName(parentName), type, uuid };
  });
}

/**
 * The host's devices from sysfs, PCI detach and reattach through vfio-pci,
 * and mediated devices through mdevctl.
 */
export class HostNodeDevices implements DriverNodeDevices {
  readonly #roots: HostRoots;
  readonly #opts: HostServicesOptions;

  /** @param opts the kernel's trees and the helpers tests replace */
  constructor(opts: HostServicesOptions = {}) {
    this.#roots = opts.roots ?? hostRoots();
    this.#opts = opts;
  }

  /** Every device, sorted by name. */
  async list(): Promise<NodeDeviceSummary[]> {
    return (await listNodeDevices(this.#roots, { mdevctl: this.#opts.mdevctl })).map(
      deviceSummary,
    );
  }

  /** One device. */
  async lookup(name: string): Promise<NodeDeviceSummary> {
    return deviceSummary(await this.#def(name));
  }

  /** The node device XML. */
  xml(name: string, _flags: number): Promise<string> {
    return nodeDeviceXml(this.#roots, name, { mdevctl: this.#opts.mdevctl });
  }

  /** Binds a PCI device to vfio-pci (`driverName` `vfio` or unset). */
  async detach(name: string, driverName: string | undefined, _flags: number): Promise<void> {
    if (driverName !== undefined && driverName !== "vfio") {
      throw new VirtError(
        "invalid-arg",
        "nodedev",
        `unknown PCI device assignment backend '${driverName}': only 'vfio' is supported`,
      );
    }
    await detachPciDevice(this.#roots, name, this.#opts.detach);
  }

  /** Gives a PCI device back to its host driver. */
  async reattach(name: string): Promise<void> {
    await reattachPciDevice(this.#roots, name);
  }

  /** Defines a persistent mediated device with mdevctl. */
  async define(xml: string, flags: number): Promise<NodeDeviceSummary> {
    const req = parseMdevXml(xml, (flags & VIR_NODE_DEVICE_CREATE_XML_VALIDATE) !== 0);
    return await this.#mdevByUuid(await mdevDefine(req, this.#opts.mdevctl));
  }

  /**
   * Creates a transient mediated device: mdevctl defines and starts it, then
   * drops the definition, leaving it running.
   */
  async create(xml: string, flags: number): Promise<NodeDeviceSummary> {
    const req = parseMdevXml(xml, (flags & VIR_NODE_DEVICE_CREATE_XML_VALIDATE) !== 0);
    const uuid = await mdevDefine(req, this.#opts.mdevctl);
    try {
      await mdevStart(uuid, this.#opts.mdevctl);
    } finally {
      await mdevUndefine(uuid, this.#opts.mdevctl);
    }
    return await this.#mdevByUuid(uuid);
  }

  /** Removes a mediated device's definition. */
  async undefine(name: string, _flags: number): Promise<void> {
    const dev = await this.#def(name);
    if (!dev.persistent) {
      throw new VirtError("operation-invalid", "nodedev", `node device '${name}' is not defined`);
    }
    await mdevUndefine(this.#mdevUuid(dev), this.#opts.mdevctl);
  }

  /** Starts a defined mediated device. */
  async start(name: string, _flags: number): Promise<void> {
    const dev = await this.#def(name);
    if (dev.active) {
      throw new VirtError("operation-invalid", "nodedev", `device '${name}' is already active`);
    }
    await mdevStart(this.#mdevUuid(dev), this.#opts.mdevctl);
  }

  /** Stops a running mediated device. */
  async destroy(name: string): Promise<void> {
    const dev = await this.#def(name);
    if (!dev.active) {
      throw new VirtError("operation-invalid", "nodedev", `device '${name}' is not active`);
    }
    await mdevStop(this.#mdevUuid(dev), this.#opts.mdevctl);
  }

  /** Starts a defined mediated device with the host, or no longer. */
  async setAutostart(name: string, on: boolean): Promise<void> {
    const dev = await this.#def(name);
    if (!dev.persistent) {
      throw new VirtError(
        "operation-invalid",
        "nodedev",
        `cannot set autostart for transient device '${name}'`,
      );
    }
    await mdevSetAutostart(this.#mdevUuid(dev), on, this.#opts.mdevctl);
  }

  #def(name: string): Promise<NodeDeviceDef> {
    return lookupNodeDevice(this.#roots, name, { mdevctl: this.#opts.mdevctl });
  }

  #mdevUuid(dev: NodeDeviceDef): string {
    for (const c of dev.caps) if (c.type === "mdev" && c.uuid) return c.uuid;
    throw new VirtError(
      "operation-unsupported",
      "nodedev",
      `node device '${dev.name}' is not a mediated device: only mediated devices can be defined, started or destroyed`,
    );
  }

  async #mdevByUuid(uuid: string): Promise<NodeDeviceSummary> {
    const all = await listNodeDevices(this.#roots, { mdevctl: this.#opts.mdevctl });
    const dev = all.find((d) => d.caps.some((c) => c.type === "mdev" && c.uuid === uuid));
    if (!dev) {
      throw new VirtError(
        "operation-failed",
        "nodedev",
        `mdevctl reported success but mediated device ${uuid} is not listed`,
      );
    }
    return deviceSummary(dev);
  }
}

// ---- host statistics and capabilities ---------------------------------------

/** The host's memory statistics in KiB, or one NUMA cell's (cell -1: the host). */
export async function memoryStats(roots: HostRoots, cell: number): Promise<[string, number][]> {
  const m = await nodeMemoryStats(roots, cell === -1 ? undefined : cell);
  return Object.entries(m).filter((e): e is [string, number] => e[1] !== undefined);
}

/** CPU times in nanoseconds of all CPUs, or of one (cpu -1: all). */
export async function cpuStats(roots: HostRoots, cpu: number): Promise<[string, number][]> {
  const s = await nodeCpuStats(roots, cpu === -1 ? undefined : cpu);
  return [["kernel", s.kernel], ["user", s.user], ["idle", s.idle], ["iowait", s.iowait]];
}

/** What `nodeinfo` reports for this host. */
export function nodeInfo(roots: HostRoots): Promise<NodeInfo> {
  return hostNodeInfo(roots);
}

/** Where the QEMU driver of a state location caches its emulator probes. */
function qemuCacheDir(location: StateLocation): string {
  return `${statePaths("qemu", location).cacheDir}/capabilities`;
}

/** The capabilities XML of a QEMU connection: a guest per installed emulator unless given. */
export async function qemuCapabilities(
  roots: HostRoots,
  location: StateLocation,
  opts: HostCapsOptions,
): Promise<string> {
  const kvm = opts.kvm ?? kvmUsable(roots);
  const emulators = opts.emulators ??
    await probeInstalledQemu({ cacheDir: qemuCacheDir(location), kvm });
  return await hostCapabilitiesXml(roots, { ...opts, kvm, emulators });
}

/** The capabilities XML of an LXC connection: its guests, no migration features. */
export function lxcCapabilities(roots: HostRoots, opts: HostCapsOptions): Promise<string> {
  return hostCapabilitiesXml(roots, { noMigration: true, ...opts });
}

/**
 * The domain capabilities XML of a QEMU emulator: the one given, else the
 * one for `arch` (default the host's).
 *
 * @throws VirtError `invalid-arg` when no emulator serves the architecture
 *   or the emulator is for another one
 */
export async function qemuDomainCapabilities(
  roots: HostRoots,
  location: StateLocation,
  query: DomainCapsQuery,
): Promise<string> {
  const kvm = kvmUsable(roots);
  const emu = await qemuEmulator(qemuCacheDir(location), query, kvm);
  return formatDomainCaps(
    await qemuDomainCaps(roots, emu, { virttype: query.virttype, machine: query.machine, kvm }),
  );
}

async function qemuEmulator(
  cacheDir: string,
  query: DomainCapsQuery,
  kvm: boolean,
): Promise<QemuEmulator> {
  const { probeQemuCaps } = await importLazily<QemuCapsModule>(
    "../../drivers/qemu/caps.ts",
    import.meta.url,
  );
  const probe = (binary: string) => probeQemuCaps(binary, { cacheDir, hostKvm: kvm });
  if (query.emulatorbin) {
    const caps = await probe(query.emulatorbin);
    if (query.arch && query.arch !== caps.arch) {
      throw new VirtError(
        "invalid-arg",
        "capabilities",
        `emulator '${query.emulatorbin}' does not support arch '${query.arch}': it runs ${caps.arch} guests`,
      );
    }
    return { arch: caps.arch, binary: query.emulatorbin, caps };
  }
  const arch = query.arch ?? Deno.build.arch;
  const found = (await findQemuBinaries()).find((b) => b.arch === arch);
  if (!found) {
    throw new VirtError(
      "invalid-arg",
      "capabilities",
      `unable to find any emulator to serve '${arch}' architecture`,
    );
  }
  return { arch, binary: found.binary, caps: await probe(found.binary) };
}
