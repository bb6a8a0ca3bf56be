/**
 * Network operations of the test driver, in memory as in libvirt's test
 * driver: queries, define, create, start, destroy, undefine, autostart and
 * update. Networks are parsed only when their XML or bridge is asked for.
 * @module
 */
import type { NetworkDef } from "../../src/conf/network/mod.ts";
import {
  importLazily,
  type NetworkRef,
  VIR_NETWORK_CREATE_VALIDATE,
  VIR_NETWORK_DEFINE_VALIDATE,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
} from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { checkFlags } from "./domains.ts";
import type { TestHost, TestNetwork } from "./host.ts";

type NetworkModel = typeof import("../../src/conf/network/mod.ts");

let networkModel: Promise<NetworkModel> | undefined;

/** The network model module, imported once. */
export function loadNetworkModel(): Promise<NetworkModel> {
  return networkModel ??= importLazily<NetworkModel>(
    "../../src/conf/network/mod.ts",
    import.meta.url,
  );
}

/** Parses a network's pending XML, once, and returns its definition. */
export async function networkDef(net: TestNetwork): Promise<NetworkDef> {
  if (!net.def) {
    const { parseNetworkXml } = await loadNetworkModel();
    net.def = parseNetworkXml(net.source!, { inactive: true });
    net.source = undefined;
  }
  return net.def;
}

/**
 * The network XML: the current definition (the live one while active).
 * Like libvirt's test driver, it takes no flags, `VIR_NETWORK_XML_INACTIVE`
 * included.
 */
export async function networkXML(host: TestHost, uuid: string, flags: number): Promise<string> {
  const net = host.findNetwork({ uuid });
  checkFlags(flags, 0, "net-dumpxml");
  const { formatNetworkXml } = await loadNetworkModel();
  return formatNetworkXml(await networkDef(net), { inactive: false });
}

/** The name of the network's bridge device. */
export async function networkBridgeName(host: TestHost, uuid: string): Promise<string> {
  const net = host.findNetwork({ uuid });
  const bridge = net.bridge ?? (await networkDef(net)).bridge?.name;
  if (!bridge) {
    throw new VirtError(
      "internal-error",
      "test",
      `network '${net.name}' does not have a bridge name`,
    );
  }
  return bridge;
}

/** Parses network XML as the test host takes it (`validate` rejects unknown elements). */
async function parseNetwork(xml: string, validate: boolean): Promise<NetworkDef> {
  const { parseNetworkXml } = await loadNetworkModel();
  return parseNetworkXml(xml, { inactive: true, validate });
}

/**
 * Finds the network a new definition replaces, refusing a name or UUID
 * that belongs to another network (libvirt's messages).
 */
function findClash(host: TestHost, def: NetworkDef): TestNetwork | undefined {
  const byUuid = host.networks.find((n) => n.uuid === def.uuid);
  if (byUuid && byUuid.name !== def.name) {
    throw new VirtError(
      "operation-failed",
      "test",
      `network '${byUuid.name}' is already defined with uuid ${def.uuid}`,
    );
  }
  const byName = host.networks.find((n) => n.name === def.name);
  if (!byUuid && byName) {
    throw new VirtError(
      "operation-failed",
      "test",
      `network '${def.name}' already exists with uuid ${byName.uuid}`,
    );
  }
  return byUuid;
}

function newNetwork(def: NetworkDef, persistent: boolean, active: boolean): TestNetwork {
  return {
    name: def.name,
    uuid: def.uuid,
    active,
    persistent,
    autostart: false,
    bridge: def.bridge?.name,
    def,
  };
}

/** Defines a persistent network, or replaces the config of an existing one. */
export async function defineNetwork(host: TestHost, xml: string, flags: number): Promise<NetworkRef> {
  checkFlags(flags, VIR_NETWORK_DEFINE_VALIDATE, "net-define");
  const def = await parseNetwork(xml, (flags & VIR_NETWORK_DEFINE_VALIDATE) !== 0);
  const net = findClash(host, def);
  if (!net) {
    host.networks.push(newNetwork(def, true, false));
  } else {
    await networkDef(net);
    if (net.active) net.newDef = def;
    else {
      net.def = def;
      net.bridge = def.bridge?.name;
    }
    net.persistent = true;
  }
  return { name: def.name, uuid: def.uuid };
}

/** Creates and starts a transient network. */
export async function createNetwork(host: TestHost, xml: string, flags: number): Promise<NetworkRef> {
  checkFlags(flags, VIR_NETWORK_CREATE_VALIDATE, "net-create");
  const def = await parseNetwork(xml, (flags & VIR_NETWORK_CREATE_VALIDATE) !== 0);
  const net = findClash(host, def);
  if (!net) host.networks.push(newNetwork(def, false, true));
  else {
    if (net.active) {
      throw new VirtError("operation-invalid", "test", `network is already active as '${net.name}'`);
    }
    await networkDef(net);
    if (net.persistent) net.newDef = net.def;
    net.def = def;
    net.bridge = def.bridge?.name;
    net.active = true;
  }
  return { name: def.name, uuid: def.uuid };
}

/** Starts a defined network. */
export function startNetwork(host: TestHost, uuid: string): void {
  const net = host.findNetwork({ uuid });
  if (net.active) {
    throw new VirtError("operation-invalid", "test", `Network '${net.name}' is already running`);
  }
  net.active = true;
}

/**
 * Stops a network, as libvirt's test driver does: even when it is not
 * running, and keeping the definition it ran with (live changes included).
 */
export function destroyNetwork(host: TestHost, uuid: string): void {
  const net = host.findNetwork({ uuid });
  net.active = false;
  if (!net.persistent) host.removeNetwork(net);
}

/** Removes the definition of an inactive network. */
export function undefineNetwork(host: TestHost, uuid: string): void {
  const net = host.findNetwork({ uuid });
  if (net.active) {
    throw new VirtError("operation-invalid", "test", `Network '${net.name}' is still running`);
  }
  host.removeNetwork(net);
}

/** Marks a network to start with the host (libvirt's test driver takes transient ones too). */
export function setNetworkAutostart(host: TestHost, uuid: string, on: boolean): void {
  host.findNetwork({ uuid }).autostart = on;
}

/** `virNetworkUpdate` on the in-memory definitions. */
export async function updateNetwork(
  host: TestHost,
  uuid: string,
  command: number,
  section: number,
  parentIndex: number,
  xml: string,
  flags: number,
): Promise<void> {
  const both = VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  checkFlags(flags, both, "net-update");
  const net = host.findNetwork({ uuid });
  const current = await networkDef(net);
  let live = (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE) !== 0;
  let config = (flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) !== 0;
  if (!live && !config) {
    live = net.active;
    config = !net.active;
  }
  if (live && !net.active) {
    throw new VirtError("operation-invalid", "test", "network is not running");
  }
  if (config && !net.persistent) {
    throw new VirtError(
      "operation-invalid",
      "test",
      "cannot change persistent config of a transient network",
    );
  }
  const { applyNetworkUpdate } = await importLazily<typeof import("../../src/net/update.ts")>(
    "../../src/net/update.ts",
    import.meta.url,
  );
  const newLive = live ? structuredClone(current) : undefined;
  const newConfig = config ? structuredClone(net.active ? net.newDef ?? current : current) : undefined;
  if (newLive) applyNetworkUpdate(newLive, command, section, parentIndex, xml);
  if (newConfig) applyNetworkUpdate(newConfig, command, section, parentIndex, xml);
  if (net.active) {
    if (newLive) net.def = newLive;
    if (newConfig) net.newDef = newConfig;
  } else if (newConfig) {
    net.def = newConfig;
  }
}
