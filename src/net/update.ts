/**
 * `virNetworkUpdate` on a definition: add, delete or modify one entry of a
 * section (`<dhcp><host>`, `<dhcp><range>`, `<dns><host>`, `<dns><txt>`,
 * `<dns><srv>`) given as an XML snippet. Pure: it changes a copy of the
 * definition and touches nothing; the drivers then save it and, for a
 * running network, pass it to dnsmasq. Shared by the network driver and the
 * test driver.
 * @module
 */
import type { DhcpHost, IpDef, NetworkDef } from "../conf/network/def.ts";
import { parseNetworkXml } from "../conf/network/parse.ts";
import {
  VIR_NETWORK_SECTION_DNS_HOST,
  VIR_NETWORK_SECTION_DNS_SRV,
  VIR_NETWORK_SECTION_DNS_TXT,
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_SECTION_IP_DHCP_RANGE,
  VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
  VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  VIR_NETWORK_UPDATE_COMMAND_DELETE,
  VIR_NETWORK_UPDATE_COMMAND_MODIFY,
} from "../connect.ts";
import { VirtError } from "../errors.ts";
import { escapeXml, parseXml } from "../xml/mod.ts";

/** `virNetworkUpdateSection` values, by the names `virsh net-update` takes. */
export const NETWORK_UPDATE_SECTIONS: Record<string, number> = {
  bridge: 1,
  domain: 2,
  ip: 3,
  "ip-dhcp-host": 4,
  "ip-dhcp-range": 5,
  forward: 6,
  "forward-interface": 7,
  portgroup: 8,
  "dns-host": 9,
  "dns-txt": 10,
  "dns-srv": 11,
};

/** `virNetworkUpdateCommand` values, by the names `virsh net-update` takes. */
export const NETWORK_UPDATE_COMMANDS: Record<string, number> = {
  modify: VIR_NETWORK_UPDATE_COMMAND_MODIFY,
  delete: VIR_NETWORK_UPDATE_COMMAND_DELETE,
  add: VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  "add-last": VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  "add-first": VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
};

function fail(message: string): VirtError {
  return new VirtError("operation-invalid", "network", message);
}

/** The snippet's root element name, checked against what the section takes. */
function checkRoot(xml: string, expected: string): void {
  const root = parseXml(xml, "network");
  if (root.name !== expected) {
    throw new VirtError(
      "xml-error",
      "network",
      `unexpected element <${root.name}>, expecting <${expected}>, while updating the network`,
    );
  }
}

/** The `<ip>` a DHCP update applies to: by index, or the first with DHCP, else the first IPv4. */
function targetIp(def: NetworkDef, parentIndex: number, what: string): IpDef {
  const ip = parentIndex >= 0
    ? def.ips[parentIndex]
    : def.ips.find((i) => i.dhcpRanges.length || i.dhcpHosts.length) ??
      def.ips.find((i) => !i.address.includes(":"));
  if (!ip) {
    throw fail(
      `couldn't update ${what} entry - no <ip> element found at index ${parentIndex} in network '${def.name}'`,
    );
  }
  return ip;
}

/** Parses a snippet inside a throwaway network built around `ip`, for the model's own checks. */
function parseInIp(ip: IpDef, inner: string): IpDef {
  const family = ip.address.includes(":") ? " family='ipv6'" : "";
  const prefix = ip.prefix ? ` prefix='${ip.prefix}'` : "";
  const netmask = ip.netmask ? ` netmask='${ip.netmask}'` : "";
  const doc =
    `<network><name>update</name><ip${family} address='${ip.address}'${prefix}${netmask}>` +
    `<dhcp>${inner}</dhcp></ip></network>`;
  return parseNetworkXml(doc, { inactive: true }).ips[0];
}

function hostText(h: DhcpHost): string {
  const attrs = [["mac", h.mac], ["id", h.id], ["name", h.name], ["ip", h.ip]]
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}='${escapeXml(v!)}'`).join("");
  return `<host${attrs}/>`;
}

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

function insert<T>(list: T[], item: T, command: number): void {
  if (command === VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST) list.unshift(item);
  else list.push(item);
}

function updateDhcpHost(def: NetworkDef, command: number, parentIndex: number, xml: string): void {
  checkRoot(xml, "host");
  const ip = targetIp(def, parentIndex, "dhcp host");
  const host = parseInIp(ip, xml).dhcpHosts[0];
  const hosts = ip.dhcpHosts;
  if (command === VIR_NETWORK_UPDATE_COMMAND_MODIFY) {
    const i = hosts.findIndex((h) => host.mac ? same(h.mac, host.mac) : same(h.id, host.id));
    if (i < 0) {
      const key = host.mac ? `mac='${host.mac}'` : `id='${host.id}'`;
      throw fail(
        `couldn't locate an existing dhcp host entry with "${key}" in network '${def.name}'`,
      );
    }
    hosts[i] = host;
  } else if (command === VIR_NETWORK_UPDATE_COMMAND_DELETE) {
    const i = hosts.findIndex((h) =>
      (h.mac ?? "").toLowerCase() === (host.mac ?? "").toLowerCase() &&
      (h.id ?? "") === (host.id ?? "") && (h.name ?? "") === (host.name ?? "") && h.ip === host.ip
    );
    if (i < 0) throw fail(`couldn't locate a matching dhcp host entry in network '${def.name}'`);
    hosts.splice(i, 1);
  } else {
    const clash = hosts.find((h) =>
      same(h.mac, host.mac) || same(h.id, host.id) ||
      (h.name !== undefined && h.name === host.name) ||
      h.ip === host.ip
    );
    if (clash) {
      throw fail(
        `there is an existing dhcp host entry in network '${def.name}' that matches "${
          hostText(clash)
        }"`,
      );
    }
    insert(hosts, host, command);
  }
}

function updateDhcpRange(def: NetworkDef, command: number, parentIndex: number, xml: string): void {
  checkRoot(xml, "range");
  if (command === VIR_NETWORK_UPDATE_COMMAND_MODIFY) {
    throw new VirtError(
      "config-unsupported",
      "network",
      "dhcp ranges cannot be modified, only added or deleted",
    );
  }
  const ip = targetIp(def, parentIndex, "dhcp range");
  const range = parseInIp(ip, xml).dhcpRanges[0];
  const i = ip.dhcpRanges.findIndex((r) => r.start === range.start && r.end === range.end);
  if (command === VIR_NETWORK_UPDATE_COMMAND_DELETE) {
    if (i < 0) throw fail(`couldn't locate a matching dhcp range entry in network '${def.name}'`);
    ip.dhcpRanges.splice(i, 1);
  } else {
    if (i >= 0) {
      throw fail(
        `there is an existing dhcp range entry in network '${def.name}' that matches "<range start='${range.start}' end='${range.end}'/>"`,
      );
    }
    insert(ip.dhcpRanges, range, command);
  }
}

/** Parses a `<dns>` child inside a throwaway network. */
function parseInDns(inner: string) {
  const doc = `<network><name>update</name><dns>${inner}</dns></network>`;
  return parseNetworkXml(doc, { inactive: true }).dns!;
}

function updateDns(def: NetworkDef, command: number, section: number, xml: string): void {
  const [tag, key] = section === VIR_NETWORK_SECTION_DNS_HOST
    ? ["host", "hosts"] as const
    : section === VIR_NETWORK_SECTION_DNS_TXT
    ? ["txt", "txts"] as const
    : ["srv", "srvs"] as const;
  checkRoot(xml, tag);
  if (command === VIR_NETWORK_UPDATE_COMMAND_MODIFY) {
    throw new VirtError(
      "config-unsupported",
      "network",
      `DNS ${tag} records cannot be modified, only added or deleted`,
    );
  }
  const dns = def.dns ??= { forwarders: [], txts: [], srvs: [], hosts: [] };
  // deno-lint-ignore no-explicit-any
  const list = dns[key] as any[];
  // deno-lint-ignore no-explicit-any
  const entry = (parseInDns(xml)[key] as any[])[0];
  const text = JSON.stringify(entry);
  const matches = (e: unknown) =>
    tag === "host"
      ? (e as { ip: string }).ip === entry.ip
      : tag === "txt"
      ? (e as { name: string }).name === entry.name
      : JSON.stringify(e) === text;
  const i = list.findIndex(matches);
  if (command === VIR_NETWORK_UPDATE_COMMAND_DELETE) {
    if (i < 0) throw fail(`couldn't locate a matching DNS ${tag} record in network '${def.name}'`);
    list.splice(i, 1);
  } else {
    if (i >= 0) {
      throw fail(`there is already a matching DNS ${tag} record in network '${def.name}'`);
    }
    insert(list, entry, command);
  }
}

/**
 * Applies one update to `def` in place.
 *
 * @param command `VIR_NETWORK_UPDATE_COMMAND_*`
 * @param section `virNetworkUpdateSection` (see {@link NETWORK_UPDATE_SECTIONS})
 * @param parentIndex which `<ip>` a DHCP entry belongs to; -1 for the default
 * @param xml the entry, e.g. `<host mac='52:54:00:00:00:01' ip='192.168.122.10'/>`
 * @throws VirtError naming what does not match, or a section that cannot be updated
 */
export function applyNetworkUpdate(
  def: NetworkDef,
  command: number,
  section: number,
  parentIndex: number,
  xml: string,
): void {
  if (
    command < VIR_NETWORK_UPDATE_COMMAND_MODIFY || command > VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST
  ) {
    throw new VirtError("invalid-arg", "network", `unrecognized network update command ${command}`);
  }
  switch (section) {
    case VIR_NETWORK_SECTION_IP_DHCP_HOST:
      return updateDhcpHost(def, command, parentIndex, xml);
    case VIR_NETWORK_SECTION_IP_DHCP_RANGE:
      return updateDhcpRange(def, command, parentIndex, xml);
    case VIR_NETWORK_SECTION_DNS_HOST:
    case VIR_NETWORK_SECTION_DNS_TXT:
    case VIR_NETWORK_SECTION_DNS_SRV:
      return updateDns(def, command, section, xml);
  }
  const name = Object.entries(NETWORK_UPDATE_SECTIONS).find(([, v]) => v === section)?.[0];
  throw new VirtError(
    "config-unsupported",
    "network",
    name
      ? `updating the '${name}' section of a network is not supported`
      : `unrecognized network update section ${section}`,
  );
}
