/**
 * The state of one fake test host: its domains and networks, node
 * information, NUMA cells, the next domain id and the event listeners.
 * Everything lives in memory, as in libvirt's test driver.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/mod.ts";
import type { NetworkDef } from "../../src/conf/network/mod.ts";
import { VirtError } from "../../src/errors.ts";
import {
  type DomainRef,
  type DomainSummary,
  type DriverDomainEvent,
  importLazily,
  type LookupKey,
  type NetworkRef,
  type NetworkSummary,
} from "../../src/connect.ts";
import type { Capabilities, CapsCell } from "../../src/host/capabilities.ts";
import type { NodeInfo } from "../../src/host/nodeinfo.ts";

type Model = typeof import("./model.ts");

/** A domain on the test host. */
export interface TestDomain {
  name: string;
  uuid: string;
  /** Runtime id, -1 while inactive. */
  id: number;
  /** `VIR_DOMAIN_*` state and its reason. */
  state: number;
  reason: number;
  persistent: boolean;
  autostart: boolean;
  managedSave: boolean;
  /** The current definition: the live one while active, else the persistent one. */
  def?: DomainDef;
  /** The persistent definition while a persistent domain is active. */
  newDef?: DomainDef;
  /** XML still to be parsed into `def` (the default host's domain). */
  source?: string;
}

/** A virtual network on the test host. */
export interface TestNetwork {
  name: string;
  uuid: string;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  /** The bridge device name, known before the definition is parsed. */
  bridge?: string;
  /** The current definition (the live one while active), once parsed. */
  def?: NetworkDef;
  /** The persistent definition waiting for a running network to stop. */
  newDef?: NetworkDef;
  /** XML still to be parsed into `def` (the default host's network). */
  source?: string;
}

/** The fake host behind one `test://` connection (or all `test:///default` ones). */
export class TestHost {
  /** Domains in definition order. */
  readonly domains: TestDomain[] = [];
  /** Networks in definition order. */
  readonly networks: TestNetwork[] = [];
  /** Open connections sharing this host. */
  refs = 0;
  #nextId = 1;
  readonly #listeners = new Set<(e: DriverDomainEvent) => void>();

  /**
   * @param nodeInfo what `nodeinfo` reports
   * @param cells the NUMA cells for the capabilities, computed when first asked for
   */
  constructor(readonly nodeInfo: NodeInfo, private readonly cells: () => CapsCell[]) {}

  /** Takes the next runtime id. */
  nextId(): number {
    return this.#nextId++;
  }

  /** The domain for a lookup key, or a `no-domain` error. */
  findDomain(key: LookupKey): TestDomain {
    let dom: TestDomain | undefined;
    let what: string;
    if ("name" in key) {
      dom = this.domains.find((d) => d.name === key.name);
      what = `name '${key.name}'`;
    } else if ("uuid" in key) {
      dom = this.domains.find((d) => d.uuid === key.uuid);
      what = `uuid '${key.uuid}'`;
    } else {
      dom = key.id >= 0 ? this.domains.find((d) => d.id === key.id) : undefined;
      what = `id ${key.id}`;
    }
    if (!dom) throw new VirtError("no-domain", "test", `no domain with matching ${what}`);
    return dom;
  }

  /** The network for a lookup key, or a `no-network` error. */
  findNetwork(key: { name: string } | { uuid: string }): TestNetwork {
    const net = "name" in key
      ? this.networks.find((n) => n.name === key.name)
      : this.networks.find((n) => n.uuid === key.uuid);
    if (!net) {
      const what = "name" in key ? `name '${key.name}'` : `uuid '${key.uuid}'`;
      throw new VirtError("no-network", "test", `no network with matching ${what}`);
    }
    return net;
  }

  /** Parses a domain's pending XML, once, and returns its current definition. */
  async def(dom: TestDomain): Promise<DomainDef> {
    if (!dom.def) {
      const { parseTestDomain } = await importLazily<Model>("./model.ts", import.meta.url);
      const def = await parseTestDomain(dom.source!, false);
      dom.source = undefined;
      if (dom.id === -1) dom.def = def;
      else {
        dom.def = { ...def, id: dom.id };
        if (dom.persistent) dom.newDef = def;
      }
    }
    return dom.def;
  }

  /** Removes a network from the host. */
  removeNetwork(net: TestNetwork): void {
    const i = this.networks.indexOf(net);
    if (i !== -1) this.networks.splice(i, 1);
  }

  /** Removes a domain from the host. */
  remove(dom: TestDomain): void {
    const i = this.domains.indexOf(dom);
    if (i !== -1) this.domains.splice(i, 1);
  }

  /** Sends a lifecycle event to every listener of this host. */
  emit(dom: TestDomain, event: number, detail: number): void {
    const e: DriverDomainEvent = { domain: ref(dom), event, detail };
    for (const l of this.#listeners) l(e);
  }

  /** Adds an event listener; returns the function that removes it. */
  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The host's capabilities XML. */
  async capabilities(): Promise<string> {
    const { formatCapabilities } = await importLazily<
      typeof import("../../src/host/capabilities.ts")
    >(
      "../../src/host/capabilities.ts",
      import.meta.url,
    );
    const caps: Capabilities = {
      host: {
        cpu: { arch: "i686", features: ["pae", "nonpae"], pageSizes: [4, 8, 2048, 1048576] },
        powerManagement: [],
        iommu: false,
        cells: this.cells(),
        secModels: [{ model: "testSecurity", doi: "" }],
      },
      guests: ["hvm", "xen"].map((osType) => ({
        osType,
        arch: "i686",
        wordsize: 32,
        emulator: "/usr/bin/test-hv",
        domains: [{ type: "test" }],
        features: [{ name: "pae" }, { name: "nonpae" }],
      })),
    };
    return formatCapabilities(caps);
  }
}

/** A domain's identity. */
export function ref(dom: TestDomain): DomainRef {
  return { name: dom.name, uuid: dom.uuid, id: dom.id };
}

/** A domain's identity and list facts. */
export function summary(dom: TestDomain): DomainSummary {
  return {
    ...ref(dom),
    state: dom.state,
    persistent: dom.persistent,
    autostart: dom.autostart,
    managedSave: dom.managedSave,
    hasSnapshot: false,
    hasCheckpoint: false,
    title: dom.def?.title,
  };
}

/** A network's identity. */
export function netRef(net: TestNetwork): NetworkRef {
  return { name: net.name, uuid: net.uuid };
}

/** A network's identity and list facts. */
export function netSummary(net: TestNetwork): NetworkSummary {
  return {
    ...netRef(net),
    active: net.active,
    persistent: net.persistent,
    autostart: net.autostart,
  };
}
