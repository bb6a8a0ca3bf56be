/**
 * A driver connection served by a virtkit server over HTTP: every call of
 * {@link DriverConnection} is one request to the server's `/v1` API.
 * @module
 */
import type {
  DomainInfo,
  DomainRef,
  DomainSummary,
  DriverConnection,
  DriverDomainEvent,
  DriverServices,
  LookupKey,
  NetworkDHCPLease,
  NetworkRef,
  NetworkSummary,
  NodeInfo,
} from "../../src/connect.ts";
import { Subscriptions } from "../common.ts";
import { subscribeEvents } from "./events.ts";
import { remoteServices } from "./services.ts";
import type { HttpTransport } from "./transport.ts";

/** What `GET /v1/host` answers. */
interface HostInfo {
  hostname: string;
  hypervisorVersion: number;
  nodeInfo: NodeInfo;
  securityModel: { model: string; doi: string } | null;
}

const XML = "application/xml";

function ref(s: DomainRef): DomainRef {
  return { name: s.name, uuid: s.uuid, id: s.id };
}

/** One connection through a server. */
export class RemoteConnection implements DriverConnection {
  readonly #http: HttpTransport;
  readonly #subscriptions = new Subscriptions();
  /** Secrets, node devices and host statistics, as the server's driver has them. */
  readonly services: DriverServices;

  /**
   * @param uri the remote URI as the client gave it
   * @param type the driver type the server reported
   * @param http requests to the server
   */
  constructor(readonly uri: string, readonly type: string, http: HttpTransport) {
    this.#http = http;
    this.services = remoteServices(http);
  }

  #dom(uuid: string, what = ""): string {
    return `/v1/domains/${encodeURIComponent(uuid)}${what}`;
  }

  #net(uuid: string, what = ""): string {
    return `/v1/networks/${encodeURIComponent(uuid)}${what}`;
  }

  #host(): Promise<HostInfo> {
    return this.#http.json<HostInfo>("GET", "/v1/host");
  }

  close(): Promise<void> {
    this.#subscriptions.closeAll();
    this.#http.close();
    return Promise.resolve();
  }

  async hostname(): Promise<string> {
    return (await this.#host()).hostname;
  }

  async hypervisorVersion(): Promise<number> {
    return (await this.#host()).hypervisorVersion;
  }

  async nodeInfo(): Promise<NodeInfo> {
    return (await this.#host()).nodeInfo;
  }

  capabilities(): Promise<string> {
    return this.#http.text("GET", "/v1/host/capabilities");
  }

  async securityModel(): Promise<{ model: string; doi: string } | undefined> {
    return (await this.#host()).securityModel ?? undefined;
  }

  listDomains(): Promise<DomainSummary[]> {
    return this.#http.json("GET", "/v1/domains");
  }

  async lookupDomain(key: LookupKey): Promise<DomainRef> {
    const [by, value] = "name" in key
      ? ["name", key.name]
      : "uuid" in key
      ? ["uuid", key.uuid]
      : ["id", String(key.id)];
    const path = `/v1/domains/${encodeURIComponent(value)}`;
    return ref(await this.#http.json<DomainSummary>("GET", path, { query: { by } }));
  }

  async defineDomain(xml: string, flags: number): Promise<DomainRef> {
    return await this.#http.json("POST", "/v1/domains", { query: { flags }, body: xml, type: XML });
  }

  async createDomain(xml: string, flags: number): Promise<DomainRef> {
    return await this.#http.json("POST", "/v1/domains", {
      query: { flags, start: true },
      body: xml,
      type: XML,
    });
  }

  #action(uuid: string, action: string, flags = 0): Promise<DomainRef> {
    return this.#http.json("POST", this.#dom(uuid, `/${action}`), { query: { by: "uuid", flags } });
  }

  startDomain(uuid: string, flags: number): Promise<DomainRef> {
    return this.#action(uuid, "start", flags);
  }

  async destroyDomain(uuid: string, flags: number): Promise<void> {
    await this.#action(uuid, "destroy", flags);
  }

  shutdownDomain(uuid: string, flags: number): Promise<DomainRef> {
    return this.#action(uuid, "shutdown", flags);
  }

  rebootDomain(uuid: string, flags: number): Promise<DomainRef> {
    return this.#action(uuid, "reboot", flags);
  }

  async suspendDomain(uuid: string): Promise<void> {
    await this.#action(uuid, "suspend");
  }

  async resumeDomain(uuid: string): Promise<void> {
    await this.#action(uuid, "resume");
  }

  async undefineDomain(uuid: string, flags: number): Promise<void> {
    await this.#action(uuid, "undefine", flags);
  }

  domainSummary(uuid: string): Promise<DomainSummary> {
    return this.#http.json("GET", this.#dom(uuid), { query: { by: "uuid" } });
  }

  domainXML(uuid: string, flags: number): Promise<string> {
    return this.#http.text("GET", this.#dom(uuid, "/xml"), { query: { by: "uuid", flags } });
  }

  domainInfo(uuid: string): Promise<DomainInfo> {
    return this.#http.json("GET", this.#dom(uuid, "/info"), { query: { by: "uuid" } });
  }

  async domainState(uuid: string): Promise<[number, number]> {
    const s = await this.#http.json<{ state: number; reason: number }>(
      "GET",
      this.#dom(uuid, "/state"),
      { query: { by: "uuid" } },
    );
    return [s.state, s.reason];
  }

  async domainOSType(uuid: string): Promise<string> {
    return (await this.#http.json<{ osType: string }>("GET", this.#dom(uuid, "/os-type"), {
      query: { by: "uuid" },
    })).osType;
  }

  async domainSetAutostart(uuid: string, on: boolean): Promise<void> {
    await (await this.#http.send("PUT", this.#dom(uuid, "/autostart"), {
      query: { by: "uuid" },
      body: JSON.stringify({ autostart: on }),
      type: "application/json",
    })).body?.cancel();
  }

  async domainVcpus(uuid: string, flags: number): Promise<number> {
    return (await this.#http.json<{ count: number }>("GET", this.#dom(uuid, "/vcpus"), {
      query: { by: "uuid", flags },
    })).count;
  }

  async domainMemoryStats(uuid: string): Promise<[string, number][]> {
    return Object.entries(
      await this.#http.json<Record<string, number>>("GET", this.#dom(uuid, "/memory-stats"), {
        query: { by: "uuid" },
      }),
    );
  }

  async domainSecurityLabel(uuid: string): Promise<[string, boolean] | undefined> {
    const l = await this.#http.json<{ label: string; enforcing: boolean } | null>(
      "GET",
      this.#dom(uuid, "/security-label"),
      { query: { by: "uuid" } },
    );
    return l ? [l.label, l.enforcing] : undefined;
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return this.#http.json("GET", "/v1/networks");
  }

  async lookupNetwork(key: { name: string } | { uuid: string }): Promise<NetworkRef> {
    const [by, value] = "name" in key ? ["name", key.name] : ["uuid", key.uuid];
    const n = await this.#http.json<NetworkSummary>(
      "GET",
      `/v1/networks/${encodeURIComponent(value)}`,
      {
        query: { by },
      },
    );
    return { name: n.name, uuid: n.uuid };
  }

  networkSummary(uuid: string): Promise<NetworkSummary> {
    return this.#http.json("GET", this.#net(uuid), { query: { by: "uuid" } });
  }

  networkXML(uuid: string, flags: number): Promise<string> {
    return this.#http.text("GET", this.#net(uuid, "/xml"), { query: { by: "uuid", flags } });
  }

  async networkBridgeName(uuid: string): Promise<string> {
    return (await this.#http.json<{ bridge: string }>("GET", this.#net(uuid, "/bridge"), {
      query: { by: "uuid" },
    })).bridge;
  }

  async defineNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return await this.#http.json("POST", "/v1/networks", {
      query: { flags },
      body: xml,
      type: XML,
    });
  }

  async createNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return await this.#http.json("POST", "/v1/networks", {
      query: { flags, start: true },
      body: xml,
      type: XML,
    });
  }

  async #netAction(uuid: string, action: string): Promise<void> {
    await this.#http.json("POST", this.#net(uuid, `/${action}`), { query: { by: "uuid" } });
  }

  startNetwork(uuid: string): Promise<void> {
    return this.#netAction(uuid, "start");
  }

  destroyNetwork(uuid: string): Promise<void> {
    return this.#netAction(uuid, "destroy");
  }

  undefineNetwork(uuid: string): Promise<void> {
    return this.#netAction(uuid, "undefine");
  }

  async networkSetAutostart(uuid: string, on: boolean): Promise<void> {
    await this.#http.json("PUT", this.#net(uuid, "/autostart"), {
      query: { by: "uuid" },
      body: JSON.stringify({ autostart: on }),
      type: "application/json",
    });
  }

  networkDHCPLeases(
    uuid: string,
    mac: string | undefined,
    flags: number,
  ): Promise<NetworkDHCPLease[]> {
    return this.#http.json("GET", this.#net(uuid, "/dhcp-leases"), {
      query: { by: "uuid", mac, flags },
    });
  }

  async updateNetwork(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void> {
    await this.#http.json("POST", this.#net(uuid, "/update"), {
      query: { by: "uuid" },
      body: JSON.stringify({ command, section, parentIndex, xml, flags }),
      type: "application/json",
    });
  }

  async resetDomain(uuid: string, flags: number): Promise<void> {
    await this.#action(uuid, "reset", flags);
  }

  async domainMonitorCommand(uuid: string, command: string, hmp: boolean): Promise<string> {
    return (await this.#http.json<{ reply: string }>("POST", this.#dom(uuid, "/monitor-command"), {
      query: { by: "uuid" },
      body: JSON.stringify({ command, hmp }),
      type: "application/json",
    })).reply;
  }

  async domainScreenshot(
    uuid: string,
    screen: number,
  ): Promise<{ mime: string; data: Uint8Array }> {
    const res = await this.#http.send("GET", this.#dom(uuid, "/screenshot"), {
      query: { by: "uuid", screen },
    });
    const mime = res.headers.get("content-type") ?? "application/octet-stream";
    return { mime, data: new Uint8Array(await res.arrayBuffer()) };
  }

  async #stats(
    uuid: string,
    what: string,
    query: Record<string, string>,
  ): Promise<[string, number][]> {
    return Object.entries(
      await this.#http.json<Record<string, number>>("GET", this.#dom(uuid, what), {
        query: { by: "uuid", ...query },
      }),
    );
  }

  domainBlockStats(uuid: string, disk: string): Promise<[string, number][]> {
    return this.#stats(uuid, "/block-stats", { disk });
  }

  domainInterfaceStats(uuid: string, iface: string): Promise<[string, number][]> {
    return this.#stats(uuid, "/interface-stats", { iface });
  }

  domainStats(uuid: string, groups: number): Promise<[string, number | string][]> {
    return this.#http.json("GET", this.#dom(uuid, "/stats"), { query: { by: "uuid", groups } });
  }

  domainXMLToNative(format: string, xml: string): Promise<string> {
    return this.#http.text("POST", "/v1/xml-to-native", {
      query: { format },
      body: xml,
      type: XML,
    });
  }

  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    return this.#subscriptions.add(subscribeEvents(this.#http, listener));
  }
}
