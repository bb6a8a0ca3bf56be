/**
 * dnsmasq configuration: the conf file, DHCP hosts file and additional-hosts
 * file libvirt writes for a network, and the definitions it refuses.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { parseNetworkXml } from "../../src/conf/network/mod.ts";
import { networkToDnsmasq } from "../../src/net/dnsmasq.ts";
import { VirtError } from "../../src/errors.ts";

const STATE = { stateDir: "/var/lib/libvirt/dnsmasq" };

const HEADER = (name: string) => `##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:
##    virsh net-edit ${name}
## or other application using the libvirt API.
##
## dnsmasq conf file created by libvirt
strict-order
`;

Deno.test("dnsmasq: a NAT network with DNS records, DHCP on both families and TFTP", () => {
  const net = parseNetworkXml(`<network>
    <name>lab</name>
    <forward mode='nat'/>
    <bridge name='virbr5'/>
    <mtu size='1400'/>
    <domain name='lab.test' localOnly='yes'/>
    <dns forwardPlainNames='no'>
      <forwarder domain='corp.test' addr='10.0.0.53'/>
      <forwarder domain='blocked.test'/>
      <txt name='info' value='hi there'/>
      <srv service='sip' protocol='udp' target='pbx.lab.test' weight='7'/>
      <host ip='192.168.60.9'><hostname>a</hostname></host>
      <host ip='192.168.60.9'><hostname>b</hostname></host>
    </dns>
    <ip address='192.168.60.1' netmask='255.255.255.0' localPtr='yes'>
      <tftp root='/srv/tftp'/>
      <dhcp>
        <range start='192.168.60.10' end='192.168.60.19'><lease expiry='30' unit='minutes'/></range>
        <host mac='52:54:00:00:00:01' name='one' ip='192.168.60.11'><lease expiry='200' unit='seconds'/></host>
        <host name='two' ip='192.168.60.12'/>
        <host mac='52:54:00:00:00:03' ip='192.168.60.13'/>
        <bootp file='boot.ipxe'/>
      </dhcp>
    </ip>
    <ip family='ipv6' address='fd00:60::1' prefix='64'>
      <dhcp><host id='0:3:0:1:52:54:0:0:0:4' name='four' ip='fd00:60::4'/></dhcp>
    </ip>
  </network>`);
  const out = networkToDnsmasq(net, STATE);
  assertEquals(
    out.conf,
    HEADER("lab") + `server=/corp.test/10.0.0.53
server=/blocked.test/#
local=/lab.test/
domain=lab.test
expand-hosts
local=/60.168.192.in-addr.arpa/
domain-needed
local=//
except-interface=lo
bind-dynamic
interface=virbr5
txt-record=info,hi there
srv-host=_sip._udp,pbx.lab.test,1,0,7
enable-tftp
tftp-root=/srv/tftp
dhcp-range=192.168.60.10,192.168.60.19,255.255.255.0,30m
dhcp-no-override
dhcp-authoritative
dhcp-boot=boot.ipxe
dhcp-range=fd00:60::1,static,64
dhcp-lease-max=10
dhcp-hostsfile=/var/lib/libvirt/dnsmasq/lab.hostsfile
addn-hosts=/var/lib/libvirt/dnsmasq/lab.addnhosts
dhcp-option=option:mtu,1400
enable-ra
`,
  );
  assertEquals(
    out.hostsfile,
    `52:54:00:00:00:01,192.168.60.11,one,200s
two,192.168.60.12
52:54:00:00:00:03,192.168.60.13
id:0:3:0:1:52:54:0:0:0:4,four,[fd00:60::4]
`,
  );
  assertEquals(out.addnhosts, "192.168.60.9\ta\tb\t\n");
});

Deno.test("dnsmasq: an isolated network without DHCP, and one with DNS disabled", () => {
  const iso = networkToDnsmasq(
    parseNetworkXml("<network><name>iso</name><bridge name='virbr6'/><ip address='10.6.0.1' prefix='16'/><ip family='ipv6' address='fd06::1' prefix='64'/></network>"),
    STATE,
  );
  assertEquals(
    iso.conf,
    HEADER("iso") + `except-interface=lo
bind-dynamic
interface=virbr6
dhcp-option=3
no-resolv
ra-param=*,0,0
addn-hosts=/var/lib/libvirt/dnsmasq/iso.addnhosts
dhcp-range=fd06::1,ra-only
`,
  );
  assertEquals(iso.hostsfile, null);
  const nodns = networkToDnsmasq(
    parseNetworkXml(`<network><name>q</name><forward/><bridge name='virbr7'/><dns enable='no'/>
      <ip address='10.7.0.1' prefix='24'><dhcp><range start='10.7.0.2' end='10.7.0.3'/></dhcp></ip></network>`),
    STATE,
  );
  assert(nodns.conf.includes("strict-order\nport=0\nexcept-interface=lo\n"), nodns.conf);
  assert(!nodns.conf.includes("addn-hosts="), nodns.conf);
  assert(nodns.conf.includes("dhcp-lease-max=2\n"), nodns.conf);
});

function fails(xml: string, message: RegExp): void {
  assertThrows(() => networkToDnsmasq(parseNetworkXml(xml), STATE), (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assert(message.test(e.message), `message ${JSON.stringify(e.message)} does not match ${message}`);
    return true;
  });
}

Deno.test("dnsmasq: definitions dnsmasq cannot serve are refused", () => {
  const dhcp = (a: string) => `<ip address='${a}.1' prefix='24'><dhcp><range start='${a}.2' end='${a}.9'/></dhcp></ip>`;
  fails(`<network><name>two</name><bridge name='b'/>${dhcp("10.1.1")}${dhcp("10.1.2")}</network>`, /only one IPv4/);
  fails("<network><name>ptr</name><bridge name='b'/><ip address='10.1.1.1' prefix='20' localPtr='yes'/></network>", /reverse-lookup.*prefix 20/);
  fails("<network><name>nobr</name><ip address='10.1.1.1' prefix='24'/></network>", /no bridge name/);
  // A definition built in code can carry a line break the XML never could.
  const net = parseNetworkXml("<network><name>txt</name><bridge name='b'/><dns><txt name='a' value='x'/></dns><ip address='10.1.1.1'/></network>");
  net.dns!.txts[0].value = "x\nport=53";
  assertThrows(() => networkToDnsmasq(net, STATE), /TXT record value must not contain line breaks/);
});
