/**
 * Connections and object handles: {@link open} a URI, get a
 * {@link Connection}, and work with {@link Domain} and {@link Network}
 * handles. Method names follow libvirt-python (`listAllDomains`,
 * `lookupByName`, `defineXML`, `XMLDesc` ...); every call that asks the
 * driver is async.
 *
 * Each driver plugs in by URI scheme through {@link registerDriver}; drivers
 * are loaded only when a URI names them.
 *
 * @example
 * ```ts
 * const conn = await open("test:///default");
 * for (const dom of await conn.listAllDomains()) {
 *   console.log(dom.name(), (await dom.state())[0] === VIR_DOMAIN_RUNNING);
 * }
 * await conn.close();
 * ```
 * @module
 */
import { parseUuid } from "./conf/ids.ts";
import { VirtError } from "./errors.ts";
import type { NodeInfo } from "./host/nodeinfo.ts";
import { type ConnectUri, DEFAULT_URI_ENV, defaultUri, parseUri } from "./uri.ts";
import {
  type DriverServices,
  hostApi,
  type NodeDevice,
  type Secret,
  serviceMethod,
  uuidFromBytes,
} from "./connect-host.ts";

export {
  type DomainCapsQuery,
  type DriverNodeDevices,
  type DriverSecrets,
  type DriverServices,
  NODE_DEVICE_CAP_FLAGS,
  NodeDevice,
  nodeDeviceCapFlag,
  type NodeDeviceSummary,
  noSupport,
  Secret,
  SECRET_USAGE_NAMES,
  type SecretKey,
  type SecretSummary,
  VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE,
  VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE,
  VIR_CONNECT_LIST_SECRETS_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_PRIVATE,
  VIR_CONNECT_LIST_SECRETS_PRIVATE,
  VIR_NODE_CPU_STATS_ALL_CPUS,
  VIR_NODE_DEVICE_CREATE_XML_VALIDATE,
  VIR_NODE_MEMORY_STATS_ALL_CELLS,
  VIR_SECRET_DEFINE_VALIDATE,
  VIR_SECRET_USAGE_TYPE_CEPH,
  VIR_SECRET_USAGE_TYPE_ISCSI,
  VIR_SECRET_USAGE_TYPE_NONE,
  VIR_SECRET_USAGE_TYPE_TLS,
  VIR_SECRET_USAGE_TYPE_VOLUME,
  VIR_SECRET_USAGE_TYPE_VTPM,
} from "./connect-host.ts";

export type { NodeInfo } from "./host/nodeinfo.ts";

/** The version of virtkit, as `getLibVersion` reports it (major * 1e6 + minor * 1e3 + micro). */
export const VERSION = "0.1.0";

// ---- constants (libvirt's values) -------------------------------------------

/** Domain states (`virDomainState`). */
export const VIR_DOMAIN_NOSTATE = 0;
/** The domain is running. */
export const VIR_DOMAIN_RUNNING = 1;
/** The domain is blocked on a resource. */
export const VIR_DOMAIN_BLOCKED = 2;
/** The domain is paused by the user. */
export const VIR_DOMAIN_PAUSED = 3;
/** The domain is being shut down. */
export const VIR_DOMAIN_SHUTDOWN = 4;
/** The domain is shut off. */
export const VIR_DOMAIN_SHUTOFF = 5;
/** The domain has crashed. */
export const VIR_DOMAIN_CRASHED = 6;
/** The domain is suspended by guest power management. */
export const VIR_DOMAIN_PMSUSPENDED = 7;

/** Filters of {@link Connection.listAllDomains} (`virConnectListAllDomainsFlags`). */
export const VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0;
/** List inactive domains. */
export const VIR_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1;
/** List persistent domains. */
export const VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2;
/** List transient domains. */
export const VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3;
/** List running domains. */
export const VIR_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4;
/** List paused domains. */
export const VIR_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5;
/** List shut-off domains. */
export const VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6;
/** List domains in any other state. */
export const VIR_CONNECT_LIST_DOMAINS_OTHER = 1 << 7;
/** List domains with a managed save image. */
export const VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8;
/** List domains without a managed save image. */
export const VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9;
/** List domains marked for autostart. */
export const VIR_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10;
/** List domains not marked for autostart. */
export const VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11;
/** List domains with snapshots. */
export const VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12;
/** List domains without snapshots. */
export const VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13;
/** List domains with checkpoints. */
export const VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14;
/** List domains without checkpoints. */
export const VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15;

/** Filters of {@link Connection.listAllNetworks} (`virConnectListAllNetworksFlags`). */
export const VIR_CONNECT_LIST_NETWORKS_INACTIVE = 1 << 0;
/** List active networks. */
export const VIR_CONNECT_LIST_NETWORKS_ACTIVE = 1 << 1;
/** List persistent networks. */
export const VIR_CONNECT_LIST_NETWORKS_PERSISTENT = 1 << 2;
/** List transient networks. */
export const VIR_CONNECT_LIST_NETWORKS_TRANSIENT = 1 << 3;
/** List networks marked for autostart. */
export const VIR_CONNECT_LIST_NETWORKS_AUTOSTART = 1 << 4;
/** List networks not marked for autostart. */
export const VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART = 1 << 5;

/** {@link Domain.XMLDesc} flags (`virDomainXMLFlags`): include passwords. */
export const VIR_DOMAIN_XML_SECURE = 1 << 0;
/** Format the persistent config instead of the live one. */
export const VIR_DOMAIN_XML_INACTIVE = 1 << 1;
/** Update guest CPU requirements from the host. */
export const VIR_DOMAIN_XML_UPDATE_CPU = 1 << 2;
/** Format for migration. */
export const VIR_DOMAIN_XML_MIGRATABLE = 1 << 3;

/** {@link Network.XMLDesc} flag: format the persistent config. */
export const VIR_NETWORK_XML_INACTIVE = 1 << 0;

/** {@link Connection.networkDefineXMLFlags} flag: validate the XML against the schema. */
export const VIR_NETWORK_DEFINE_VALIDATE = 1 << 0;
/** {@link Connection.networkCreateXMLFlags} flag: validate the XML against the schema. */
export const VIR_NETWORK_CREATE_VALIDATE = 1 << 0;

/** {@link Network.update} commands (`virNetworkUpdateCommand`): replace an entry. */
export const VIR_NETWORK_UPDATE_COMMAND_MODIFY = 1;
/** Remove an entry. */
export const VIR_NETWORK_UPDATE_COMMAND_DELETE = 2;
/** Add an entry at the end. */
export const VIR_NETWORK_UPDATE_COMMAND_ADD_LAST = 3;
/** Add an entry at the start. */
export const VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST = 4;
/** {@link Network.update} sections (`virNetworkUpdateSection`): `<dhcp><host>`. */
export const VIR_NETWORK_SECTION_IP_DHCP_HOST = 4;
/** `<dhcp><range>`. */
export const VIR_NETWORK_SECTION_IP_DHCP_RANGE = 5;
/** `<dns><host>`. */
export const VIR_NETWORK_SECTION_DNS_HOST = 9;
/** `<dns><txt>`. */
export const VIR_NETWORK_SECTION_DNS_TXT = 10;
/** `<dns><srv>`. */
export const VIR_NETWORK_SECTION_DNS_SRV = 11;
/** {@link Network.update} flags: the live state if active, else the persistent config. */
export const VIR_NETWORK_UPDATE_AFFECT_CURRENT = 0;
/** Change the running network. */
export const VIR_NETWORK_UPDATE_AFFECT_LIVE = 1 << 0;
/** Change the persistent config. */
export const VIR_NETWORK_UPDATE_AFFECT_CONFIG = 1 << 1;

/** {@link NetworkDHCPLease.type}: an IPv4 lease. */
export const VIR_IP_ADDR_TYPE_IPV4 = 0;
/** An IPv6 lease. */
export const VIR_IP_ADDR_TYPE_IPV6 = 1;

/** {@link Connection.createXML} / {@link Domain.create} flag: start paused. */
export const VIR_DOMAIN_START_PAUSED = 1 << 0;
/** Destroy the domain when the connection closes. */
export const VIR_DOMAIN_START_AUTODESTROY = 1 << 1;
/** Bypass the host page cache when restoring. */
export const VIR_DOMAIN_START_BYPASS_CACHE = 1 << 2;
/** Boot even when a managed save image exists. */
export const VIR_DOMAIN_START_FORCE_BOOT = 1 << 3;
/** Validate the XML against the schema. */
export const VIR_DOMAIN_START_VALIDATE = 1 << 4;
/** Recreate NVRAM from its template. */
export const VIR_DOMAIN_START_RESET_NVRAM = 1 << 5;

/** {@link Connection.defineXML} flag: validate the XML against the schema. */
export const VIR_DOMAIN_DEFINE_VALIDATE = 1 << 0;

/** {@link Domain.destroy} flag: only send SIGTERM. */
export const VIR_DOMAIN_DESTROY_GRACEFUL = 1 << 0;

/** {@link Domain.vcpusFlags} flags: the live definition. */
export const VIR_DOMAIN_AFFECT_LIVE = 1 << 0;
/** The persistent definition. */
export const VIR_DOMAIN_AFFECT_CONFIG = 1 << 1;
/** The maximum rather than the current count. */
export const VIR_DOMAIN_VCPU_MAXIMUM = 1 << 2;
/** Ask the guest agent. */
export const VIR_DOMAIN_VCPU_GUEST = 1 << 3;

/** Lifecycle event types (`virDomainEventType`). */
export const VIR_DOMAIN_EVENT_DEFINED = 0;
/** The domain was undefined. */
export const VIR_DOMAIN_EVENT_UNDEFINED = 1;
/** The domain started. */
export const VIR_DOMAIN_EVENT_STARTED = 2;
/** The domain was paused. */
export const VIR_DOMAIN_EVENT_SUSPENDED = 3;
/** The domain was unpaused. */
export const VIR_DOMAIN_EVENT_RESUMED = 4;
/** The domain stopped. */
export const VIR_DOMAIN_EVENT_STOPPED = 5;
/** The guest finished shutting down. */
export const VIR_DOMAIN_EVENT_SHUTDOWN = 6;
/** The guest was suspended by power management. */
export const VIR_DOMAIN_EVENT_PMSUSPENDED = 7;
/** The guest crashed. */
export const VIR_DOMAIN_EVENT_CRASHED = 8;

/** Event names by type, then detail names by detail number (as `virsh event` prints them). */
export const DOMAIN_EVENT_NAMES: readonly (readonly [string, readonly string[]])[] = [
  ["defined", ["added", "updated", "renamed", "from snapshot"]],
  ["undefined", ["removed", "renamed"]],
  ["started", ["booted", "migrated", "restored", "from snapshot", "wakeup"]],
  ["suspended", [
    "paused",
    "migrated",
    "I/O error",
    "watchdog",
    "restored",
    "from snapshot",
    "API error",
    "post-copy",
    "post-copy failed",
  ]],
  ["resumed", ["unpaused", "migrated", "from snapshot", "post-copy", "post-copy failed"]],
  ["stopped", ["shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot"]],
  ["shutdown", ["finished", "guest", "host"]],
  ["pmsuspended", ["memory", "disk"]],
  ["crashed", ["panicked", "crashloaded"]],
];

// ---- the driver side --------------------------------------------------------

/** The identity of a domain: what a handle holds. `id` is -1 while inactive. */
export interface DomainRef {
  name: string;
  uuid: string;
  id: number;
}

/** A domain's identity with the facts {@link Connection.listAllDomains} filters on. */
export interface DomainSummary extends DomainRef {
  /** `VIR_DOMAIN_*` state. */
  state: number;
  persistent: boolean;
  autostart: boolean;
  managedSave: boolean;
  hasSnapshot: boolean;
  hasCheckpoint: boolean;
  /** The `<title>`, when the domain has one. */
  title?: string;
}

/** What {@link Domain.info} returns (`virDomainInfo`). */
export interface DomainInfo {
  /** `VIR_DOMAIN_*` state. */
  state: number;
  /** Maximum memory in KiB. */
  maxMem: number;
  /** Current memory in KiB. */
  memory: number;
  /** Number of vCPUs. */
  nrVirtCpu: number;
  /** CPU time used, in nanoseconds. */
  cpuTime: number;
}

/** The identity of a network. */
export interface NetworkRef {
  name: string;
  uuid: string;
}

/** A network's identity with the facts {@link Connection.listAllNetworks} filters on. */
export interface NetworkSummary extends NetworkRef {
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

/** One DHCP lease of a network (libvirt's `virNetworkDHCPLease`). */
export interface NetworkDHCPLease {
  /** The network's bridge. */
  iface: string;
  /** Seconds since the epoch when the lease ends (0: never). */
  expirytime: number;
  /** `VIR_IP_ADDR_TYPE_IPV4` or `VIR_IP_ADDR_TYPE_IPV6`. */
  type: number;
  /** The client's MAC address (IPv4 leases). */
  mac?: string;
  /** The IAID (IPv6 leases). */
  iaid?: string;
  ipaddr: string;
  /** The prefix of the network address the lease lies in. */
  prefix: number;
  hostname?: string;
  /** The client id (IPv4) or the DUID (IPv6). */
  clientid?: string;
}

/** A lifecycle event as a driver reports it. */
export interface DriverDomainEvent {
  domain: DomainRef;
  /** `VIR_DOMAIN_EVENT_*` type. */
  event: number;
  /** Detail number within the type. */
  detail: number;
}

/** How a lookup names its object. */
export type LookupKey = { name: string } | { uuid: string } | { id: number };

/**
 * One open connection on the driver side. Objects are addressed by UUID;
 * errors are {@link VirtError}s with libvirt's codes (`no-domain`,
 * `operation-invalid` ...).
 */
export interface DriverConnection {
  /** The canonical URI of the connection. */
  readonly uri: string;
  /** The hypervisor type name (`TEST`, `QEMU` ...). */
  readonly type: string;
  close(): Promise<void>;
  hostname(): Promise<string>;
  /** Hypervisor version as major * 1e6 + minor * 1e3 + micro. */
  hypervisorVersion(): Promise<number>;
  nodeInfo(): Promise<NodeInfo>;
  capabilities(): Promise<string>;
  /** The host's security model, or undefined when it has none. */
  securityModel(): Promise<{ model: string; doi: string } | undefined>;

  listDomains(): Promise<DomainSummary[]>;
  lookupDomain(key: LookupKey): Promise<DomainRef>;
  defineDomain(xml: string, flags: number): Promise<DomainRef>;
  createDomain(xml: string, flags: number): Promise<DomainRef>;
  startDomain(uuid: string, flags: number): Promise<DomainRef>;
  destroyDomain(uuid: string, flags: number): Promise<void>;
  /** Returns the domain's identity afterwards (id -1 if it stopped). */
  shutdownDomain(uuid: string, flags: number): Promise<DomainRef>;
  /** Returns the domain's identity afterwards (id -1 if it stopped). */
  rebootDomain(uuid: string, flags: number): Promise<DomainRef>;
  suspendDomain(uuid: string): Promise<void>;
  resumeDomain(uuid: string): Promise<void>;
  undefineDomain(uuid: string, flags: number): Promise<void>;
  domainSummary(uuid: string): Promise<DomainSummary>;
  domainXML(uuid: string, flags: number): Promise<string>;
  domainInfo(uuid: string): Promise<DomainInfo>;
  /** `[state, reason]`. */
  domainState(uuid: string): Promise<[number, number]>;
  domainOSType(uuid: string): Promise<string>;
  domainSetAutostart(uuid: string, on: boolean): Promise<void>;
  domainVcpus(uuid: string, flags: number): Promise<number>;
  domainMemoryStats(uuid: string): Promise<[string, number][]>;
  /** `[label, enforcing]`, or undefined without a security driver. */
  domainSecurityLabel(uuid: string): Promise<[string, boolean] | undefined>;

  listNetworks(): Promise<NetworkSummary[]>;
  lookupNetwork(key: { name: string } | { uuid: string }): Promise<NetworkRef>;
  networkSummary(uuid: string): Promise<NetworkSummary>;
  networkXML(uuid: string, flags: number): Promise<string>;
  networkBridgeName(uuid: string): Promise<string>;
  // Network lifecycle: optional, a driver without a network driver leaves them out.
  /** Defines (or redefines) a persistent network (`VIR_NETWORK_DEFINE_*` flags). */
  defineNetwork?(xml: string, flags: number): Promise<NetworkRef>;
  /** Creates and starts a transient network (`VIR_NETWORK_CREATE_*` flags). */
  createNetwork?(xml: string, flags: number): Promise<NetworkRef>;
  startNetwork?(uuid: string): Promise<void>;
  destroyNetwork?(uuid: string): Promise<void>;
  undefineNetwork?(uuid: string): Promise<void>;
  networkSetAutostart?(uuid: string, on: boolean): Promise<void>;
  /** The network's DHCP leases, only those of `mac` when given. */
  networkDHCPLeases?(uuid: string, mac: string | undefined, flags: number): Promise<NetworkDHCPLease[]>;
  /** `virNetworkUpdate`: one command on one section (`VIR_NETWORK_UPDATE_*`, `VIR_NETWORK_SECTION_*`). */
  updateNetwork?(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void>;

  /** Calls `listener` for every lifecycle event until the returned function is called. */
  subscribe(listener: (e: DriverDomainEvent) => void): () => void;

  // Optional domain operations (QEMU driver); Connection raises `no-support` without them.
  /** Resets the guest at once, as the reset button does. */
  resetDomain?(uuid: string, flags: number): Promise<void>;
  /** Passes a command to the hypervisor monitor (QMP JSON, or HMP text with `hmp`); returns the reply text. */
  domainMonitorCommand?(uuid: string, command: string, hmp: boolean): Promise<string>;
  /** A screenshot of screen `screen`: its MIME type and bytes. */
  domainScreenshot?(uuid: string, screen: number): Promise<{ mime: string; data: Uint8Array }>;
  /** Block statistics of one disk (target or source path), by libvirt's parameter names. */
  domainBlockStats?(uuid: string, disk: string): Promise<[string, number][]>;
  /** Traffic statistics of one interface (target device or MAC), by libvirt's field names. */
  domainInterfaceStats?(uuid: string, iface: string): Promise<[string, number][]>;
  /** Statistics of the `VIR_DOMAIN_STATS_*` groups as `[key, value]` pairs (`domstats`). */
  domainStats?(uuid: string, groups: number): Promise<[string, number | string][]>;
  /** Opens a console, serial or parallel device (`devname` is its alias; default the first console). */
  domainOpenConsole?(uuid: string, devname: string | undefined, flags: number): Promise<ConsoleStream>;
  /** The native configuration for a domain XML (`domxml-to-native`, e.g. format `qemu-argv`). */
  domainXMLToNative?(format: string, xml: string): Promise<string>;
  // Resource tuning of a running domain (LXC driver): libvirt's typed parameters as [name, number].
  /** `memtune` values in KiB (`hard_limit`, `soft_limit`, `swap_hard_limit`). */
  domainMemoryParameters?(uuid: string, flags: number): Promise<[string, number][]>;
  domainSetMemoryParameters?(uuid: string, params: [string, number][], flags: number): Promise<void>;
  /** The scheduler name (`posix`) and its parameters (`cpu_shares`, `vcpu_period`, `vcpu_quota`). */
  domainSchedulerParameters?(uuid: string, flags: number): Promise<{ scheduler: string; params: [string, number][] }>;
  domainSetSchedulerParameters?(uuid: string, params: [string, number][], flags: number): Promise<void>;
  /** `blkiotune` values (`weight`). */
  domainBlkioParameters?(uuid: string, flags: number): Promise<[string, number][]>;
  domainSetBlkioParameters?(uuid: string, params: [string, number][], flags: number): Promise<void>;
  /** Runs a command (absolute path first) inside a container's namespaces with this process's stdio; returns its wait status. */
  domainLxcEnterNamespace?(uuid: string, argv: string[], flags: number): Promise<number>;

  /** Secrets, node devices and host statistics, when the driver has them (see `connect-host.ts`). */
  readonly services?: DriverServices;
}

/** An open console: bytes from the guest, bytes to it, and a way to let go. */
export interface ConsoleStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Closes the device; safe to call twice. */
  close(): void;
}

/** `domstats` groups (`virDomainStatsTypes`): state and reason. */
export const VIR_DOMAIN_STATS_STATE = 1 << 0;
/** Total CPU time. */
export const VIR_DOMAIN_STATS_CPU_TOTAL = 1 << 1;
/** Balloon and guest memory statistics. */
export const VIR_DOMAIN_STATS_BALLOON = 1 << 2;
/** Per-vCPU statistics. */
export const VIR_DOMAIN_STATS_VCPU = 1 << 3;
/** Per-interface statistics. */
export const VIR_DOMAIN_STATS_INTERFACE = 1 << 4;
/** Per-disk statistics. */
export const VIR_DOMAIN_STATS_BLOCK = 1 << 5;

/** Calls an optional driver method, or fails as libvirt does when a driver lacks it. */
function optional<K extends keyof DriverConnection>(
  drv: DriverConnection,
  name: K,
): NonNullable<DriverConnection[K]> {
  const f = drv[name];
  if (typeof f !== "function") {
    throw new VirtError(
      "no-support",
      "uri",
      `this function is not supported by the connection driver: ${String(name)}`,
    );
  }
  return (f as (...a: unknown[]) => unknown).bind(drv) as NonNullable<DriverConnection[K]>;
}

/** A hypervisor driver: opens connections for the URIs of its scheme. */
export interface Driver {
  /** The URI scheme it serves (`test`, `qemu` ...). */
  readonly name: string;
  open(uri: ConnectUri): Promise<DriverConnection>;
  /** The URI to use when none is given, if this driver can serve this host. */
  probe?(): Promise<string | undefined>;
}

// ---- the registry -----------------------------------------------------------

/**
 * Imports a module through a computed URL. Deno adds every literal
 * `import("...")` to the module graph it loads at start-up; drivers, models
 * and the like are imported this way so a command pays only for what it
 * runs. (`deno compile` embeds them through `--include`.)
 *
 * @example
 * ```ts
 * const m = await importLazily<typeof import("./uri.ts")>("./uri.ts", import.meta.url);
 * ```
 */
export function importLazily<T>(path: string, base: string): Promise<T> {
  return import(new URL(path, base).href);
}

type TestDriverModule = typeof import("../drivers/test/mod.ts");
type RemoteDriverModule = typeof import("../drivers/remote/mod.ts");
type QemuDriverModule = typeof import("../drivers/qemu/mod.ts");
type SecretDriverModule = typeof import("../drivers/secret/mod.ts");
type LxcDriverModule = typeof import("../drivers/lxc/lxc-driver.ts");

const registry = new Map<string, () => Promise<Driver>>([
  [
    "remote",
    async () =>
      (await importLazily<RemoteDriverModule>("../drivers/remote/mod.ts", import.meta.url)).driver,
  ],
  [
    "qemu",
    async () =>
      (await importLazily<QemuDriverModule>("../drivers/qemu/mod.ts", import.meta.url)).driver,
  ],
  [
    "test",
    async () =>
      (await importLazily<TestDriverModule>("../drivers/test/mod.ts", import.meta.url)).driver,
  ],
  [
    "secret",
    async () =>
      (await importLazily<SecretDriverModule>("../drivers/secret/mod.ts", import.meta.url)).driver,
  ],
  [
    "lxc",
    async () => (await importLazily<LxcDriverModule>("../drivers/lxc/lxc-driver.ts", import.meta.url)).driver,
  ],
]);

/**
 * Makes a driver available for the URIs of `scheme`. `load` runs the first
 * time such a URI is opened, so a driver costs nothing until it is used.
 * Remote URIs (with a transport or a host) go to the driver named `remote`.
 *
 * @example
 * ```ts
 * registerDriver("qemu", async () => (await importLazily<QemuModule>("../drivers/qemu/mod.ts", import.meta.url)).driver);
 * ```
 */
export function registerDriver(scheme: string, load: () => Promise<Driver>): void {
  registry.set(scheme, load);
}

/** The URI schemes drivers are registered for. */
export function registeredDrivers(): string[] {
  return [...registry.keys()].filter((s) => s !== "remote");
}

async function chooseUri(): Promise<string> {
  const env = defaultUri();
  if (env) return env;
  for (const scheme of registeredDrivers()) {
    const uri = await (await registry.get(scheme)!()).probe?.();
    if (uri) return uri;
  }
  throw new VirtError(
    "no-connect",
    "uri",
    `no connection URI given and no driver can serve this host: pass one (e.g. -c test:///default) or set ${DEFAULT_URI_ENV}`,
  );
}

/**
 * Opens a connection. Without a URI it uses `VIRTKIT_DEFAULT_URI`, then asks
 * each driver whether it can serve this host.
 *
 * @throws VirtError naming the bad part of the URI, or the unknown driver
 * @example
 * ```ts
 * const conn = await open("test:///default");
 * ```
 */
export async function open(uri?: string): Promise<Connection> {
  const text = uri === undefined || uri === "" ? await chooseUri() : uri;
  const parsed = parseUri(text);
  const scheme = parsed.remote ? "remote" : parsed.driver;
  const load = registry.get(scheme);
  if (!load) {
    if (parsed.remote) {
      throw new VirtError(
        "no-connect",
        "uri",
        `remote connections ('${text}') are not available: no remote driver is registered`,
      );
    }
    throw new VirtError(
      "no-connect",
      "uri",
      `unknown driver '${parsed.driver}' in URI '${text}'; available drivers: ${
        registeredDrivers().join(", ")
      }`,
    );
  }
  const driver = await load();
  return new Connection(await driver.open(parsed));
}

// ---- handles ----------------------------------------------------------------

/** A lifecycle event delivered by {@link Connection.domainEvents}. */
export interface DomainEvent {
  /** The domain the event is about. */
  domain: Domain;
  /** `VIR_DOMAIN_EVENT_*` type. */
  event: number;
  /** Detail number within the type. */
  detail: number;
  /** The type's name (`started`, `stopped` ...). */
  type: string;
  /** The detail's name (`booted`, `destroyed` ...). */
  reason: string;
}

/**
 * Runs `f`, returning its result as a promise and what it throws as a
 * rejection, so a synchronous failure reaches the caller's `await`.
 */
export function settle<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Whether `value` passes a pair of opposite filter flags (neither set passes everything). */
function pass(flags: number, yes: number, no: number, value: boolean): boolean {
  if (!(flags & (yes | no))) return true;
  return (flags & (value ? yes : no)) !== 0;
}

function listFilterMatches(d: DomainSummary, flags: number): boolean {
  const active = d.id !== -1;
  const pair = (yes: number, no: number, value: boolean) => pass(flags, yes, no, value);
  if (!pair(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE, active)) {
    return false;
  }
  if (
    !pair(VIR_CONNECT_LIST_DOMAINS_PERSISTENT, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, d.persistent)
  ) return false;
  if (
    !pair(
      VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
      VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
      d.managedSave,
    )
  ) return false;
  if (
    !pair(VIR_CONNECT_LIST_DOMAINS_AUTOSTART, VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, d.autostart)
  ) return false;
  if (
    !pair(
      VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
      VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
      d.hasSnapshot,
    )
  ) return false;
  if (
    !pair(
      VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
      VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
      d.hasCheckpoint,
    )
  ) return false;
  const states = VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER;
  if (flags & states) {
    const bit = d.state === VIR_DOMAIN_RUNNING
      ? VIR_CONNECT_LIST_DOMAINS_RUNNING
      : d.state === VIR_DOMAIN_PAUSED
      ? VIR_CONNECT_LIST_DOMAINS_PAUSED
      : d.state === VIR_DOMAIN_SHUTOFF
      ? VIR_CONNECT_LIST_DOMAINS_SHUTOFF
      : VIR_CONNECT_LIST_DOMAINS_OTHER;
    if (!(flags & bit)) return false;
  }
  return true;
}

function networkFilterMatches(n: NetworkSummary, flags: number): boolean {
  const pair = (yes: number, no: number, value: boolean) => pass(flags, yes, no, value);
  return pair(VIR_CONNECT_LIST_NETWORKS_ACTIVE, VIR_CONNECT_LIST_NETWORKS_INACTIVE, n.active) &&
    pair(VIR_CONNECT_LIST_NETWORKS_PERSISTENT, VIR_CONNECT_LIST_NETWORKS_TRANSIENT, n.persistent) &&
    pair(VIR_CONNECT_LIST_NETWORKS_AUTOSTART, VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, n.autostart);
}

function checkUuid(uuid: string): string {
  const canonical = parseUuid(uuid);
  if (canonical === undefined) {
    throw new VirtError("invalid-arg", "uri", `invalid UUID '${uuid}'`);
  }
  return canonical;
}

/** The optional network lifecycle methods of {@link DriverConnection}. */
type NetworkMethod =
  | "defineNetwork"
  | "createNetwork"
  | "startNetwork"
  | "destroyNetwork"
  | "undefineNetwork"
  | "networkSetAutostart"
  | "networkDHCPLeases"
  | "updateNetwork";

/**
 * An optional driver method bound to its driver, or `no-support` naming the
 * libvirt API (`virNetworkCreate` ...) when the driver lacks it.
 */
function driverMethod<K extends NetworkMethod>(
  drv: DriverConnection,
  method: K,
  api: string,
): NonNullable<DriverConnection[K]> {
  const f = drv[method];
  if (!f) {
    throw new VirtError(
      "no-support",
      "uri",
      `this function is not supported by the connection driver: ${api}`,
    );
  }
  return (f as (...a: unknown[]) => unknown).bind(drv) as NonNullable<DriverConnection[K]>;
}

/** An open connection to a driver (libvirt's `virConnect`). */
export class Connection {
  #drv: DriverConnection | undefined;

  /** Wraps a driver connection; use {@link open} instead. */
  constructor(drv: DriverConnection) {
    this.#drv = drv;
  }

  /** The driver connection; throws once the connection is closed. */
  get driver(): DriverConnection {
    if (!this.#drv) throw new VirtError("invalid-conn", "uri", "the connection is closed");
    return this.#drv;
  }

  /** Closes the connection; handles obtained from it stop working. */
  async close(): Promise<void> {
    const d = this.#drv;
    this.#drv = undefined;
    await d?.close();
  }

  /** The canonical URI of the connection. */
  getURI(): Promise<string> {
    return settle(() => this.driver.uri);
  }

  /** The hypervisor type (`TEST`, `QEMU` ...). */
  getType(): Promise<string> {
    return settle(() => this.driver.type);
  }

  /** The host name of the hypervisor host. */
  async getHostname(): Promise<string> {
    return await this.driver.hostname();
  }

  /** The hypervisor version (major * 1e6 + minor * 1e3 + micro). */
  async getVersion(): Promise<number> {
    return await this.driver.hypervisorVersion();
  }

  /** virtkit's own version in the same encoding. */
  getLibVersion(): Promise<number> {
    const [major, minor, micro] = VERSION.split(".").map(Number);
    return Promise.resolve(major * 1_000_000 + minor * 1000 + micro);
  }

  /** The host's processors and memory. */
  async getInfo(): Promise<NodeInfo> {
    return await this.driver.nodeInfo();
  }

  /** The host capabilities XML. */
  async getCapabilities(): Promise<string> {
    return await this.driver.capabilities();
  }

  /** `[model, doi]` of the host's security driver, or undefined without one. */
  async getSecurityModel(): Promise<[string, string] | undefined> {
    const m = await this.driver.securityModel();
    return m && [m.model, m.doi];
  }

  /** Whether the connection is open. */
  isAlive(): Promise<boolean> {
    return Promise.resolve(this.#drv !== undefined);
  }

  /** Domains matching `flags` (`VIR_CONNECT_LIST_DOMAINS_*`; 0 lists all). */
  async listAllDomains(flags = 0): Promise<Domain[]> {
    const all = await this.driver.listDomains();
    return all.filter((d) => listFilterMatches(d, flags)).map((d) => new Domain(this, d));
  }

  /** Domain summaries matching `flags`, for listings that need the state of each. */
  async listAllDomainSummaries(flags = 0): Promise<DomainSummary[]> {
    return (await this.driver.listDomains()).filter((d) => listFilterMatches(d, flags));
  }

  /** The domain called `name`; throws `no-domain` when there is none. */
  async lookupByName(name: string): Promise<Domain> {
    return new Domain(this, await this.driver.lookupDomain({ name }));
  }

  /** The domain with this UUID; throws `invalid-arg` for a malformed UUID, `no-domain` when missing. */
  async lookupByUUIDString(uuid: string): Promise<Domain> {
    return new Domain(this, await this.driver.lookupDomain({ uuid: checkUuid(uuid) }));
  }

  /** The running domain with this id; throws `no-domain` when there is none. */
  async lookupByID(id: number): Promise<Domain> {
    return new Domain(this, await this.driver.lookupDomain({ id }));
  }

  /** Defines (or redefines) a persistent domain from XML. */
  async defineXML(xml: string): Promise<Domain> {
    return new Domain(this, await this.driver.defineDomain(xml, 0));
  }

  /** {@link defineXML} with `VIR_DOMAIN_DEFINE_*` flags. */
  async defineXMLFlags(xml: string, flags = 0): Promise<Domain> {
    return new Domain(this, await this.driver.defineDomain(xml, flags));
  }

  /** Creates and starts a transient domain from XML (`VIR_DOMAIN_START_*` flags). */
  async createXML(xml: string, flags = 0): Promise<Domain> {
    return new Domain(this, await this.driver.createDomain(xml, flags));
  }

  /** The native configuration of a domain XML, e.g. format `qemu-argv` (`domxml-to-native`). */
  async domainXMLToNative(format: string, xml: string): Promise<string> {
    return await settle(() => optional(this.driver, "domainXMLToNative")(format, xml));
  }

  /** Networks matching `flags` (`VIR_CONNECT_LIST_NETWORKS_*`; 0 lists all). */
  async listAllNetworks(flags = 0): Promise<Network[]> {
    return (await this.listAllNetworkSummaries(flags)).map((n) => new Network(this, n));
  }

  /** Network summaries matching `flags`. */
  async listAllNetworkSummaries(flags = 0): Promise<NetworkSummary[]> {
    return (await this.driver.listNetworks()).filter((n) => networkFilterMatches(n, flags));
  }

  /** The network called `name`; throws `no-network` when there is none. */
  async networkLookupByName(name: string): Promise<Network> {
    return new Network(this, await this.driver.lookupNetwork({ name }));
  }

  /** The network with this UUID; throws `no-network` when there is none. */
  async networkLookupByUUIDString(uuid: string): Promise<Network> {
    return new Network(this, await this.driver.lookupNetwork({ uuid: checkUuid(uuid) }));
  }

  /** Defines (or redefines) a persistent network from XML. */
  networkDefineXML(xml: string): Promise<Network> {
    return this.networkDefineXMLFlags(xml, 0);
  }

  /** {@link networkDefineXML} with `VIR_NETWORK_DEFINE_*` flags. */
  async networkDefineXMLFlags(xml: string, flags = 0): Promise<Network> {
    const define = driverMethod(this.driver, "defineNetwork", "virNetworkDefineXMLFlags");
    return new Network(this, await define(xml, flags));
  }

  /** Creates and starts a transient network from XML. */
  networkCreateXML(xml: string): Promise<Network> {
    return this.networkCreateXMLFlags(xml, 0);
  }

  /** {@link networkCreateXML} with `VIR_NETWORK_CREATE_*` flags. */
  async networkCreateXMLFlags(xml: string, flags = 0): Promise<Network> {
    const create = driverMethod(this.driver, "createNetwork", "virNetworkCreateXMLFlags");
    return new Network(this, await create(xml, flags));
  }

  /** Secrets matching `flags` (`VIR_CONNECT_LIST_SECRETS_*`; 0 lists all). */
  listAllSecrets(flags = 0): Promise<Secret[]> {
    return hostApi.listAllSecrets(this, flags);
  }

  /** The UUIDs of every secret. */
  async listSecrets(): Promise<string[]> {
    return (await this.listAllSecrets()).map((s) => s.UUIDString());
  }

  /** How many secrets there are. */
  async numOfSecrets(): Promise<number> {
    return (await this.listAllSecrets()).length;
  }

  /** Defines a secret, or updates the one with the same UUID (`VIR_SECRET_DEFINE_*` flags). */
  secretDefineXML(xml: string, flags = 0): Promise<Secret> {
    return hostApi.secretDefineXML(this, xml, flags);
  }

  /** The secret with this UUID; throws `invalid-arg` for a malformed UUID, `no-secret` when missing. */
  async secretLookupByUUIDString(uuid: string): Promise<Secret> {
    const key = { uuid: await settle(() => checkUuid(uuid)) };
    return await hostApi.secretLookup(this, key, "virSecretLookupByUUIDString");
  }

  /** The secret with this UUID, given as 16 bytes. */
  async secretLookupByUUID(uuid: Uint8Array): Promise<Secret> {
    const key = { uuid: await settle(() => uuidFromBytes(uuid)) };
    return await hostApi.secretLookup(this, key, "virSecretLookupByUUID");
  }

  /** The secret used for `usageID` (`VIR_SECRET_USAGE_TYPE_*`); throws `no-secret` when none is. */
  secretLookupByUsage(usageType: number, usageID: string): Promise<Secret> {
    return hostApi.secretLookup(this, { usageType, usageID }, "virSecretLookupByUsage");
  }

  /** Host devices matching `flags` (`VIR_CONNECT_LIST_NODE_DEVICES_*`; 0 lists all). */
  listAllDevices(flags = 0): Promise<NodeDevice[]> {
    return hostApi.listAllDevices(this, flags, undefined);
  }

  /** The names of the host devices with capability `cap` (every device when undefined). */
  async listDevices(cap?: string, flags = 0): Promise<string[]> {
    return (await hostApi.listAllDevices(this, flags, cap)).map((d) => d.name());
  }

  /** The host device called `name`; throws `no-node-device` when there is none. */
  nodeDeviceLookupByName(name: string): Promise<NodeDevice> {
    return hostApi.nodeDeviceLookupByName(this, name);
  }

  /** Creates a transient host device (a mediated device) from XML. */
  nodeDeviceCreateXML(xml: string, flags = 0): Promise<NodeDevice> {
    return hostApi.nodeDeviceFromXML(this, "create", xml, flags);
  }

  /** Defines a persistent host device (a mediated device) from XML. */
  nodeDeviceDefineXML(xml: string, flags = 0): Promise<NodeDevice> {
    return hostApi.nodeDeviceFromXML(this, "define", xml, flags);
  }

  /** The domain capabilities XML of an emulator; unset arguments take the driver's defaults. */
  async getDomainCapabilities(
    emulatorbin?: string,
    arch?: string,
    machine?: string,
    virttype?: string,
    flags = 0,
  ): Promise<string> {
    const f = serviceMethod(this.driver, "domainCapabilities", "virConnectGetDomainCapabilities");
    return await f({ emulatorbin, arch, machine, virttype }, flags);
  }

  /** Memory statistics in KiB (`total`, `free`, `buffers`, `cached`) of the host or one NUMA cell. */
  async getMemoryStats(cellNum = -1, _flags = 0): Promise<Record<string, number>> {
    const f = serviceMethod(this.driver, "memoryStats", "virNodeGetMemoryStats");
    return Object.fromEntries(await f(cellNum));
  }

  /** CPU times in nanoseconds (`kernel`, `user`, `idle`, `iowait`) of all CPUs or one. */
  async getCPUStats(cpuNum = -1, _flags = 0): Promise<Record<string, number>> {
    const f = serviceMethod(this.driver, "cpuStats", "virNodeGetCPUStats");
    return Object.fromEntries(await f(cpuNum));
  }

  /**
   * Lifecycle events of every domain on this connection, as an async
   * iterator. Events that happen while nobody awaits are queued; leaving the
   * `for await` loop (or calling `return()`) unsubscribes.
   *
   * @example
   * ```ts
   * for await (const e of conn.domainEvents()) {
   *   console.log(e.domain.name(), e.type, e.reason);
   *   if (e.type === "stopped") break;
   * }
   * ```
   */
  domainEvents(): AsyncIterableIterator<DomainEvent> {
    const queue: DomainEvent[] = [];
    let wake: ((r: IteratorResult<DomainEvent>) => void) | undefined;
    let done = false;
    const unsubscribe = this.driver.subscribe((e) => {
      const names = DOMAIN_EVENT_NAMES[e.event];
      const ev: DomainEvent = {
        domain: new Domain(this, e.domain),
        event: e.event,
        detail: e.detail,
        type: names?.[0] ?? "unknown",
        reason: names?.[1][e.detail] ?? "unknown",
      };
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: ev, done: false });
      } else queue.push(ev);
    });
    const finish = (): Promise<IteratorResult<DomainEvent>> => {
      if (!done) {
        done = true;
        unsubscribe();
        wake?.({ value: undefined, done: true });
        wake = undefined;
      }
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        const ev = queue.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/** A handle on one domain (libvirt's `virDomain`). */
export class Domain {
  readonly #conn: Connection;
  #ref: DomainRef;

  /** Wraps a domain reference; get handles from a {@link Connection}. */
  constructor(conn: Connection, ref: DomainRef) {
    this.#conn = conn;
    this.#ref = { name: ref.name, uuid: ref.uuid, id: ref.id };
  }

  /** The connection this handle belongs to. */
  connect(): Connection {
    return this.#conn;
  }

  /** The domain's name. */
  name(): string {
    return this.#ref.name;
  }

  /** The domain's UUID in canonical form. */
  UUIDString(): string {
    return this.#ref.uuid;
  }

  /** The runtime id as of the last call through this handle; -1 while inactive. */
  ID(): number {
    return this.#ref.id;
  }

  get #drv(): DriverConnection {
    return this.#conn.driver;
  }

  /** Starts a defined domain (`VIR_DOMAIN_START_*` flags). */
  async create(flags = 0): Promise<void> {
    this.#ref = await this.#drv.startDomain(this.#ref.uuid, flags);
  }

  /** Same as {@link create}, under libvirt-python's other name. */
  createWithFlags(flags = 0): Promise<void> {
    return this.create(flags);
  }

  /** Stops the domain at once. */
  async destroy(flags = 0): Promise<void> {
    await this.#drv.destroyDomain(this.#ref.uuid, flags);
    this.#ref.id = -1;
  }

  /** Asks the guest to shut down. */
  async shutdown(flags = 0): Promise<void> {
    this.#ref = await this.#drv.shutdownDomain(this.#ref.uuid, flags);
  }

  /** Asks the guest to reboot. */
  async reboot(flags = 0): Promise<void> {
    this.#ref = await this.#drv.rebootDomain(this.#ref.uuid, flags);
  }

  /** Pauses the domain's vCPUs. */
  async suspend(): Promise<void> {
    return await this.#drv.suspendDomain(this.#ref.uuid);
  }

  /** Resumes a paused domain. */
  async resume(): Promise<void> {
    return await this.#drv.resumeDomain(this.#ref.uuid);
  }

  /** Removes the persistent definition; a running domain becomes transient. */
  async undefine(flags = 0): Promise<void> {
    return await this.#drv.undefineDomain(this.#ref.uuid, flags);
  }

  /** Same as {@link undefine}, under libvirt-python's other name. */
  undefineFlags(flags = 0): Promise<void> {
    return this.undefine(flags);
  }

  /** The domain XML (`VIR_DOMAIN_XML_*` flags). */
  async XMLDesc(flags = 0): Promise<string> {
    return await this.#drv.domainXML(this.#ref.uuid, flags);
  }

  /** State, memory, vCPUs and CPU time. */
  async info(): Promise<DomainInfo> {
    return await this.#drv.domainInfo(this.#ref.uuid);
  }

  /** `[state, reason]`: `VIR_DOMAIN_*` and its reason number. */
  async state(): Promise<[number, number]> {
    return await this.#drv.domainState(this.#ref.uuid);
  }

  /** The guest OS type (`hvm`, `linux` ...). */
  async OSType(): Promise<string> {
    return await this.#drv.domainOSType(this.#ref.uuid);
  }

  /** Marks the domain to start (or not) when the host starts. */
  async setAutostart(autostart: boolean): Promise<void> {
    return await this.#drv.domainSetAutostart(this.#ref.uuid, autostart);
  }

  /** Whether the domain starts when the host starts. */
  async autostart(): Promise<boolean> {
    return (await this.#drv.domainSummary(this.#ref.uuid)).autostart;
  }

  /** Whether the domain is running or paused. */
  async isActive(): Promise<boolean> {
    return (await this.#drv.domainSummary(this.#ref.uuid)).id !== -1;
  }

  /** Whether the domain has a persistent definition. */
  async isPersistent(): Promise<boolean> {
    return (await this.#drv.domainSummary(this.#ref.uuid)).persistent;
  }

  /** Whether a managed save image exists. */
  async hasManagedSaveImage(): Promise<boolean> {
    return (await this.#drv.domainSummary(this.#ref.uuid)).managedSave;
  }

  /** A vCPU count (`VIR_DOMAIN_AFFECT_*` and `VIR_DOMAIN_VCPU_MAXIMUM` flags). */
  async vcpusFlags(flags = 0): Promise<number> {
    return await this.#drv.domainVcpus(this.#ref.uuid, flags);
  }

  /** Maximum memory in KiB. */
  async maxMemory(): Promise<number> {
    return (await this.info()).maxMem;
  }

  /** Balloon statistics by name (`actual`, `rss` ...), in KiB. */
  async memoryStats(): Promise<Record<string, number>> {
    return Object.fromEntries(await this.#drv.domainMemoryStats(this.#ref.uuid));
  }

  /** Memory statistics in the driver's order. */
  async memoryStatsList(): Promise<[string, number][]> {
    return await this.#drv.domainMemoryStats(this.#ref.uuid);
  }

  /** `[label, enforcing]`, or undefined when no security driver labels domains. */
  async securityLabel(): Promise<[string, boolean] | undefined> {
    return await this.#drv.domainSecurityLabel(this.#ref.uuid);
  }

  /** Resets the guest at once, as the reset button does. */
  async reset(flags = 0): Promise<void> {
    await settle(() => optional(this.#drv, "resetDomain")(this.#ref.uuid, flags));
  }

  /** Sends a command to the QEMU monitor: QMP JSON, or HMP text with `hmp`; returns the reply. */
  async qemuMonitorCommand(command: string, hmp = false): Promise<string> {
    return await settle(() => optional(this.#drv, "domainMonitorCommand")(this.#ref.uuid, command, hmp));
  }

  /** A screenshot of a screen: its MIME type and bytes. */
  async screenshot(screen = 0): Promise<{ mime: string; data: Uint8Array }> {
    return await settle(() => optional(this.#drv, "domainScreenshot")(this.#ref.uuid, screen));
  }

  /** Block statistics of a disk (target name or source path), by libvirt's parameter names. */
  async blockStatsFlags(disk: string): Promise<Record<string, number>> {
    const list = await settle(() => optional(this.#drv, "domainBlockStats")(this.#ref.uuid, disk));
    return Object.fromEntries(list);
  }

  /** Traffic statistics of an interface (target device or MAC), by libvirt's field names. */
  async interfaceStats(iface: string): Promise<Record<string, number>> {
    const list = await settle(() => optional(this.#drv, "domainInterfaceStats")(this.#ref.uuid, iface));
    return Object.fromEntries(list);
  }

  /** Statistics of the `VIR_DOMAIN_STATS_*` groups (0: all) as `[key, value]` pairs. */
  async stats(groups = 0): Promise<[string, number | string][]> {
    return await settle(() => optional(this.#drv, "domainStats")(this.#ref.uuid, groups));
  }

  /** Opens a console, serial or parallel device by alias (default: the first console). */
  async openConsole(devname?: string, flags = 0): Promise<ConsoleStream> {
    return await settle(() => optional(this.#drv, "domainOpenConsole")(this.#ref.uuid, devname, flags));
  }

  /** `memtune` values in KiB by libvirt's names (`hard_limit` ...); unlimited is 9007199254740991. */
  async memoryParameters(flags = 0): Promise<Record<string, number>> {
    return Object.fromEntries(
      await settle(() => optional(this.#drv, "domainMemoryParameters")(this.#ref.uuid, flags)),
    );
  }

  /** Changes `memtune` values (KiB) of the running domain. */
  async setMemoryParameters(params: Record<string, number>, flags = 0): Promise<void> {
    await settle(() =>
      optional(this.#drv, "domainSetMemoryParameters")(this.#ref.uuid, Object.entries(params), flags)
    );
  }

  /** `[scheduler, number of parameters]` (libvirt-python's `schedulerType`). */
  async schedulerType(): Promise<[string, number]> {
    const r = await settle(() => optional(this.#drv, "domainSchedulerParameters")(this.#ref.uuid, 0));
    return [r.scheduler, r.params.length];
  }

  /** Scheduler parameters by name (`cpu_shares`, `vcpu_period`, `vcpu_quota`). */
  async schedulerParametersFlags(flags = 0): Promise<Record<string, number>> {
    const r = await settle(() => optional(this.#drv, "domainSchedulerParameters")(this.#ref.uuid, flags));
    return Object.fromEntries(r.params);
  }

  /** Changes scheduler parameters of the running domain. */
  async setSchedulerParametersFlags(params: Record<string, number>, flags = 0): Promise<void> {
    await settle(() =>
      optional(this.#drv, "domainSetSchedulerParameters")(this.#ref.uuid, Object.entries(params), flags)
    );
  }

  /** `blkiotune` values by name (`weight`). */
  async blkioParameters(flags = 0): Promise<Record<string, number>> {
    return Object.fromEntries(
      await settle(() => optional(this.#drv, "domainBlkioParameters")(this.#ref.uuid, flags)),
    );
  }

  /** Changes `blkiotune` values of the running domain. */
  async setBlkioParameters(params: Record<string, number>, flags = 0): Promise<void> {
    await settle(() =>
      optional(this.#drv, "domainSetBlkioParameters")(this.#ref.uuid, Object.entries(params), flags)
    );
  }

  /**
   * Runs a command inside the container's namespaces and cgroups with this
   * process's standard input and output; returns its wait status.
   */
  async lxcEnterNamespace(argv: string[], flags = 0): Promise<number> {
    return await settle(() => optional(this.#drv, "domainLxcEnterNamespace")(this.#ref.uuid, argv, flags));
  }

  /** Identity and list facts in one call. */
  async summary(): Promise<DomainSummary> {
    return await this.#drv.domainSummary(this.#ref.uuid);
  }
}

/** A handle on one virtual network (libvirt's `virNetwork`). */
export class Network {
  readonly #conn: Connection;
  readonly #ref: NetworkRef;

  /** Wraps a network reference; get handles from a {@link Connection}. */
  constructor(conn: Connection, ref: NetworkRef) {
    this.#conn = conn;
    this.#ref = { name: ref.name, uuid: ref.uuid };
  }

  /** The connection this handle belongs to. */
  connect(): Connection {
    return this.#conn;
  }

  /** The network's name. */
  name(): string {
    return this.#ref.name;
  }

  /** The network's UUID in canonical form. */
  UUIDString(): string {
    return this.#ref.uuid;
  }

  /** The network XML (`VIR_NETWORK_XML_INACTIVE` for the persistent config). */
  async XMLDesc(flags = 0): Promise<string> {
    return await this.#conn.driver.networkXML(this.#ref.uuid, flags);
  }

  /** Whether the network is running. */
  async isActive(): Promise<boolean> {
    return (await this.summary()).active;
  }

  /** Whether the network has a persistent definition. */
  async isPersistent(): Promise<boolean> {
    return (await this.summary()).persistent;
  }

  /** Whether the network starts when the host starts. */
  async autostart(): Promise<boolean> {
    return (await this.summary()).autostart;
  }

  /** The name of the network's bridge device. */
  async bridgeName(): Promise<string> {
    return await this.#conn.driver.networkBridgeName(this.#ref.uuid);
  }

  /** Starts a defined network. */
  async create(): Promise<void> {
    await driverMethod(this.#conn.driver, "startNetwork", "virNetworkCreate")(this.#ref.uuid);
  }

  /** Stops the network; a transient network goes away. */
  async destroy(): Promise<void> {
    await driverMethod(this.#conn.driver, "destroyNetwork", "virNetworkDestroy")(this.#ref.uuid);
  }

  /** Removes the persistent definition of an inactive network. */
  async undefine(): Promise<void> {
    await driverMethod(this.#conn.driver, "undefineNetwork", "virNetworkUndefine")(this.#ref.uuid);
  }

  /** Marks the network to start (or not) with the host. */
  async setAutostart(autostart: boolean | number): Promise<void> {
    const set = driverMethod(this.#conn.driver, "networkSetAutostart", "virNetworkSetAutostart");
    await set(this.#ref.uuid, Boolean(autostart));
  }

  /** The network's DHCP leases, only those of `mac` when given. */
  async DHCPLeases(mac?: string, flags = 0): Promise<NetworkDHCPLease[]> {
    const leases = driverMethod(this.#conn.driver, "networkDHCPLeases", "virNetworkGetDHCPLeases");
    return await leases(this.#ref.uuid, mac ?? undefined, flags);
  }

  /**
   * Changes one entry of the network's definition (`VIR_NETWORK_UPDATE_COMMAND_*`
   * on a `VIR_NETWORK_SECTION_*`, with `VIR_NETWORK_UPDATE_AFFECT_*` flags).
   *
   * @example
   * ```ts
   * await net.update(VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1,
   *   "<host mac='52:54:00:00:00:07' ip='192.168.122.7'/>", VIR_NETWORK_UPDATE_AFFECT_LIVE);
   * ```
   */
  async update(
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags = 0,
  ): Promise<void> {
    const update = driverMethod(this.#conn.driver, "updateNetwork", "virNetworkUpdate");
    await update(this.#ref.uuid, command, section, parentIndex, xml, flags);
  }

  /** Identity and list facts in one call. */
  async summary(): Promise<NetworkSummary> {
    return await this.#conn.driver.networkSummary(this.#ref.uuid);
  }
}
