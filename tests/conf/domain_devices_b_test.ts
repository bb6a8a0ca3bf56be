/**
 * Guest network interfaces, graphics, video, input, sound and audio
 * devices: canonical round trips, libvirt's generic defaults and the
 * rejection of bad definitions.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { formatDomainXml, parseDomainXml } from "../../mod.ts";
import { hasCommand, skipUnless } from "../skip.ts";

const SCHEMA = new URL("../../../shared/reference/schemas/domain.rng", import.meta.url).pathname;

interface DomOpts {
  /** Domain type (default kvm). */
  type?: string;
  /** Give the domain a runtime id, so that it is formatted as live. */
  running?: boolean;
  /** `<os>` type line. */
  os?: string;
}

/** A minimal domain holding `devices` (indented four spaces). */
function domain(devices: string, opts: DomOpts = {}): string {
  return `<domain type='${opts.type ?? "kvm"}'${opts.running ? " id='7'" : ""}>
  <name>t</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>219136</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    ${opts.os ?? "<type arch='x86_64' machine='pc'>hvm</type>"}
  </os>
  <devices>
${devices}  </devices>
</domain>
`;
}

/** Parses and formats a domain; returns what is inside `<devices>`. */
function devices(
  devs: string,
  opts: DomOpts & { inactive?: boolean; secure?: boolean } = {},
): string {
  const xml = formatDomainXml(parseDomainXml(domain(devs, opts), { inactive: opts.inactive }), {
    inactive: opts.inactive,
    secure: opts.secure ?? true,
  });
  const lines = xml.split("\n");
  return lines.slice(lines.indexOf("  <devices>") + 1, lines.indexOf("  </devices>")).map((l) =>
    l + "\n"
  ).join("");
}

/** Asserts that parsing the devices fails with a VirtError matching `pattern`. */
function rejects(devs: string, pattern: RegExp, opts: DomOpts & { inactive?: boolean } = {}): void {
  assertThrows(
    () => parseDomainXml(domain(devs, opts), { inactive: opts.inactive }),
    (e: unknown) => e instanceof VirtError && pattern.test(e.message),
  );
}

/** Asserts that the devices round-trip unchanged. */
function same(devs: string, opts: DomOpts & { inactive?: boolean } = {}): void {
  assertEquals(devices(devs, opts), devs);
}

// ---------------------------------------------------------------- interfaces

const FULL_NETWORK_IN = `    <interface type='network' trustGuestRxFilters='yes'>
      <mac address='52:54:00:AB:cd:1' type='static' check='no'/>
      <source network='default' portgroup='engineering' portid='C7A5FDBD-EDAF-9455-926A-D65C16DB1809'/>
      <vlan trunk='yes'>
        <tag id='42'/>
        <tag id='47' nativeMode='untagged'/>
      </vlan>
      <virtualport type='openvswitch'>
        <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/>
      </virtualport>
      <bandwidth>
        <outbound average='128' peak='256' burst='256'/>
        <inbound average='1000' peak='5000' floor='200' burst='1024'/>
      </bandwidth>
      <port isolated='yes'/>
      <ip address='2001:DB8:0:0:0:0:0:5' family='ipv6' prefix='64' peer='2001:db8::1'/>
      <route address='10.0.0.0' prefix='8' gateway='192.168.122.1'/>
      <script path='/etc/qemu-ifup'/>
      <downscript path='/etc/qemu-ifdown'/>
      <backenddomain name='netvm'/>
      <target dev='vnet3'/>
      <guest dev='eth0' actual='ens3'/>
      <model type='VIRTIO'/>
      <driver name='vhost' txmode='iothread' ioeventfd='on' event_idx='off' queues='4' rx_queue_size='256' tx_queue_size='512' rss='on' iommu='on' packed='on'>
        <guest ecn='off' ufo='on'/>
        <host csum='off' tso4='off' mrg_rxbuf='on'/>
      </driver>
      <backend tap='/dev/net/tun' vhost='/dev/vhost-net'/>
      <filterref filter='clean-traffic'>
        <parameter name='IP' value='10.0.0.2'/>
        <parameter name='CTRL_IP_LEARNING' value='dhcp'/>
        <parameter name='IP' value='10.0.0.3'/>
        <parameter name='BAD NAME' value='x'/>
      </filterref>
      <tune>
        <sndbuf>1600</sndbuf>
      </tune>
      <teaming type='persistent'/>
      <link state='down'/>
      <mtu size='9000'/>
      <coalesce>
        <rx>
          <frames max='7'/>
        </rx>
      </coalesce>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
      <boot order='2'/>
      <alias name='ua-net0'/>
      <rom bar='off' file='/usr/share/pxe.rom'/>
      <acpi index='3'/>
    </interface>
`;

const FULL_NETWORK_OUT = `    <interface type='network' trustGuestRxFilters='yes'>
      <mac address='52:54:00:ab:cd:01' type='static' check='no'/>
      <source network='default' portgroup='engineering' portid='c7a5fdbd-edaf-9455-926a-d65c16db1809'/>
      <vlan trunk='yes'>
        <tag id='42'/>
        <tag id='47' nativeMode='untagged'/>
      </vlan>
      <virtualport type='openvswitch'>
        <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='menial'/>
      </virtualport>
      <bandwidth>
        <inbound average='1000' peak='5000' floor='200' burst='1024'/>
        <outbound average='128' peak='256' burst='256'/>
      </bandwidth>
      <port isolated='yes'/>
      <ip address='2001:db8::5' family='ipv6' prefix='64' peer='2001:db8::1'/>
      <route address='10.0.0.0' prefix='8' gateway='192.168.122.1'/>
      <script path='/etc/qemu-ifup'/>
      <downscript path='/etc/qemu-ifdown'/>
      <backenddomain name='netvm'/>
      <target dev='vnet3'/>
      <guest dev='eth0' actual='ens3'/>
      <model type='virtio'/>
      <driver name='vhost' txmode='iothread' ioeventfd='on' event_idx='off' queues='4' rx_queue_size='256' tx_queue_size='512' rss='on' iommu='on' packed='on'>
        <host csum='off' tso4='off' mrg_rxbuf='on'/>
        <guest ecn='off' ufo='on'/>
      </driver>
      <backend tap='/dev/net/tun' vhost='/dev/vhost-net'/>
      <filterref filter='clean-traffic'>
        <parameter name='CTRL_IP_LEARNING' value='dhcp'/>
        <parameter name='IP' value='10.0.0.2'/>
        <parameter name='IP' value='10.0.0.3'/>
      </filterref>
      <tune>
        <sndbuf>1600</sndbuf>
      </tune>
      <teaming type='persistent'/>
      <link state='down'/>
      <mtu size='9000'/>
      <coalesce>
        <rx>
          <frames max='7'/>
        </rx>
      </coalesce>
      <boot order='2'/>
      <alias name='ua-net0'/>
      <rom bar='off' file='/usr/share/pxe.rom'/>
      <acpi index='3'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
`;

Deno.test("interface: a fully configured network interface formats in libvirt's canonical order", () => {
  assertEquals(devices(FULL_NETWORK_IN, { running: true }), FULL_NETWORK_OUT);
});

Deno.test("interface: runtime-only values are dropped from inactive XML", () => {
  const out = devices(FULL_NETWORK_IN, { inactive: true });
  assert(!out.includes("portid="), "portid is runtime state");
  assert(!out.includes("<target dev='vnet3'/>"), "generated tap names are dropped");
  // A definition that is not running is formatted as inactive too.
  assert(!devices(FULL_NETWORK_IN).includes("portid="));
  // An unmanaged target keeps its name even when it looks generated.
  const unmanaged = `    <interface type='ethernet'>
      <mac address='52:54:00:00:00:02'/>
      <target dev='vnet9' managed='no'/>
    </interface>
`;
  assertEquals(devices(unmanaged, { inactive: true }), unmanaged);
});

Deno.test("interface: every source type round-trips", () => {
  same(`    <interface type='ethernet'>
      <mac address='52:54:00:00:00:02'/>
      <source>
        <ip address='192.168.122.1' family='ipv4' prefix='24' peer='192.168.122.5'/>
        <route family='ipv4' address='10.1.0.0' netmask='255.255.0.0' gateway='192.168.122.5' metric='3'/>
      </source>
      <target dev='tap7' managed='no'/>
      <model type='e1000'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:03'/>
      <source bridge='br0'/>
      <virtualport type='802.1Qbg'>
        <parameters managerid='11' typeid='1193046' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
      </virtualport>
      <model type='Am79C970A'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:00:00:04'/>
      <source dev='eth0' mode='passthrough'/>
    </interface>
    <interface type='udp'>
      <mac address='52:54:00:00:00:05'/>
      <source address='192.168.0.1' port='5555'>
        <local address='127.0.0.1' port='6666'/>
      </source>
    </interface>
    <interface type='mcast'>
      <mac address='52:54:00:00:00:06'/>
      <source address='230.0.0.1' port='5558'/>
    </interface>
    <interface type='server'>
      <mac address='52:54:00:00:00:07'/>
      <source port='5559'/>
    </interface>
    <interface type='client'>
      <mac address='52:54:00:00:00:08'/>
      <source address='192.168.0.2' port='5559'/>
    </interface>
    <interface type='internal'>
      <mac address='52:54:00:00:00:09'/>
      <source name='intnet'/>
    </interface>
    <interface type='vdpa'>
      <mac address='52:54:00:00:00:0a'/>
      <source dev='/dev/vhost-vdpa-0'/>
      <model type='virtio'/>
    </interface>
    <interface type='null'>
      <mac address='52:54:00:00:00:0b'/>
    </interface>
    <interface type='vds'>
      <mac address='52:54:00:00:00:0c'/>
      <source switchid='12345678-1234-1234-1234-123456789abc' portid='6' portgroupid='pg-42' connectionid='17'/>
    </interface>
    <interface type='vhostuser'>
      <mac address='52:54:00:00:00:0d'/>
      <source type='unix' path='/tmp/vhost0.sock' mode='server'>
        <reconnect enabled='yes' timeout='10'/>
      </source>
      <model type='virtio'/>
      <driver queues='2'>
        <host mrg_rxbuf='off'/>
      </driver>
    </interface>
    <interface type='hostdev' managed='yes'>
      <mac address='52:54:00:00:00:0e'/>
      <driver name='vfio'/>
      <source>
        <address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/>
      </source>
      <vlan>
        <tag id='42'/>
      </vlan>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:00:00:0f'/>
      <source dev='eth1'/>
      <portForward proto='tcp' address='2001:db8::1' dev='eth1'>
        <range start='2022' to='22'/>
        <range start='5000' end='5020' exclude='yes'/>
      </portForward>
      <portForward proto='udp'/>
      <model type='virtio'/>
      <backend type='passt' logFile='/var/log/passt.log'/>
    </interface>
`);
});

Deno.test("interface: defaults — type user, direct mode vepa, driver only for virtio models", () => {
  assertEquals(
    devices(`    <interface>
      <mac address='52:54:00:00:00:10'/>
      <model type='my_nic-2'/>
      <driver name='qemu' queues='2'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:00:00:11'/>
      <source dev='eth0'/>
      <model type='virtio'/>
      <driver queues='1'/>
    </interface>
`),
    `    <interface type='user'>
      <mac address='52:54:00:00:00:10'/>
      <model type='my_nic-2'/>
    </interface>
    <interface type='direct'>
      <mac address='52:54:00:00:00:11'/>
      <source dev='eth0' mode='vepa'/>
      <model type='virtio'/>
    </interface>
`,
  );
});

Deno.test("interface: a missing MAC is generated under 52:54:00, type and check are kept", () => {
  const out = devices(`    <interface type='bridge'>
      <source bridge='br0'/>
    </interface>
    <interface type='bridge'>
      <mac type='generated' check='yes'/>
      <source bridge='br0'/>
    </interface>
`);
  const macs = [...out.matchAll(/<mac address='([^']*)'([^/]*)\/>/g)];
  assertEquals(macs.length, 2);
  for (const m of macs) assertMatch(m[1], /^52:54:00(:[0-9a-f]{2}){3}$/);
  assertEquals(macs[1][2], " type='generated' check='yes'");
});

Deno.test("interface: missing instance and interface ids of a network virtual port are generated", () => {
  const out = devices(`    <interface type='network'>
      <mac address='52:54:00:00:00:01'/>
      <source network='default'/>
      <virtualport/>
    </interface>
`);
  assertMatch(out, /<parameters instanceid='[0-9a-f-]{36}' interfaceid='[0-9a-f-]{36}'\/>/);
});

Deno.test("interface: bad definitions are rejected naming the field", () => {
  const mac = "<mac address='52:54:00:00:00:01'/>";
  rejects(
    `<interface type='bridge'><mac address='52:54:00:00:00'/><source bridge='b'/></interface>\n`,
    /unable to parse mac address '52:54:00:00:00'/,
  );
  rejects(
    `<interface type='bridge'><mac address='01:00:5e:00:00:01'/><source bridge='b'/></interface>\n`,
    /expected unicast mac address, found multicast '01:00:5e:00:00:01'/,
  );
  rejects(
    `<interface type='bridge'><mac address='52:54:00:00:00:01' type='random'/><source bridge='b'/></interface>\n`,
    /'type'.*generated, static/,
  );
  rejects(
    `<interface type='token-ring'>${mac}</interface>\n`,
    /invalid value 'token-ring' for attribute 'type'.*bridge/,
  );
  rejects(
    `<interface type='bridge'>${mac}</interface>\n`,
    /interface type='bridge' requires a <source> element/,
  );
  rejects(`<interface type='bridge'>${mac}<source/></interface>\n`, /missing attribute 'bridge'/);
  rejects(
    `<interface type='user'>${mac}<virtualport type='openvswitch'/></interface>\n`,
    /<virtualport> element unsupported for <interface type='user'>/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'/><virtualport/></interface>\n`,
    /missing attribute 'type' of <virtualport>/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'/><virtualport type='802.1Qbh'/></interface>\n`,
    /missing profileid in <virtualport type='802.1Qbh'>/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'/><bandwidth><inbound average='1' floor='2'/></bandwidth></interface>\n`,
    /floor/,
  );
  rejects(
    `<interface type='vhostuser'>${mac}<source type='unix' path='/s' mode='client'/><model type='e1000'/></interface>\n`,
    /requires a virtio <model>/,
  );
  rejects(
    `<interface type='vhostuser'>${mac}<source type='tcp' path='/s' mode='client'/><model type='virtio'/></interface>\n`,
    /type='tcp' unsupported/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'><ip address='10.0.0.1'/></source></interface>\n`,
    /only supported on interfaces of type 'ethernet'/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'/><target dev='t' managed='no'/></interface>\n`,
    /unmanaged target dev/,
  );
  rejects(
    `<interface type='user'>${mac}<teaming type='transient'/></interface>\n`,
    /teaming persistent attribute must be set/,
  );
  rejects(
    `<interface type='user'>${mac}<model type='e1000 x'/></interface>\n`,
    /model name 'e1000 x' contains invalid characters/,
  );
  rejects(
    `<interface type='user'>${mac}<link state='sideways'/></interface>\n`,
    /invalid value 'sideways' for attribute 'state'.*up, down/,
  );
  rejects(
    `<interface type='user'>${mac}<tune><sndbuf>lots</sndbuf></tune></interface>\n`,
    /sndbuf must be a positive integer/,
  );
  rejects(
    `<interface type='user'>${mac}<mtu size='big'/></interface>\n`,
    /malformed mtu size 'big'/,
  );
  rejects(
    `<interface type='user'>${mac}<ip address='10.0.0.1' prefix='33'/></interface>\n`,
    /invalid prefix value '33'/,
  );
  rejects(
    `<interface type='user'>${mac}<ip address='10.0.0.300'/></interface>\n`,
    /invalid address '10.0.0.300'/,
  );
  rejects(
    `<interface type='user'>${mac}<portForward proto='tcp'/></interface>\n`,
    /<portForward> element can only be used with the 'passt' backend/,
  );
  rejects(
    `<interface type='bridge'>${mac}<source bridge='b'/><backend type='passt'/></interface>\n`,
    /'passt' backend can only be used with interface type='user'/,
  );
  rejects(
    `<interface type='udp'>${mac}<source address='1.2.3.4' port='1'/></interface>\n`,
    /<local> element missing/,
  );
  rejects(
    `<interface type='hostdev'>${mac}<source><address type='scsi'/></source></interface>\n`,
    /unknown host device source address type 'scsi'/,
  );
  rejects(`<interface type='user'>${mac}<vlan><tag id='5000'/></vlan></interface>\n`, /too large/);
});

// ------------------------------------------------------------------ graphics

Deno.test("graphics: VNC with every setting, password only in secure XML", () => {
  const audio = "    <audio id='1' type='none'/>\n";
  const vnc =
    `    <graphics type='vnc' port='5904' autoport='no' websocket='5700' listen='0.0.0.0' keymap='en-us' sharePolicy='force-shared' powerControl='yes' passwd='sekrit' passwdValidTo='2024-02-30T25:00:00' connected='keep'>
      <listen type='address' address='0.0.0.0'/>
      <listen type='network' network='default' address='192.168.122.1'/>
      <audio id='1'/>
    </graphics>
`;
  const want =
    `    <graphics type='vnc' port='5904' autoport='no' websocket='5700' listen='0.0.0.0' keymap='en-us' sharePolicy='force-shared' powerControl='yes' passwd='sekrit' passwdValidTo='2024-03-02T01:00:00' connected='keep'>
      <listen type='address' address='0.0.0.0'/>
      <listen type='network' address='192.168.122.1' network='default'/>
      <audio id='1'/>
    </graphics>
${audio}`;
  const got = devices(vnc + audio, { running: true });
  assertEquals(got.slice(0, want.length), want);
  const insecure = devices(vnc + audio, { running: true, secure: false });
  assert(!insecure.includes("passwd='"), "the password is secret");
  assert(insecure.includes("passwdValidTo='2024-03-02T01:00:00'"));
  // Inactive XML leaves out the address a network listen resolved to.
  assert(
    devices(vnc + audio, { inactive: true }).includes("<listen type='network' network='default'/>"),
  );
});

Deno.test("graphics: VNC ports — autoport, legacy -1 and live ports", () => {
  const vnc = (attrs: string) => `    <graphics type='vnc'${attrs}/>\n`;
  const out = (attrs: string, listen = "      <listen type='address'/>\n") =>
    `    <graphics type='vnc'${attrs}>\n${listen}    </graphics>\n`;
  assert(devices(vnc("")).startsWith(out(" port='-1' autoport='yes'")));
  assert(devices(vnc(" port='5900' autoport='yes'")).startsWith(out(" port='-1' autoport='yes'")));
  assert(
    devices(vnc(" port='5900' autoport='yes'"), { running: true }).startsWith(
      out(" port='5900' autoport='yes'"),
    ),
  );
  assert(
    devices(vnc(" port='-1'"), { running: true }).startsWith(out(" port='-1' autoport='yes'")),
  );
  assert(devices(vnc(" autoport='no'")).startsWith(out(" autoport='no'")));
  assert(
    devices(vnc(" socket='/run/vnc.sock'")).startsWith(
      out(" socket='/run/vnc.sock'", "      <listen type='socket' socket='/run/vnc.sock'/>\n"),
    ),
  );
});

Deno.test("graphics: SPICE channels and features are written in libvirt's order", () => {
  const got = devices(
    `    <graphics type='spice' port='5903' tlsPort='5904' autoport='no' keymap='fr' defaultMode='secure' passwd='pw' connected='disconnect'>
      <listen type='address' address='127.0.0.1'/>
      <mouse mode='client'/>
      <gl enable='yes' rendernode='/dev/dri/renderD128'/>
      <channel name='usbredir' mode='secure'/>
      <channel name='main' mode='insecure'/>
      <channel name='cursor' mode='any'/>
      <image compression='lz'/>
      <streaming mode='all'/>
      <clipboard copypaste='yes'/>
      <filetransfer enable='no'/>
      <jpeg compression='never'/>
      <zlib compression='always'/>
      <playback compression='off'/>
    </graphics>
    <graphics type='spice' autoport='no'/>
`,
  );
  assertEquals(
    got.slice(0, got.indexOf("    <video>")),
    `    <graphics type='spice' port='5903' tlsPort='5904' autoport='no' listen='127.0.0.1' keymap='fr' defaultMode='secure' passwd='pw' connected='disconnect'>
      <listen type='address' address='127.0.0.1'/>
      <channel name='main' mode='insecure'/>
      <channel name='usbredir' mode='secure'/>
      <image compression='lz'/>
      <jpeg compression='never'/>
      <zlib compression='always'/>
      <playback compression='off'/>
      <streaming mode='all'/>
      <mouse mode='client'/>
      <clipboard copypaste='yes'/>
      <filetransfer enable='no'/>
      <gl enable='yes' rendernode='/dev/dri/renderD128'/>
    </graphics>
    <graphics type='spice'>
      <listen type='none'/>
    </graphics>
`,
  );
});

Deno.test("graphics: SDL, RDP, desktop, EGL headless and D-Bus round-trip", () => {
  const got = devices(
    `    <graphics type='sdl' display=':0.0' xauth='/root/.Xauthority' fullscreen='yes'>
      <gl enable='no'/>
    </graphics>
    <graphics type='rdp' port='3389' multiUser='yes' replaceUser='no'/>
    <graphics type='rdp' autoport='yes'/>
    <graphics type='desktop' display=':1' fullscreen='no'/>
    <graphics type='egl-headless'>
      <gl rendernode='/dev/dri/renderD129'/>
    </graphics>
    <graphics type='dbus' p2p='yes'>
      <gl enable='yes'/>
      <audio id='2'/>
    </graphics>
    <audio id='2' type='dbus'/>
`,
  );
  assertEquals(
    got.slice(0, got.indexOf("    <audio id='2' type='dbus'/>")),
    `    <graphics type='sdl' display=':0.0' xauth='/root/.Xauthority' fullscreen='yes'>
      <gl enable='no'/>
    </graphics>
    <graphics type='rdp' port='3389' multiUser='yes'>
      <listen type='address'/>
    </graphics>
    <graphics type='rdp' port='0' autoport='yes'>
      <listen type='address'/>
    </graphics>
    <graphics type='desktop' display=':1'/>
    <graphics type='egl-headless'>
      <gl rendernode='/dev/dri/renderD129'/>
    </graphics>
    <graphics type='dbus' p2p='yes'>
      <gl enable='yes'/>
      <audio id='2'/>
    </graphics>
`,
  );
});

Deno.test("graphics: bad definitions are rejected naming the field", () => {
  rejects(
    `<graphics type='vnc' listen='1.2.3.4'><listen type='address' address='5.6.7.8'/></graphics>\n`,
    /'listen' attribute '1.2.3.4' must match 'address' attribute of first listen element \(found '5.6.7.8'\)/,
  );
  rejects(
    `<graphics type='vnc' socket='/a'><listen type='socket' socket='/b'/></graphics>\n`,
    /'socket' attribute '\/a' must match/,
  );
  rejects(
    `<graphics type='vnc'><listen type='network'/></graphics>\n`,
    /'network' attribute is required for listen type 'network'/,
    { inactive: true },
  );
  rejects(
    `<graphics type='vnc'><listen type='address' network='default'/></graphics>\n`,
    /'network' attribute is valid only for listen type 'network'/,
  );
  rejects(
    `<graphics type='vnc'><listen type='udp'/></graphics>\n`,
    /invalid value 'udp' for attribute 'type'.*address, network, socket, none/,
  );
  rejects(
    `<graphics type='vnc' passwd='x' connected='fail'/>\n`,
    /invalid value 'fail' for attribute 'connected'.*keep/,
  );
  rejects(
    `<graphics type='vnc' passwd='x' passwdValidTo='tomorrow'/>\n`,
    /cannot parse password validity time 'tomorrow'/,
  );
  rejects(`<graphics type='vnc' port='fifty'/>\n`, /cannot parse vnc port 'fifty'/);
  rejects(
    `<graphics type='vnc' autoport='maybe'/>\n`,
    /invalid value 'maybe' for attribute 'autoport'/,
  );
  rejects(`<graphics type='vnc'><audio id='3'/></graphics>\n`, /no audio device with ID 3/);
  rejects(
    `<graphics type='spice'><image compression='zip'/></graphics>\n`,
    /invalid value 'zip' for attribute 'compression'/,
  );
  rejects(`<graphics type='spice'><channel name='main'/></graphics>\n`, /missing attribute 'mode'/);
  rejects(
    `<graphics type='hologram'/>\n`,
    /invalid value 'hologram' for attribute 'type'.*sdl, vnc/,
  );
});

// --------------------------------------------------------------------- video

Deno.test("video: model settings, driver and acceleration round-trip; the primary adapter goes first", () => {
  assertEquals(
    devices(`    <video>
      <model type='vga' vram='9000' heads='1'/>
    </video>
    <video>
      <driver iommu='off' vgaconf='on' name='qemu'/>
      <model type='qxl' vram='32768' vgamem='16384' vram64='65536' heads='2' primary='yes'>
        <acceleration accel3d='yes' accel2d='no'/>
        <resolution x='1920' y='1080'/>
      </model>
      <alias name='ua-video1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </video>
`),
    `    <video>
      <driver iommu='off' vgaconf='on' name='qemu'/>
      <model type='qxl' ram='65536' vram='32768' vram64='65536' vgamem='16384' heads='2' primary='yes'>
        <acceleration accel3d='yes' accel2d='no'/>
        <resolution x='1920' y='1080'/>
      </model>
      <alias name='ua-video1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </video>
    <video>
      <model type='vga' vram='16384' heads='1'/>
    </video>
`,
  );
});

Deno.test("video: default video memory depends on the hypervisor; graphics imply an adapter", () => {
  const vmvga = "    <video>\n      <model type='vmvga'/>\n    </video>\n";
  assertEquals(
    devices(vmvga, { type: "vmware" }),
    "    <video>\n      <model type='vmvga' vram='4096' primary='yes'/>\n    </video>\n",
  );
  assertEquals(
    devices(vmvga, { type: "vbox" }),
    "    <video>\n      <model type='vmvga' vram='8192' heads='1' primary='yes'/>\n    </video>\n",
  );
  assertEquals(
    devices(vmvga),
    "    <video>\n      <model type='vmvga' vram='16384' heads='1' primary='yes'/>\n    </video>\n",
  );
  assertEquals(
    devices("    <graphics type='sdl'/>\n"),
    "    <graphics type='sdl'/>\n    <video>\n      <model type='default' heads='1' primary='yes'/>\n    </video>\n",
  );
  assertEquals(
    devices(
      "    <video>\n      <model type='none' vram='1024' heads='2'/>\n      <alias name='ua-v'/>\n    </video>\n",
    ),
    "    <video>\n      <model type='none'/>\n      <alias name='ua-v'/>\n    </video>\n",
  );
});

Deno.test("video: bad definitions are rejected naming the field", () => {
  const v = (model: string) => `    <video>\n      ${model}\n    </video>\n`;
  rejects(v("<model type='svga'/>"), /invalid value 'svga' for attribute 'type'.*vga, cirrus/);
  rejects(
    v("<model type='vga' primary='yes'/>") + v("<model type='qxl' primary='yes'/>"),
    /Only one primary video device is supported/,
  );
  rejects(v("<model type='vga' ram='1024'/>"), /ram attribute only supported for video type qxl/);
  rejects(v("<model type='virtio'><acceleration/></model>"), /missing values for acceleration/);
  rejects(
    v("<model type='virtio'><resolution x='0' y='10'/></model>"),
    /video resolution values must be greater than 0/,
  );
  rejects(
    v("<model type='none'/>") + v("<model type='vga'/>"),
    /'none' video type must be the only video device/,
  );
  rejects(
    v("<driver name='vhostuser'/><model type='vga'/>"),
    /'vhostuser' driver is only supported with 'virtio' device/,
  );
  rejects(v("<model type='vga' heads='two'/>"), /invalid value 'two' for attribute 'heads'/);
});

// --------------------------------------------------------------------- input

Deno.test("input: buses default by guest type; passthrough and evdev sources round-trip", () => {
  assertEquals(
    devices(`    <input type='mouse'/>
    <input type='tablet'/>
    <input type='keyboard' bus='virtio' model='virtio-non-transitional'>
      <driver iommu='on'/>
    </input>
    <input type='passthrough'>
      <source evdev='/dev/input/event1'/>
    </input>
    <input type='evdev'>
      <source dev='/dev/input/event2' grab='all' grabToggle='ctrl-scrolllock' repeat='on'/>
    </input>
`),
    `    <input type='mouse' bus='ps2'/>
    <input type='tablet' bus='usb'/>
    <input type='keyboard' bus='virtio' model='virtio-non-transitional'>
      <driver iommu='on'/>
    </input>
    <input type='passthrough' bus='virtio'>
      <source evdev='/dev/input/event1'/>
    </input>
    <input type='evdev'>
      <source dev='/dev/input/event2' grab='all' grabToggle='ctrl-scrolllock' repeat='on'/>
    </input>
`,
  );
  assertEquals(
    devices("    <input type='mouse'/>\n", {
      os: "<type arch='aarch64' machine='virt'>hvm</type>",
    }),
    "    <input type='mouse' bus='usb'/>\n",
  );
  assertEquals(
    devices("    <input type='keyboard'/>\n", { os: "<type arch='s390x'>hvm</type>" }),
    "    <input type='keyboard' bus='virtio'/>\n",
  );
  assertEquals(
    devices("    <input type='mouse'/>\n", { type: "xen", os: "<type>xen</type>" }),
    "    <input type='mouse' bus='xen'/>\n",
  );
});

Deno.test("input: bad definitions are rejected naming the field", () => {
  rejects(
    "<input type='joystick'/>\n",
    /invalid value 'joystick' for attribute 'type'.*mouse, tablet, keyboard/,
  );
  rejects("<input type='mouse' bus='serial'/>\n", /invalid value 'serial' for attribute 'bus'/);
  rejects(
    "<input type='mouse' model='virtio-gpu'/>\n",
    /invalid value 'virtio-gpu' for attribute 'model'/,
  );
  rejects(
    "<input type='passthrough' bus='usb'><source evdev='/dev/input/event1'/></input>\n",
    /only bus 'virtio' is supported for 'passthrough'/,
  );
  rejects("<input type='passthrough'/>\n", /missing evdev path/);
  rejects(
    "<input type='evdev' bus='usb'><source dev='/dev/input/event1'/></input>\n",
    /input evdev doesn't support bus element/,
  );
  rejects(
    "<input type='evdev'><source dev='/dev/input/event1' grab='some'/></input>\n",
    /invalid value 'some' for attribute 'grab'/,
  );
  rejects(
    "<input type='tablet' bus='usb'><address type='pci' slot='3'/></input>\n",
    /Invalid address for a USB device/,
  );
});

// ------------------------------------------------------------- sound, audio

Deno.test("sound and audio: cards, codecs and backends round-trip", () => {
  same(`    <sound model='ich9'>
      <codec type='micro'/>
      <codec type='duplex'/>
      <audio id='2'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </sound>
    <sound model='usb'/>
    <audio id='1' type='pulseaudio' timerPeriod='50' serverName='unix:/run/pulse'>
      <input voices='2' name='in' streamName='vm-in' latency='100'/>
      <output mixingEngine='yes' fixedSettings='yes'>
        <settings frequency='48000' channels='2' format='s32'/>
      </output>
    </audio>
    <audio id='2' type='oss' tryMMap='yes' exclusive='no' dspPolicy='0'>
      <input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='90' dev='/dev/dsp1' bufferCount='20' tryPoll='yes'>
        <settings frequency='8000' channels='1' format='u8'/>
      </input>
    </audio>
    <audio id='3' type='jack'>
      <input clientName='vm' connectPorts='system:capture_.*' exactName='yes'/>
      <output serverName='srv'/>
    </audio>
    <audio id='4' type='sdl' driver='alsa'>
      <output bufferCount='3'/>
    </audio>
    <audio id='5' type='file' path='/tmp/out.wav'/>
    <audio id='6' type='alsa'>
      <input dev='hw:0'/>
    </audio>
    <audio id='7' type='coreaudio'>
      <output bufferCount='4'/>
    </audio>
    <audio id='8' type='spice'/>
`);
  // Codecs only belong to HDA cards; empty directions are dropped.
  assertEquals(
    devices(`    <sound model='sb16'>
      <codec type='micro'/>
    </sound>
    <audio id='1' type='none'>
      <input/>
      <output fixedSettings='no'/>
    </audio>
`),
    `    <sound model='sb16'/>
    <audio id='1' type='none'>
      <output fixedSettings='no'/>
    </audio>
`,
  );
});

Deno.test("sound and audio: bad definitions are rejected naming the field", () => {
  rejects("<sound model='gus'/>\n", /invalid value 'gus' for attribute 'model'.*sb16, es1370/);
  rejects(
    "<sound model='ich6'><codec type='speaker'/></sound>\n",
    /invalid value 'speaker' for attribute 'type'.*duplex, micro, output/,
  );
  rejects("<sound model='ich6'><audio id='4'/></sound>\n", /no audio device with ID 4/);
  rejects("<sound model='ich6'><audio id='0'/></sound>\n", /invalid value '0' for attribute 'id'/);
  rejects(
    "<audio id='1' type='none'/><audio id='1' type='spice'/>\n",
    /audio ID 1 is used multiple times/,
  );
  rejects("<audio type='none'/>\n", /missing attribute 'id'/);
  rejects("<audio id='1' type='arts'/>\n", /invalid value 'arts' for attribute 'type'.*none, alsa/);
  rejects(
    "<audio id='1' type='none'><input fixedSettings='yes'/></audio>\n",
    /fixed audio settings requires mixing engine/,
  );
  rejects(
    "<audio id='1' type='none'><input><settings frequency='8000'/></input></audio>\n",
    /audio settings specified without fixed settings flag/,
  );
  rejects(
    "<audio id='1' type='none'><input mixingEngine='yes' fixedSettings='yes'><settings format='s24'/></input></audio>\n",
    /invalid value 's24' for attribute 'format'/,
  );
  rejects("<audio id='1' type='oss' dspPolicy='-1'/>\n", /dspPolicy/);
});

// -------------------------------------------------------------------- schema

Deno.test({
  name: "devices B: formatted XML validates against domain.rng",
  ignore: skipUnless(hasCommand("xmllint"), "xmllint (libxml2-utils) is not installed"),
  async fn() {
    const xml = formatDomainXml(
      parseDomainXml(domain(
        FULL_NETWORK_IN + `    <input type='tablet' bus='usb'/>
    <graphics type='spice' autoport='yes'>
      <channel name='main' mode='secure'/>
      <clipboard copypaste='no'/>
    </graphics>
    <graphics type='vnc' port='5901' autoport='no' passwd='x' passwdValidTo='2030-01-01T00:00:00'/>
    <sound model='ich6'>
      <codec type='output'/>
      <audio id='1'/>
    </sound>
    <audio id='1' type='pulseaudio'>
      <output mixingEngine='yes' fixedSettings='yes'>
        <settings frequency='44100'/>
      </output>
    </audio>
    <video>
      <model type='qxl' heads='1'/>
    </video>
`,
        { running: true },
      )),
      { secure: true },
    );
    const file = await Deno.makeTempFile({ prefix: "virtkit-devb-", suffix: ".xml" });
    try {
      await Deno.writeTextFile(file, xml);
      const out = await new Deno.Command("xmllint", {
        args: ["--noout", "--relaxng", SCHEMA, file],
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr) + xml);
    } finally {
      await Deno.remove(file);
    }
  },
});
