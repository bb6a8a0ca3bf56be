/**
 * Routes through rtnetlink: adding, deleting and listing them
 * (`ip route add|del|show`).
 * @module
 */
import type { IpFamily } from "../conf/network/ipaddr.ts";
import { invalid } from "./names.ts";
import { linkIndex } from "./ifreq.ts";
import { FAMILIES, familyOf, ipBytes, ipText, parseCidr } from "./inet.ts";
import { attrU32, MessageBuilder, NLM_F_CREATE, NLM_F_EXCL, parseAttrs, view } from "./netlink.ts";
import { type NetnsOption, withRtnl } from "./rtnetlink.ts";
import { SCOPE_LINK, SCOPE_NOWHERE, SCOPE_UNIVERSE, scopeName } from "./scope.ts";

const RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_TABLE = 15;
/** `RT_TABLE_MAIN`, the table `ip route` uses unless told otherwise. */
const TABLE_MAIN = 254;
/** `RTPROT_BOOT`: a route added by an administrator or a tool (`ip route add`'s default). */
const PROTO_BOOT = 3;
const RTN_UNICAST = 1;
/** The size of `struct rtmsg`. */
const RTMSG_LEN = 12;

/** A route to add or delete. */
export interface Route {
  /** Destination: `ADDRESS/PREFIX`, a bare address (a host route) or `default`. */
  dst: string;
  /** Gateway address. */
  via?: string;
  /** Outgoing link. */
  dev?: string;
  /** Metric (`RTA_PRIORITY`). */
  metric?: number;
  /** Routing table; the main table when not given. */
  table?: number;
  /** Family of a `default` route without a gateway; IPv4 when not given. */
  family?: IpFamily;
}

/** A route as the kernel reports it. */
export interface RouteInfo {
  /** Address family. */
  family: IpFamily;
  /** `ADDRESS/PREFIX`, or `default`. */
  dst: string;
  /** Gateway address, when there is one. */
  via?: string;
  /** Index of the outgoing link, when there is one. */
  index?: number;
  /** Metric, when set. */
  metric?: number;
  /** Routing table. */
  table: number;
  /** Route type (`RTN_*`): 1 for unicast, 2 for local, 3 for broadcast, ... */
  type: number;
  /** Originating protocol (`RTPROT_*`): 2 kernel, 3 boot, 4 static, ... */
  protocol: number;
  /** Scope, named as `ip` names it. */
  scope: string;
}

function routeMessage(
  type: number,
  flags: number,
  route: Route,
  opts: NetnsOption,
): MessageBuilder {
  const dst = route.dst === "default" ? undefined : parseCidr(route.dst, "route destination");
  const via = route.via === undefined ? undefined : parseCidr(route.via, "gateway").address;
  const family = dst?.address.family ?? via?.family ?? route.family ?? "ipv4";
  if (via && via.family !== family) {
    throw invalid(`gateway '${route.via}' is not of the family of '${route.dst}'`);
  }
  const table = route.table ?? TABLE_MAIN;
  const hdr = new Uint8Array(RTMSG_LEN);
  hdr[0] = FAMILIES[family];
  hdr[1] = dst?.prefix ?? 0;
  hdr[4] = table < 256 ? table : 0;
  // Deleting matches a route of any protocol and scope.
  const adding = type === RTM_NEWROUTE;
  hdr[5] = adding ? PROTO_BOOT : 0;
  hdr[6] = adding ? (via ? SCOPE_UNIVERSE : SCOPE_LINK) : SCOPE_NOWHERE;
  hdr[7] = RTN_UNICAST;
  const m = new MessageBuilder(type, flags, hdr);
  if (table >= 256) m.u32(RTA_TABLE, table);
  if (dst) m.bytes(RTA_DST, ipBytes(dst.address));
  if (via) m.bytes(RTA_GATEWAY, ipBytes(via));
  if (route.dev !== undefined) m.u32(RTA_OIF, linkIndex(route.dev, opts));
  if (route.metric !== undefined) m.u32(RTA_PRIORITY, route.metric);
  return m;
}

function describe(route: Route): string {
  return [route.dst, route.via && `via ${route.via}`, route.dev && `dev ${route.dev}`]
    .filter(Boolean).join(" ");
}

/**
 * Adds a route; an identical route fails with `EEXIST`.
 *
 * @example
 * ```ts
 * addRoute({ dst: "10.10.0.0/16", via: "192.168.122.2", dev: "virbr0" });
 * ```
 */
export function addRoute(route: Route, opts: NetnsOption = {}): void {
  const m = routeMessage(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route, opts);
  withRtnl(opts, (s) => s.request(m, { action: "add route", object: describe(route) }));
}

/** Deletes a route; `ESRCH` when there is no such route. */
export function deleteRoute(route: Route, opts: NetnsOption = {}): void {
  const m = routeMessage(RTM_DELROUTE, 0, route, opts);
  withRtnl(opts, (s) => s.request(m, { action: "delete route", object: describe(route) }));
}

/**
 * The routes of one family in one table (the main table unless told).
 *
 * @example
 * ```ts
 * listRoutes({ family: "ipv6" }).filter((r) => r.dst === "default");
 * ```
 */
export function listRoutes(
  opts: NetnsOption & { family?: IpFamily; table?: number } = {},
): RouteInfo[] {
  const family = opts.family ?? "ipv4";
  const table = opts.table ?? TABLE_MAIN;
  const hdr = new Uint8Array(RTMSG_LEN);
  hdr[0] = FAMILIES[family];
  const m = new MessageBuilder(RTM_GETROUTE, 0, hdr);
  const msgs = withRtnl(
    opts,
    (s) => s.query(m, { action: "list routes in", object: opts.netns ?? "host" }, true),
  );
  const out: RouteInfo[] = [];
  for (const msg of msgs) {
    const v = view(msg.payload);
    const attrs = parseAttrs(msg.payload.subarray(RTMSG_LEN));
    const fam = familyOf(v.getUint8(0));
    const routeTable = attrU32(attrs, RTA_TABLE) ?? v.getUint8(4);
    if (msg.type !== RTM_NEWROUTE || fam !== family || routeTable !== table) continue;
    const dst = attrs.get(RTA_DST);
    const gw = attrs.get(RTA_GATEWAY);
    const info: RouteInfo = {
      family,
      dst: dst ? `${ipText(family, dst)}/${v.getUint8(1)}` : "default",
      table: routeTable,
      type: v.getUint8(7),
      protocol: v.getUint8(5),
      scope: scopeName(v.getUint8(6)),
    };
    if (gw) info.via = ipText(family, gw);
    const oif = attrU32(attrs, RTA_OIF);
    if (oif !== undefined) info.index = oif;
    const metric = attrU32(attrs, RTA_PRIORITY);
    if (metric !== undefined) info.metric = metric;
    out.push(info);
  }
  return out;
}
