/**
 * `<ip>`: an address of the host on the network, its `<dhcp>` ranges, static
 * hosts and `<bootp>`, and `<tftp>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { DhcpHost, DhcpLease, DhcpRange, IpDef } from "./def.ts";
import {
  broadcastAddress, effectivePrefix, formatIp, type IpAddress, netmaskPrefix, networkAddress, parseIp, sameSubnet,
} from "./ipaddr.ts";

/** The parsed address, netmask and prefix length of an {@link IpDef}. */
export interface IpSubnet {
  address: IpAddress;
  /** Prefix length; undefined when it cannot be derived (an IPv4 address outside classes A-C). */
  prefix: number | undefined;
}

/** The subnet an {@link IpDef} stands for. */
export function ipSubnet(ip: IpDef): IpSubnet {
  const address = parseIp(ip.address)!;
  const netmask = ip.netmask === undefined ? undefined : parseIp(ip.netmask);
  return { address, prefix: effectivePrefix(address, netmask, ip.prefix) };
}

/**
 * Checks a DHCP range against its subnet the way libvirt does and returns
 * the number of addresses in it. The message of a failure is returned
 * through `fail`.
 */
export function dhcpRangeSize(
  start: IpAddress,
  end: IpAddress,
  subnet: IpSubnet | undefined,
  fail: (msg: string) => Error,
): number {
  const text = `${formatIp(start)} - ${formatIp(end)}`;
  if (start.family !== end.family) throw fail(`the ends of range ${text} are of different address families`);
  if (subnet) {
    const net = `${formatIp(subnet.address)}/${subnet.prefix}`;
    if (start.family !== subnet.address.family) throw fail(`range ${text} is not of the address family of network ${formatIp(subnet.address)}`);
    if (subnet.prefix === undefined) throw fail(`cannot tell the prefix of network ${formatIp(subnet.address)} to check range ${text}`);
    if (!sameSubnet(start, subnet.address, subnet.prefix) || !sameSubnet(end, subnet.address, subnet.prefix)) {
      throw fail(`range ${text} is not entirely within network ${net}`);
    }
    if (start.family === "ipv4") {
      if (start.value === networkAddress(subnet.address, subnet.prefix).value) throw fail(`start of range ${text} is the network address of ${net}`);
      if (end.value === broadcastAddress(subnet.address, subnet.prefix).value) throw fail(`end of range ${text} is the broadcast address of ${net}`);
    }
  }
  // Only the last 16 bits may differ, as libvirt has always required.
  if (start.value >> 16n !== end.value >> 16n) throw fail(`range ${text} is too large (more than 65536 addresses)`);
  const size = Number(end.value - start.value);
  if (size < 0) throw fail(`range ${text} is reversed`);
  return size + 1;
}

function parseLease(r: XmlReader): DhcpLease | undefined {
  const expiry = r.uint("expiry");
  if (expiry === undefined) return undefined;
  const unit = r.enum("unit", ["seconds", "minutes", "hours"]) ?? "minutes";
  if (expiry > 0 && ((unit === "seconds" && expiry < 120) || (unit === "minutes" && expiry < 2))) {
    throw r.error("the lease 'expiry' must be at least 2 minutes");
  }
  return { expiry, unit };
}

function address(r: XmlReader, name: string, what: string): IpAddress {
  const text = r.req(name);
  const a = parseIp(text);
  if (!a) throw r.error(`invalid ${what} address '${text}' in the '${name}' attribute`);
  return a;
}

function parseRange(r: XmlReader, subnet: IpSubnet): DhcpRange {
  const start = address(r, "start", "DHCP range start");
  const end = address(r, "end", "DHCP range end");
  dhcpRangeSize(start, end, subnet, (m) => r.error(m));
  const lease = r.child("lease");
  return { start: formatIp(start), end: formatIp(end), lease: lease ? parseLease(lease) : undefined };
}

function parseHost(r: XmlReader, subnet: IpSubnet): DhcpHost {
  const v6 = subnet.address.family === "ipv6";
  const mac = r.attr("mac");
  if (mac !== undefined) {
    if (v6) throw r.error(`a static host of an IPv6 network cannot have a 'mac' ('${mac}'); use 'id'`);
    if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(mac)) throw r.error(`invalid MAC address '${mac}' in the 'mac' attribute`);
    if (parseInt(mac.split(":")[0], 16) & 1) throw r.error(`the 'mac' attribute must be a unicast address, not '${mac}'`);
  }
  const id = r.attr("id");
  if (id !== undefined) {
    const bad = /[^0-9a-fA-F:]/.exec(id);
    if (bad) throw r.error(`invalid character '${bad[0]}' in the 'id' attribute '${id}'`);
  }
  const name = r.attr("name");
  if (name !== undefined && !/^[A-Za-z0-9]/.test(name)) throw r.error(`invalid host name '${name}' in the 'name' attribute`);
  const ipText = r.attr("ip");
  const ip = ipText === undefined ? undefined : parseIp(ipText);
  if (ipText !== undefined && !ip) throw r.error(`invalid address '${ipText}' in the 'ip' attribute of a static host`);
  if (v6 ? !(id || name) : !(mac || name)) {
    throw r.error(`a static host of an ${v6 ? "IPv6" : "IPv4"} network needs ${v6 ? "an 'id'" : "a 'mac'"} or a 'name' attribute`);
  }
  if (!ip) throw r.error("missing attribute 'ip' of a static host");
  if (ip.family !== subnet.address.family) throw r.error(`address '${ipText}' of a static host is not of the network's address family`);
  const lease = r.child("lease");
  return { mac, id, name, ip: formatIp(ip), lease: lease ? parseLease(lease) : undefined };
}

/** Parses `<ip>` with its `<dhcp>` and `<tftp>`. */
export function parseIpDef(r: XmlReader): IpDef {
  const family = r.enum("family", ["ipv4", "ipv6"]);
  const addr = address(r, "address", "network");
  const netmaskText = r.attr("netmask");
  const netmask = netmaskText === undefined ? undefined : parseIp(netmaskText);
  if (netmaskText !== undefined && !netmask) throw r.error(`invalid netmask '${netmaskText}'`);
  const prefix = r.uint("prefix");
  const def: IpDef = {
    family,
    address: formatIp(addr),
    netmask: netmask ? formatIp(netmask) : undefined,
    prefix,
    localPtr: r.yesNo("localPtr"),
    dhcpRanges: [],
    dhcpHosts: [],
  };
  if (family === "ipv6") {
    if (addr.family !== "ipv6") throw r.error(`family 'ipv6' given for the non-IPv6 address '${r.attr("address")}'`);
    if (netmask) throw r.error("attribute 'netmask' is not allowed for an IPv6 address; use 'prefix'");
    if (prefix !== undefined && prefix > 128) throw r.error(`invalid IPv6 prefix '${prefix}', it must be 0 - 128`);
  } else {
    if (addr.family !== "ipv4") {
      throw r.error(`${family ? "family 'ipv4'" : "no family"} given for the non-IPv4 address '${r.attr("address")}'`);
    }
    if (netmask) {
      if (netmask.family !== "ipv4") throw r.error(`netmask '${netmaskText}' is not an IPv4 address`);
      if (prefix !== undefined && prefix > 0) throw r.error("an <ip> cannot have both 'prefix' and 'netmask'");
      if (netmaskPrefix(netmask) === undefined) throw r.error(`netmask '${netmaskText}' is not contiguous`);
    } else if (prefix !== undefined && prefix > 32) {
      throw r.error(`invalid IPv4 prefix '${prefix}', it must be 0 - 32`);
    }
  }
  const subnet = ipSubnet(def);
  const dhcp = r.child("dhcp");
  if (dhcp) {
    def.dhcpRanges = dhcp.children("range").map((x) => parseRange(x, subnet));
    def.dhcpHosts = dhcp.children("host").map((x) => parseHost(x, subnet));
    const bootp = dhcp.child("bootp");
    if (bootp && addr.family === "ipv4") {
      const serverText = bootp.attr("server");
      const server = serverText === undefined ? undefined : parseIp(serverText);
      if (serverText !== undefined && !server) throw bootp.error(`invalid address '${serverText}' in the 'server' attribute`);
      def.bootp = { file: bootp.req("file"), server: server ? formatIp(server) : undefined };
    }
  }
  const tftp = r.child("tftp");
  if (tftp) {
    if (addr.family !== "ipv4") throw tftp.error("<tftp> is supported only in an IPv4 <ip>");
    def.tftpRoot = tftp.attr("root");
  }
  return def;
}

function formatLease(w: XmlWriter, l: DhcpLease | undefined): void {
  if (!l) return;
  w.elem("lease", [["expiry", l.expiry], ["unit", l.expiry ? l.unit : undefined]]);
}

/** Writes `<ip>` (always with an open and a close tag, as libvirt does). */
export function formatIpDef(w: XmlWriter, ip: IpDef): void {
  w.block("ip", [
    ["family", ip.family],
    ["address", ip.address],
    ["netmask", ip.netmask],
    ["prefix", ip.prefix || undefined],
    ["localPtr", ip.localPtr === undefined ? undefined : ip.localPtr ? "yes" : "no"],
  ], (w) => {
    if (ip.tftpRoot !== undefined) w.elem("tftp", [["root", ip.tftpRoot]]);
    if (ip.dhcpRanges.length === 0 && ip.dhcpHosts.length === 0) return;
    w.elem("dhcp", null, (w) => {
      for (const r of ip.dhcpRanges) w.elem("range", [["start", r.start], ["end", r.end]], r.lease ? (w) => formatLease(w, r.lease) : undefined);
      for (const h of ip.dhcpHosts) {
        w.elem("host", [["mac", h.mac], ["id", h.id], ["name", h.name], ["ip", h.ip]], h.lease ? (w) => formatLease(w, h.lease) : undefined);
      }
      if (ip.bootp) w.elem("bootp", [["file", ip.bootp.file], ["server", ip.bootp.server]]);
    });
  });
}
