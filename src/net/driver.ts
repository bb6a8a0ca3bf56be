/**
 * The network driver: virtual networks kept on disk and run on this host.
 * Every stateful connection (QEMU, LXC) embeds one, so `qemu:///embed?root=X`
 * and `lxc:///embed?root=X` share the networks under `X/etc/network/`
 * ({@link networkDriverFor}).
 *
 * A network's persistent definition is `CONFIG/NAME.xml`; while it runs,
 * its live definition (with the bridge name and MAC it was given) is
 * `STATUS/NAME.xml`, and its dnsmasq files are under `STATUS/dnsmasq/`.
 * Starting a network checks it against the host and every other network
 * before changing anything, then creates the bridge, the firewall table
 * and dnsmasq in that order, undoing what was done when a step fails.
 *
 * The methods have the names and signatures of the network methods of
 * {@link DriverConnection}, so a connection delegates to them one to one.
 * @module
 */
import type { NetworkDef } from "../conf/network/def.ts";
import { ipSubnet } from "../conf/network/ip.ts";
import { formatIp, type IpAddress, networkAddress, parseIp } from "../conf/network/ipaddr.ts";
import { formatNetworkXml, parseNetworkXml } from "../conf/network/mod.ts";
import { generateMac } from "../conf/ids.ts";
import {
  type DriverConnection,
  type LookupKey,
  type NetworkDHCPLease,
  type NetworkRef,
  type NetworkSummary,
  VIR_NETWORK_CREATE_VALIDATE,
  VIR_NETWORK_DEFINE_VALIDATE,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
  VIR_NETWORK_XML_INACTIVE,
} from "../connect.ts";
import { VirtError } from "../errors.ts";
import {
  checkObjectName,
  ObjectStore,
  type StateLocation,
  statePaths,
  withObjectLock,
} from "../state/mod.ts";
import { checkIfName, listLinks, listRoutes } from "../sys/mod.ts";
import {
  bridgeName,
  checkHostBridge,
  createNetworkBridge,
  linkExists,
  managesBridge,
  removeNetworkBridge,
} from "./bridge.ts";
import { networkToDnsmasq } from "./dnsmasq.ts";
import {
  dnsmasqPaths,
  needsDnsmasq,
  readLeases,
  reloadDnsmasq,
  removeDnsmasqFiles,
  startDnsmasq,
  stopDnsmasq,
  writeDnsmasqFiles,
} from "./dnsmasq-process.ts";
import { addFirewall, enableForwarding, needsFirewall, removeFirewall } from "./nat.ts";
import { applyNetworkUpdate } from "./update.ts";

/** The network methods of a connection, all of which {@link NetworkDriver} implements. */
export type NetworkDriverMethods = Required<
  Pick<
    DriverConnection,
    | "listNetworks"
    | "lookupNetwork"
    | "networkSummary"
    | "networkXML"
    | "networkBridgeName"
    | "defineNetwork"
    | "createNetwork"
    | "startNetwork"
    | "destroyNetwork"
    | "undefineNetwork"
    | "networkSetAutostart"
    | "networkDHCPLeases"
    | "updateNetwork"
  >
>;

/** The names of {@link NetworkDriverMethods}, for connections that delegate them in a loop. */
export const NETWORK_DRIVER_METHODS: readonly (keyof NetworkDriverMethods)[] = [
  "listNetworks",
  "lookupNetwork",
  "networkSummary",
  "networkXML",
  "networkBridgeName",
  "defineNetwork",
  "createNetwork",
  "startNetwork",
  "destroyNetwork",
  "undefineNetwork",
  "networkSetAutostart",
  "networkDHCPLeases",
  "updateNetwork",
];

/** One network as found on disk. */
interface Entry {
  name: string;
  /** The persistent definition, when it has one. */
  config?: NetworkDef;
  /** The live definition, while it runs. */
  live?: NetworkDef;
}

/** A subnet of a network, for overlap checks. */
interface Subnet {
  address: IpAddress;
  prefix: number;
  text: string;
}

function subnets(def: NetworkDef): Subnet[] {
  const out: Subnet[] = [];
  for (const ip of def.ips) {
    const s = ipSubnet(ip);
    if (s.prefix === undefined) continue;
    const net = networkAddress(s.address, s.prefix);
    out.push({ address: net, prefix: s.prefix, text: `${formatIp(net)}/${s.prefix}` });
  }
  return out;
}

/** Whether two subnets share any address. */
function overlaps(a: Subnet, b: Subnet): boolean {
  if (a.address.family !== b.address.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  return networkAddress(a.address, p).value === networkAddress(b.address, p).value;
}

function noNetwork(what: string): VirtError {
  return new VirtError("no-network", "network", `no network with matching ${what}`);
}

function invalid(message: string): VirtError {
  return new VirtError("operation-invalid", "network", message);
}

function checkFlags(flags: number, allowed: number, api: string): void {
  const extra = flags & ~allowed;
  if (extra) {
    throw new VirtError(
      "invalid-arg",
      "network",
      `${api}: unsupported flags (0x${extra.toString(16)})`,
    );
  }
}

/** An undo step of a start that failed half-way. */
type Undo = () => Promise<void> | void;

/** The networks of one state location (system, session, or an embed root). */
export class NetworkDriver implements NetworkDriverMethods {
  /** The definitions, live status and autostart links. */
  readonly store: ObjectStore;
  readonly #lockFile: string;

  /** Networks under the `network` driver folders of `location`; see {@link networkDriverFor}. */
  constructor(location: StateLocation) {
    this.store = new ObjectStore(statePaths("network", location), "networks", {
      domain: "network",
    });
    this.#lockFile = `${this.store.statusDir}/driver.lock`;
  }

  // ---- reading ------------------------------------------------------------

  /** Runs `fn` holding the driver's lock: every change is made under it. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withObjectLock(this.#lockFile, fn);
  }

  async #entry(name: string): Promise<Entry | undefined> {
    const [configXml, liveXml] = await Promise.all([
      this.store.read(name),
      this.store.readStatus(name),
    ]);
    if (configXml === undefined && liveXml === undefined) return undefined;
    const config = configXml === undefined
      ? undefined
      : parseNetworkXml(configXml, { inactive: true });
    let live = liveXml === undefined ? undefined : parseNetworkXml(liveXml);
    if (live && this.#stale(live)) live = undefined;
    if (!config && !live) return undefined;
    return { name, config, live };
  }

  /** A live definition whose bridge vanished (the host rebooted, or someone deleted it). */
  #stale(live: NetworkDef): boolean {
    return managesBridge(live) && !linkExists(bridgeName(live));
  }

  async #entries(): Promise<Entry[]> {
    const names = new Set([...(await this.store.list()), ...(await this.store.listStatus())]);
    const out: Entry[] = [];
    for (const name of [...names].sort()) {
      const e = await this.#entry(name);
      if (e) out.push(e);
    }
    return out;
  }

  async #find(key: { name: string } | { uuid: string }): Promise<Entry> {
    if ("name" in key) {
      checkObjectName(key.name, "networks", "network");
      const e = await this.#entry(key.name);
      if (!e) throw noNetwork(`name '${key.name}'`);
      return e;
    }
    const e = (await this.#entries()).find((x) => (x.live ?? x.config)!.uuid === key.uuid);
    if (!e) throw noNetwork(`uuid '${key.uuid}'`);
    return e;
  }

  async #summary(e: Entry): Promise<NetworkSummary> {
    const def = (e.live ?? e.config)!;
    return {
      name: e.name,
      uuid: def.uuid,
      active: e.live !== undefined,
      persistent: e.config !== undefined,
      autostart: e.config !== undefined && await this.store.autostart(e.name),
    };
  }

  /** Every network, with the facts listings filter on. */
  async listNetworks(): Promise<NetworkSummary[]> {
    const out: NetworkSummary[] = [];
    for (const e of await this.#entries()) out.push(await this.#summary(e));
    return out;
  }

  /** The network by name or UUID; `no-network` when there is none. */
  async lookupNetwork(key: LookupKey): Promise<NetworkRef> {
    if ("id" in key) throw noNetwork(`id ${key.id}`);
    const e = await this.#find(key);
    return { name: e.name, uuid: (e.live ?? e.config)!.uuid };
  }

  /** Identity and list facts of one network. */
  async networkSummary(uuid: string): Promise<NetworkSummary> {
    return await this.#summary(await this.#find({ uuid }));
  }

  /** The live XML, or the persistent one with `VIR_NETWORK_XML_INACTIVE` (or when inactive). */
  async networkXML(uuid: string, flags: number): Promise<string> {
    checkFlags(flags, VIR_NETWORK_XML_INACTIVE, "virNetworkGetXMLDesc");
    const e = await this.#find({ uuid });
    const inactive = (flags & VIR_NETWORK_XML_INACTIVE) !== 0;
    const def = inactive ? e.config ?? e.live! : e.live ?? e.config!;
    return formatNetworkXml(def, { inactive: inactive || !e.live });
  }

  /** The bridge a network's guests attach to. */
  async networkBridgeName(uuid: string): Promise<string> {
    const e = await this.#find({ uuid });
    return bridgeName((e.live ?? e.config)!);
  }

  /**
   * The live definition of the running network `name`, for attaching guests.
   *
   * @throws VirtError `no-network`, or `operation-invalid` when it is not running
   */
  async activeNetwork(name: string): Promise<NetworkDef> {
    const e = await this.#find({ name });
    if (!e.live) throw invalid(`network '${name}' is not active`);
    return e.live;
  }

  // ---- defining -----------------------------------------------------------

  /** Parses XML, names it, and checks it against every other network (libvirt's messages). */
  #prepare(xml: string, validate: boolean, others: Entry[]): NetworkDef {
    const def = parseNetworkXml(xml, { inactive: true, validate });
    checkObjectName(def.name, "networks", "network");
    const byUuid = others.find((e) => (e.live ?? e.config)!.uuid === def.uuid);
    if (byUuid && byUuid.name !== def.name) {
      throw new VirtError(
        "operation-failed",
        "network",
        `network '${byUuid.name}' is already defined with uuid ${def.uuid}`,
      );
    }
    const byName = others.find((e) => e.name === def.name);
    if (!byUuid && byName) {
      throw new VirtError(
        "operation-failed",
        "network",
        `network '${def.name}' already exists with uuid ${(byName.live ?? byName.config)!.uuid}`,
      );
    }
    const rest = others.filter((e) => e.name !== def.name);
    if (managesBridge(def)) {
      const previous = byName?.config ?? byName?.live;
      def.bridge ??= {};
      if (!def.bridge.name || def.bridge.name.includes("%d")) {
        def.bridge.name = previous?.bridge?.name ?? freeBridgeName(def.bridge.name, rest);
      }
      def.mac ??= previous?.mac ?? generateMac();
      if (needsDnsmasq(def)) networkToDnsmasq(def, { stateDir: this.store.statusDir });
    }
    const bridge = def.bridge?.name;
    if (bridge !== undefined) {
      checkIfName(bridge);
      const user = rest.find((e) =>
        [e.config, e.live].some((d) => d?.bridge?.name === bridge && managesBridge(d))
      );
      if (user && managesBridge(def)) {
        throw new VirtError(
          "operation-failed",
          "network",
          `bridge name '${bridge}' already in use by network '${user.name}'`,
        );
      }
    }
    return def;
  }

  /** Defines (or redefines) a persistent network; a running one keeps its live definition. */
  defineNetwork(xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(flags, VIR_NETWORK_DEFINE_VALIDATE, "virNetworkDefineXMLFlags");
    return this.#locked(async () => {
      const def = this.#prepare(
        xml,
        (flags & VIR_NETWORK_DEFINE_VALIDATE) !== 0,
        await this.#entries(),
      );
      await this.store.write(def.name, formatNetworkXml(def, { inactive: true }));
      return { name: def.name, uuid: def.uuid };
    });
  }

  /** Creates and starts a transient network (or starts an inactive one with this definition). */
  createNetwork(xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(flags, VIR_NETWORK_CREATE_VALIDATE, "virNetworkCreateXMLFlags");
    return this.#locked(async () => {
      const all = await this.#entries();
      const def = this.#prepare(xml, (flags & VIR_NETWORK_CREATE_VALIDATE) !== 0, all);
      if (all.find((e) => e.name === def.name)?.live) {
        throw invalid(`network is already active as '${def.name}'`);
      }
      await this.#start(def, all);
      return { name: def.name, uuid: def.uuid };
    });
  }

  /** Starts a defined network. */
  startNetwork(uuid: string): Promise<void> {
    return this.#locked(async () => {
      const all = await this.#entries();
      const e = all.find((x) => (x.live ?? x.config)!.uuid === uuid);
      if (!e) throw noNetwork(`uuid '${uuid}'`);
      if (e.live) throw invalid(`network '${e.name}' is already active`);
      await this.#start(structuredClone(e.config!), all);
    });
  }

  /** Starts every autostart network that is not running; returns the names started. */
  autostartNetworks(): Promise<string[]> {
    return this.#locked(async () => {
      const started: string[] = [];
      for (const name of await this.store.autostartNames()) {
        const all = await this.#entries();
        const e = all.find((x) => x.name === name);
        if (!e?.config || e.live) continue;
        await this.#start(structuredClone(e.config), all);
        started.push(name);
      }
      return started;
    });
  }

  /** Removes the persistent definition; a running network goes on as a transient one. */
  undefineNetwork(uuid: string): Promise<void> {
    return this.#locked(async () => {
      const e = await this.#find({ uuid });
      if (!e.config) throw invalid(`network '${e.name}' is not persistent`);
      await this.store.remove(e.name);
      if (!e.live) await removeDnsmasqFiles(dnsmasqPaths(this.store.statusDir, e.name));
    });
  }

  /** Turns autostart on or off for a persistent network. */
  networkSetAutostart(uuid: string, on: boolean): Promise<void> {
    return this.#locked(async () => {
      const e = await this.#find({ uuid });
      if (!e.config) throw invalid("cannot set autostart for transient network");
      await this.store.setAutostart(e.name, on);
    });
  }

  // ---- running ------------------------------------------------------------

  /** Refuses a start that would clash with the host or another running network. */
  #checkStart(def: NetworkDef, all: Entry[]): void {
    const mine = subnets(def);
    for (const other of all) {
      if (other.name === def.name || !other.live) continue;
      for (const a of mine) {
        const b = subnets(other.live).find((s) => overlaps(a, s));
        if (b) {
          throw invalid(
            `subnet ${a.text} of network '${def.name}' overlaps subnet ${b.text} of active network '${other.name}'`,
          );
        }
      }
      if (managesBridge(def) && other.live.bridge?.name === def.bridge?.name) {
        throw invalid(
          `bridge name '${def.bridge?.name}' is in use by active network '${other.name}'`,
        );
      }
    }
    if (!managesBridge(def)) {
      if (def.forward?.mode === "bridge" && def.bridge?.name) checkHostBridge(def.bridge.name);
      return;
    }
    const bridge = bridgeName(def);
    if (linkExists(bridge)) {
      throw invalid(`bridge name '${bridge}' is already in use by a device on the host`);
    }
    const names = new Map(listLinks().map((l) => [l.index, l.name]));
    for (const family of ["ipv4", "ipv6"] as const) {
      if (!mine.some((s) => s.address.family === family)) continue;
      for (const r of listRoutes({ family })) {
        if (r.dst === "default" || r.type !== 1) continue;
        const [addr, len] = r.dst.split("/");
        const address = parseIp(addr);
        if (!address) continue;
        const route: Subnet = {
          address,
          prefix: Number(len ?? (family === "ipv4" ? 32 : 128)),
          text: r.dst,
        };
        if (route.prefix === 0) continue;
        const hit = mine.find((s) => overlaps(s, route));
        if (hit) {
          const dev = r.index === undefined
            ? ""
            : ` on interface '${names.get(r.index) ?? r.index}'`;
          throw invalid(
            `subnet ${hit.text} of network '${def.name}' is already in use by the host route ${r.dst}${dev}`,
          );
        }
      }
    }
  }

  /** Checks, then brings a network up on the host, undoing everything if a step fails. */
  async #start(def: NetworkDef, all: Entry[]): Promise<void> {
    this.#checkStart(def, all);
    const undo: Undo[] = [];
    try {
      if (managesBridge(def)) {
        createNetworkBridge(def);
        undo.push(() => removeNetworkBridge(bridgeName(def)));
        await enableForwarding(def);
        if (needsFirewall(def)) {
          await addFirewall(def);
          undo.push(() => removeFirewall(bridgeName(def)));
        }
        if (needsDnsmasq(def)) {
          const paths = dnsmasqPaths(this.store.statusDir, def.name);
          undo.push(() => stopDnsmasq(paths));
          await startDnsmasq(def, paths);
        }
      }
      await this.store.writeStatus(def.name, formatNetworkXml(def));
    } catch (e) {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch { /* keep undoing; the first error is the one to report */ }
      }
      throw e;
    }
  }

  /** Takes a running network down: dnsmasq, the firewall table, the bridge, the status. */
  async #stop(e: Entry): Promise<void> {
    const live = e.live!;
    const errors: unknown[] = [];
    const step = async (f: () => Promise<void> | void) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    const paths = dnsmasqPaths(this.store.statusDir, e.name);
    if (managesBridge(live)) {
      await step(() => stopDnsmasq(paths));
      if (needsFirewall(live)) await step(() => removeFirewall(bridgeName(live)));
      await step(() => removeNetworkBridge(bridgeName(live)));
    }
    await step(() => this.store.removeStatus(e.name).then(() => {}));
    if (!e.config) await step(() => removeDnsmasqFiles(paths));
    if (errors.length) throw errors[0];
  }

  /** Stops a running network; a transient one is gone afterwards. */
  destroyNetwork(uuid: string): Promise<void> {
    return this.#locked(async () => {
      const e = await this.#find({ uuid });
      if (!e.live) {
        // A status file whose bridge vanished: clean up what is left of it.
        const stale = await this.store.readStatus(e.name);
        if (stale === undefined) throw invalid(`network '${e.name}' is not active`);
        await this.#stop({ ...e, live: parseNetworkXml(stale) });
        return;
      }
      await this.#stop(e);
    });
  }

  /** The DHCP leases dnsmasq handed out on the network (only `mac`'s when given). */
  async networkDHCPLeases(
    uuid: string,
    mac: string | undefined,
    flags: number,
  ): Promise<NetworkDHCPLease[]> {
    checkFlags(flags, 0, "virNetworkGetDHCPLeases");
    const e = await this.#find({ uuid });
    const def = (e.live ?? e.config)!;
    return await readLeases(def, dnsmasqPaths(this.store.statusDir, e.name), mac);
  }

  /**
   * `virNetworkUpdate`: changes the live network (its dnsmasq re-reads its
   * hosts files, or restarts when its configuration changed), the persistent
   * definition, or both.
   */
  updateNetwork(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void> {
    const both = VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    checkFlags(flags, both, "virNetworkUpdate");
    return this.#locked(async () => {
      const e = await this.#find({ uuid });
      let live = (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE) !== 0;
      let config = (flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) !== 0;
      if (!live && !config) {
        live = e.live !== undefined;
        config = !live;
      }
      if (live && !e.live) throw invalid(`network '${e.name}' is not active`);
      if (config && !e.config) {
        throw invalid("cannot change persistent config of a transient network");
      }
      // Both copies are changed before either is saved, so a bad update changes nothing.
      const newConfig = config ? structuredClone(e.config!) : undefined;
      const newLive = live ? structuredClone(e.live!) : undefined;
      if (newConfig) applyNetworkUpdate(newConfig, command, section, parentIndex, xml);
      if (newLive) applyNetworkUpdate(newLive, command, section, parentIndex, xml);
      if (newConfig) {
        await this.store.write(e.name, formatNetworkXml(newConfig, { inactive: true }));
      }
      if (newLive) {
        await this.store.writeStatus(e.name, formatNetworkXml(newLive));
        await this.#refreshDnsmasq(newLive);
      }
    });
  }

  /** Passes a changed live definition to the network's dnsmasq. */
  async #refreshDnsmasq(def: NetworkDef): Promise<void> {
    if (!managesBridge(def) || !needsDnsmasq(def)) return;
    const paths = dnsmasqPaths(this.store.statusDir, def.name);
    if (await writeDnsmasqFiles(def, paths) || !(await reloadDnsmasq(paths))) {
      await stopDnsmasq(paths);
      await startDnsmasq(def, paths);
    }
  }
}

/** A name for a bridge from a `virbr%d`-style template: the first not used by a network or a device. */
function freeBridgeName(template: string | undefined, others: Entry[]): string {
  const pattern = template ?? "virbr%d";
  const used = new Set(others.flatMap((e) => [e.config, e.live].map((d) => d?.bridge?.name)));
  for (let n = 0; n < 1000; n++) {
    const name = pattern.replace("%d", String(n));
    if (!used.has(name) && !linkExists(name)) return name;
  }
  throw new VirtError("internal-error", "network", `no free bridge name for template '${pattern}'`);
}

const drivers = new Map<string, NetworkDriver>();

/**
 * The network driver of a state location, one per location in a process.
 * QEMU and LXC connections embed it and delegate their network methods
 * ({@link NETWORK_DRIVER_METHODS}) to it.
 *
 * @example
 * ```ts
 * const net = networkDriverFor(stateLocation(parseUri("qemu:///embed?root=/srv/vm")));
 * await net.listNetworks();
 * ```
 */
export function networkDriverFor(location: StateLocation): NetworkDriver {
  const key = statePaths("network", location).configDir;
  let d = drivers.get(key);
  if (!d) drivers.set(key, d = new NetworkDriver(location));
  return d;
}
