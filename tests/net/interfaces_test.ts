/**
 * Guest interfaces on the host: TAP devices (`vnetN` or `<target dev>`) and
 * veth pairs created on the right bridge, compared with what `ip -j -d link`
 * reports, and removed again; the VirtualBox modes expressed as libvirt
 * XML (NAT as `type='user'`, bridged as `type='bridge'`, host-only as a
 * network without `<forward>`, internal as a network without `<ip>`).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import type { InterfaceDef } from "../../src/conf/domain/devices/interface.ts";
import { NetworkDriver } from "../../src/net/driver.ts";
import {
  hostSideMac,
  prepareInterface,
  prepareVethInterface,
  releaseInterface,
} from "../../src/net/interfaces.ts";
import {
  cleanupLink,
  dnsmasqPids,
  ip,
  ipJson,
  linkNames,
  SKIP_HOST,
  uniqueName,
  uniqueSubnet,
} from "./helpers.ts";

/** The interfaces of a domain with these `<interface>` elements. */
function interfaces(xml: string): InterfaceDef[] {
  return parseDomainXml(
    `<domain type='qemu'><name>vm</name><memory>65536</memory><os><type>hvm</type></os><devices>${xml}</devices></domain>`,
  ).devices.interfaces;
}

// deno-lint-ignore no-explicit-any
function link(name: string): any {
  return ipJson("-d", "link", "show", "dev", name)[0];
}

Deno.test({
  name: "interfaces: VirtualBox modes (NAT, bridged, host-only, internal) on TAP devices",
  ignore: SKIP_HOST,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "vk-net-if-" });
    const drv = new NetworkDriver({ mode: "embed", root });
    const hostBridge = uniqueName("hb");
    const hostOnlyBr = uniqueName("ho");
    const internalBr = uniqueName("in");
    const s = uniqueSubnet();
    const created: string[] = [];
    const before = linkNames();
    try {
      ip("link", "add", hostBridge, "type", "bridge");
      // Host-only: no <forward> (guests and host talk, nothing goes further).
      const hostOnly = await drv.createNetwork(
        `<network><name>hostonly</name><bridge name='${hostOnlyBr}'/>
          <ip address='${s}.1' prefix='24'><dhcp><range start='${s}.10' end='${s}.20'/></dhcp></ip></network>`,
        0,
      );
      // Internal: no <ip> either (guests talk to each other only): no address, no dnsmasq.
      const internal = await drv.createNetwork(
        `<network><name>internal</name><bridge name='${internalBr}'/></network>`,
        0,
      );
      assertEquals(ipJson("addr", "show", "dev", internalBr)[0].addr_info, []);
      assertEquals(dnsmasqPids(`${root}/run/network/dnsmasq/internal.conf`), []);
      assertEquals(dnsmasqPids(`${root}/run/network/dnsmasq/hostonly.conf`).length, 1);

      const [nat, bridged, ho, int, eth] = interfaces(`
        <interface type='user'><mac address='56:16:3e:5d:c7:9e'/><model type='e1000'/></interface>
        <interface type='bridge'><source bridge='${hostBridge}'/><mac address='52:16:3e:5d:c7:9e'/></interface>
        <interface type='network'><source network='hostonly'/><mac address='52:54:00:01:00:01'/><model type='virtio'/></interface>
        <interface type='network'><source network='internal'/><mac address='52:54:00:01:00:02'/><target dev='${
        uniqueName("tg")
      }'/></interface>
        <interface type='ethernet'><mac address='52:54:00:01:00:03'/></interface>`);
      const opts = (index: number) => ({ domainName: "vm", index, networks: drv });

      // NAT is QEMU's own user-mode network: no host device.
      await assertRejects(
        prepareInterface(nat, opts(0)),
        /only network, bridge and ethernet interfaces/,
      );

      const b = await prepareInterface(bridged, opts(1));
      created.push(b.ifname);
      assertMatch(b.ifname, /^vnet\d+$/);
      assertEquals(b.bridge, hostBridge);
      const l = link(b.ifname);
      assertEquals(l.linkinfo.info_kind, "tun");
      assertEquals(l.linkinfo.info_data.type, "tap");
      assertEquals(l.linkinfo.info_data.pi, false);
      assertEquals(l.master, hostBridge);
      assertEquals(l.address, "fe:16:3e:5d:c7:9e");
      assert(l.flags.includes("UP"));

      const h = await prepareInterface(ho, opts(2));
      created.push(h.ifname);
      assertEquals([h.bridge, link(h.ifname).master], [hostOnlyBr, hostOnlyBr]);
      assertEquals(link(h.ifname).linkinfo.info_data.vnet_hdr, true);
      assert(h.ifname !== b.ifname);

      const i = await prepareInterface(int, opts(3));
      created.push(i.ifname);
      assertEquals(i.ifname, int.targetDev);
      assertEquals(link(i.ifname).master, internalBr);

      const e = await prepareInterface(eth, opts(4));
      created.push(e.ifname);
      assertEquals(e.bridge, undefined);
      assertEquals(link(e.ifname).master, undefined);
      assertEquals(link(e.ifname).address, hostSideMac("52:54:00:01:00:03"));

      for (const name of created) await releaseInterface({ ifname: name });
      for (const name of created) assert(!linkNames().includes(name), `${name} is gone`);
      // Releasing twice is fine.
      await releaseInterface({ ifname: b.ifname });

      // A network that is not running gets no interface.
      await drv.destroyNetwork(internal.uuid);
      await assertRejects(
        prepareInterface(int, opts(3)),
        /no network with matching name 'internal'/,
      );
      await drv.destroyNetwork(hostOnly.uuid);
      await assertRejects(
        prepareInterface(ho, opts(2)),
        /no network with matching name 'hostonly'/,
      );
      assertEquals(linkNames(), [...before, hostBridge].sort());
    } finally {
      for (const name of created) cleanupLink(name);
      for (const n of await drv.listNetworks()) if (n.active) await drv.destroyNetwork(n.uuid);
      cleanupLink(hostBridge);
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "interfaces: a container's veth pair, host end on the network bridge",
  ignore: SKIP_HOST,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "vk-net-veth-" });
    const drv = new NetworkDriver({ mode: "embed", root });
    const br = uniqueName("br");
    let host: string | undefined;
    try {
      const net = await drv.defineNetwork(
        `<network><name>ct</name><bridge name='${br}'/></network>`,
        0,
      );
      const [iface] = interfaces(
        "<interface type='network'><source network='ct'/><mac address='52:54:00:02:00:01'/></interface>",
      );
      await assertRejects(
        prepareVethInterface(iface, { domainName: "ct1", index: 0, networks: drv }),
        /network 'ct' is not active/,
      );
      await drv.startNetwork(net.uuid);
      const v = await prepareVethInterface(iface, { domainName: "ct1", index: 0, networks: drv });
      host = v.hostIfname;
      assertMatch(v.hostIfname, /^vnet\d+$/);
      assertMatch(v.guestIfname, /^veth\d+$/);
      const h = link(v.hostIfname);
      const g = link(v.guestIfname);
      assertEquals([h.linkinfo.info_kind, h.master, h.address], ["veth", br, "fe:54:00:02:00:01"]);
      assertEquals([g.linkinfo.info_kind, g.master, g.address], [
        "veth",
        undefined,
        "52:54:00:02:00:01",
      ]);
      await releaseInterface({ ifname: v.hostIfname });
      assert(!linkNames().includes(v.hostIfname) && !linkNames().includes(v.guestIfname));
    } finally {
      if (host) cleanupLink(host);
      for (const n of await drv.listNetworks()) if (n.active) await drv.destroyNetwork(n.uuid);
      await Deno.remove(root, { recursive: true });
    }
  },
});
