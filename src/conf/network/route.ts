/**
 * `<route>`: a static route through a gateway on the network (or, later, on
 * a guest interface).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatIp, type IpAddress, netmaskPrefix, networkAddress, parseIp } from "./ipaddr.ts";

/** `<route>`; addresses are held in canonical text. */
export interface RouteDef {
  /** The family as written (`ipv4` or `ipv6`), when given. */
  family?: "ipv4" | "ipv6";
  /** Destination network address. */
  address: string;
  netmask?: string;
  prefix?: number;
  gateway: string;
  metric?: number;
}

function address(r: XmlReader, name: string): IpAddress {
  const text = r.req(name);
  const a = parseIp(text);
  if (!a) throw r.error(`invalid ${name} '${text}' in <route>`);
  return a;
}

/** Parses `<route>` with libvirt's checks of family, mask and network address. */
export function parseRoute(r: XmlReader): RouteDef {
  const family = r.enum("family", ["ipv4", "ipv6"]);
  const addr = address(r, "address");
  const gw = address(r, "gateway");
  const prefix = r.uint("prefix");
  const metric = r.uint("metric");
  if (metric === 0) throw r.error("attribute 'metric' of <route> must be greater than 0");
  const netmaskText = r.attr("netmask");
  let netmask: IpAddress | undefined;
  const want = family ?? "ipv4";
  if (addr.family !== want) throw r.error(`address '${r.attr("address")}' of <route> is not an ${want === "ipv4" ? "IPv4" : "IPv6"} address`);
  if (gw.family !== want) throw r.error(`gateway '${r.attr("gateway")}' of <route> is not an ${want === "ipv4" ? "IPv4" : "IPv6"} address`);
  if (netmaskText !== undefined) {
    if (want === "ipv6") throw r.error("attribute 'netmask' is not allowed in an IPv6 <route>; use 'prefix'");
    netmask = parseIp(netmaskText);
    if (!netmask || netmask.family !== "ipv4") throw r.error(`invalid netmask '${netmaskText}' in <route>`);
    if (prefix !== undefined) throw r.error("<route> cannot have both 'prefix' and 'netmask'");
  }
  const max = want === "ipv4" ? 32 : 128;
  if (prefix !== undefined && prefix > max) throw r.error(`invalid prefix ${prefix} in <route>, it must be 0 - ${max}`);
  const bits = netmask ? netmaskPrefix(netmask) : prefix ?? 0;
  if (bits === undefined) throw r.error(`netmask '${netmaskText}' of <route> is not contiguous`);
  if (networkAddress(addr, bits).value !== addr.value) {
    throw r.error(`address '${r.attr("address")}' of <route> is not a network address`);
  }
  return {
    family,
    address: formatIp(addr),
    netmask: netmask ? formatIp(netmask) : undefined,
    prefix,
    gateway: formatIp(gw),
    metric,
  };
}

/** Writes `<route>`. */
export function formatRoute(w: XmlWriter, rt: RouteDef): void {
  w.elem("route", [
    ["family", rt.family],
    ["address", rt.address],
    ["netmask", rt.netmask],
    ["prefix", rt.prefix],
    ["gateway", rt.gateway],
    ["metric", rt.metric],
  ]);
}
