/**
 * Addresses and routes through rtnetlink, checked against `ip -j addr show`
 * and `ip -j route show`. Host-side objects use the 198.18.0.0/15 benchmark
 * range and unique link names, so they touch nothing else on the machine.
 */
import { assertEquals, assertThrows } from "../assert.ts";
import {
  addAddress,
  addRoute,
  createVeth,
  deleteAddress,
  deleteRoute,
  linkIndex,
  listAddresses,
  listRoutes,
  moveToNetns,
  setLinkUp,
} from "../../src/sys/mod.ts";
import { cleanupLink, ipJson, SKIP, uniqueName, withTempNetns } from "./helpers.ts";

/** A random third octet, so parallel runs pick different subnets. */
const NET = `198.18.${Math.floor(Math.random() * 250) + 1}`;
const NET6 = `fd00:${Math.floor(Math.random() * 0xffff).toString(16)}`;
/** Route destinations, random too: a route's prefix is host-wide. */
const ROUTE_OCTET = Math.floor(Math.random() * 15) * 16 + 16;
const ROUTE_NET = `198.19.${ROUTE_OCTET}.0/20`;
const ROUTE_HOST = `198.19.${ROUTE_OCTET + 1}.9`;

/** `ip -j addr show dev NAME` reduced to what `listAddresses` reports. */
function ipAddrs(dev: string, netns?: string) {
  const ns = netns ? ["-n", netns] : [];
  return (ipJson(...ns, "addr", "show", "dev", dev)[0]?.addr_info ?? [])
    // deno-lint-ignore no-explicit-any
    .map((a: any) => ({
      family: a.family === "inet" ? "ipv4" : "ipv6",
      address: a.local,
      prefix: a.prefixlen,
      peer: a.address,
      broadcast: a.broadcast,
      scope: a.scope,
      label: a.label,
    }))
    // A link-local address appears when IPv6 starts on the link; keep what the tests add.
    .filter((a: { scope: string }) => a.scope !== "link");
}

function ours(dev: string, netns?: string) {
  return listAddresses({ dev, netns }).filter((a) => a.scope !== "link").map((a) => ({
    family: a.family,
    address: a.address,
    prefix: a.prefix,
    peer: a.peer,
    broadcast: a.broadcast,
    scope: a.scope,
    label: a.label,
  }));
}

/** Creates an up veth pair `a`/`b` on the host for `fn`, deleting it afterwards. */
function withVeth(fn: (a: string, b: string) => void): void {
  const a = uniqueName("a"), b = uniqueName("b");
  try {
    createVeth(a, b);
    setLinkUp(a);
    setLinkUp(b);
    fn(a, b);
  } finally {
    cleanupLink(a);
  }
}

Deno.test({
  name: "IPv4 and IPv6 addresses are added, listed as ip lists them, and deleted",
  ignore: SKIP,
  fn() {
    withVeth((a) => {
      addAddress(a, `${NET}.1/24`);
      addAddress(a, `${NET6}::1/64`);
      addAddress(a, `${NET}.129/32`, { peer: `${NET}.130` });
      const got = ours(a);
      assertEquals(got, ipAddrs(a));
      assertEquals(got.map((x) => [x.address, x.prefix, x.broadcast, x.peer]), [
        [`${NET}.1`, 24, `${NET}.255`, undefined],
        [`${NET}.129`, 32, undefined, `${NET}.130`],
        [`${NET6}::1`, 64, undefined, undefined],
      ]);
      assertEquals(
        listAddresses({ dev: a, family: "ipv6" }).filter((x) => x.scope === "global").length,
        1,
      );
      assertThrows(
        () => addAddress(a, `${NET}.1/24`),
        (e: Error) =>
          e.message.startsWith(`cannot add address ${NET}.1/24 to '${a}': EEXIST (File exists)`),
      );
      deleteAddress(a, `${NET}.1/24`);
      deleteAddress(a, `${NET6}::1/64`);
      deleteAddress(a, `${NET}.129/32`, { peer: `${NET}.130` });
      assertEquals(ipAddrs(a), []);
      assertEquals(ours(a), []);
      assertThrows(
        () => deleteAddress(a, `${NET}.1/24`),
        (e: Error) =>
          e.message.startsWith(`cannot delete address ${NET}.1/24 from '${a}': EADDRNOTAVAIL`),
      );
      assertThrows(() => addAddress(a, "198.18.0.1/40"), /invalid address '198.18.0.1\/40'/);
    });
  },
});

/** `ip -j route show ...` reduced to what `listRoutes` reports. */
function ipRoutes(args: string[]) {
  // deno-lint-ignore no-explicit-any
  return ipJson(...args).map((r: any) => ({
    dst: r.dst.includes("/") || r.dst === "default"
      ? r.dst
      : `${r.dst}/${r.dst.includes(":") ? 128 : 32}`,
    via: r.gateway,
    metric: r.metric,
  }));
}

Deno.test({
  name: "routes are added, listed as ip lists them, and deleted",
  ignore: SKIP,
  fn() {
    withVeth((a) => {
      addAddress(a, `${NET}.1/24`);
      addAddress(a, `${NET6}::1/64`);
      const r4 = { dst: ROUTE_NET, via: `${NET}.254`, dev: a, metric: 77 };
      const r6 = { dst: `${NET6}:1::/64`, via: `${NET6}::fe`, dev: a };
      const host = { dst: ROUTE_HOST, dev: a };
      addRoute(r4);
      addRoute(r6);
      addRoute(host);
      const index = linkIndex(a);
      const mine = (family: "ipv4" | "ipv6") =>
        listRoutes({ family }).filter((r) => r.index === index && r.protocol === 3)
          .map((r) => ({ dst: r.dst, via: r.via, metric: r.metric }));
      const ip4 = ipRoutes(["route", "show", "dev", a, "proto", "boot"]);
      assertEquals(mine("ipv4"), ip4);
      assertEquals(ip4, [
        { dst: ROUTE_NET, via: `${NET}.254`, metric: 77 },
        { dst: `${ROUTE_HOST}/32`, via: undefined, metric: undefined },
      ]);
      const ip6 = ipRoutes(["-6", "route", "show", "dev", a, "proto", "boot"]);
      assertEquals(mine("ipv6"), ip6);
      assertEquals(ip6.map((r: { dst: string }) => r.dst), [`${NET6}:1::/64`]);
      assertEquals(ipJson("route", "show", ROUTE_HOST)[0].scope, "link");
      assertThrows(() => addRoute(r4), {
        message: `cannot add route '${ROUTE_NET} via ${NET}.254 dev ${a}': EEXIST (File exists)`,
      });
      deleteRoute(r4);
      deleteRoute(r6);
      deleteRoute(host);
      assertEquals(ipRoutes(["route", "show", "dev", a, "proto", "boot"]), []);
      assertEquals(mine("ipv4"), []);
      assertThrows(() => deleteRoute(r4), {
        message:
          `cannot delete route '${ROUTE_NET} via ${NET}.254 dev ${a}': ESRCH (No such process)`,
      });
    });
  },
});

Deno.test({
  name: "addresses and a default route are set inside a network namespace",
  ignore: SKIP,
  fn() {
    const a = uniqueName("a"), b = uniqueName("b");
    withTempNetns((ns) => {
      try {
        createVeth(a, b);
        moveToNetns(b, ns);
        const opts = { netns: ns };
        setLinkUp("lo", opts);
        setLinkUp(b, opts);
        addAddress(b, "10.1.2.3/24", opts);
        addRoute({ dst: "default", via: "10.1.2.1" }, opts);
        addRoute({ dst: "default", via: "fe80::1", dev: b }, opts);
        assertEquals(ours(b, ns), ipAddrs(b, ns));
        assertEquals(ipAddrs(b, ns).map((x: { address: string }) => x.address), ["10.1.2.3"]);
        const route = ipJson("-n", ns, "route", "show", "default", "proto", "boot")[0];
        assertEquals([route.gateway, route.dev], ["10.1.2.1", b]);
        assertEquals(ipJson("-n", ns, "-6", "route", "show", "default")[0].gateway, "fe80::1");
        const mine = listRoutes(opts).find((r) => r.dst === "default");
        assertEquals([mine?.via, mine?.index], ["10.1.2.1", linkIndex(b, opts)]);
        assertEquals(
          listRoutes({ ...opts, family: "ipv6" }).find((r) => r.dst === "default")?.via,
          "fe80::1",
        );
        // Nothing leaked into the host namespace.
        assertEquals(ipJson("addr", "show", "to", "10.1.2.3/32"), []);
        deleteRoute({ dst: "default", via: "10.1.2.1" }, opts);
        assertEquals(ipJson("-n", ns, "route", "show", "default"), []);
      } finally {
        cleanupLink(a);
      }
    });
  },
});
