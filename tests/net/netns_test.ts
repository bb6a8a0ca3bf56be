/**
 * Integration: a NAT network run by the driver on the real host. Two
 * network namespaces are joined by veth pairs to the network's bridge; one
 * gets a DHCP lease from the network's dnsmasq, the other a fixed address,
 * and they ping each other and the host. The nftables table with the
 * masquerade rule exists while the network runs and is gone after
 * `destroy`, as are the bridge and dnsmasq.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { NetworkDriver } from "../../src/net/driver.ts";
import { firewallRules, firewallTable } from "../../src/net/nat.ts";
import {
  dhcpInNs,
  dnsmasqPids,
  type Guest,
  inNs,
  joinBridge,
  leave,
  linkNames,
  nftTables,
  readSysctl,
  SKIP_HOST,
  uniqueName,
  uniqueSubnet,
} from "./helpers.ts";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

Deno.test({
  name: "netns: DHCP lease from our dnsmasq, ping across the bridge, NAT rules only while running",
  ignore: SKIP_HOST,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "vk-net-netns-" });
    const forward = readSysctl(IP_FORWARD);
    const bridge = uniqueName("br");
    const net24 = uniqueSubnet();
    const drv = new NetworkDriver({ mode: "embed", root });
    const guests: Guest[] = [];
    let uuid: string | undefined;
    try {
      const ref = await drv.defineNetwork(
        `<network>
  <name>natnet</name>
  <forward mode='nat'/>
  <bridge name='${bridge}'/>
  <ip address='${net24}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='${net24}.100' end='${net24}.150'/>
    </dhcp>
  </ip>
</network>`,
        0,
      );
      uuid = ref.uuid;
      await drv.startNetwork(uuid);
      assert(linkNames().includes(bridge), "the bridge exists");
      assertEquals(readSysctl(IP_FORWARD), "1");
      assertEquals(dnsmasqPids(`${root}/run/network/dnsmasq/natnet.conf`).length, 1);

      // The NAT rules: masquerade for the subnet, forwarding for its bridge.
      const rules = JSON.stringify(await firewallRules(bridge));
      assertMatch(rules, /"masquerade"/);
      assertMatch(rules, new RegExp(`"addr":"${net24.replaceAll(".", "\\.")}\\.0","len":24`));
      assert(nftTables().includes(`inet ${firewallTable(bridge)}`));

      const a = joinBridge(bridge, "a", "52:54:00:7a:00:01");
      guests.push(a);
      const b = joinBridge(bridge, "b", "52:54:00:7a:00:02");
      guests.push(b);
      await inNs(b.ns, "ip", "addr", "add", `${net24}.2/24`, "dev", "eth0");

      const addr = await dhcpInNs(a, root);
      assertMatch(addr, new RegExp(`^${net24.replaceAll(".", "\\.")}\\.(1[0-4]\\d|150)$`));
      const leases = await drv.networkDHCPLeases(uuid, undefined, 0);
      assertEquals(leases.map((l) => [l.mac, l.ipaddr, l.prefix, l.iface, l.type]), [
        ["52:54:00:7a:00:01", addr, 24, bridge, 0],
      ]);
      assertEquals(await drv.networkDHCPLeases(uuid, "52:54:00:7A:00:02", 0), []);

      await inNs(a.ns, "busybox", "ping", "-c", "2", "-W", "2", `${net24}.2`);
      await inNs(b.ns, "busybox", "ping", "-c", "1", "-W", "2", addr);
      await inNs(a.ns, "busybox", "ping", "-c", "1", "-W", "2", `${net24}.1`);

      await drv.destroyNetwork(uuid);
      assert(!linkNames().includes(bridge), "the bridge is gone");
      assert(!nftTables().includes(`inet ${firewallTable(bridge)}`), "the nft table is gone");
      assertEquals(await firewallRules(bridge), undefined);
      assertEquals(dnsmasqPids(`${root}/run/network/`), []);
      assertEquals((await drv.networkSummary(uuid)).active, false);
    } finally {
      for (const g of guests) leave(g);
      if (uuid && (await drv.networkSummary(uuid).catch(() => undefined))?.active) {
        await drv.destroyNetwork(uuid);
      }
      Deno.writeTextFileSync(IP_FORWARD, `${forward}\n`);
      await Deno.remove(root, { recursive: true });
    }
  },
});
