/**
 * The firewall script of each forward mode, the table names, and the
 * parsing of dnsmasq's leases file. Pure: nothing touches the host.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { parseNetworkXml } from "../../src/conf/network/mod.ts";
import { firewallScript, firewallTable, needsFirewall } from "../../src/net/nat.ts";
import { needsDnsmasq, parseLeases } from "../../src/net/dnsmasq-process.ts";

const net = (forward: string, extra = "") =>
  parseNetworkXml(
    `<network><name>n</name>${forward}<bridge name='virbr7'/><ip address='192.168.70.1' prefix='24'/>${extra}</network>`,
  );

Deno.test("nat: NAT mode masquerades the subnet and forwards replies in, anything out", () => {
  assertEquals(
    firewallScript(net("<forward mode='nat'/>")),
    `add table inet virtkit_virbr7
delete table inet virtkit_virbr7
table inet virtkit_virbr7 {
  chain forward {
    type filter hook forward priority filter; policy accept;
    oifname "virbr7" ip daddr 192.168.70.0/24 ct state related,established accept
    iifname "virbr7" ip saddr 192.168.70.0/24 accept
    iifname "virbr7" oifname "virbr7" accept
    oifname "virbr7" reject
    iifname "virbr7" reject
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 192.168.70.0/24 ip daddr 224.0.0.0/24 return
    ip saddr 192.168.70.0/24 ip daddr 255.255.255.255 return
    ip saddr 192.168.70.0/24 ip daddr != 192.168.70.0/24 meta l4proto { tcp, udp } masquerade to :1024-65535
    ip saddr 192.168.70.0/24 ip daddr != 192.168.70.0/24 masquerade
  }
}
`,
  );
});

Deno.test("nat: a forward device, a SNAT address range and ports", () => {
  const s = firewallScript(
    net(
      "<forward mode='nat' dev='eth9'><nat><address start='203.0.113.10' end='203.0.113.20'/><port start='2000' end='3000'/></nat></forward>",
    ),
  );
  assert(
    s.includes(
      `iifname "eth9" oifname "virbr7" ip daddr 192.168.70.0/24 ct state related,established accept`,
    ),
  );
  assert(s.includes(`iifname "virbr7" oifname "eth9" ip saddr 192.168.70.0/24 accept`));
  assert(
    s.includes(
      `oifname "eth9" ip saddr 192.168.70.0/24 ip daddr != 192.168.70.0/24 meta l4proto { tcp, udp } snat ip to 203.0.113.10-203.0.113.20:2000-3000`,
    ),
  );
  assert(
    s.includes(
      `oifname "eth9" ip saddr 192.168.70.0/24 ip daddr != 192.168.70.0/24 snat ip to 203.0.113.10-203.0.113.20\n`,
    ),
  );
});

Deno.test("nat: route mode forwards both ways without NAT; isolated keeps guests to themselves", () => {
  const route = firewallScript(
    net("<forward mode='route'/>", "<ip family='ipv6' address='fd00:70::1' prefix='64'/>"),
  );
  assert(route.includes(`oifname "virbr7" ip daddr 192.168.70.0/24 accept`));
  assert(route.includes(`oifname "virbr7" ip6 daddr fd00:70::/64 accept`));
  assert(!route.includes("postrouting"));
  const isolated = firewallScript(net(""));
  assertEquals(
    isolated.split("\n").filter((l) => l.startsWith("    ") && !l.includes("type filter")),
    [
      `    iifname "virbr7" oifname "virbr7" accept`,
      `    oifname "virbr7" reject`,
      `    iifname "virbr7" reject`,
    ],
  );
  assertEquals(needsFirewall(net("<forward mode='open'/>")), false);
  assertEquals(needsFirewall(net("")), true);
});

Deno.test("nat: table names follow the bridge; odd names become hex; quotes are refused", () => {
  assertEquals(firewallTable("virbr0"), "virtkit_virbr0");
  assertEquals(firewallTable("br-lan.5"), "virtkit_br-lan.5");
  assertEquals(firewallTable("br@x"), "virtkit_x62724078");
  const bad = net("<forward mode='nat' dev='et&quot;h0'/>");
  assertThrows(() => firewallScript(bad), /cannot be used in a firewall rule/);
});

Deno.test("dnsmasq leases: IPv4 and IPv6 entries, expired ones dropped, filtered by MAC", () => {
  const def = parseNetworkXml(
    `<network><name>n</name><bridge name='virbr7'/>
      <ip address='192.168.70.1' prefix='24'/><ip family='ipv6' address='fd00:70::1' prefix='64'/></network>`,
  );
  const text = `2000000000 52:54:00:AA:00:01 192.168.70.10 alpha 01:52:54:00:aa:00:01
0 52:54:00:aa:00:02 192.168.70.11 * *
100 52:54:00:aa:00:03 192.168.70.12 old *
duid 00:01:00:01:2c:00:00:01:52:54:00:00:00:01
2000000000 12345 fd00:70::20 beta 00:04:aa
`;
  const leases = parseLeases(def, text, undefined, 1_000_000_000);
  assertEquals(leases, [
    {
      iface: "virbr7",
      expirytime: 2000000000,
      type: 0,
      mac: "52:54:00:aa:00:01",
      ipaddr: "192.168.70.10",
      prefix: 24,
      hostname: "alpha",
      clientid: "01:52:54:00:aa:00:01",
    },
    {
      iface: "virbr7",
      expirytime: 0,
      type: 0,
      mac: "52:54:00:aa:00:02",
      ipaddr: "192.168.70.11",
      prefix: 24,
      hostname: undefined,
      clientid: undefined,
    },
    {
      iface: "virbr7",
      expirytime: 2000000000,
      type: 1,
      iaid: "12345",
      ipaddr: "fd00:70::20",
      prefix: 64,
      hostname: "beta",
      clientid: "00:01:00:01:2c:00:00:01:52:54:00:00:00:01",
    },
  ]);
  assertEquals(parseLeases(def, text, "52:54:00:aa:00:02", 1_000_000_000).map((l) => l.ipaddr), [
    "192.168.70.11",
  ]);
  assertEquals(needsDnsmasq(def), true);
  assertEquals(needsDnsmasq(parseNetworkXml("<network><name>internal</name></network>")), false);
});
