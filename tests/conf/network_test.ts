/**
 * Network XML: round trips to libvirt's canonical text, the defaults libvirt
 * fills in, and the rejection of bad definitions (each naming its field).
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { formatNetworkXml, parseNetworkXml } from "../../src/conf/network/mod.ts";
import { VirtError } from "../../src/errors.ts";

function roundTrip(input: string, expected: string, inactive = false): void {
  assertEquals(formatNetworkXml(parseNetworkXml(input), { inactive }), expected);
}

/** Asserts that parsing fails with a VirtError whose message matches. */
function rejects(xml: string, message: RegExp): void {
  assertThrows(() => parseNetworkXml(xml), (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assert(message.test(e.message), `message ${JSON.stringify(e.message)} does not match ${message}`);
    return true;
  });
}

/** A NAT network with one IPv4 address and a DHCP range, plus `extra` inside <network>. */
const nat = (extra: string, ip = "<ip address='192.168.122.1' netmask='255.255.255.0'/>") =>
  `<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><forward mode='nat'/>${ip}${extra}</network>`;

const FULL_IN = `<network xmlns:dnsmasq="http://libvirt.org/schemas/network/dnsmasq/1.0" trustGuestRxFilters="yes" ipv6="yes" connections="4">
  <name>full</name>
  <uuid>C7A5FDBD-EDAF-9455-926A-D65C16DB1809</uuid>
  <title>Full network</title>
  <description>Everything &amp; more</description>
  <metadata>
    <app:data xmlns:app="http://example.org/app">x</app:data>
    <plain>dropped</plain>
  </metadata>
  <bridge name="virbr9" zone="trusted" stp="off" delay="2" macTableManager="libvirt"/>
  <mtu size="9000"/>
  <mac address="52:54:00:AB:CD:EF"/>
  <domain name="example.test" localOnly="yes"/>
  <forward mode="nat" dev="eth0">
    <nat ipv6="yes">
      <address start="203.0.113.10" end="203.0.113.20"/>
      <port start="1024" end="65535"/>
    </nat>
    <interface dev="eth0" connections="3"/>
  </forward>
  <dns forwardPlainNames="no">
    <txt name="info" value="hello world"/>
    <forwarder domain="corp.example" addr="10.0.0.53"/>
    <forwarder addr="2001:DB8::53"/>
    <srv service="ldap" protocol="tcp" domain="example.test" target="dir.example.test" port="389" priority="10" weight="5"/>
    <host ip="192.168.50.5"><hostname>web</hostname><hostname>www</hostname></host>
  </dns>
  <bandwidth>
    <inbound average="1000" peak="5000" burst="5120"/>
    <outbound average="128"/>
  </bandwidth>
  <vlan trunk="yes">
    <tag id="42" nativeMode="untagged"/>
    <tag id="47"/>
  </vlan>
  <port isolated="no"/>
  <ip address="192.168.50.1" prefix="24" localPtr="yes">
    <tftp root="/srv/tftp"/>
    <dhcp>
      <range start="192.168.50.100" end="192.168.50.199"><lease expiry="1" unit="hours"/></range>
      <host mac="52:54:00:00:00:AA" name="vm1" ip="192.168.50.10"/>
      <host name="vm2" ip="192.168.50.11"><lease expiry="0"/></host>
      <bootp file="pxelinux.0" server="192.168.50.2"/>
    </dhcp>
  </ip>
  <ip family="ipv6" address="2001:DB8:0:1::1" prefix="64">
    <dhcp>
      <range start="2001:db8:0:1::100" end="2001:db8:0:1::1ff"/>
      <host id="0:3:0:1:52:54:0:0:0:bb" ip="2001:db8:0:1::10"/>
    </dhcp>
  </ip>
  <route address="10.10.0.0" prefix="16" gateway="192.168.50.254" metric="2"/>
  <route family="ipv6" address="2001:db8:9::" prefix="48" gateway="2001:db8:0:1::fe"/>
  <portgroup name="engineering" default="yes">
    <vlan><tag id="100"/></vlan>
    <bandwidth><inbound average="500"/></bandwidth>
  </portgroup>
  <dnsmasq:options>
    <dnsmasq:option value="log-queries"/>
  </dnsmasq:options>
</network>
`;

const FULL_OUT = `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0' connections='4' ipv6='yes' trustGuestRxFilters='yes'>
  <name>full</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <title>Full network</title>
  <description>Everything &amp; more</description>
  <metadata>
    <app:data xmlns:app="http://example.org/app">x</app:data>
  </metadata>
  <forward dev='eth0' mode='nat'>
    <nat ipv6='yes'>
      <address start='203.0.113.10' end='203.0.113.20'/>
      <port start='1024' end='65535'/>
    </nat>
    <interface dev='eth0' connections='3'/>
  </forward>
  <bridge name='virbr9' zone='trusted' stp='off' delay='2' macTableManager='libvirt'/>
  <mtu size='9000'/>
  <mac address='52:54:00:ab:cd:ef'/>
  <domain name='example.test' localOnly='yes'/>
  <dns forwardPlainNames='no'>
    <forwarder domain='corp.example' addr='10.0.0.53'/>
    <forwarder addr='2001:db8::53'/>
    <txt name='info' value='hello world'/>
    <srv service='ldap' protocol='tcp' domain='example.test' target='dir.example.test' port='389' priority='10' weight='5'/>
    <host ip='192.168.50.5'>
      <hostname>web</hostname>
      <hostname>www</hostname>
    </host>
  </dns>
  <vlan trunk='yes'>
    <tag id='42' nativeMode='untagged'/>
    <tag id='47'/>
  </vlan>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='5120'/>
    <outbound average='128'/>
  </bandwidth>
  <port isolated='no'/>
  <ip address='192.168.50.1' prefix='24' localPtr='yes'>
    <tftp root='/srv/tftp'/>
    <dhcp>
      <range start='192.168.50.100' end='192.168.50.199'>
        <lease expiry='1' unit='hours'/>
      </range>
      <host mac='52:54:00:00:00:AA' name='vm1' ip='192.168.50.10'/>
      <host name='vm2' ip='192.168.50.11'>
        <lease expiry='0'/>
      </host>
      <bootp file='pxelinux.0' server='192.168.50.2'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='2001:db8:0:1::1' prefix='64'>
    <dhcp>
      <range start='2001:db8:0:1::100' end='2001:db8:0:1::1ff'/>
      <host id='0:3:0:1:52:54:0:0:0:bb' ip='2001:db8:0:1::10'/>
    </dhcp>
  </ip>
  <route address='10.10.0.0' prefix='16' gateway='192.168.50.254' metric='2'/>
  <route family='ipv6' address='2001:db8:9::' prefix='48' gateway='2001:db8:0:1::fe'/>
  <portgroup name='engineering' default='yes'>
    <vlan>
      <tag id='100'/>
    </vlan>
    <bandwidth>
      <inbound average='500'/>
    </bandwidth>
  </portgroup>
  <dnsmasq:options>
    <dnsmasq:option value='log-queries'/>
  </dnsmasq:options>
</network>
`;

Deno.test("network: every section round-trips in libvirt's order and form", () => {
  roundTrip(FULL_IN, FULL_OUT);
});

Deno.test("network: inactive output drops live connection counts", () => {
  const out = formatNetworkXml(parseNetworkXml(FULL_IN), { inactive: true });
  assert(!out.includes("connections="), out);
  assert(out.includes("<interface dev='eth0'/>"), out);
});

Deno.test("network: defaults of an isolated network and of an empty <forward>", () => {
  roundTrip(
    "<network><name>iso</name><uuid>81ff0d90c91e674264da4a736edb9a9b</uuid><bridge name='virbr3'/></network>",
    `<network>
  <name>iso</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <bridge name='virbr3' stp='on' delay='0'/>
</network>
`,
  );
  const def = parseNetworkXml("<network><name>d</name><forward/><ip address='10.0.0.1'/></network>");
  assertEquals(def.forward?.mode, "nat");
  assert(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(def.uuid), "a uuid is generated");
  assert(formatNetworkXml(def).includes("<ip address='10.0.0.1'>\n  </ip>"));
});

Deno.test("network: hostdev pool, driver and pf", () => {
  roundTrip(
    `<network><name>hd</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
      <forward mode='hostdev' managed='yes'><driver name='vfio'/>
        <address type='pci' domain='0' bus='4' slot='0x10' function='1'/>
      </forward></network>`,
    `<network>
  <name>hd</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <forward mode='hostdev' managed='yes'>
    <driver name='vfio'/>
    <address type='pci' domain='0x0000' bus='0x04' slot='0x10' function='0x1'/>
  </forward>
</network>
`,
  );
  roundTrip(
    `<network><name>pf</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
      <forward mode='passthrough'><pf dev='eth3'/></forward></network>`,
    `<network>
  <name>pf</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <forward mode='passthrough'>
    <pf dev='eth3'/>
  </forward>
</network>
`,
    true,
  );
});

Deno.test("network: virtualport and portgroups of a macvtap network", () => {
  roundTrip(
    `<network><name>ovs</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
      <forward mode='bridge'/><bridge name='ovsbr0'/>
      <virtualport type='openvswitch'><parameters profileid='gold'/></virtualport>
      <portgroup name='web' trustGuestRxFilters='no'><virtualport><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport></portgroup>
    </network>`,
    `<network>
  <name>ovs</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <virtualport type='openvswitch'>
    <parameters profileid='gold'/>
  </virtualport>
  <portgroup name='web' trustGuestRxFilters='no'>
    <virtualport>
      <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
    </virtualport>
  </portgroup>
</network>
`,
  );
});

Deno.test("network: identity and top-level attributes are checked", () => {
  rejects("<network><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid></network>", /network name/);
  rejects("<network><name>a/b</name></network>", /name 'a\/b'/);
  rejects("<network><name>n</name><uuid>not-a-uuid</uuid></network>", /malformed uuid/);
  rejects("<network ipv6='maybe'><name>n</name></network>", /'ipv6'.*yes, no/);
  rejects("<network><name>n</name><title>a\nb</title></network>", /title/);
  rejects("<domain><name>n</name></domain>", /<network>/);
});

Deno.test("network: bridge, mac and mtu are checked against the forward mode", () => {
  rejects(nat("<mac address='01:00:5e:00:00:01'/>"), /unicast/);
  rejects(nat("<mac address='52:54:00:zz:00:01'/>"), /MAC address/);
  rejects(nat("<bridge macTableManager='hub'/>"), /'macTableManager'.*kernel, libvirt/);
  rejects(nat("<bridge stp='maybe'/>"), /'stp'/);
  rejects("<network><name>v</name><forward mode='vepa'/><bridge name='br0'/></network>", /bridge name.*vepa/);
  rejects("<network><name>b</name><forward mode='bridge'/><bridge name='br0' stp='on'/></network>", /'stp'/);
  rejects("<network><name>b</name><forward mode='bridge' dev='eth0'/><bridge name='br0'/></network>", /bridge name or a forward device/);
  rejects("<network><name>b</name><forward mode='bridge'/><bridge name='br0'/><mtu size='9000'/></network>", /<mtu>/);
});

Deno.test("network: forward modes and pools are checked", () => {
  rejects("<network><name>f</name><forward mode='tunnel'/></network>", /'mode'.*nat, route, open/);
  rejects("<network><name>f</name><forward mode='route'/></network>", /needs an <ip>/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward mode='open' dev='eth0'/>"), /'open'.*'dev'/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward mode='route'><interface dev='a'/><interface dev='b'/></forward>"), /only one forwarding interface/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward dev='eth0'><interface dev='eth1'/></forward>"), /must match/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward mode='route'><nat/></forward>"), /<nat>.*'nat'/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward><nat><address start='10.0.0.9' end='10.0.0.1'/></nat></forward>"), /reversed/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward><nat><port start='2000' end='1000'/></nat></forward>"), /'end'/);
  rejects(nat("").replace("<forward mode='nat'/>", "<forward><driver name='xen'/></forward>"), /'name'.*kvm, vfio/);
  const dup = "<address type='pci' domain='0' bus='3' slot='0' function='1'/>";
  rejects(`<network><name>h</name><forward mode='hostdev'>${dup}${dup}</forward></network>`, /0000:03:00\.1.*more than once/);
  rejects("<network><name>h</name><forward mode='hostdev'><address type='pci' bus='0' slot='0x20'/></forward></network>", /slot/);
  rejects("<network><name>h</name><forward mode='passthrough' dev='x'><pf dev='eth0'/></forward></network>", /'dev'.*<pf>/);
});

Deno.test("network: addresses, DHCP ranges and hosts are checked", () => {
  rejects(nat("", "<ip address='192.168.1.300'/>"), /network address '192\.168\.1\.300'/);
  rejects(nat("", "<ip address='192.168.1.1' netmask='255.0.255.0'/>"), /netmask '255\.0\.255\.0' is not contiguous/);
  rejects(nat("", "<ip address='192.168.1.1' prefix='33'/>"), /prefix '33'/);
  rejects(nat("", "<ip address='192.168.1.1' netmask='255.255.255.0' prefix='24'/>"), /both 'prefix' and 'netmask'/);
  rejects(nat("", "<ip family='ipv6' address='10.0.0.1'/>"), /family 'ipv6'/);
  rejects(nat("", "<ip family='ipv5' address='10.0.0.1'/>"), /'family'.*ipv4, ipv6/);
  const dhcp = (inner: string) => `<ip address='192.168.1.1' netmask='255.255.255.0'><dhcp>${inner}</dhcp></ip>`;
  rejects(nat("", dhcp("<range start='192.168.2.2' end='192.168.2.9'/>")), /not entirely within network 192\.168\.1\.1\/24/);
  rejects(nat("", dhcp("<range start='192.168.1.0' end='192.168.1.9'/>")), /network address/);
  rejects(nat("", dhcp("<range start='192.168.1.2' end='192.168.1.255'/>")), /broadcast address/);
  rejects(nat("", dhcp("<range start='192.168.1.9' end='192.168.1.2'/>")), /reversed/);
  rejects(nat("", dhcp("<range start='192.168.1.2'/>")), /'end'/);
  rejects(nat("", dhcp("<range start='192.168.1.2' end='192.168.1.9'><lease expiry='60' unit='seconds'/></range>")), /'expiry'/);
  rejects(nat("", dhcp("<host mac='52:54:00:00:00:01' ip='192.168.1.2'><lease expiry='5' unit='days'/></host>")), /'unit'.*seconds, minutes, hours/);
  rejects(nat("", dhcp("<host mac='52:54:00:00:00:01'/>")), /'ip'/);
  rejects(nat("", dhcp("<host ip='192.168.1.5'/>")), /'mac' or a 'name'/);
  rejects(nat("", dhcp("<host mac='03:54:00:00:00:01' ip='192.168.1.5'/>")), /'mac'.*unicast/);
  rejects(nat("", dhcp("<host name='-bad' mac='52:54:00:00:00:01' ip='192.168.1.5'/>")), /'name'/);
  rejects(nat("", "<ip family='ipv6' address='2001:db8::1' prefix='64'><dhcp><host mac='52:54:00:00:00:01' ip='2001:db8::5'/></dhcp></ip>"), /IPv6 network cannot have a 'mac'/);
  rejects(nat("", "<ip family='ipv6' address='2001:db8::1' prefix='64'><dhcp><host id='0:1:zz' ip='2001:db8::5'/></dhcp></ip>"), /'id'/);
  rejects(nat("", "<ip family='ipv6' address='2001:db8::1' prefix='64'><tftp root='/x'/></ip>"), /<tftp>/);
  rejects(nat("", dhcp("<bootp server='192.168.1.2'/>")), /'file'/);
});

Deno.test("network: DNS records are checked", () => {
  rejects(nat("<dns enable='no'><txt name='a' value='b'/></dns>"), /enable='no'/);
  rejects(nat("<dns><txt name='a b' value='c'/></dns>"), /TXT record name 'a b'/);
  rejects(nat("<dns><txt name='a'/></dns>"), /'value'/);
  rejects(nat("<dns><forwarder/></dns>"), /'addr' or a 'domain'/);
  rejects(nat("<dns><forwarder addr='1.2.3'/></dns>"), /'addr'/);
  rejects(nat("<dns><host ip='192.168.122.9'/></dns>"), /<hostname>/);
  rejects(nat("<dns><host><hostname>x</hostname></host></dns>"), /'ip'/);
  rejects(nat("<dns><srv service='a.b' protocol='tcp'/></dns>"), /SRV service 'a\.b'/);
  rejects(nat("<dns><srv service='a' protocol='tcp' port='80'/></dns>"), /'port'.*'target'/);
  rejects(nat("<dns><srv service='a' protocol='tcp' target='t' port='0'/></dns>"), /SRV port/);
  rejects(nat("<dns><srv service='a' protocol='tcp' target='t' weight='70000'/></dns>"), /SRV weight/);
  rejects(nat("<dns forwardPlainNames='si'/>"), /'forwardPlainNames'/);
});

Deno.test("network: routes, QoS, VLANs and virtual ports are checked", () => {
  rejects(nat("<route address='10.1.0.0' prefix='16' gateway='172.16.0.1'/>"), /gateway '172\.16\.0\.1'/);
  rejects(nat("<route address='10.1.2.0' prefix='16' gateway='192.168.122.9'/>"), /not a network address/);
  rejects(nat("<route address='10.1.0.0' prefix='16' gateway='192.168.122.9' metric='0'/>"), /'metric'/);
  rejects(nat("<route family='ipv6' address='10.1.0.0' gateway='192.168.122.9'/>"), /address '10\.1\.0\.0'/);
  rejects(nat("<bandwidth><inbound peak='10'/></bandwidth>"), /'average' or a 'floor'/);
  rejects(nat("<bandwidth><inbound average='1' floor='2'/></bandwidth>"), /'floor'/);
  rejects(nat("<bandwidth><inbound average='x'/></bandwidth>"), /'average'/);
  rejects(nat("<vlan/>"), /<tag/);
  rejects(nat("<vlan><tag id='5000'/></vlan>"), /5000/);
  rejects(nat("<vlan trunk='no'><tag id='1'/><tag id='2'/></vlan>"), /trunk/);
  rejects(nat("<vlan><tag id='1' nativeMode='sideways'/></vlan>"), /'nativeMode'.*tagged, untagged/);
  rejects("<network><name>v</name><forward mode='bridge'/><virtualport/></network>", /'type'/);
  rejects("<network><name>v</name><forward mode='bridge'/><virtualport type='802.1Qbh'><parameters managerid='1'/></virtualport></network>", /'managerid'/);
  rejects("<network><name>v</name><forward mode='bridge'/><virtualport type='802.1Qbg'><parameters managerid='300'/></virtualport></network>", /'managerid'/);
  rejects("<network><name>v</name><forward mode='bridge'/><virtualport type='openvswitch'><parameters interfaceid='x'/></virtualport></network>", /'interfaceid'/);
  rejects(nat("<portgroup default='yes'/>"), /'name'/);
  rejects(nat("<portgroup name='a' default='yes'/><portgroup name='b' default='yes'/>"), /default/);
  rejects(nat("<dnsmasq:options xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><dnsmasq:option/></dnsmasq:options>"), /'value'/);
});

Deno.test("network: unknown elements are ignored, or rejected in validate mode", () => {
  const xml = nat("<frobnicate/>");
  assertEquals(parseNetworkXml(xml).name, "n");
  assertThrows(() => parseNetworkXml(xml, { validate: true }), /unknown element <frobnicate>/);
});
