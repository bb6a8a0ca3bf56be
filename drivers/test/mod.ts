/**
 * The test driver: a fake hypervisor that keeps everything in memory, for
 * trying virtkit and testing programs against it without touching the host.
 *
 * - `test:///default` is the host libvirt's test driver starts with (the
 *   running domain `test`, the network `default`); every connection in a
 *   process shares it, and it is gone when the last one closes.
 * - `test:///PATH.xml` loads a host description (`<node>` with `<cpu>`,
 *   `<memory>`, `<domain>` and `<network>` elements) into a host of its own.
 *
 * @example
 * ```ts
 * import { open } from "../../mod.ts";
 * const conn = await open("test:///default");
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import {
  type Driver,
  type DriverConnection,
  type DriverServices,
  importLazily,
  type LookupKey,
  settle,
} from "../../src/connect.ts";
import { type ConnectUri, formatUri } from "../../src/uri.ts";
import {
  DEFAULT_DOMAIN,
  DEFAULT_NETWORK,
  DEFAULT_NODE_INFO,
  defaultCells,
} from "./default-host.ts";
import { netRef, netSummary, ref, summary, TestHost } from "./host.ts";

type Domains = typeof import("./domains.ts");
type NodeDevs = typeof import("./nodedevs.ts");

/**
 * The test host's services (node devices, CPU statistics), loaded on first
 * use so that other commands never pay for the node device model.
 */
function lazyTestServices(defaultHost: boolean): DriverServices {
  let loaded: Promise<DriverServices> | undefined;
  const load = () =>
    loaded ??= importLazily<NodeDevs>("./nodedevs.ts", import.meta.url).then((m) => m.testServices(defaultHost));
  return {
    nodeDevices: {
      list: async () => (await load()).nodeDevices!.list(),
      lookup: async (name) => (await load()).nodeDevices!.lookup(name),
      xml: async (name, flags) => (await load()).nodeDevices!.xml(name, flags),
    },
    cpuStats: async (cpu) => (await load()).cpuStats!(cpu),
  };
}
type Networks = typeof import("./networks.ts");

let domainsModule: Promise<Domains> | undefined;
let networksModule: Promise<Networks> | undefined;

/** Domain operations, loaded on the first one (listing needs none of them). */
function domainOps(): Promise<Domains> {
  return domainsModule ??= importLazily<Domains>("./domains.ts", import.meta.url);
}

/** Network operations, loaded on the first one. */
function networkOps(): Promise<Networks> {
  return networksModule ??= importLazily<Networks>("./networks.ts", import.meta.url);
}

/** The libvirt hypervisor version the test driver reports (0.0.2). */
const HYPERVISOR_VERSION = 2;

let defaultHost: TestHost | undefined;

function buildDefaultHost(): TestHost {
  const host = new TestHost({ ...DEFAULT_NODE_INFO }, defaultCells);
  host.domains.push({
    name: DEFAULT_DOMAIN.name,
    uuid: DEFAULT_DOMAIN.uuid,
    id: host.nextId(),
    state: 1,
    reason: 0,
    persistent: true,
    autostart: false,
    managedSave: false,
    source: DEFAULT_DOMAIN.xml,
  });
  host.networks.push({
    name: DEFAULT_NETWORK.name,
    uuid: DEFAULT_NETWORK.uuid,
    active: true,
    persistent: true,
    autostart: false,
    bridge: DEFAULT_NETWORK.bridge,
    source: DEFAULT_NETWORK.xml,
  });
  return host;
}

/** One connection to a test host. */
class TestConnection implements DriverConnection {
  readonly type = "TEST";
  readonly services: DriverServices;

  constructor(
    readonly uri: string,
    private readonly host: TestHost,
    private readonly onClose: () => void,
  ) {
    host.refs++;
    this.services = lazyTestServices(uri === "test:///default");
  }

  close(): Promise<void> {
    return settle(() => {
      if (--this.host.refs === 0) this.onClose();
    });
  }

  hostname(): Promise<string> {
    return settle(() => Deno.hostname());
  }

  hypervisorVersion(): Promise<number> {
    return settle(() => HYPERVISOR_VERSION);
  }

  nodeInfo() {
    return settle(() => ({ ...this.host.nodeInfo }));
  }

  capabilities(): Promise<string> {
    return this.host.capabilities();
  }

  securityModel() {
    return settle(() => ({ model: "testSecurity", doi: "" }));
  }

  listDomains() {
    return settle(() => this.host.domains.map(summary));
  }

  lookupDomain(key: LookupKey) {
    return settle(() => ref(this.host.findDomain(key)));
  }

  async defineDomain(xml: string, flags: number) {
    return (await domainOps()).defineDomain(this.host, xml, flags);
  }

  async createDomain(xml: string, flags: number) {
    return (await domainOps()).createDomain(this.host, xml, flags);
  }

  async startDomain(uuid: string, flags: number) {
    return (await domainOps()).startDomain(this.host, uuid, flags);
  }

  async destroyDomain(uuid: string, flags: number): Promise<void> {
    (await domainOps()).destroyDomain(this.host, uuid, flags);
  }

  async shutdownDomain(uuid: string, flags: number) {
    return (await domainOps()).shutdownDomain(this.host, uuid, flags);
  }

  async rebootDomain(uuid: string, flags: number) {
    return (await domainOps()).rebootDomain(this.host, uuid, flags);
  }

  async suspendDomain(uuid: string): Promise<void> {
    (await domainOps()).suspendDomain(this.host, uuid);
  }

  async resumeDomain(uuid: string): Promise<void> {
    (await domainOps()).resumeDomain(this.host, uuid);
  }

  async undefineDomain(uuid: string, flags: number) {
    return (await domainOps()).undefineDomain(this.host, uuid, flags);
  }

  async domainSummary(uuid: string) {
    const dom = this.host.findDomain({ uuid });
    await this.host.def(dom);
    return summary(dom);
  }

  async domainXML(uuid: string, flags: number) {
    return (await domainOps()).domainXML(this.host, uuid, flags);
  }

  async domainInfo(uuid: string) {
    return (await domainOps()).domainInfo(this.host, uuid);
  }

  domainState(uuid: string): Promise<[number, number]> {
    return settle(() => {
      const dom = this.host.findDomain({ uuid });
      return [dom.state, dom.reason];
    });
  }

  domainOSType(uuid: string): Promise<string> {
    return settle(() => {
      this.host.findDomain({ uuid });
      return "linux";
    });
  }

  async domainSetAutostart(uuid: string, on: boolean): Promise<void> {
    (await domainOps()).setAutostart(this.host, uuid, on);
  }

  async domainVcpus(uuid: string, flags: number) {
    return (await domainOps()).domainVcpus(this.host, uuid, flags);
  }

  async domainMemoryStats(uuid: string) {
    return (await domainOps()).domainMemoryStats(this.host, uuid);
  }

  domainSecurityLabel(uuid: string): Promise<[string, boolean] | undefined> {
    return settle(() => {
      const dom = this.host.findDomain({ uuid });
      return dom.id === -1 ? undefined : ["libvirt-test", true];
    });
  }

  listNetworks() {
    return settle(() => this.host.networks.map(netSummary));
  }

  lookupNetwork(key: { name: string } | { uuid: string }) {
    return settle(() => netRef(this.host.findNetwork(key)));
  }

  networkSummary(uuid: string) {
    return settle(() => netSummary(this.host.findNetwork({ uuid })));
  }

  async networkXML(uuid: string, flags: number) {
    return (await networkOps()).networkXML(this.host, uuid, flags);
  }

  async networkBridgeName(uuid: string) {
    return (await networkOps()).networkBridgeName(this.host, uuid);
  }

  async defineNetwork(xml: string, flags: number) {
    return (await networkOps()).defineNetwork(this.host, xml, flags);
  }

  async createNetwork(xml: string, flags: number) {
    return (await networkOps()).createNetwork(this.host, xml, flags);
  }

  async startNetwork(uuid: string): Promise<void> {
    (await networkOps()).startNetwork(this.host, uuid);
  }

  async destroyNetwork(uuid: string): Promise<void> {
    (await networkOps()).destroyNetwork(this.host, uuid);
  }

  async undefineNetwork(uuid: string): Promise<void> {
    (await networkOps()).undefineNetwork(this.host, uuid);
  }

  async networkSetAutostart(uuid: string, on: boolean): Promise<void> {
    (await networkOps()).setNetworkAutostart(this.host, uuid, on);
  }

  async updateNetwork(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void> {
    await (await networkOps()).updateNetwork(
      this.host,
      uuid,
      command,
      section,
      parentIndex,
      xml,
      flags,
    );
  }

  subscribe(listener: Parameters<DriverConnection["subscribe"]>[0]) {
    return this.host.subscribe(listener);
  }
}

async function open(uri: ConnectUri): Promise<DriverConnection> {
  const canonical = formatUri(uri);
  if (uri.path === "/") {
    throw new VirtError(
      "invalid-arg",
      "test",
      `the test driver needs a path: test:///default or test:///PATH/TO/HOST.xml, not '${canonical}'`,
    );
  }
  if (uri.path === "/default") {
    const host = defaultHost ??= buildDefaultHost();
    return new TestConnection(canonical, host, () => {
      if (defaultHost === host) defaultHost = undefined;
    });
  }
  const { loadHostFile } = await importLazily<typeof import("./host-file.ts")>(
    "./host-file.ts",
    import.meta.url,
  );
  return new TestConnection(canonical, await loadHostFile(uri.path), () => {});
}

/** The test driver, registered for `test://` URIs. */
export const driver: Driver = { name: "test", open };
