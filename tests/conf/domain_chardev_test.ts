/**
 * Character devices (serial, parallel, console, channel) and the devices
 * built on a character device source: smartcard, redirdev, redirfilter, rng.
 */
import { assertEquals, assertThrows } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { parseXml, XmlReader, XmlWriter } from "../../src/xml/mod.ts";
import type { FormatContext, ParseContext } from "../../src/conf/domain/context.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { checkChardevs, type ChrDef, type ChrKind, formatChr, parseChr } from "../../src/conf/domain/devices/chardev.ts";
import { checkSmartcards, formatSmartcard, parseSmartcard, type SmartcardDef } from "../../src/conf/domain/devices/smartcard.ts";
import { formatRedirdev, parseRedirdev } from "../../src/conf/domain/devices/redirdev.ts";
import { formatRedirfilter, parseRedirfilter } from "../../src/conf/domain/devices/redirfilter.ts";
import { formatRng, parseRng } from "../../src/conf/domain/devices/rng.ts";

const LIVE: ParseContext = { inactive: false, validate: false };
const INACTIVE: ParseContext = { inactive: true, validate: false };

function reader(xml: string): XmlReader {
  return new XmlReader(parseXml(xml), "domain");
}

/** Dedents a template so expected XML can be written at column 0. */
function text(s: string): string {
  return s.replace(/^\n/, "");
}

function write(fn: (w: XmlWriter, f: FormatContext) => void, inactive = false): string {
  const w = new XmlWriter();
  fn(w, { inactive, secure: true });
  return w.toString();
}

function chr(xml: string, ctx = LIVE): ChrDef {
  const r = reader(xml);
  return parseChr(r, ctx, r.name as ChrKind);
}

function chrRoundTrip(xml: string, ctx = LIVE): string {
  const def = chr(xml, ctx);
  return write((w, f) => formatChr(w, def, f), ctx.inactive);
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assertThrows(fn, (e: unknown) => e instanceof VirtError && pattern.test(e.message));
}

/** A domain holding only the devices these checks look at. */
function domain(osType: string, devices: Partial<Record<"serials" | "parallels" | "consoles" | "channels", ChrDef[]>> & { smartcards?: SmartcardDef[] }): DomainDef {
  return {
    os: { type: osType },
    devices: { serials: [], parallels: [], consoles: [], channels: [], smartcards: [], ...devices },
  } as unknown as DomainDef;
}

function formatAll(def: DomainDef, inactive = false): string {
  const d = def.devices;
  return write((w, f) => {
    for (const x of [...d.serials, ...d.parallels, ...d.consoles, ...d.channels]) formatChr(w, x, f);
  }, inactive);
}

Deno.test("pty console keeps its live path and writes the legacy tty attribute", () => {
  const xml = "<console type='pty' tty='/dev/pts/3'><source path='/dev/pts/3'/><target type='serial' port='0'/><alias name='serial0'/></console>";
  assertEquals(chrRoundTrip(xml), text(`
<console type='pty' tty='/dev/pts/3'>
  <source path='/dev/pts/3'/>
  <target type='serial' port='0'/>
  <alias name='serial0'/>
</console>
`));
  assertEquals(chrRoundTrip(xml, INACTIVE), text(`
<console type='pty'>
  <target type='serial' port='0'/>
</console>
`));
});

Deno.test("file serial with append, seclabel, log and target model", () => {
  const xml = `<serial type='file'>
    <log file='/var/log/s.log' append='off'/>
    <source path='/tmp/file' append='on'><seclabel model='dac' relabel='no'/><seclabel model='selinux'><label>system_u:a</label></seclabel></source>
    <target type='isa-serial' port='1'><model name='isa-serial'/></target>
    <address type='isa' iobase='0x2f8' irq='0x3'/>
  </serial>`;
  assertEquals(chrRoundTrip(xml), text(`
<serial type='file'>
  <source path='/tmp/file' append='on'>
    <seclabel model='dac' relabel='no'/>
    <seclabel model='selinux' relabel='yes'>
      <label>system_u:a</label>
    </seclabel>
  </source>
  <log file='/var/log/s.log' append='off'/>
  <target type='isa-serial' port='1'>
    <model name='isa-serial'/>
  </target>
  <address type='isa' iobase='0x2f8' irq='0x3'/>
</serial>
`));
});

Deno.test("tcp source defaults to connect mode and raw protocol, keeps tls and reconnect", () => {
  assertEquals(chrRoundTrip("<serial type='tcp'><source host='h' service='7000'/></serial>"), text(`
<serial type='tcp'>
  <source mode='connect' host='h' service='7000'/>
  <protocol type='raw'/>
  <target/>
</serial>
`));
  const xml = `<channel type='tcp'><protocol type='telnet'/><source mode='connect' host='::1' service='5' tls='yes'>
    <reconnect enabled='yes' timeout='10'/></source><target type='virtio' name='org.x' state='connected'/></channel>`;
  assertEquals(chrRoundTrip(xml), text(`
<channel type='tcp'>
  <source mode='connect' host='::1' service='5' tls='yes'>
    <reconnect enabled='yes' timeout='10'/>
  </source>
  <protocol type='telnet'/>
  <target type='virtio' name='org.x' state='connected'/>
</channel>
`));
  // The virtio port state is live state.
  assertEquals(chrRoundTrip(xml, INACTIVE).split("\n")[5], "  <target type='virtio' name='org.x'/>");
});

Deno.test("udp keeps one bind and one connect source, bind first", () => {
  const xml = "<channel type='udp'><source mode='connect' host='a' service='1'/><source mode='bind' host='b'/><target type='virtio'/></channel>";
  assertEquals(chrRoundTrip(xml), text(`
<channel type='udp'>
  <source mode='bind' host='b'/>
  <source mode='connect' host='a' service='1'/>
  <target type='virtio'/>
</channel>
`));
});

Deno.test("unix socket: path may be generated for virtio channels only", () => {
  assertEquals(chrRoundTrip("<channel type='unix'><source mode='bind'/><target type='virtio' name='n'/></channel>"), text(`
<channel type='unix'>
  <target type='virtio' name='n'/>
</channel>
`));
  assertEquals(chrRoundTrip("<channel type='unix'><source mode='bind' path='/s'/><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>"), text(`
<channel type='unix'>
  <source mode='bind' path='/s'/>
  <target type='guestfwd' address='10.0.2.1' port='4600'/>
</channel>
`));
  rejects(() => chr("<serial type='unix'><source mode='connect'/></serial>"), /missing source attribute 'path'.*<source> at line 1/);
  rejects(() => chr("<channel type='unix'><source mode='bind'/><target type='guestfwd' address='10.0.2.1' port='1'/></channel>"), /'path'/);
});

Deno.test("other source types: spiceport, dbus, nmdm, qemu-vdagent, null, dev, pipe", () => {
  const cases: [string, string][] = [
    ["<channel type='spiceport'><source channel='org.qemu.console.0'/><target type='virtio'/></channel>", "  <source channel='org.qemu.console.0'/>"],
    ["<channel type='dbus'><source channel='org.qemu.x'/><target type='virtio'/></channel>", "  <source channel='org.qemu.x'/>"],
    ["<serial type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/></serial>", "  <source master='/dev/nmdm0A' slave='/dev/nmdm0B'/>"],
    ["<parallel type='dev'><source path='/dev/parport0'/><target port='0'/></parallel>", "  <source path='/dev/parport0'/>"],
    ["<serial type='pipe'><source path='/tmp/p'/></serial>", "  <source path='/tmp/p'/>"],
  ];
  for (const [xml, line] of cases) assertEquals(chrRoundTrip(xml).split("\n")[1], line, xml);
  assertEquals(chrRoundTrip("<channel type='qemu-vdagent'><source><clipboard copypaste='yes'/><mouse mode='client'/></source><target type='virtio'/></channel>"), text(`
<channel type='qemu-vdagent'>
  <source>
    <clipboard copypaste='yes'/>
    <mouse mode='client'/>
  </source>
  <target type='virtio'/>
</channel>
`));
  assertEquals(chrRoundTrip("<serial type='null'><source path='/ignored'/><target port='2'/></serial>"), text(`
<serial type='null'>
  <target port='2'/>
</serial>
`));
});

Deno.test("character device sources are checked per type", () => {
  rejects(() => chr("<serial type='serial'/>"), /invalid value 'serial' for attribute 'type', expected one of: null, vc, pty/);
  rejects(() => chr("<serial type='tcp'><source service='1'/></serial>"), /missing source attribute 'host' for a tcp/);
  rejects(() => chr("<serial type='tcp'><source host='h'/></serial>"), /missing source attribute 'service' for a tcp/);
  rejects(() => chr("<serial type='tcp'><source mode='listen' host='h' service='1'/></serial>"), /'mode', expected one of: bind, connect/);
  rejects(() => chr("<serial type='tcp'><source mode='bind' host='h' service='1'><reconnect enabled='no'/></source></serial>"), /<reconnect> is only valid with mode 'connect'/);
  rejects(() => chr("<serial type='tcp'><source host='h' service='1'><reconnect enabled='yes'/></source></serial>"), /missing attribute 'timeout'/);
  rejects(() => chr("<serial type='tcp'><source host='h' service='1'/><protocol type='ssh'/></serial>"), /'type', expected one of: raw, telnet, telnets, tls/);
  rejects(() => chr("<serial type='file'><source path='/a'/><source path='/b'/></serial>"), /only one <source>/);
  rejects(() => chr("<channel type='udp'><source service='1'/><source service='2'/><source service='3'/><target type='virtio'/></channel>"), /at most two <source>/);
  rejects(() => chr("<channel type='udp'><source mode='bind' service='1'/><target type='virtio'/></channel>"), /'service' for a udp/);
  rejects(() => chr("<serial type='file'/>"), /missing source attribute 'path' for a file.*<serial>/);
  rejects(() => chr("<serial type='nmdm'><source master='/dev/nmdm0A'/></serial>"), /'slave'/);
  rejects(() => chr("<channel type='spiceport'><source channel='a b'/><target type='virtio'/></channel>"), /invalid source channel 'a b'/);
  rejects(() => chr("<serial type='file'><source path='/a' append='yes'/></serial>"), /'append', expected one of: on, off/);
  rejects(() => chr("<serial type='pty'><log file='/a'/><log file='/b'/></serial>"), /only one <log>/);
  rejects(() => chr("<serial type='file'><source path='/a'><seclabel relabel='no'><label>x</label></seclabel></source></serial>"), /<label> cannot be given when 'relabel' is 'no'/);
  rejects(() => chr("<serial type='file'><source path='/a'><seclabel model='dac' relabel='no'/><seclabel model='dac' relabel='no'/></source></serial>"), /model 'dac' is already given/);
});

Deno.test("targets are checked per device kind", () => {
  rejects(() => chr("<channel type='pty'/>"), /a channel needs a <target> with a 'type'/);
  rejects(() => chr("<channel type='pty'><target type='serial'/></channel>"), /expected one of: guestfwd, virtio, xen/);
  rejects(() => chr("<channel type='pty'><target type='guestfwd' port='1'/></channel>"), /needs a target 'address'/);
  rejects(() => chr("<channel type='pty'><target type='guestfwd' address='::1' port='1'/></channel>"), /only supports IPv4/);
  rejects(() => chr("<channel type='pty'><target type='guestfwd' address='10.0.2.1'/></channel>"), /missing attribute 'port'/);
  rejects(() => chr("<serial type='pty'><target type='virtio'/></serial>"), /expected one of: isa-serial, usb-serial/);
  rejects(() => chr("<serial type='pty'><target port='x'/></serial>"), /invalid value 'x' for attribute 'port'/);
  rejects(() => chr("<serial type='pty'><target><model name='8250'/></target></serial>"), /'name', expected one of: isa-serial/);
  rejects(() => chr("<console type='pty'><target type='isa-serial'/></console>"), /expected one of: serial, xen/);
  rejects(() => chr("<serial type='spicevmc'/>"), /'spicevmc' is only supported by channels with a virtio target/);
  rejects(() => chr("<serial type='pty'><target type='usb-serial'/><address type='pci' slot='3'/></serial>"), /usb-serial target needs an address of type 'usb'/);
});

Deno.test("ports are numbered after the highest one of the same kind", () => {
  const def = domain("exe", {
    serials: [chr("<serial type='pty'><target port='2'/></serial>"), chr("<serial type='pty'/>"), chr("<serial type='pty'/>")],
    parallels: [chr("<parallel type='pty'/>")],
    consoles: [chr("<console type='pty'/>"), chr("<console type='pty'><target type='lxc'/></console>")],
  });
  checkChardevs(def);
  assertEquals(def.devices.serials.map((s) => s.kind === "serial" && s.target.port), [2, 3, 4]);
  assertEquals(def.devices.parallels.map((p) => p.kind === "parallel" && p.target.port), [0]);
  // Not an HVM guest: consoles stay as written, an untyped one becomes 'serial'.
  assertEquals(formatAll(def).split("\n").filter((l) => l.includes("<target")).slice(4), [
    "  <target type='serial' port='0'/>",
    "  <target type='lxc' port='1'/>",
  ]);
});

Deno.test("the first console of an HVM guest mirrors the first serial port", () => {
  const serial = chr("<serial type='pty'><source path='/dev/pts/1'/><target port='0'/><alias name='serial0'/></serial>");
  const def = domain("hvm", {
    serials: [serial],
    consoles: [chr("<console type='pty'><source path='/dev/pts/9'/><target type='serial' port='0'/><alias name='console0'/></console>")],
  });
  checkChardevs(def);
  assertEquals(formatAll(def), text(`
<serial type='pty'>
  <source path='/dev/pts/1'/>
  <target port='0'/>
  <alias name='serial0'/>
</serial>
<console type='pty' tty='/dev/pts/1'>
  <source path='/dev/pts/1'/>
  <target type='serial' port='0'/>
  <alias name='serial0'/>
</console>
`));
  // The mirror follows later changes of the serial port.
  if (serial.source.type === "pty") serial.source.path = "/dev/pts/7";
  assertEquals(formatAll(def).split("\n")[5], "<console type='pty' tty='/dev/pts/7'>");
  // Running the checks again changes nothing.
  checkChardevs(def);
  assertEquals(def.devices.consoles.length, 1);
});

Deno.test("an HVM console without serial port becomes one, and a serial port gets a console", () => {
  const fromConsole = domain("hvm", { consoles: [chr("<console type='file'><source path='/log'/><target port='3'/></console>")] });
  checkChardevs(fromConsole);
  assertEquals(formatAll(fromConsole), text(`
<serial type='file'>
  <source path='/log'/>
  <target port='0'/>
</serial>
<console type='file'>
  <source path='/log'/>
  <target type='serial' port='0'/>
</console>
`));
  const withVirtio = domain("hvm", {
    serials: [chr("<serial type='tcp'><source mode='bind' host='0.0.0.0' service='9'/><protocol type='telnets'/></serial>")],
    consoles: [chr("<console type='pty'><target type='virtio'/></console>")],
  });
  checkChardevs(withVirtio);
  assertEquals(formatAll(withVirtio).split("\n").filter((l) => l.startsWith("<") || l.includes("target")), [
    "<serial type='tcp'>", "  <target port='0'/>", "</serial>",
    "<console type='tcp'>", "  <target type='serial' port='0'/>", "</console>",
    "<console type='pty'>", "  <target type='virtio' port='0'/>", "</console>",
  ]);
  // A pci-serial port gets no console.
  const pci = domain("hvm", { serials: [chr("<serial type='pty'><target type='pci-serial'/></serial>")] });
  checkChardevs(pci);
  assertEquals(pci.devices.consoles.length, 0);
});

Deno.test("only the first console may be a serial console", () => {
  const def = domain("hvm", {
    consoles: [chr("<console type='pty'><target type='virtio'/></console>"), chr("<console type='pty'/>")],
  });
  rejects(() => checkChardevs(def), /only the first <console> can have a target of type 'serial'/);
});

function smartcard(xml: string): SmartcardDef {
  return parseSmartcard(reader(xml), LIVE);
}

Deno.test("smartcards: host, certificates and passthrough, with ccid addresses", () => {
  const cards = [
    smartcard("<smartcard mode='host'/>"),
    smartcard("<smartcard mode='host-certificates'><certificate>c1</certificate><certificate>c2</certificate><certificate>c3</certificate><database>/etc/pki/nssdb</database><address type='ccid' controller='0' slot='3'/></smartcard>"),
    smartcard("<smartcard mode='passthrough' type='tcp'><source mode='connect' host='127.0.0.1' service='2001'/><protocol type='raw'/></smartcard>"),
  ];
  checkSmartcards(domain("hvm", { smartcards: cards }));
  assertEquals(write((w, f) => cards.forEach((c) => formatSmartcard(w, c, f))), text(`
<smartcard mode='host'>
  <address type='ccid' controller='0' slot='4'/>
</smartcard>
<smartcard mode='host-certificates'>
  <certificate>c1</certificate>
  <certificate>c2</certificate>
  <certificate>c3</certificate>
  <database>/etc/pki/nssdb</database>
  <address type='ccid' controller='0' slot='3'/>
</smartcard>
<smartcard mode='passthrough' type='tcp'>
  <source mode='connect' host='127.0.0.1' service='2001'/>
  <protocol type='raw'/>
  <address type='ccid' controller='0' slot='5'/>
</smartcard>
`));
  rejects(() => smartcard("<smartcard mode='reader'/>"), /'mode', expected one of: host, host-certificates, passthrough/);
  rejects(() => smartcard("<smartcard mode='host-certificates'><certificate>c1</certificate></smartcard>"), /exactly three <certificate> elements, found 1/);
  rejects(() => smartcard("<smartcard mode='host-certificates'><certificate>a</certificate><certificate>b</certificate><certificate>c</certificate><database>db</database></smartcard>"), /absolute path for <database>/);
  rejects(() => smartcard("<smartcard mode='passthrough'/>"), /passthrough mode needs a character device 'type'/);
  rejects(() => smartcard("<smartcard mode='passthrough' type='unix'><source mode='connect'/></smartcard>"), /missing source attribute 'path' for a unix/);
  rejects(() => smartcard("<smartcard mode='host'><address type='usb' bus='0' port='1'/></smartcard>"), /address of type 'ccid', not 'usb'/);
});

Deno.test("redirdev: usbredir over a character device, with boot order and usb address", () => {
  const rt = (xml: string) => {
    const d = parseRedirdev(reader(xml), LIVE);
    return write((w, f) => formatRedirdev(w, d, f));
  };
  assertEquals(rt("<redirdev type='spicevmc'><boot order='2'/><address type='usb' bus='0' port='3'/></redirdev>"), text(`
<redirdev bus='usb' type='spicevmc'>
  <boot order='2'/>
  <address type='usb' bus='0' port='3'/>
</redirdev>
`));
  assertEquals(rt("<redirdev bus='usb' type='dbus'/>"), text(`
<redirdev bus='usb' type='dbus'>
  <source channel='org.qemu.usbredir'/>
</redirdev>
`));
  assertEquals(rt("<redirdev bus='usb' type='unix'><source path='/s'/></redirdev>").split("\n")[1], "  <source mode='connect' path='/s'/>");
  rejects(() => rt("<redirdev bus='usb'/>"), /missing attribute 'type'/);
  rejects(() => rt("<redirdev bus='pci' type='spicevmc'/>"), /'bus', expected one of: usb/);
  rejects(() => rt("<redirdev type='tcp'><source host='h'/></redirdev>"), /'service' for a tcp/);
  rejects(() => rt("<redirdev type='spicevmc'><address type='pci' slot='1'/></redirdev>"), /address of type 'usb', not 'pci'/);
});

Deno.test("redirfilter: rules with class, ids and USB version", () => {
  const rt = (xml: string) => {
    const d = parseRedirfilter(reader(xml), LIVE);
    return write((w, f) => formatRedirfilter(w, d, f));
  };
  assertEquals(rt(`<redirfilter>
    <usbdev class='0x08' vendor='0x1234' product='0xbeef' version='2.0' allow='yes'/>
    <usbdev class='-1' vendor='-1' product='-1' version='-1' allow='no'/>
    <usbdev vendor='4660' version='1.1' allow='yes'/>
  </redirfilter>`), text(`
<redirfilter>
  <usbdev class='0x08' vendor='0x1234' product='0xBEEF' version='2.00' allow='yes'/>
  <usbdev allow='no'/>
  <usbdev vendor='0x1234' version='1.10' allow='yes'/>
</redirfilter>
`));
  assertEquals(rt("<redirfilter/>"), "");
  rejects(() => rt("<redirfilter><usbdev class='0x100' allow='yes'/></redirfilter>"), /invalid USB class code '0x100'/);
  rejects(() => rt("<redirfilter><usbdev version='2' allow='yes'/></redirfilter>"), /invalid USB version '2'/);
  rejects(() => rt("<redirfilter><usbdev vendor='abc' allow='yes'/></redirfilter>"), /'vendor', expected an integer/);
  rejects(() => rt("<redirfilter><usbdev/></redirfilter>"), /missing attribute 'allow'/);
});

Deno.test("rng: random, egd and builtin backends, rate and virtio driver options", () => {
  const rt = (xml: string) => {
    const d = parseRng(reader(xml), LIVE);
    return write((w, f) => formatRng(w, d, f));
  };
  assertEquals(rt("<rng model='virtio'><backend model='random'/><alias name='rng0'/></rng>"), text(`
<rng model='virtio'>
  <backend model='random'>/dev/random</backend>
  <alias name='rng0'/>
</rng>
`));
  assertEquals(rt(`<rng model='virtio-non-transitional'><driver iommu='on' packed='off'/><rate period='1000' bytes='1234'/>
    <backend model='egd' type='tcp'><source mode='bind' host='localhost' service='1234'/></backend></rng>`), text(`
<rng model='virtio-non-transitional'>
  <rate bytes='1234' period='1000'/>
  <backend model='egd' type='tcp'>
    <source mode='bind' host='localhost' service='1234'/>
    <protocol type='raw'/>
  </backend>
  <driver iommu='on' packed='off'/>
</rng>
`));
  assertEquals(rt("<rng model='virtio'><rate bytes='0' period='5'/><backend model='builtin'/><driver/></rng>"), text(`
<rng model='virtio'>
  <backend model='builtin'/>
</rng>
`));
  rejects(() => rt("<rng model='virtio'/>"), /exactly one <backend>/);
  rejects(() => rt("<rng model='virtio'><backend model='builtin'/><backend model='random'/></rng>"), /exactly one <backend>/);
  rejects(() => rt("<rng model='virtio'><backend model='egd'/></rng>"), /egd backend needs a character device 'type'/);
  rejects(() => rt("<rng model='virtio'><backend model='egd' type='unix'/></rng>"), /missing source attribute 'path' for a unix/);
  rejects(() => rt("<rng model='xen'><backend model='builtin'/></rng>"), /'model', expected one of: virtio, virtio-transitional/);
  rejects(() => rt("<rng model='virtio'><backend model='builtin'/><driver ats='yes'/></rng>"), /'ats', expected one of: on, off/);
});
