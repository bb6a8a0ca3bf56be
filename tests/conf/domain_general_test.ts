/**
 * The top-level sections of the domain model: identity, metadata, memory and
 * its tuning, vCPUs and I/O threads, resource, sysinfo, os, idmap, lifecycle
 * actions, namespaces, the generic checks and validate mode.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { formatDomainXml, parseDomainXml, VirtError } from "../../mod.ts";

const CANONICAL = `<domain type='kvm' id='7' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>general</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <genid>e9392370-2917-565e-692b-d057f46512d6</genid>
  <title>A short title</title>
  <description>Some &lt;text&gt; &amp; more</description>
  <metadata>
    <app1:foo xmlns:app1="http://app1.org/app1/">fooish</app1:foo>
    <app2:bar xmlns:app2="http://app2.org/app2/">
      <app2:baz a="1"/>
    </app2:bar>
  </metadata>
  <maxMemory slots='16' unit='KiB'>4194304</maxMemory>
  <memory dumpCore='off' unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <blkiotune>
    <weight>800</weight>
    <device>
      <path>/dev/sda</path>
      <weight>1000</weight>
      <read_iops_sec>10</read_iops_sec>
    </device>
  </blkiotune>
  <memtune>
    <hard_limit unit='KiB'>2097152</hard_limit>
    <soft_limit unit='KiB'>131072</soft_limit>
    <swap_hard_limit unit='KiB'>2621440</swap_hard_limit>
  </memtune>
  <memoryBacking>
    <hugepages>
      <page size='2048' unit='KiB' nodeset='0'/>
    </hugepages>
    <nosharepages/>
    <locked/>
    <source type='memfd'/>
    <access mode='shared'/>
    <allocation mode='immediate' threads='8'/>
    <discard/>
  </memoryBacking>
  <vcpu placement='static' cpuset='0-2,5' current='2'>4</vcpu>
  <iothreads>2</iothreads>
  <iothreadids>
    <iothread id='1'/>
    <iothread id='3' thread_pool_min='2' thread_pool_max='4'>
      <poll max='100' grow='2' shrink='3'/>
    </iothread>
  </iothreadids>
  <resource>
    <partition>/machine/production</partition>
  </resource>
  <sysinfo type='smbios'>
    <bios>
      <entry name='vendor'>LENOVO</entry>
      <entry name='date'>01/01/2020</entry>
    </bios>
    <system>
      <entry name='manufacturer'>Fedora</entry>
      <entry name='serial'>123</entry>
    </system>
    <oemStrings>
      <entry>myappname:some arbitrary data</entry>
    </oemStrings>
  </sysinfo>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/nvram/general_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
    <bootmenu enable='yes' timeout='3000'/>
    <bios useserial='yes' rebootTimeout='0'/>
    <smbios mode='sysinfo'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>coredump-restart</on_crash>
  <on_lockfailure>pause</on_lockfailure>
  <devices>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-newarg'/>
    <qemu:env name='QEMU_ENV' value='VAL'/>
  </qemu:commandline>
</domain>
`;

Deno.test("a domain with every top-level section round-trips canonically", () => {
  assertEquals(formatDomainXml(parseDomainXml(CANONICAL), { secure: true }), CANONICAL);
});

Deno.test("inactive parse and format drop the runtime id", () => {
  const out = formatDomainXml(parseDomainXml(CANONICAL, { inactive: true }), { inactive: true });
  assert(out.startsWith("<domain type='kvm' xmlns:qemu="));
});

Deno.test("units are normalised to KiB and defaults filled in", () => {
  const def = parseDomainXml(`<domain type='qemu'><name>u</name><memory unit='MiB'>512</memory>
    <memtune><hard_limit unit='G'>1</hard_limit></memtune><os><type>hvm</type></os></domain>`);
  assertEquals(def.memory.total, 524288);
  assertEquals(def.memory.current, 524288);
  assertEquals(def.memtune?.hardLimit, 1048576);
  assertEquals(def.vcpu, { max: 1, current: 1, placement: "static" });
  assertEquals(def.os.arch, "x86_64");
  assert(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(def.uuid));
  const out = formatDomainXml(def);
  assert(out.includes("  <memory unit='KiB'>524288</memory>\n  <currentMemory unit='KiB'>524288</currentMemory>\n"));
  assert(out.includes("  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n"));
});

Deno.test("container os: init, args, environment and idmap", () => {
  const xml = `<domain type='lxc'>
  <name>c1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type>exe</type>
    <init>/bin/sh</init>
    <initarg>-c</initarg>
    <initarg>echo hi</initarg>
    <initenv name='FOO'>bar</initenv>
    <initdir>/tmp</initdir>
  </os>
  <idmap>
    <uid start='0' target='1000' count='10'/>
    <gid start='0' target='1000' count='10'/>
  </idmap>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
  </devices>
</domain>
`;
  assertEquals(formatDomainXml(parseDomainXml(xml)), xml);
});

function rejected(xml: string, pattern: RegExp, opts = {}): void {
  assertThrows(() => parseDomainXml(xml, opts), (e: unknown) => e instanceof VirtError && pattern.test(e.message));
}

const wrap = (inner: string, name = "x") => `<domain type='kvm'><name>${name}</name><memory>1024</memory>${inner}</domain>`;

Deno.test("generic checks reject bad definitions, naming the field", () => {
  rejected(wrap("", "a/b"), /name 'a\/b' cannot contain '\/'/);
  rejected("<domain type='kvm'><memory>1</memory></domain>", /missing domain name/);
  rejected(wrap("<uuid>not-a-uuid</uuid>"), /malformed uuid 'not-a-uuid'.*<uuid> at line 1/);
  rejected("<domain type='nope'><name>x</name></domain>", /invalid value 'nope' for attribute 'type'/);
  rejected("<domain type='kvm'><name>x</name><memory unit='parsecs'>1</memory></domain>", /unknown unit 'parsecs'/);
  rejected("<domain type='kvm'><name>x</name></domain>", /memory size must be specified/);
  rejected(wrap("<vcpu current='3'>2</vcpu>"), /current vCPU count 3 is greater than the maximum 2/);
  rejected(wrap("<vcpu>0</vcpu>"), /at least one vCPU/);
  rejected(wrap("<maxMemory unit='KiB'>4096</maxMemory>"), /both maximum memory size and memory slot count/);
  rejected(wrap("<on_poweroff>explode</on_poweroff>"), /invalid on_poweroff action 'explode'/);
  rejected(wrap("<title>a\nb</title>"), /title must not contain newlines/);
  rejected(wrap("<os><type>dos</type></os>"), /unknown OS type 'dos'/);
  rejected(wrap("<idmap><uid start='1' target='0' count='5'/></idmap>"), /map the root user/);
  rejected(wrap("<iothreadids><iothread id='0'/></iothreadids>"), /invalid iothread id '0'/);
  rejected("<network/>", /expected root element <domain>/);
});

Deno.test("validate mode rejects unknown elements and attributes; default mode drops them", () => {
  const xml = wrap("<bogus/><os><type>hvm</type></os>");
  rejected(xml, /unknown element <bogus> in <domain> at line 1/, { validate: true });
  rejected(wrap("", "x").replace("<memory>", "<memory extra='1'>"), /unknown attribute 'extra' on <memory>/, { validate: true });
  assert(!formatDomainXml(parseDomainXml(xml)).includes("bogus"));
  parseDomainXml(wrap("<os><type>hvm</type></os>"), { validate: true });
});

Deno.test("a genid given empty is generated", () => {
  const def = parseDomainXml(wrap("<genid/>"));
  assert(def.genid && /^[0-9a-f-]{36}$/.test(def.genid));
});

Deno.test("a full-virt guest without boot devices boots from disk; mixing boot styles is refused", () => {
  const def = parseDomainXml(wrap("<os><type>hvm</type></os>"));
  assertEquals(def.os.bootDevices, ["hd"]);
  const vmware = parseDomainXml(wrap("<os><type>hvm</type></os>").replace("type='kvm'", "type='vmware'"));
  assertEquals(vmware.os.bootDevices, []);
  rejected(
    wrap("<os><type>hvm</type><boot dev='cdrom'/></os><devices><disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/><boot order='1'/></disk></devices>"),
    /per-device boot elements cannot be used together with os\/boot elements/,
  );
});

Deno.test("hostile documents get a clear VirtError from parseDomainXml", () => {
  const bomb = `<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><domain type='kvm'><name>&b;</name></domain>`;
  rejected(bomb, /DOCTYPE declarations are not allowed/);
  rejected("<domain type='kvm'><name>x</name>", /malformed XML at line 1, .*unclosed element <domain>/);
  rejected(`<domain type='kvm'><name>${"x".repeat(20 * 1024 * 1024)}</name></domain>`, /too large/);
  rejected(`<domain type='kvm'>${"<a>".repeat(10000)}${"</a>".repeat(10000)}</domain>`, /nested deeper than 256 levels/);
});
