/**
 * The virtual network definition ({@link NetworkDef}) and its parts, shaped
 * after libvirt's network XML. Addresses are held in canonical text.
 * @module
 */
import type { XmlElement } from "../../xml/mod.ts";
import type { BandwidthDef } from "./bandwidth.ts";
import type { RouteDef } from "./route.ts";
import type { VirtualPortDef } from "./virtualport.ts";
import type { VlanDef } from "./vlan.ts";

/** Forward modes, in libvirt's order. */
export const FORWARD_MODES = ["nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev"] as const;
/** How a network reaches the outside; an absent `<forward>` means isolated. */
export type ForwardMode = typeof FORWARD_MODES[number];

/** A host PCI address (`<address type='pci'>` in a hostdev pool). */
export interface HostPciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

/** One member of a forward pool: a network device or a PCI function. */
export type ForwardInterface =
  | { type: "netdev"; dev: string; /** live: guests using it */ connections?: number }
  | { type: "pci"; address: HostPciAddress; /** live: guests using it */ connections?: number };

/** `<nat>`: the source address and port ranges of NAT, and IPv6 NAT. */
export interface NatDef {
  /** `ipv6='yes|no'`: NAT IPv6 traffic too. */
  ipv6?: boolean;
  /** First address of the IPv4 source range. */
  start?: string;
  /** Last address of the IPv4 source range. */
  end?: string;
  portStart?: number;
  portEnd?: number;
}

/** `<forward>`. */
export interface ForwardDef {
  mode: ForwardMode;
  /** hostdev mode: libvirt detaches the devices from the host. */
  managed: boolean;
  /** hostdev mode: the assignment backend. */
  driver?: "kvm" | "vfio";
  nat?: NatDef;
  /** The pool (`dev` attribute and `<interface>`s, or `<address>`es). */
  interfaces: ForwardInterface[];
  /** `<pf dev>`: the physical function whose virtual functions form the pool. */
  pf?: string;
}

/** `<bridge>`; `stp` and `delay` apply to libvirt-managed bridges. */
export interface BridgeDef {
  name?: string;
  /** firewalld zone. */
  zone?: string;
  /** Spanning tree; undefined when not written (on by default). */
  stp?: boolean;
  /** Forward delay in seconds; undefined when not written (0 by default). */
  delay?: number;
  macTableManager?: "kernel" | "libvirt";
}

/** `<domain>`: the DNS domain of the network. */
export interface DnsDomainDef {
  name: string;
  /** Resolve names under the domain locally only. */
  localOnly?: boolean;
  /** Register the domain with the host's resolver. */
  register?: boolean;
}

/** `<forwarder>`: an upstream server, for a domain or for everything. */
export interface DnsForwarder {
  domain?: string;
  addr?: string;
}

/** `<txt>`: a DNS TXT record. */
export interface DnsTxt {
  name: string;
  value: string;
}

/** `<srv>`: a DNS SRV record. */
export interface DnsSrv {
  service: string;
  protocol: string;
  domain?: string;
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
}

/** `<host>` of `<dns>`: names for an address. */
export interface DnsHost {
  ip: string;
  hostnames: string[];
}

/** `<dns>`. */
export interface DnsDef {
  enable?: boolean;
  forwardPlainNames?: boolean;
  forwarders: DnsForwarder[];
  txts: DnsTxt[];
  srvs: DnsSrv[];
  hosts: DnsHost[];
}

/** Units of a DHCP lease time. */
export type LeaseUnit = "seconds" | "minutes" | "hours";

/** `<lease>`: a DHCP lease time; `expiry` 0 means infinite. */
export interface DhcpLease {
  expiry: number;
  unit: LeaseUnit;
}

/** `<range>` of `<dhcp>`. */
export interface DhcpRange {
  start: string;
  end: string;
  lease?: DhcpLease;
}

/** `<host>` of `<dhcp>`: a static lease. The MAC is kept as written. */
export interface DhcpHost {
  mac?: string;
  /** DHCPv6 client DUID. */
  id?: string;
  name?: string;
  ip: string;
  lease?: DhcpLease;
}

/** `<ip>`: an address of the host on the network, with DHCP and TFTP. */
export interface IpDef {
  /** The family as written. */
  family?: "ipv4" | "ipv6";
  address: string;
  netmask?: string;
  prefix?: number;
  /** Answer reverse lookups for the subnet locally. */
  localPtr?: boolean;
  /** TFTP root directory (IPv4 only). */
  tftpRoot?: string;
  dhcpRanges: DhcpRange[];
  dhcpHosts: DhcpHost[];
  /** `<bootp>` (IPv4 only). */
  bootp?: { file: string; server?: string };
}

/** `<portgroup>`: settings shared by the guest interfaces that name it. */
export interface PortGroupDef {
  name: string;
  isDefault: boolean;
  trustGuestRxFilters?: boolean;
  virtualPort?: VirtualPortDef;
  bandwidth?: BandwidthDef;
  vlan?: VlanDef;
}

/** A virtual network definition. */
export interface NetworkDef {
  name: string;
  /** Canonical lower-case UUID (generated when the XML has none). */
  uuid: string;
  title?: string;
  description?: string;
  /** `<metadata>` children, kept verbatim; undefined when absent. */
  metadata?: XmlElement[];
  /** Live: the number of guest interfaces connected. */
  connections?: number;
  /** `ipv6='yes'`: guest-to-guest IPv6 without a gateway address. */
  ipv6: boolean;
  trustGuestRxFilters?: boolean;
  /** Undefined for an isolated network. */
  forward?: ForwardDef;
  bridge?: BridgeDef;
  mtu?: number;
  /** The bridge's MAC address, canonical. */
  mac?: string;
  domain?: DnsDomainDef;
  dns?: DnsDef;
  vlan?: VlanDef;
  bandwidth?: BandwidthDef;
  /** `<port isolated>`: isolate guests from each other. */
  portIsolated?: boolean;
  ips: IpDef[];
  routes: RouteDef[];
  virtualPort?: VirtualPortDef;
  portGroups: PortGroupDef[];
  /** `<dnsmasq:options>`: extra lines for dnsmasq's configuration. */
  dnsmasqOptions: string[];
}
