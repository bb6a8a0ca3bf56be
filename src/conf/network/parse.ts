/**
 * Network XML to {@link NetworkDef}, with the checks libvirt applies to every
 * network definition whatever driver runs it.
 * @module
 */
import { VirtError } from "../../errors.ts";
import { readDocument, type XmlReader } from "../../xml/mod.ts";
import { readMetadata, readUuid } from "../common.ts";
import { parseMac } from "../ids.ts";
import { parseBandwidth } from "./bandwidth.ts";
import type { BridgeDef, NetworkDef } from "./def.ts";
import { parseDns } from "./dns.ts";
import { parseForward } from "./forward.ts";
import { ipSubnet, parseIpDef } from "./ip.ts";
import { parseIp, sameSubnet } from "./ipaddr.ts";
import { parsePortGroup } from "./portgroup.ts";
import { parseRoute } from "./route.ts";
import { parseVirtualPort } from "./virtualport.ts";
import { parseVlan } from "./vlan.ts";

/** The XML namespace of `<dnsmasq:options>`. */
export const DNSMASQ_NAMESPACE = "http://libvirt.org/schemas/network/dnsmasq/1.0";

/** Options of {@link parseNetworkXml}. */
export interface ParseNetworkOptions {
  /** Parse the persistent config only, ignoring live `connections` counts. */
  inactive?: boolean;
  /** Reject unknown elements and attributes instead of ignoring them. */
  validate?: boolean;
}

/**
 * Parses network XML into a {@link NetworkDef}, applying libvirt's generic
 * checks (forward mode against bridge, addresses, DHCP ranges within their
 * subnet, route gateways reachable, and so on).
 *
 * @throws VirtError naming the element, line and field at fault
 * @example
 * ```ts
 * const net = parseNetworkXml("<network><name>n</name><bridge name='virbr9'/></network>");
 * net.bridge?.name; // "virbr9"
 * ```
 */
export function parseNetworkXml(xml: string, opts: ParseNetworkOptions = {}): NetworkDef {
  return readDocument(xml, "network", "network", opts.validate ?? false, (r) => parseNetworkElement(r, opts.inactive ?? false));
}

function parseBridge(b: XmlReader): BridgeDef {
  return {
    name: b.attr("name"),
    zone: b.attr("zone"),
    stp: b.onOff("stp"),
    delay: b.uint("delay"),
    macTableManager: b.enum("macTableManager", ["kernel", "libvirt"]),
  };
}

function parseBridgeMac(m: XmlReader): string {
  const text = m.req("address");
  const mac = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(text) ? parseMac(text) : undefined;
  if (!mac) throw m.error(`invalid MAC address '${text}' in the 'address' attribute`);
  if (parseInt(mac.slice(0, 2), 16) & 1) throw m.error(`the bridge MAC address must be unicast, not '${text}'`);
  return mac;
}

/** Parses an already-read `<network>` element. */
export function parseNetworkElement(r: XmlReader, inactive: boolean): NetworkDef {
  const name = r.child("name")?.text();
  if (!name) throw new VirtError("xml-detail", "network", "missing network name: the <name> element is required");
  if (name.includes("/")) throw r.child("name")!.error(`network name '${name}' must not contain '/'`);

  const uuid = readUuid(r);
  const titleEl = r.child("title");
  if (titleEl?.text().includes("\n")) throw titleEl.error("the network title must not contain newlines");
  const domainEl = r.child("domain");
  const bwEl = r.child("bandwidth");
  const vlanEl = r.child("vlan");
  const portEl = r.child("port");
  const bridgeEl = r.child("bridge");
  const macEl = r.child("mac");
  const mtuEl = r.child("mtu");
  const dnsEl = r.child("dns");
  const vportEl = r.child("virtualport");
  const forwardEl = r.child("forward");
  const def: NetworkDef = {
    name,
    uuid,
    title: titleEl?.text(),
    description: r.child("description")?.text(),
    metadata: readMetadata(r.child("metadata")),
    connections: inactive ? undefined : r.uint("connections"),
    ipv6: r.yesNo("ipv6") ?? false,
    trustGuestRxFilters: r.yesNo("trustGuestRxFilters"),
    domain: domainEl
      ? { name: domainEl.req("name"), localOnly: domainEl.yesNo("localOnly"), register: domainEl.yesNo("register") }
      : undefined,
    bandwidth: bwEl ? parseBandwidth(bwEl) : undefined,
    vlan: vlanEl ? parseVlan(vlanEl) : undefined,
    portIsolated: portEl?.yesNo("isolated"),
    bridge: bridgeEl ? parseBridge(bridgeEl) : undefined,
    mac: macEl ? parseBridgeMac(macEl) : undefined,
    mtu: mtuEl?.reqUint("size"),
    dns: dnsEl ? parseDns(dnsEl) : undefined,
    virtualPort: vportEl ? parseVirtualPort(vportEl, { requireType: true }) : undefined,
    portGroups: r.children("portgroup").map(parsePortGroup),
    ips: r.children("ip").map(parseIpDef),
    routes: r.children("route").map(parseRoute),
    forward: forwardEl ? parseForward(forwardEl, { inactive }) : undefined,
    dnsmasqOptions: r.childrenNs(DNSMASQ_NAMESPACE, "options").flatMap((o) =>
      o.childrenNs(DNSMASQ_NAMESPACE, "option").map((x) => x.req("value"))
    ),
  };
  checkRoutes(r, def);
  checkForwardMode(forwardEl ?? r, bridgeEl, mtuEl, def);
  const defaults = r.children("portgroup").filter((p) => p.attr("default") === "yes");
  if (defaults.length > 1) throw defaults[1].error("only one <portgroup> may be the default");
  return def;
}

/** Every static route's gateway must lie in the subnet of one of the network's addresses. */
function checkRoutes(r: XmlReader, def: NetworkDef): void {
  const routeEls = r.children("route");
  def.routes.forEach((rt, i) => {
    const gw = parseIp(rt.gateway)!;
    const reachable = def.ips.some((ip) => {
      const s = ipSubnet(ip);
      return s.prefix !== undefined && sameSubnet(s.address, gw, s.prefix);
    });
    if (!reachable) throw routeEls[i].error(`the route gateway '${rt.gateway}' is not on any of the network's <ip> subnets`);
  });
}

/** The settings that must agree with the forward mode. */
function checkForwardMode(at: XmlReader, bridgeEl: XmlReader | undefined, mtuEl: XmlReader | undefined, def: NetworkDef): void {
  const fwd = def.forward;
  if (!fwd) return;
  const mode = fwd.mode;
  const b = def.bridge ?? {};
  switch (mode) {
    case "nat":
    case "route":
    case "open":
      if (def.ips.length === 0) throw at.error(`forward mode '${mode}' needs an <ip> address on the network`);
      if (fwd.interfaces.length > 1) throw at.error(`forward mode '${mode}' supports only one forwarding interface`);
      if (mode === "open" && fwd.interfaces.length) throw at.error("forward mode 'open' does not allow a forward 'dev' or <interface>");
      return;
    case "private":
    case "vepa":
    case "passthrough":
    case "hostdev":
      if (b.name !== undefined) throw bridgeEl!.error(`a bridge name is not allowed with forward mode '${mode}'`);
      if (b.zone !== undefined) throw bridgeEl!.error(`a bridge zone is not allowed with forward mode '${mode}'`);
      if (b.macTableManager) throw bridgeEl!.error(`the bridge 'macTableManager' is not allowed with forward mode '${mode}'`);
      // fall through: the bridge-mode checks apply too
    case "bridge":
      if (b.delay || b.stp !== undefined || b.zone !== undefined) {
        throw bridgeEl!.error(`bridge 'delay', 'stp' and 'zone' are allowed only with forward mode route, nat, open or none, not '${mode}'`);
      }
      if (b.name !== undefined && (fwd.interfaces.length || fwd.pf)) {
        throw bridgeEl!.error(`forward mode '${mode}' takes a bridge name or a forward device, not both`);
      }
      if (mtuEl) throw mtuEl.error(`<mtu> is allowed only with forward mode route, nat, open or none, not '${mode}'`);
  }
}
