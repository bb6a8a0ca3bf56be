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
import { type Driver, type DriverConnection, importLazily, type LookupKey } from "../../src/connect.ts";
import { type ConnectUri, formatUri } from "../../src/uri.ts";
import { DEFAULT_DOMAIN, DEFAULT_NETWORK, DEFAULT_NODE_INFO, defaultCells } from "./default-host.ts";
import * as domains from "./domains.ts";
import { netRef, netSummary, ref, summary, TestHost } from "./host.ts";
import * as networks from "./networks.ts";

/** The libvirt hypervisor version the test driver reports (0.0.2). */
const HYPERVISOR_VERSION = 2;

let defaultHost: TestHost | undefined;

function buildDefaultHost(): TestHost {
  const host = new TestHost({ ...DEFAULT_NODE_INFO }, defaultCells());
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

  constructor(readonly uri: string, private readonly host: TestHost, private readonly onClose: () => void) {
    host.refs++;
  }

  close(): Promise<void> {
    if (--this.host.refs === 0) this.onClose();
    return Promise.resolve();
  }

  hostname(): Promise<string> {
    return Promise.resolve(Deno.hostname());
  }

  hypervisorVersion(): Promise<number> {
    return Promise.resolve(HYPERVISOR_VERSION);
  }

  nodeInfo() {
    return Promise.resolve({ ...this.host.nodeInfo });
  }

  capabilities(): Promise<string> {
    return this.host.capabilities();
  }

  securityModel() {
    return Promise.resolve({ model: "testSecurity", doi: "" });
  }

  listDomains() {
    return Promise.resolve(this.host.domains.map(summary));
  }

  lookupDomain(key: LookupKey) {
    return Promise.resolve(ref(this.host.findDomain(key)));
  }

  defineDomain(xml: string, flags: number) {
    return domains.defineDomain(this.host, xml, flags);
  }

  createDomain(xml: string, flags: number) {
    return domains.createDomain(this.host, xml, flags);
  }

  startDomain(uuid: string, flags: number) {
    return domains.startDomain(this.host, uuid, flags);
  }

  destroyDomain(uuid: string, flags: number): Promise<void> {
    return Promise.resolve(domains.destroyDomain(this.host, uuid, flags));
  }

  shutdownDomain(uuid: string, flags: number) {
    return domains.shutdownDomain(this.host, uuid, flags);
  }

  rebootDomain(uuid: string, flags: number) {
    return domains.rebootDomain(this.host, uuid, flags);
  }

  suspendDomain(uuid: string): Promise<void> {
    return Promise.resolve(domains.suspendDomain(this.host, uuid));
  }

  resumeDomain(uuid: string): Promise<void> {
    return Promise.resolve(domains.resumeDomain(this.host, uuid));
  }

  undefineDomain(uuid: string, flags: number) {
    return domains.undefineDomain(this.host, uuid, flags);
  }

  async domainSummary(uuid: string) {
    const dom = this.host.findDomain({ uuid });
    await this.host.def(dom);
    return summary(dom);
  }

  domainXML(uuid: string, flags: number) {
    return domains.domainXML(this.host, uuid, flags);
  }

  domainInfo(uuid: string) {
    return domains.domainInfo(this.host, uuid);
  }

  domainState(uuid: string): Promise<[number, number]> {
    const dom = this.host.findDomain({ uuid });
    return Promise.resolve([dom.state, dom.reason]);
  }

  domainOSType(uuid: string): Promise<string> {
    this.host.findDomain({ uuid });
    return Promise.resolve("linux");
  }

  domainSetAutostart(uuid: string, on: boolean): Promise<void> {
    return Promise.resolve(domains.setAutostart(this.host, uuid, on));
  }

  domainVcpus(uuid: string, flags: number) {
    return domains.domainVcpus(this.host, uuid, flags);
  }

  domainMemoryStats(uuid: string) {
    return domains.domainMemoryStats(this.host, uuid);
  }

  domainSecurityLabel(uuid: string): Promise<[string, boolean] | undefined> {
    const dom = this.host.findDomain({ uuid });
    return Promise.resolve(dom.id === -1 ? undefined : ["libvirt-test", true]);
  }

  listNetworks() {
    return Promise.resolve(this.host.networks.map(netSummary));
  }

  lookupNetwork(key: { name: string } | { uuid: string }) {
    return Promise.resolve(netRef(this.host.findNetwork(key)));
  }

  networkSummary(uuid: string) {
    return Promise.resolve(netSummary(this.host.findNetwork({ uuid })));
  }

  networkXML(uuid: string, flags: number) {
    return networks.networkXML(this.host, uuid, flags);
  }

  networkBridgeName(uuid: string) {
    return networks.networkBridgeName(this.host, uuid);
  }

  subscribe(listener: Parameters<DriverConnection["subscribe"]>[0]) {
    return this.host.subscribe(listener);
  }
}

async function open(uri: ConnectUri): Promise<DriverConnection> {
  const canonical = formatUri(uri);
  if (uri.path === "/") {
    throw new VirtError("invalid-arg", "test", `the test driver needs a path: test:///default or test:///PATH/TO/HOST.xml, not '${canonical}'`);
  }
  if (uri.path === "/default") {
    const host = defaultHost ??= buildDefaultHost();
    return new TestConnection(canonical, host, () => {
      if (defaultHost === host) defaultHost = undefined;
    });
  }
  const { loadHostFile } = await importLazily<typeof import("./host-file.ts")>("./host-file.ts", import.meta.url);
  return new TestConnection(canonical, await loadHostFile(uri.path), () => {});
}

/** The test driver, registered for `test://` URIs. */
export const driver: Driver = { name: "test", open };
