/**
 * The dnsmasq configuration of a virtual network: the text of the `.conf`
 * file, the DHCP hosts file and the DNS additional-hosts file, exactly as
 * libvirt writes them. Pure: it builds text and touches nothing.
 * @module
 */
import type { DhcpLease, IpDef, NetworkDef } from "../conf/network/def.ts";
import { dhcpRangeSize, ipSubnet } from "../conf/network/ip.ts";
import { formatIp, parseIp, prefixMask, ptrDomain } from "../conf/network/ipaddr.ts";
import { VirtError } from "../errors.ts";
import { escapeXml } from "../xml/mod.ts";

/** Where dnsmasq's per-network files live. */
export interface DnsmasqOptions {
  /** Directory of the `.hostsfile` and `.addnhosts` files (e.g. `/var/lib/libvirt/dnsmasq`). */
  stateDir: string;
}

/** The generated files. */
export interface DnsmasqFiles {
  /** The configuration file. */
  conf: string;
  /** DHCP static hosts (`dhcp-hostsfile`), or null when there are none. */
  hostsfile: string | null;
  /** DNS host records (`addn-hosts`), one address a line; empty when there are none. */
  addnhosts: string;
}

function unsupported(message: string): VirtError {
  return new VirtError("config-unsupported", "network", message);
}

/** Refuses a value that would break out of its line in a dnsmasq file. */
function oneLine(what: string, value: string | undefined): string {
  if (value !== undefined && /[\r\n]/.test(value)) throw unsupported(`${what} must not contain line breaks`);
  return value ?? "";
}

function leaseText(l: DhcpLease | undefined): string | undefined {
  if (!l) return undefined;
  return l.expiry === 0 ? "infinite" : `${l.expiry}${l.unit[0]}`;
}

const hasDhcp = (ip: IpDef) => ip.dhcpRanges.length > 0 || ip.dhcpHosts.length > 0;
const isV6 = (ip: IpDef) => ip.address.includes(":");

/** Lines for one address's DHCP service; adds its static hosts and range sizes. */
function dhcpLines(ip: IpDef, out: string[], hosts: string[], leases: { count: number }): void {
  const subnet = ipSubnet(ip);
  const prefix = subnet.prefix;
  if (prefix === undefined) throw new VirtError("internal-error", "network", `address ${ip.address} has no usable prefix`);
  const v6 = isV6(ip);
  for (const r of ip.dhcpRanges) {
    const mask = v6 ? String(prefix) : formatIp({ family: "ipv4", value: prefixMask("ipv4", prefix) });
    const lease = leaseText(r.lease);
    out.push(`dhcp-range=${r.start},${r.end},${mask}${lease ? "," + lease : ""}`);
    leases.count += dhcpRangeSize(parseIp(r.start)!, parseIp(r.end)!, subnet, (m) => unsupported(m));
  }
  if (ip.dhcpRanges.length === 0 && ip.dhcpHosts.length > 0) {
    out.push(`dhcp-range=${ip.address},static${v6 ? "," + prefix : ""}`);
  }
  for (const h of ip.dhcpHosts) {
    const name = oneLine("a DHCP host name", h.name) || undefined;
    let line: string;
    if (v6) {
      const id = oneLine("a DHCP host id", h.id) || undefined;
      line = name && id ? `id:${id},${name},[${h.ip}]` : name ? `${name},[${h.ip}]` : `id:${id},[${h.ip}]`;
    } else {
      const mac = oneLine("a DHCP host MAC address", h.mac) || undefined;
      line = name && mac ? `${mac},${h.ip},${name}` : name ? `${name},${h.ip}` : `${mac},${h.ip}`;
    }
    const lease = leaseText(h.lease);
    hosts.push(lease ? `${line},${lease}` : line);
  }
  if (!v6) {
    out.push("dhcp-no-override", "dhcp-authoritative");
    if (ip.bootp) {
      const file = oneLine("the bootp file", ip.bootp.file);
      out.push(ip.bootp.server ? `dhcp-boot=${file},,${ip.bootp.server}` : `dhcp-boot=${file}`);
    }
  }
}

/** `local=/zone/` lines for the subnets whose reverse lookups stay local. */
function localPtrLines(def: NetworkDef, out: string[]): void {
  for (const ip of def.ips) {
    if (ip.localPtr !== true) continue;
    const s = ipSubnet(ip);
    const zone = s.prefix === undefined ? undefined : ptrDomain(s.address, s.prefix);
    if (!zone) {
      throw unsupported(`cannot build a reverse-lookup domain for ${isV6(ip) ? "IPv6" : "IPv4"} network ${ip.address} with prefix ${s.prefix}`);
    }
    out.push(`local=/${zone}/`);
  }
}

/**
 * Builds dnsmasq's files for a network whose bridge name is set (libvirt
 * assigns one when the network is defined).
 *
 * @throws VirtError when the network has no bridge, more than one DHCP
 *   address per family, a reverse zone that cannot be built, or a value
 *   with a line break
 * @example
 * ```ts
 * const { conf, hostsfile } = networkToDnsmasq(net, { stateDir: "/var/lib/libvirt/dnsmasq" });
 * ```
 */
export function networkToDnsmasq(def: NetworkDef, opts: DnsmasqOptions): DnsmasqFiles {
  const bridge = def.bridge?.name;
  if (!bridge) throw new VirtError("internal-error", "network", `network '${def.name}' has no bridge name`);
  const out: string[] = [
    "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE",
    "##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:",
    `##    virsh net-edit ${oneLine("the network name", def.name)}`,
    "## or other application using the libvirt API.",
    "##",
    "## dnsmasq conf file created by libvirt",
    "strict-order",
  ];
  const dns = def.dns;
  const wantDns = dns?.enable !== false;
  if (!wantDns) out.push("port=0");
  if (wantDns && dns?.forwarders.length) {
    let noResolv = false;
    for (const f of dns.forwarders) {
      const domain = f.domain === undefined ? "" : `/${oneLine("a forwarder domain", f.domain)}/`;
      out.push(`server=${domain}${f.addr ?? "#"}`);
      if (f.addr && f.domain === undefined) noResolv = true;
    }
    if (noResolv) out.push("no-resolv");
  }
  if (def.domain) {
    const d = oneLine("the domain name", def.domain.name);
    if (def.domain.localOnly === true) out.push(`local=/${d}/`);
    out.push(`domain=${d}`, "expand-hosts");
  }
  if (wantDns) localPtrLines(def, out);
  if (wantDns && dns?.forwardPlainNames === false) out.push("domain-needed", "local=//");
  out.push("except-interface=lo", "bind-dynamic", `interface=${bridge}`);
  if (!def.forward) out.push("dhcp-option=3", "no-resolv", "ra-param=*,0,0");
  if (wantDns && dns) {
    for (const t of dns.txts) out.push(`txt-record=${oneLine("a TXT record name", t.name)},${oneLine("a TXT record value", t.value)}`);
    for (const s of dns.srvs) {
      let line = `srv-host=_${oneLine("an SRV service", s.service)}._${oneLine("an SRV protocol", s.protocol)}`;
      if (s.domain) line += `.${oneLine("an SRV domain", s.domain)}`;
      if (s.target && s.target !== ".") {
        line += `,${oneLine("an SRV target", s.target)}`;
        if (s.port || s.priority || s.weight) line += `,${s.port || 1}`;
        if (s.priority || s.weight) line += `,${s.priority ?? 0}`;
        if (s.weight) line += `,${s.weight}`;
      }
      out.push(line);
    }
  }

  let v4: IpDef | undefined;
  let v6: IpDef | undefined;
  let tftp = false;
  for (const ip of def.ips) {
    if (!isV6(ip)) {
      if (hasDhcp(ip)) {
        if (v4) throw unsupported("DHCP can be defined on only one IPv4 address of a network");
        v4 = ip;
      }
      if (ip.tftpRoot !== undefined) {
        if (!tftp) out.push("enable-tftp");
        tftp = true;
        out.push(`tftp-root=${oneLine("the tftp root", ip.tftpRoot)}`);
      }
    } else if (hasDhcp(ip)) {
      if (v6) throw unsupported("DHCP can be defined on only one IPv6 address of a network");
      v6 = ip;
    }
  }
  const hosts: string[] = [];
  const leases = { count: 0 };
  for (const ip of [v4, v6]) if (ip) dhcpLines(ip, out, hosts, leases);
  if (leases.count > 0) out.push(`dhcp-lease-max=${leases.count}`);

  const fileBase = `${opts.stateDir}/${escapeXml(def.name)}`;
  if (v4 || v6) out.push(`dhcp-hostsfile=${fileBase}.hostsfile`);
  if (wantDns) out.push(`addn-hosts=${fileBase}.addnhosts`);
  if (def.mtu) out.push(`dhcp-option=option:mtu,${def.mtu}`);
  if (v6) out.push("enable-ra");
  else for (const ip of def.ips) if (isV6(ip) && !hasDhcp(ip)) out.push(`dhcp-range=${ip.address},ra-only`);
  for (const o of def.dnsmasqOptions) out.push(oneLine("a dnsmasq option", o));

  return {
    conf: out.join("\n") + "\n",
    hostsfile: hosts.length ? hosts.join("\n") + "\n" : null,
    addnhosts: addnHosts(def),
  };
}

/** The additional-hosts file: one line per address, its names tab-separated. */
function addnHosts(def: NetworkDef): string {
  const byIp = new Map<string, string[]>();
  for (const h of def.dns?.hosts ?? []) {
    const names = byIp.get(h.ip) ?? [];
    for (const n of h.hostnames) names.push(oneLine("a DNS host name", n));
    byIp.set(h.ip, names);
  }
  let s = "";
  for (const [ip, names] of byIp) s += `${ip}\t${names.map((n) => n + "\t").join("")}\n`;
  return s;
}
