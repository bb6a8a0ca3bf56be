/**
 * The IP settings of a guest interface: `<ip>` addresses and `<route>`s (on
 * the guest side, or inside `<source>` on the host side) and the passt
 * `<portForward>` rules.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { formatIp, type IpAddress, type IpFamily, parseIp } from "../../network/ipaddr.ts";
import { formatRoute, parseRoute, type RouteDef } from "../../network/route.ts";

/** One `<ip>`: an address with its prefix and point-to-point peer. */
export interface InterfaceIpDef {
  /** Canonical address text. */
  address: string;
  /** Family of `address` (written back as the `family` attribute). */
  family: IpFamily;
  /** Prefix length; 0 is not written. */
  prefix?: number;
  /** Canonical peer address. */
  peer?: string;
}

/** Addresses and routes of one side of an interface. */
export interface InterfaceIpInfo {
  ips: InterfaceIpDef[];
  routes: RouteDef[];
}

function parseAddressIn(r: XmlReader, name: string, family: IpFamily | undefined): IpAddress {
  const text = r.attr(name)!;
  const a = parseIp(text);
  if (!a || (family && a.family !== family)) throw r.error(`invalid ${name} '${text}' in <ip>`);
  return a;
}

function parseIpElement(r: XmlReader): InterfaceIpDef {
  if (!r.has("address")) throw r.error("missing required address in <ip>");
  const family = r.enum("family", ["ipv4", "ipv6"]);
  const addr = parseAddressIn(r, "address", family);
  const prefixText = r.attr("prefix");
  let prefix: number | undefined;
  if (prefixText !== undefined) {
    prefix = /^\s*\d+\s*$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix <= (addr.family === "ipv4" ? 32 : 128))) {
      throw r.error(`invalid prefix value '${prefixText}' in <ip>`);
    }
  }
  const peer = r.has("peer") ? formatIp(parseAddressIn(r, "peer", addr.family)) : undefined;
  return { address: formatIp(addr), family: addr.family, prefix, peer };
}

/** Reads the `<ip>` and `<route>` children of `r`. */
export function parseInterfaceIpInfo(r: XmlReader): InterfaceIpInfo {
  return { ips: r.children("ip").map(parseIpElement), routes: r.children("route").map(parseRoute) };
}

/** Whether the settings hold any address or route. */
export function hasIpInfo(info: InterfaceIpInfo): boolean {
  return info.ips.length > 0 || info.routes.length > 0;
}

/** Writes `<ip>` elements, then `<route>` elements. */
export function formatInterfaceIpInfo(w: XmlWriter, info: InterfaceIpInfo): void {
  for (const ip of info.ips) {
    w.elem("ip", [["address", ip.address], ["family", ip.family], [
      "prefix",
      ip.prefix || undefined,
    ], ["peer", ip.peer]]);
  }
  for (const rt of info.routes) formatRoute(w, rt);
}

/** One `<range>` of a `<portForward>`. */
export interface PortForwardRange {
  start: number;
  end?: number;
  to?: number;
  exclude?: "yes" | "no";
}

/** `<portForward>`: host ports a passt backend forwards to the guest. */
export interface PortForwardDef {
  proto: "tcp" | "udp";
  /** Canonical host address to listen on. */
  address?: string;
  /** Host interface to listen on. */
  dev?: string;
  ranges: PortForwardRange[];
}

function positivePort(r: XmlReader, name: string): number | undefined {
  const v = r.uint(name);
  if (v === 0 || (v !== undefined && v > 65535)) {
    throw r.error(
      `invalid value '${r.attr(name)}' for attribute '${name}', expected a port number 1-65535`,
    );
  }
  return v;
}

function parseRange(r: XmlReader): PortForwardRange {
  const start = positivePort(r, "start");
  if (start === undefined) throw r.error("missing attribute 'start'");
  return {
    start,
    end: positivePort(r, "end"),
    to: positivePort(r, "to"),
    exclude: r.enum("exclude", ["yes", "no"]),
  };
}

/** Parses one `<portForward>`. */
export function parsePortForward(r: XmlReader): PortForwardDef {
  const proto = r.reqEnum("proto", ["tcp", "udp"]);
  const addrText = r.attr("address");
  let address: string | undefined;
  if (addrText !== undefined) {
    const a = parseIp(addrText);
    if (!a) throw r.error(`invalid address '${addrText}' in <portForward>`);
    address = formatIp(a);
  }
  return { proto, address, dev: r.attr("dev"), ranges: r.children("range").map(parseRange) };
}

/** Writes one `<portForward>`. */
export function formatPortForward(w: XmlWriter, pf: PortForwardDef): void {
  w.elem(
    "portForward",
    [["proto", pf.proto], ["address", pf.address], ["dev", pf.dev]],
    pf.ranges.length
      ? (w) => {
        for (const rg of pf.ranges) {
          w.elem("range", [["start", rg.start], ["end", rg.end], ["to", rg.to], [
            "exclude",
            rg.exclude,
          ]]);
        }
      }
      : undefined,
  );
}
