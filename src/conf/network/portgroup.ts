/**
 * `<portgroup>`: named sets of port settings guest interfaces can refer to.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBandwidth, parseBandwidth } from "./bandwidth.ts";
import type { PortGroupDef } from "./def.ts";
import { formatVirtualPort, parseVirtualPort } from "./virtualport.ts";
import { formatVlan, parseVlan } from "./vlan.ts";

/** Parses one `<portgroup>`. */
export function parsePortGroup(r: XmlReader): PortGroupDef {
  const vport = r.child("virtualport");
  const bw = r.child("bandwidth");
  const vlan = r.child("vlan");
  return {
    name: r.req("name"),
    isDefault: r.yesNo("default") ?? false,
    trustGuestRxFilters: r.yesNo("trustGuestRxFilters"),
    virtualPort: vport ? parseVirtualPort(vport) : undefined,
    bandwidth: bw ? parseBandwidth(bw) : undefined,
    vlan: vlan ? parseVlan(vlan) : undefined,
  };
}

/** Writes one `<portgroup>` (always with an open and a close tag, as libvirt does). */
export function formatPortGroup(w: XmlWriter, pg: PortGroupDef): void {
  const trust = pg.trustGuestRxFilters === undefined ? undefined : pg.trustGuestRxFilters ? "yes" : "no";
  w.block("portgroup", [["name", pg.name], ["default", pg.isDefault ? "yes" : undefined], ["trustGuestRxFilters", trust]], (w) => {
    formatVlan(w, pg.vlan);
    formatVirtualPort(w, pg.virtualPort);
    formatBandwidth(w, pg.bandwidth);
  });
}
