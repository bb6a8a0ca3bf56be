/**
 * Secrets, node devices and host statistics on a connection: the driver
 * side ({@link DriverServices}, which a driver connection offers as its
 * `services`) and the handles ({@link Secret}, {@link NodeDevice}).
 * Everything here is re-exported by `connect.ts`; method names follow
 * libvirt-python.
 *
 * @example
 * ```ts
 * const conn = await open("secret:///embed?root=/tmp/vk");
 * const s = await conn.secretDefineXML("<secret><usage type='ceph'><name>client.admin</name></usage></secret>");
 * await s.setValue(new TextEncoder().encode("key"));
 * (await conn.secretLookupByUsage(VIR_SECRET_USAGE_TYPE_CEPH, "client.admin")).UUIDString();
 * ```
 * @module
 */
import { VirtError } from "./errors.ts";
import type { Connection, DriverConnection } from "./connect.ts";
import { parseUuid } from "./conf/ids.ts";
import { NODEDEV_CAP_NAMES } from "./host/nodedev/def.ts";

// ---- constants (libvirt's values) -------------------------------------------

/** Secret usage types (`virSecretUsageType`): no usage. */
export const VIR_SECRET_USAGE_TYPE_NONE = 0;
/** A storage volume's encryption. */
export const VIR_SECRET_USAGE_TYPE_VOLUME = 1;
/** A Ceph client key. */
export const VIR_SECRET_USAGE_TYPE_CEPH = 2;
/** An iSCSI CHAP password. */
export const VIR_SECRET_USAGE_TYPE_ISCSI = 3;
/** A TLS key passphrase. */
export const VIR_SECRET_USAGE_TYPE_TLS = 4;
/** A vTPM state encryption key. */
export const VIR_SECRET_USAGE_TYPE_VTPM = 5;

/** Usage type names by `VIR_SECRET_USAGE_TYPE_*` number, as secret XML and virsh write them. */
export const SECRET_USAGE_NAMES = ["none", "volume", "ceph", "iscsi", "tls", "vtpm"] as const;

/** {@link Connection.listAllSecrets} filters: ephemeral secrets. */
export const VIR_CONNECT_LIST_SECRETS_EPHEMERAL = 1 << 0;
/** Secrets that are not ephemeral. */
export const VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL = 1 << 1;
/** Private secrets. */
export const VIR_CONNECT_LIST_SECRETS_PRIVATE = 1 << 2;
/** Secrets that are not private. */
export const VIR_CONNECT_LIST_SECRETS_NO_PRIVATE = 1 << 3;

/** {@link Connection.secretDefineXML} flag: check the XML against the schema. */
export const VIR_SECRET_DEFINE_VALIDATE = 1 << 0;

/**
 * Node device capability names in `virNodeDevCapType` order: the
 * `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bit of a name is `1 << index`.
 */
export const NODE_DEVICE_CAP_FLAGS = NODEDEV_CAP_NAMES;

/** {@link Connection.listAllDevices} filter: inactive devices (mdevs defined but not started). */
export const VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE = 0x40000000;
/** Active devices. */
export const VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE = 0x80000000;

/** {@link Connection.nodeDeviceCreateXML} / {@link Connection.nodeDeviceDefineXML} flag: validate. */
export const VIR_NODE_DEVICE_CREATE_XML_VALIDATE = 1 << 0;

/** {@link Connection.getMemoryStats}: the whole host rather than one NUMA cell. */
export const VIR_NODE_MEMORY_STATS_ALL_CELLS = -1;
/** {@link Connection.getCPUStats}: every CPU together rather than one. */
export const VIR_NODE_CPU_STATS_ALL_CPUS = -1;

/** The `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bit of a capability name, or undefined. */
export function nodeDeviceCapFlag(name: string): number | undefined {
  const i = (NODE_DEVICE_CAP_FLAGS as readonly string[]).indexOf(name);
  return i === -1 ? undefined : 2 ** i;
}

// ---- the driver side --------------------------------------------------------

/** A secret as a driver reports it. */
export interface SecretSummary {
  /** Canonical lower-case UUID. */
  uuid: string;
  /** `VIR_SECRET_USAGE_TYPE_*`. */
  usageType: number;
  /** The volume path, Ceph/TLS/vTPM name or iSCSI target; undefined without a usage. */
  usageID?: string;
  ephemeral: boolean;
  private: boolean;
}

/** How a secret lookup names its secret. */
export type SecretKey = { uuid: string } | { usageType: number; usageID: string };

/**
 * A driver's secrets. There is deliberately no way to ask for a private
 * secret's value here: drivers that need one read their store directly.
 */
export interface DriverSecrets {
  list(): Promise<SecretSummary[]>;
  /** Defines a secret or updates the one with the same UUID (`VIR_SECRET_DEFINE_*` flags). */
  define(xml: string, flags: number): Promise<SecretSummary>;
  /** @throws VirtError `no-secret` when none matches */
  lookup(key: SecretKey): Promise<SecretSummary>;
  xml(uuid: string, flags: number): Promise<string>;
  setValue(uuid: string, value: Uint8Array, flags: number): Promise<void>;
  /** @throws VirtError for a private secret */
  getValue(uuid: string, flags: number): Promise<Uint8Array>;
  undefine(uuid: string): Promise<void>;
}

/** A node device as a driver reports it. */
export interface NodeDeviceSummary {
  name: string;
  /** The parent device's name; only roots (`computer`) have none. */
  parent?: string;
  /** Capability names, nested ones (`fc_host`, `vports`, `mdev_types`, `vpd`) included. */
  caps: string[];
  active: boolean;
  persistent: boolean;
  /** Undefined when the driver cannot tell. */
  autostart?: boolean;
}

/**
 * A driver's node devices. The optional operations are those only some
 * drivers have (the test driver cannot detach a device).
 */
export interface DriverNodeDevices {
  list(): Promise<NodeDeviceSummary[]>;
  /** @throws VirtError `no-node-device` when there is none */
  lookup(name: string): Promise<NodeDeviceSummary>;
  xml(name: string, flags: number): Promise<string>;
  /** Binds a PCI device to `driverName` (default `vfio`) for assignment. */
  detach?(name: string, driverName: string | undefined, flags: number): Promise<void>;
  /** Gives a detached PCI device back to its host driver. */
  reattach?(name: string): Promise<void>;
  /** Creates a transient device (a mediated device) from XML. */
  create?(xml: string, flags: number): Promise<NodeDeviceSummary>;
  /** Defines a persistent device (a mediated device) from XML. */
  define?(xml: string, flags: number): Promise<NodeDeviceSummary>;
  undefine?(name: string, flags: number): Promise<void>;
  /** Starts a defined device. */
  start?(name: string, flags: number): Promise<void>;
  /** Removes a device from the host (a running mediated device). */
  destroy?(name: string): Promise<void>;
  setAutostart?(name: string, on: boolean): Promise<void>;
}

/** What {@link Connection.getDomainCapabilities} asks for; unset parts take the defaults. */
export interface DomainCapsQuery {
  emulatorbin?: string;
  arch?: string;
  machine?: string;
  virttype?: string;
}

/**
 * The host-side services a driver connection may offer as its `services`:
 * secrets, node devices, host statistics and domain capabilities. Each
 * part is optional; {@link Connection} answers `no-support` for a missing
 * one. Stateful drivers embed `HostServices` (`src/host/services.ts`).
 */
export interface DriverServices {
  readonly secrets?: DriverSecrets;
  readonly nodeDevices?: DriverNodeDevices;
  /** Memory statistics in KiB by name (`total`, `free` ...); cell -1 for the whole host. */
  memoryStats?(cell: number): Promise<[string, number][]>;
  /** CPU times in nanoseconds by name (`kernel`, `user`, `idle`, `iowait`); cpu -1 for all. */
  cpuStats?(cpu: number): Promise<[string, number][]>;
  /** The domain capabilities XML of an emulator. */
  domainCapabilities?(query: DomainCapsQuery, flags: number): Promise<string>;
}

/**
 * The error of an API the driver does not have, in libvirt's words.
 *
 * @param api the libvirt function name (`virConnectListAllSecrets` ...)
 */
export function noSupport(api: string): VirtError {
  return new VirtError(
    "no-support",
    "uri",
    `this function is not supported by the connection driver: ${api}`,
  );
}

/** An optional service method bound to its services object, or `no-support` naming `api`. */
export function serviceMethod<K extends "memoryStats" | "cpuStats" | "domainCapabilities">(
  drv: DriverConnection,
  method: K,
  api: string,
): NonNullable<DriverServices[K]> {
  const s = drv.services;
  const f = s?.[method];
  if (!f) throw noSupport(api);
  return (f as (...a: unknown[]) => unknown).bind(s) as NonNullable<DriverServices[K]>;
}

/** An optional node device operation bound to its object, or `no-support` naming `api`. */
function deviceMethod<K extends keyof DriverNodeDevices>(
  drv: DriverConnection,
  method: K,
  api: string,
): NonNullable<DriverNodeDevices[K]> {
  const nd = nodeDevices(drv, api);
  const f = nd[method];
  if (!f) throw noSupport(api);
  return (f as (...a: unknown[]) => unknown).bind(nd) as NonNullable<DriverNodeDevices[K]>;
}

/** Whether a secret passes `VIR_CONNECT_LIST_SECRETS_*` filters (0 passes all). */
export function secretFilterMatches(s: SecretSummary, flags: number): boolean {
  const pair = (yes: number, no: number, value: boolean) =>
    !(flags & (yes | no)) || ((flags & yes) !== 0 && value) || ((flags & no) !== 0 && !value);
  return pair(
    VIR_CONNECT_LIST_SECRETS_EPHEMERAL,
    VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
    s.ephemeral,
  ) &&
    pair(VIR_CONNECT_LIST_SECRETS_PRIVATE, VIR_CONNECT_LIST_SECRETS_NO_PRIVATE, s.private);
}

/** Whether a node device passes `VIR_CONNECT_LIST_NODE_DEVICES_*` filters (0 passes all). */
export function nodeDeviceFilterMatches(d: NodeDeviceSummary, flags: number): boolean {
  const capBits = flags & (2 ** NODE_DEVICE_CAP_FLAGS.length - 1);
  if (capBits && !d.caps.some((c) => (capBits & (nodeDeviceCapFlag(c) ?? 0)) !== 0)) return false;
  const active = (flags & VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE) !== 0;
  const inactive = (flags & VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE) !== 0;
  return active === inactive || (active ? d.active : !d.active);
}

/** The driver's node devices, or `no-support` naming `api` when it has none. */
export function nodeDevices(drv: DriverConnection, api: string): DriverNodeDevices {
  const nd = drv.services?.nodeDevices;
  if (!nd) throw noSupport(api);
  return nd;
}

/** The driver's secrets, or `no-support` naming `api` when it has none. */
export function secrets(drv: DriverConnection, api: string): DriverSecrets {
  const s = drv.services?.secrets;
  if (!s) throw noSupport(api);
  return s;
}

/** A secret's UUID as 16 bytes, from its canonical text. */
function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

/** 16 UUID bytes as canonical text. */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new VirtError("invalid-arg", "secret", `a UUID is 16 bytes, not ${bytes.length}`);
  }
  return parseUuid([...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""))!;
}

// ---- handles ----------------------------------------------------------------

/** A handle on one secret (libvirt's `virSecret`). */
export class Secret {
  readonly #conn: Connection;
  readonly #s: SecretSummary;

  /** Wraps a secret summary; get handles from a {@link Connection}. */
  constructor(conn: Connection, s: SecretSummary) {
    this.#conn = conn;
    this.#s = { ...s };
  }

  /** The connection this handle belongs to. */
  connect(): Connection {
    return this.#conn;
  }

  /** The secret's UUID in canonical form. */
  UUIDString(): string {
    return this.#s.uuid;
  }

  /** The secret's UUID as 16 bytes. */
  UUID(): Uint8Array {
    return uuidBytes(this.#s.uuid);
  }

  /** `VIR_SECRET_USAGE_TYPE_*`. */
  usageType(): number {
    return this.#s.usageType;
  }

  /** The volume path, Ceph/TLS/vTPM name or iSCSI target; undefined without a usage. */
  usageID(): string | undefined {
    return this.#s.usageID;
  }

  /** Whether the secret is kept in memory only. */
  isEphemeral(): boolean {
    return this.#s.ephemeral;
  }

  /** Whether the secret's value is refused to callers. */
  isPrivate(): boolean {
    return this.#s.private;
  }

  get #drv(): DriverSecrets {
    return secrets(this.#conn.driver, "virSecretGetXMLDesc");
  }

  /** The secret XML (the value is never part of it). */
  async XMLDesc(flags = 0): Promise<string> {
    return await this.#drv.xml(this.#s.uuid, flags);
  }

  /** Sets the value: bytes, or text stored as UTF-8. */
  async setValue(value: Uint8Array | string, flags = 0): Promise<void> {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    await this.#drv.setValue(this.#s.uuid, bytes, flags);
  }

  /** The value; refused for a private secret. */
  async value(flags = 0): Promise<Uint8Array> {
    return await this.#drv.getValue(this.#s.uuid, flags);
  }

  /** Removes the secret and its value. */
  async undefine(): Promise<void> {
    await this.#drv.undefine(this.#s.uuid);
  }
}

/** A handle on one host device (libvirt's `virNodeDevice`). */
export class NodeDevice {
  readonly #conn: Connection;
  readonly #d: NodeDeviceSummary;

  /** Wraps a node device summary; get handles from a {@link Connection}. */
  constructor(conn: Connection, d: NodeDeviceSummary) {
    this.#conn = conn;
    this.#d = { ...d, caps: [...d.caps] };
  }

  /** The connection this handle belongs to. */
  connect(): Connection {
    return this.#conn;
  }

  /** The device's name (`pci_0000_00_1f_2` ...). */
  name(): string {
    return this.#d.name;
  }

  /** The parent device's name, or undefined for a root such as `computer`. */
  parent(): string | undefined {
    return this.#d.parent;
  }

  #ops(api: string): DriverNodeDevices {
    return nodeDevices(this.#conn.driver, api);
  }

  /** The device's current facts. */
  async summary(): Promise<NodeDeviceSummary> {
    return await this.#ops("virNodeDeviceLookupByName").lookup(this.#d.name);
  }

  /** Its capability names, nested ones included. */
  async listCaps(): Promise<string[]> {
    return (await this.summary()).caps;
  }

  /** How many capabilities {@link listCaps} gives. */
  async numOfCaps(): Promise<number> {
    return (await this.listCaps()).length;
  }

  /** The node device XML. */
  async XMLDesc(flags = 0): Promise<string> {
    return await this.#ops("virNodeDeviceGetXMLDesc").xml(this.#d.name, flags);
  }

  /** Whether the device exists on the host now. */
  async isActive(): Promise<boolean> {
    return (await this.summary()).active;
  }

  /** Whether the device has a persistent definition. */
  async isPersistent(): Promise<boolean> {
    return (await this.summary()).persistent;
  }

  /** Whether the device starts with the host; `no-support` when the driver cannot tell. */
  async autostart(): Promise<boolean> {
    const a = (await this.summary()).autostart;
    if (a === undefined) throw noSupport("virNodeDeviceGetAutostart");
    return a;
  }

  /** Marks a defined device to start (or not) with the host. */
  async setAutostart(autostart: boolean): Promise<void> {
    await deviceMethod(this.#conn.driver, "setAutostart", "virNodeDeviceSetAutostart")(
      this.#d.name,
      autostart,
    );
  }

  /** Detaches a PCI device from its host driver for assignment (vfio-pci). */
  async dettach(): Promise<void> {
    await deviceMethod(this.#conn.driver, "detach", "virNodeDeviceDettach")(
      this.#d.name,
      undefined,
      0,
    );
  }

  /** {@link dettach} naming the assignment backend (`vfio`). */
  async detachFlags(driverName?: string, flags = 0): Promise<void> {
    await deviceMethod(this.#conn.driver, "detach", "virNodeDeviceDetachFlags")(
      this.#d.name,
      driverName,
      flags,
    );
  }

  /** Gives a detached PCI device back to its host driver. */
  async reAttach(): Promise<void> {
    await deviceMethod(this.#conn.driver, "reattach", "virNodeDeviceReAttach")(this.#d.name);
  }

  /** Starts a defined (inactive) device. */
  async create(flags = 0): Promise<void> {
    await deviceMethod(this.#conn.driver, "start", "virNodeDeviceCreate")(this.#d.name, flags);
  }

  /** Removes the device from the host; a defined device stays defined. */
  async destroy(): Promise<void> {
    await deviceMethod(this.#conn.driver, "destroy", "virNodeDeviceDestroy")(this.#d.name);
  }

  /** Removes the persistent definition of an inactive device. */
  async undefine(flags = 0): Promise<void> {
    await deviceMethod(this.#conn.driver, "undefine", "virNodeDeviceUndefine")(this.#d.name, flags);
  }
}

/**
 * The operations {@link Connection} delegates here, so `connect.ts` keeps
 * one line per API.
 */
export const hostApi = {
  async listAllSecrets(conn: Connection, flags: number): Promise<Secret[]> {
    const all = await secrets(conn.driver, "virConnectListAllSecrets").list();
    return all.filter((s) => secretFilterMatches(s, flags)).map((s) => new Secret(conn, s));
  },
  async secretDefineXML(conn: Connection, xml: string, flags: number): Promise<Secret> {
    return new Secret(conn, await secrets(conn.driver, "virSecretDefineXML").define(xml, flags));
  },
  async secretLookup(conn: Connection, key: SecretKey, api: string): Promise<Secret> {
    return new Secret(conn, await secrets(conn.driver, api).lookup(key));
  },
  async listAllDevices(
    conn: Connection,
    flags: number,
    cap: string | undefined,
  ): Promise<NodeDevice[]> {
    const all = await nodeDevices(conn.driver, "virConnectListAllNodeDevices").list();
    return all.filter((d) =>
      nodeDeviceFilterMatches(d, flags) && (cap === undefined || d.caps.includes(cap))
    ).map((d) => new NodeDevice(conn, d));
  },
  async nodeDeviceLookupByName(conn: Connection, name: string): Promise<NodeDevice> {
    return new NodeDevice(
      conn,
      await nodeDevices(conn.driver, "virNodeDeviceLookupByName").lookup(name),
    );
  },
  async nodeDeviceFromXML(
    conn: Connection,
    how: "create" | "define",
    xml: string,
    flags: number,
  ): Promise<NodeDevice> {
    const api = how === "create" ? "virNodeDeviceCreateXML" : "virNodeDeviceDefineXML";
    return new NodeDevice(conn, await deviceMethod(conn.driver, how, api)(xml, flags));
  },
};
