/**
 * Network queries of the test driver. Networks are parsed only when their
 * XML or bridge is asked for.
 * @module
 */
import type { NetworkDef } from "../../src/conf/network/mod.ts";
import { importLazily, VIR_NETWORK_XML_INACTIVE } from "../../src/connect.ts";
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

/** The network XML; the test host never changes a running network, so live and persistent agree. */
export async function networkXML(host: TestHost, uuid: string, flags: number): Promise<string> {
  const net = host.findNetwork({ uuid });
  checkFlags(flags, VIR_NETWORK_XML_INACTIVE, "net-dumpxml");
  const def = await networkDef(net);
  const { formatNetworkXml } = await loadNetworkModel();
  return formatNetworkXml(def, { inactive: (flags & VIR_NETWORK_XML_INACTIVE) !== 0 });
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
