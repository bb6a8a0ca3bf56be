/**
 * The `<source>` of a guest interface, one shape per interface type, and
 * the host device source of `type='hostdev'` interfaces.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { parseUuid } from "../../ids.ts";
import type { ParseContext } from "../context.ts";
import {
  formatPciHostAddress,
  parsePciHostAddress,
  type PciHostAddress,
} from "./pci-host-address.ts";

/** Interface types, in libvirt's enumeration order. */
export const INTERFACE_TYPES = [
  "user",
  "ethernet",
  "vhostuser",
  "server",
  "client",
  "mcast",
  "network",
  "bridge",
  "internal",
  "direct",
  "hostdev",
  "udp",
  "vdpa",
  "null",
  "vds",
] as const;

/** An interface type. */
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

/** macvtap modes of `type='direct'`. */
export const MACVLAN_MODES = ["vepa", "private", "bridge", "passthrough"] as const;

/** Host PCI or USB device behind a `type='hostdev'` interface. */
export interface NetHostdevSource {
  /** `managed='yes'`: libvirt detaches the device from its host driver. */
  managed: boolean;
  /** PCI backend (`<driver name>`). */
  driver?: "kvm" | "vfio" | "xen";
  /** Host PCI address. */
  pci?: PciHostAddress;
  /** Host USB bus and device numbers. */
  usbAddress?: { bus: number; device: number };
  /** USB vendor and product ids. */
  usb?: { vendor: number; product: number };
}

/** vhost-user socket reconnection. */
export interface ReconnectDef {
  enabled: "yes" | "no";
  /** Seconds between attempts (when enabled). */
  timeout?: number;
}

/** The source of an interface, by type. */
export type InterfaceSource =
  | { type: "ethernet" | "null" }
  | { type: "user"; /** host interface of the passt backend */ dev?: string }
  | { type: "network"; network: string; portgroup?: string; portid?: string }
  | { type: "bridge"; bridge: string }
  | { type: "direct"; dev: string; mode: (typeof MACVLAN_MODES)[number] }
  | { type: "internal"; name: string }
  | { type: "vdpa"; dev: string }
  | { type: "server" | "client" | "mcast"; address?: string; port: number }
  | { type: "udp"; address: string; port: number; localAddress: string; localPort: number }
  | { type: "vhostuser"; path: string; mode: "server" | "client"; reconnect?: ReconnectDef }
  | { type: "hostdev"; hostdev: NetHostdevSource }
  | { type: "vds"; switchId: string; portId: bigint; portgroupId?: string; connectionId: bigint };

function requireSource(r: XmlReader, src: XmlReader | undefined, type: string): XmlReader {
  if (!src) throw r.error(`interface type='${type}' requires a <source> element`);
  return src;
}

function socketPort(src: XmlReader): number {
  const v = src.req("port");
  if (!/^\s*[-+]?\d+\s*$/.test(v)) {
    throw src.error(`invalid value '${v}' for attribute 'port', expected an integer`);
  }
  return Number(v);
}

function longAttr(src: XmlReader, name: string): bigint {
  const v = src.attr(name);
  if (v === undefined) return 0n;
  if (!/^\s*[-+]?\d+\s*$/.test(v)) {
    throw src.error(`invalid value '${v}' for attribute '${name}', expected an integer`);
  }
  return BigInt(v.trim());
}

function uuidAttr(src: XmlReader, name: string): string | undefined {
  const v = src.attr(name);
  if (v === undefined) return undefined;
  const u = parseUuid(v);
  if (!u) throw src.error(`malformed uuid '${v}' in attribute '${name}'`);
  return u;
}

function parseReconnect(src: XmlReader): ReconnectDef | undefined {
  const rc = src.child("reconnect");
  if (!rc) return undefined;
  const enabled = rc.reqEnum("enabled", ["yes", "no"]);
  return { enabled, timeout: enabled === "yes" ? rc.reqUint("timeout") : undefined };
}

function parseUsbId(r: XmlReader, what: string): number {
  const v = r.uint("id", { hex: true });
  if (!v || v > 0xffff) throw r.error(`missing or invalid USB ${what} id`);
  return v;
}

function parseHostdevSource(r: XmlReader, src: XmlReader | undefined): NetHostdevSource {
  const s = requireSource(r, src, "hostdev");
  const hd: NetHostdevSource = {
    managed: r.attr("managed") === "yes",
    driver: r.child("driver")?.enum("name", ["kvm", "vfio", "xen"]),
  };
  const addr = s.child("address");
  const vendor = s.child("vendor");
  const type = addr?.attr("type") ?? (vendor ? "usb" : undefined);
  if (type === "pci") {
    hd.pci = parsePciHostAddress(addr!);
  } else if (type === "usb") {
    if (vendor) {
      const product = s.child("product");
      if (!product) throw s.error("missing <product> for a USB host device");
      hd.usb = { vendor: parseUsbId(vendor, "vendor"), product: parseUsbId(product, "product") };
    }
    if (addr) hd.usbAddress = { bus: addr.reqUint("bus"), device: addr.reqUint("device") };
  } else {
    throw s.error(
      `unknown host device source address type '${type ?? ""}', expected one of: pci, usb`,
    );
  }
  return hd;
}

/**
 * Reads the type-specific part of `<source>`. Runtime-only values (a network
 * port id) are ignored when `ctx.inactive`.
 */
export function parseInterfaceSource(
  r: XmlReader,
  type: InterfaceType,
  src: XmlReader | undefined,
  ctx: ParseContext,
): InterfaceSource {
  switch (type) {
    case "network": {
      const s = requireSource(r, src, type);
      return {
        type,
        network: s.req("network"),
        portgroup: s.attr("portgroup"),
        portid: ctx.inactive ? undefined : uuidAttr(s, "portid"),
      };
    }
    case "bridge":
      return { type, bridge: requireSource(r, src, type).req("bridge") };
    case "direct": {
      const s = requireSource(r, src, type);
      return { type, dev: s.req("dev"), mode: s.enum("mode", MACVLAN_MODES) ?? "vepa" };
    }
    case "internal":
      return { type, name: requireSource(r, src, type).req("name") };
    case "vdpa":
      return { type, dev: requireSource(r, src, type).req("dev") };
    case "server":
    case "client":
    case "mcast": {
      const s = requireSource(r, src, type);
      return {
        type,
        address: type === "server" ? s.attr("address") : s.req("address"),
        port: socketPort(s),
      };
    }
    case "udp": {
      const s = requireSource(r, src, type);
      const address = s.req("address");
      const port = socketPort(s);
      const local = s.child("local");
      if (!local) throw s.error("<local> element missing for 'udp' socket interface");
      return {
        type,
        address,
        port,
        localAddress: local.req("address"),
        localPort: socketPort(local),
      };
    }
    case "vhostuser": {
      const s = requireSource(r, src, type);
      const stype = s.req("type");
      if (stype !== "unix") {
        throw s.error(
          `type='${stype}' unsupported for <interface type='vhostuser'>, expected: unix`,
        );
      }
      return {
        type,
        path: s.req("path"),
        mode: s.reqEnum("mode", ["server", "client"]),
        reconnect: parseReconnect(s),
      };
    }
    case "hostdev":
      return { type, hostdev: parseHostdevSource(r, src) };
    case "vds": {
      const s = requireSource(r, src, type);
      const switchId = uuidAttr(s, "switchid");
      if (!switchId) throw s.error("missing attribute 'switchid'");
      return {
        type,
        switchId,
        portId: longAttr(s, "portid"),
        portgroupId: s.attr("portgroupid"),
        connectionId: longAttr(s, "connectionid"),
      };
    }
    default:
      return { type };
  }
}

/** The `<source>` attributes of a non-hostdev interface, in libvirt's order. */
export function interfaceSourceAttrs(s: InterfaceSource, inactive: boolean): Attr[] {
  switch (s.type) {
    case "network":
      return [["network", s.network], ["portgroup", s.portgroup], [
        "portid",
        inactive ? undefined : s.portid,
      ]];
    case "bridge":
      return [["bridge", s.bridge]];
    case "direct":
      return [["dev", s.dev], ["mode", s.mode]];
    case "internal":
      return [["name", s.name]];
    case "vdpa":
      return [["dev", s.dev]];
    case "server":
    case "client":
    case "mcast":
    case "udp":
      return [["address", s.address], ["port", s.port]];
    case "vhostuser":
      return [["type", "unix"], ["path", s.path], ["mode", s.mode]];
    case "user":
      return [["dev", s.dev]];
    case "vds":
      return [["switchid", s.switchId], ["portid", String(s.portId)], [
        "portgroupid",
        s.portgroupId,
      ], ["connectionid", String(s.connectionId)]];
    default:
      return [];
  }
}

/** Writes the children `<source>` holds for its type (udp `<local>`, vhost-user `<reconnect>`). */
export function formatInterfaceSourceChildren(w: XmlWriter, s: InterfaceSource): void {
  if (s.type === "udp") w.elem("local", [["address", s.localAddress], ["port", s.localPort]]);
  if (s.type === "vhostuser" && s.reconnect) {
    w.elem("reconnect", [["enabled", s.reconnect.enabled], [
      "timeout",
      s.reconnect.enabled === "yes" ? s.reconnect.timeout : undefined,
    ]]);
  }
}

const hex4 = (n: number) => "0x" + n.toString(16).padStart(4, "0");

/** Writes the `<driver>` and `<source>` of a `type='hostdev'` interface. */
export function formatHostdevSource(w: XmlWriter, hd: NetHostdevSource): void {
  if (hd.driver) w.elem("driver", [["name", hd.driver]]);
  w.elem("source", null, (w) => {
    if (hd.usb) {
      w.elem("vendor", [["id", hex4(hd.usb.vendor)]]);
      w.elem("product", [["id", hex4(hd.usb.product)]]);
    }
    const u = hd.usbAddress;
    if (u && (u.bus || u.device)) {
      w.elem("address", [["type", "usb"], ["bus", u.bus], ["device", u.device]]);
    }
    if (hd.pci) formatPciHostAddress(w, hd.pci, true);
  });
}
