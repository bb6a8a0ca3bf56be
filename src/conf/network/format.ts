/**
 * {@link NetworkDef} to network XML in libvirt's canonical layout and order.
 * @module
 */
import { XmlWriter } from "../../xml/mod.ts";
import { writeMetadata } from "../common.ts";
import { formatBandwidth } from "./bandwidth.ts";
import type { NetworkDef } from "./def.ts";
import { formatDns } from "./dns.ts";
import { formatForward } from "./forward.ts";
import { formatIpDef } from "./ip.ts";
import { DNSMASQ_NAMESPACE } from "./parse.ts";
import { formatPortGroup } from "./portgroup.ts";
import { formatRoute } from "./route.ts";
import { formatVirtualPort } from "./virtualport.ts";
import { formatVlan } from "./vlan.ts";

/** Options of {@link formatNetworkXml}. */
export interface FormatNetworkOptions {
  /** Persistent config only: leave out live state (connection counts, a `<pf>`'s expanded pool). */
  inactive?: boolean;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? "yes" : "no");

/**
 * Formats a network definition as libvirt writes it.
 *
 * @example
 * ```ts
 * formatNetworkXml(parseNetworkXml(xml), { inactive: true });
 * ```
 */
export function formatNetworkXml(def: NetworkDef, opts: FormatNetworkOptions = {}): string {
  const inactive = opts.inactive ?? false;
  const w = new XmlWriter();
  w.block("network", [
    ["xmlns:dnsmasq", def.dnsmasqOptions.length ? DNSMASQ_NAMESPACE : undefined],
    ["connections", !inactive && def.connections ? def.connections : undefined],
    ["ipv6", def.ipv6 ? "yes" : undefined],
    ["trustGuestRxFilters", yesNo(def.trustGuestRxFilters)],
  ], (w) => formatNetworkBody(w, def, inactive));
  return w.toString();
}

/** Whether libvirt creates and manages the bridge of networks in this mode. */
function managedBridge(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode === undefined || mode === "nat" || mode === "route" || mode === "open";
}

function formatNetworkBody(w: XmlWriter, def: NetworkDef, inactive: boolean): void {
  w.text("name", def.name);
  w.text("uuid", def.uuid);
  w.text("title", def.title);
  w.text("description", def.description);
  writeMetadata(w, def.metadata);
  formatForward(w, def.forward, { inactive });
  const b = def.bridge ?? {};
  const managed = managedBridge(def);
  if (managed || b.name !== undefined || b.macTableManager) {
    w.elem("bridge", [
      ["name", b.name],
      ["zone", b.zone],
      ["stp", managed ? (b.stp === false ? "off" : "on") : undefined],
      ["delay", managed ? b.delay ?? 0 : undefined],
      ["macTableManager", b.macTableManager],
    ]);
  }
  if (def.mtu) w.elem("mtu", [["size", def.mtu]]);
  if (def.mac) w.elem("mac", [["address", def.mac]]);
  if (def.domain) {
    w.elem("domain", [["name", def.domain.name], ["localOnly", yesNo(def.domain.localOnly)], ["register", yesNo(def.domain.register)]]);
  }
  formatDns(w, def.dns);
  formatVlan(w, def.vlan);
  formatBandwidth(w, def.bandwidth);
  if (def.portIsolated !== undefined) w.elem("port", [["isolated", yesNo(def.portIsolated)]]);
  for (const ip of def.ips) formatIpDef(w, ip);
  for (const rt of def.routes) formatRoute(w, rt);
  formatVirtualPort(w, def.virtualPort);
  for (const pg of def.portGroups) formatPortGroup(w, pg);
  if (def.dnsmasqOptions.length) {
    w.elem("dnsmasq:options", null, (w) => {
      for (const o of def.dnsmasqOptions) w.elem("dnsmasq:option", [["value", o]]);
    });
  }
}
