/**
 * The VMX converters: the file format, VMX to domain XML, domain XML to VMX,
 * and the inputs each side must reject.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { formatDomainXml, parseDomainXml, VirtError } from "../../mod.ts";
import {
  domainToVmx,
  domainXmlToVmx,
  vmxToDomain,
  vmxToDomainXml,
  type VmxWriteContext,
} from "../../drivers/vmx/mod.ts";
import {
  decodeVmx,
  escapeAnnotation,
  escapeDisplayName,
  unescapeHex,
  VmxFile,
  VmxWriter,
} from "../../drivers/vmx/vmx-file.ts";
import { vmxTestContext } from "../conformance/runner.ts";

/** Expects a VirtError whose message matches `pattern`. */
function rejects(run: () => unknown, pattern: RegExp): void {
  assertThrows(run, (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assert(pattern.test(e.message), `message '${e.message}' does not match ${pattern}`);
    return true;
  });
}

const writeCtx = (virtualHWVersion = 4): VmxWriteContext => ({
  virtualHWVersion,
  formatFileName(src) {
    const m = /^\[([^\]]+)\] (.*)$/.exec(src);
    if (m) return `/vmfs/volumes/${m[1]}/${m[2]}`;
    if (src.startsWith("/")) return src;
    throw new VirtError("config-unsupported", "vmx", `cannot map '${src}'`);
  },
});

const HEAD = 'config.version = "8"\nvirtualHW.version = "4"\ndisplayName = "t"\n';

Deno.test("vmx file: keys are found in any case; comments and blank lines are skipped", () => {
  const f = VmxFile.parse(
    '#!/usr/bin/vmware\n\n  # note\nDisplayName = "a b" # trailing\r\nMEMSIZE="64"\n',
  );
  assertEquals(f.string("displayname"), "a b");
  assertEquals(f.long("memSize", 0), 64);
  assertEquals(f.entry("MemSize")?.line, 5);
  assertEquals(f.string("absent"), undefined);
});

Deno.test('vmx file: a line that is not name = "value" is rejected with its line number', () => {
  rejects(() => VmxFile.parse('a = "1"\nthis is garbage\n'), /line 2 .*this is garbage/);
  rejects(() => VmxFile.parse("memsize = 64\n"), /line 1/);
  rejects(() => VmxFile.parse('name = "unterminated\n'), /line 1/);
});

Deno.test("vmx file: a key set twice (in any case) names both lines", () => {
  rejects(
    () => VmxFile.parse('memsize = "64"\nx = "1"\nMemSize = "128"\n'),
    /'MemSize' on line 3 repeats 'memsize' from line 1/,
  );
});

Deno.test("vmx file: typed reads name the key and line of a bad value", () => {
  const f = VmxFile.parse('a = "TRUE"\nb = "yes"\nc = "12x"\nd = "Unlimited"\n');
  assertEquals(f.bool("a", false), true);
  rejects(() => f.bool("b", false), /'b' \(line 2\).*'true' or 'false'/);
  rejects(() => f.long("c", 0), /'c' \(line 3\).*integer/);
  assertEquals(f.long("d", 0), -1);
});

Deno.test("vmx file: the writer quotes values and refuses ones it cannot write", () => {
  const w = new VmxWriter();
  w.set("a.b", 5);
  w.set("c", "x y");
  assertEquals(w.toString(), 'a.b = "5"\nc = "x y"\n');
  rejects(() => w.set("bad", 'say "hi"'), /'bad'/);
});

Deno.test("vmx file: hex escapes of names and annotations", () => {
  assertEquals(escapeDisplayName('a/b|c"d%e\\'), "a%2fb|7cc|22d%25e%5c");
  assertEquals(escapeAnnotation('x|y"z\nw'), "x|7cy|22z|0aw");
  assertEquals(unescapeHex("caf|C3|A9 |7c", "|"), "café |");
  assertEquals(unescapeHex("bad |zz", "|"), undefined);
  assertEquals(unescapeHex("end |2", "|"), undefined);
});

Deno.test("vmx file: bytes are decoded by their .encoding entry", () => {
  const bytes = new Uint8Array([
    ...new TextEncoder().encode('.encoding = "windows-1252"\nannotation = "caf'),
    0xe9,
    0x22,
    0x0a,
  ]);
  assertEquals(VmxFile.parse(decodeVmx(bytes)).string("annotation"), "café");
  rejects(
    () => decodeVmx(new TextEncoder().encode('.encoding = "no-such-charset"\n')),
    /no-such-charset/,
  );
});

const SAMPLE_VMX = `#!/usr/bin/vmware
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "7"
displayName = "web|2201"
annotation = "Web server|0Aowner: ops|7Cinfra"
guestOS = "rhel7-64"
uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15"
memsize = "1024"
sched.mem.max = "unlimited"
numvcpus = "2"
sched.cpu.affinity = "4,5"
sched.cpu.shares = "normal"
scsi0.present = "true"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "true"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "web.vmdk"
scsi0:0.writeThrough = "true"
ide1:0.present = "true"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "/vmfs/volumes/missing/install.iso"
floppy0.present = "true"
floppy0.fileType = "device"
floppy0.fileName = "/dev/fd0"
ethernet0.present = "true"
ethernet0.virtualDev = "e1000"
ethernet0.connectionType = "custom"
ethernet0.networkName = "net1"
ethernet0.vnet = "/dev/vmnet1"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0C:29:AA:BB:CC"
serial0.present = "true"
serial0.fileType = "file"
serial0.fileName = "serial0.log"
parallel0.present = "true"
parallel0.fileType = "device"
parallel0.fileName = "/dev/parport0"
RemoteDisplay.vnc.enabled = "true"
RemoteDisplay.vnc.port = "5901"
svga.vramSize = "8388608"
unknown.key = "ignored"
`;

const SAMPLE_XML =
  `<domain type='vmware' xmlns:vmware='http://libvirt.org/schemas/domain/vmware/1.0'>
  <name>web&quot;01</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aea8b9103515</uuid>
  <description>Web server
owner: ops|infra</description>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static' cpuset='4-5'>2</vcpu>
  <cputune>
    <shares>2000</shares>
  </cputune>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver cache='writethrough'/>
      <source file='[datastore] directory/web.vmdk'/>
      <target dev='sda' bus='scsi'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
    <disk type='block' device='floppy'>
      <source dev='/dev/fd0'/>
      <target dev='fda' bus='fdc'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='scsi' index='0' model='vmpvscsi'/>
    <controller type='fdc' index='0'/>
    <controller type='ide' index='0'/>
    <interface type='bridge'>
      <mac address='00:0c:29:aa:bb:cc' type='generated'/>
      <source bridge='net1'/>
      <target dev='/dev/vmnet1'/>
      <model type='e1000'/>
    </interface>
    <serial type='file'>
      <source path='[datastore] directory/serial0.log'/>
      <target port='0'/>
    </serial>
    <parallel type='dev'>
      <source path='/dev/parport0'/>
      <target port='0'/>
    </parallel>
    <console type='file'>
      <source path='[datastore] directory/serial0.log'/>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='5901' autoport='no'>
      <listen type='address'/>
    </graphics>
    <video>
      <model type='vmvga' vram='8192' primary='yes'/>
    </video>
  </devices>
  <vmware:datacenterpath>dc1</vmware:datacenterpath>
</domain>
`;

const SAMPLE_BACK = `.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "7"
guestOS = "other-64"
uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15"
displayName = "web|2201"
annotation = "Web server|0aowner: ops|7cinfra"
memsize = "1024"
numvcpus = "2"
sched.cpu.affinity = "4,5"
sched.cpu.shares = "normal"
RemoteDisplay.vnc.enabled = "true"
RemoteDisplay.vnc.port = "5901"
scsi0.present = "true"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "true"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "/vmfs/volumes/datastore/directory/web.vmdk"
scsi0:0.writeThrough = "true"
ide1:0.present = "true"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "emptyBackingString"
floppy0.present = "true"
floppy0.fileType = "device"
floppy0.fileName = "/dev/fd0"
floppy1.present = "false"
ethernet0.present = "true"
ethernet0.virtualDev = "e1000"
ethernet0.networkName = "net1"
ethernet0.connectionType = "custom"
ethernet0.vnet = "/dev/vmnet1"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:aa:bb:cc"
ethernet0.generatedAddressOffset = "0"
svga.vramSize = "8388608"
serial0.present = "true"
serial0.fileType = "file"
serial0.fileName = "/vmfs/volumes/datastore/directory/serial0.log"
serial0.yieldOnMsrRead = "true"
parallel0.present = "true"
parallel0.fileType = "device"
parallel0.fileName = "/dev/parport0"
pciBridge0.present = "true"
pciBridge4.present = "true"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
pciBridge5.present = "true"
pciBridge5.virtualDev = "pcieRootPort"
pciBridge5.functions = "8"
pciBridge6.present = "true"
pciBridge6.virtualDev = "pcieRootPort"
pciBridge6.functions = "8"
pciBridge7.present = "true"
pciBridge7.virtualDev = "pcieRootPort"
pciBridge7.functions = "8"
vmci0.present = "true"
`;

Deno.test("vmx to domain: a representative file gives libvirt's domain XML", () => {
  assertEquals(vmxToDomainXml(SAMPLE_VMX, vmxTestContext("dc1")), SAMPLE_XML);
});

Deno.test("vmx to domain: the definition formats back to the same XML", () => {
  assertEquals(
    formatDomainXml(vmxToDomain(SAMPLE_VMX, vmxTestContext("dc1")), { secure: true }),
    SAMPLE_XML,
  );
});

Deno.test("vmx to domain: shared folders, SATA, vDS, smbios, topology, genid, EFI", () => {
  const xml = vmxToDomainXml(
    HEAD + `numvcpus = "4"
cpuid.coresPerSocket = "2"
smbios.reflecthost = "true"
firmware = "efi"
vm.genid = "-1"
vm.genidX = "1"
sata0.present = "true"
sata0:1.present = "true"
sata0:1.deviceType = "cdrom-image"
sata0:1.fileName = "/vmfs/volumes/isos/install.iso"
isolation.tools.hgfs.disable = "false"
sharedFolder.maxNum = "1"
sharedFolder0.present = "true"
sharedFolder0.enabled = "true"
sharedFolder0.hostPath = "/srv/data"
sharedFolder0.guestName = "data"
ethernet0.present = "true"
ethernet0.dvs.switchId = "50 11 5e 16 9b dc 49 d7-f1 71 53 c4 d7 f9 17 10"
ethernet0.dvs.portId = "42"
ethernet0.dvs.portgroupId = "dvportgroup-1"
ethernet0.dvs.connectionId = "7"
ethernet0.addressType = "static"
ethernet0.address = "52:54:00:12:34:56"
ethernet0.checkMACAddress = "false"
`,
    vmxTestContext(),
  );
  for (
    const want of [
      "<genid>ffffffff-ffff-ffff-0000-000000000001</genid>",
      "<os firmware='efi'>\n    <type arch='i686'>hvm</type>\n    <smbios mode='host'/>\n  </os>",
      "<topology sockets='2' dies='1' cores='2' threads='1'/>",
      "<source file='[isos] install.iso'/>\n      <target dev='sdb' bus='sata'/>",
      "<address type='drive' controller='0' bus='0' target='0' unit='1'/>",
      "<controller type='sata' index='0'/>",
      "<filesystem type='mount'>\n      <source dir='/srv/data'/>\n      <target dir='data'/>\n      <readonly/>\n    </filesystem>",
      "<interface type='vds'>\n      <mac address='52:54:00:12:34:56' type='static' check='no'/>\n      <source switchid='50115e16-9bdc-49d7-f171-53c4d7f91710' portid='42' portgroupid='dvportgroup-1' connectionid='7'/>",
    ]
  ) assert(xml.includes(want), `missing ${want} in\n${xml}`);
});

Deno.test("vmx to domain: memory rules, null network, network serial ports", () => {
  const xml = vmxToDomainXml(
    HEAD + `memsize = "512"
sched.mem.max = "2048"
sched.mem.minsize = "128"
ethernet0.present = "true"
ethernet0.addressType = "vpx"
ethernet0.generatedAddress = "00:50:56:87:65:43"
serial2.present = "true"
serial2.fileType = "network"
serial2.fileName = "telnet://[::1]:4000"
`,
    vmxTestContext(),
  );
  assert(
    xml.includes("<currentMemory unit='KiB'>524288</currentMemory>"),
    "sched.mem.max is capped at memsize",
  );
  assert(xml.includes("<min_guarantee unit='KiB'>131072</min_guarantee>"));
  assert(
    xml.includes(
      "<interface type='null'>\n      <mac address='00:50:56:87:65:43' type='generated'/>\n    </interface>",
    ),
  );
  assert(
    xml.includes(
      "<source mode='bind' host='::1' service='4000'/>\n      <protocol type='telnet'/>\n      <target port='2'/>",
    ),
  );
  assert(xml.includes("<target type='serial' port='2'/>"));
});

Deno.test("vmx to domain: bad input is rejected naming the entry or file", () => {
  const ctx = vmxTestContext();
  const cases: [string, RegExp][] = [
    [
      'config.version = "7"\nvirtualHW.version = "4"\ndisplayName = "t"\n',
      /'config.version'.*expecting 8/,
    ],
    ['config.version = "8"\ndisplayName = "t"\n', /'virtualHW.version'/],
    [
      'config.version = "8"\nvirtualHW.version = "3"\ndisplayName = "t"\n',
      /'virtualHW.version' \(line 2\).*4 or higher/,
    ],
    [
      'config.version = "8"\nvirtualHW.version = "seven"\ndisplayName = "t"\n',
      /'virtualHW.version'.*integer/,
    ],
    ['config.version = "8"\nvirtualHW.version = "4"\n', /'displayName'/],
    [HEAD + 'memsize = "33"\n', /'memsize'.*multiple of 4/],
    [HEAD + 'numvcpus = "0"\n', /'numvcpus'/],
    [HEAD + 'numvcpus = "4"\nsched.cpu.affinity = "1,2"\n', /'sched.cpu.affinity'.*at least/],
    [HEAD + 'sched.cpu.shares = "lots"\n', /'sched.cpu.shares'/],
    [HEAD + 'annotation = "50|zz"\n', /'annotation'.*escape/],
    [HEAD + 'firmware = "bios"\n', /'firmware'.*'bios'/],
    [
      HEAD + 'scsi0.present = "true"\nscsi0.virtualDev = "megaraid"\n',
      /'scsi0.virtualDev'.*'megaraid'/,
    ],
    [
      HEAD + 'ide0:0.present = "true"\nide0:0.fileName = "/vmfs/volumes/missing/a.vmdk"\n',
      /\/vmfs\/volumes\/missing\/a.vmdk/,
    ],
    [
      HEAD + 'ide0:0.present = "true"\nide0:0.fileName = "sub/dir.vmdk"\n',
      /relative path 'sub\/dir.vmdk'/,
    ],
    [
      HEAD + 'ide0:0.present = "true"\nide0:0.fileName = "disk.img"\n',
      /'ide0:0.fileName'.*disk.img/,
    ],
    [
      HEAD +
      'ide0:0.present = "true"\nide0:0.deviceType = "scsi-hardDisk"\nide0:0.fileName = "a.vmdk"\n',
      /'ide0:0.deviceType'/,
    ],
    [
      HEAD + 'ethernet0.present = "true"\nethernet0.addressType = "random"\n',
      /'ethernet0.addressType'/,
    ],
    [
      HEAD + 'ethernet0.present = "true"\nethernet0.virtualDev = "virtio"\n',
      /'ethernet0.virtualDev'/,
    ],
    [
      HEAD + 'ethernet0.present = "true"\nethernet0.connectionType = "bridged"\n',
      /'ethernet0.networkName'/,
    ],
    [
      HEAD + 'ethernet0.present = "true"\nethernet0.generatedAddress = "00:50:zz"\n',
      /'ethernet0.generatedAddress'/,
    ],
    [HEAD + 'ethernetX.present = "true"\n', /'ethernetX.present'/],
    [
      HEAD +
      'serial0.present = "true"\nserial0.fileType = "network"\nserial0.fileName = "tcp://host"\n',
      /'serial0.fileName'.*port/,
    ],
    [HEAD + 'serial0.present = "true"\nserial0.fileType = "socket"\n', /'serial0.fileType'/],
    [HEAD + 'parallel0.present = "true"\n', /'parallel0.fileType'/],
  ];
  for (const [vmx, pattern] of cases) rejects(() => vmxToDomainXml(vmx, ctx), pattern);
});

Deno.test("domain to vmx: a representative definition gives libvirt's VMX", () => {
  assertEquals(domainXmlToVmx(SAMPLE_XML, writeCtx(7)), SAMPLE_BACK);
  assertEquals(domainToVmx(parseDomainXml(SAMPLE_XML), writeCtx(7)), SAMPLE_BACK);
});

Deno.test("domain to vmx: VMX read back gives the same definition", () => {
  const back = domainToVmx(vmxToDomain(SAMPLE_VMX, vmxTestContext("dc1")), writeCtx(7));
  const ctx = {
    ...vmxTestContext("dc1"),
    parseFileName: (f: string) => f.replace(/^\/vmfs\/volumes\/([^/]+)\//, "[$1] "),
  };
  assertEquals(vmxToDomainXml(back, ctx), SAMPLE_XML);
});

const dom = (devices: string, extra = "") =>
  `<domain type='vmware'><name>t</name><uuid>564d9bef-acd9-b4e0-c8f0-aea8b9103515</uuid><memory>4096</memory>${extra}<os><type arch='i686'>hvm</type></os><devices>${devices}</devices></domain>`;

Deno.test("domain to vmx: SCSI controller models from controllers, driver names or detection", () => {
  const disk = (dst: string, driver = "") =>
    `<disk type='file' device='disk'>${driver}<source file='[ds] ${dst}.vmdk'/><target dev='${dst}' bus='scsi'/></disk>`;
  const detect = { ...writeCtx(), autodetectScsiModel: () => "buslogic" };
  assert(
    domainXmlToVmx(dom(disk("sda") + "<controller type='scsi' index='0' model='auto'/>"), detect)
      .includes('scsi0.virtualDev = "buslogic"'),
  );
  assert(
    domainXmlToVmx(dom(disk("sdp", "<driver name='LSILogic'/>")), writeCtx()).includes(
      'scsi1.present = "true"\nscsi1.virtualDev = "lsilogic"',
    ),
  );
  assert(!domainXmlToVmx(dom(disk("sda")), writeCtx()).includes("virtualDev"));
  rejects(
    () =>
      domainXmlToVmx(
        dom(disk("sda", "<driver name='buslogic'/>") + disk("sdb", "<driver name='lsilogic'/>")),
        writeCtx(),
      ),
    /inconsistent SCSI controller model/,
  );
  rejects(
    () => domainXmlToVmx(dom(disk("sda", "<driver name='qemu'/>")), writeCtx()),
    /unknown driver name 'qemu'/,
  );
  rejects(
    () =>
      domainXmlToVmx(
        dom(disk("sda") + "<controller type='scsi' index='0' model='virtio-scsi'/>"),
        writeCtx(),
      ),
    /'virtio-scsi'/,
  );
  let n = 0;
  const flaky = { ...writeCtx(), autodetectScsiModel: () => (n++ ? "lsilogic" : "buslogic") };
  rejects(
    () =>
      domainXmlToVmx(
        dom(disk("sda") + disk("sdb") + "<controller type='scsi' index='0' model='auto'/>"),
        flaky,
      ),
    /inconsistent/,
  );
});

Deno.test("domain to vmx: MAC address ranges pick the address type", () => {
  const nic = (mac: string) =>
    `<interface type='bridge'><mac address='${mac}'/><source bridge='br0'/></interface>`;
  const out = domainXmlToVmx(
    dom(
      nic("00:0c:29:01:02:03") + nic("00:50:56:01:02:03") + nic("00:50:56:81:02:03") +
        nic("52:54:00:01:02:03"),
    ),
    writeCtx(),
  );
  assert(
    out.includes(
      'ethernet0.addressType = "generated"\nethernet0.generatedAddress = "00:0c:29:01:02:03"\nethernet0.generatedAddressOffset = "0"',
    ),
  );
  assert(
    out.includes(
      'ethernet1.addressType = "static"\nethernet1.address = "00:50:56:01:02:03"\nethernet2',
    ),
  );
  assert(
    out.includes(
      'ethernet2.addressType = "vpx"\nethernet2.generatedAddress = "00:50:56:81:02:03"\nethernet3',
    ),
  );
  assert(
    out.includes(
      'ethernet3.addressType = "static"\nethernet3.address = "52:54:00:01:02:03"\nethernet3.checkMACAddress = "false"',
    ),
  );
});

Deno.test("domain to vmx: shared folders, smbios, EFI, SATA and a display without video", () => {
  const out = domainXmlToVmx(
    dom(
      `<disk type='file' device='cdrom'><source file='[isos] a.iso'/><target dev='sdb' bus='sata'/></disk>
       <filesystem type='mount'><source dir='/srv'/><target dir='srv'/><readonly/></filesystem>
       <graphics type='vnc' autoport='yes' listen='0.0.0.0'/>`,
      "",
    ).replace("<os>", "<os firmware='efi'>").replace("</os>", "<smbios mode='host'/></os>"),
    writeCtx(),
  );
  for (
    const want of [
      'smbios.reflecthost = "true"',
      'RemoteDisplay.vnc.enabled = "true"\nRemoteDisplay.vnc.ip = "0.0.0.0"\nsata0.present = "true"',
      'sata0:1.present = "true"\nsata0:1.deviceType = "cdrom-image"\nsata0:1.fileName = "/vmfs/volumes/isos/a.iso"',
      'isolation.tools.hgfs.disable = "false"\nsharedFolder.maxNum = "1"\nsharedFolder0.present = "true"\nsharedFolder0.enabled = "true"\nsharedFolder0.readAccess = "true"\nsharedFolder0.writeAccess = "false"\nsharedFolder0.hostPath = "/srv"\nsharedFolder0.guestName = "srv"',
      'svga.vramSize = "4194304"\nfirmware = "efi"\n',
    ]
  ) assert(out.includes(want), `missing ${want} in\n${out}`);
});

Deno.test("domain to vmx: what VMX cannot express is rejected", () => {
  const cases: [string, RegExp, number?][] = [
    [dom("").replace("type='vmware'", "type='kvm'"), /virt type to be 'vmware' but found 'kvm'/],
    [dom("").replace("i686", "ppc64"), /'arch'.*'ppc64'/],
    [dom("", "<vcpu current='1'>2</vcpu>"), /'current'/],
    [
      dom("", "<vcpu>4</vcpu><cpu><topology sockets='1' cores='2' threads='2'/></cpu>"),
      /1 thread per core/,
    ],
    [
      dom("", "<vcpu>4</vcpu><cpu><topology sockets='1' cores='2' threads='1'/></cpu>"),
      /topology gives 2 vCPUs/,
    ],
    [dom("", "<vcpu cpuset='1'>2</vcpu>"), /at least 2 CPU/],
    [dom("<graphics type='spice'/>"), /graphics type 'spice'/],
    [
      dom(
        "<disk type='file' device='disk'><driver cache='none'/><source file='[ds] a.vmdk'/><target dev='sda' bus='scsi'/></disk>",
      ),
      /cache mode 'none'/,
    ],
    [
      dom(
        "<disk type='file' device='disk'><source file='[ds] a.img'/><target dev='hda' bus='ide'/></disk>",
      ),
      /expecting '.vmdk'/,
    ],
    [
      dom(
        "<disk type='file' device='disk'><source file='rel/a.vmdk'/><target dev='hda' bus='ide'/></disk>",
      ),
      /cannot map 'rel\/a.vmdk'/,
    ],
    [
      dom(
        "<disk type='file' device='disk'><source file='[ds] a.vmdk'/><target dev='vda' bus='virtio'/></disk>",
      ),
      /bus type 'virtio'/,
    ],
    [
      dom(
        "<disk type='file' device='disk'><source file='[ds] a.vmdk'/><target dev='hde' bus='ide'/></disk>",
      ),
      /IDE disk index.*too large/,
    ],
    [
      dom(
        "<disk type='file' device='disk'><source file='[ds] a.vmdk'/><target dev='hda' bus='ide'/><address type='drive' controller='0' bus='1' unit='0'/></disk>",
      ),
      /0:1:0 doesn't match target device 'hda'/,
    ],
    [
      dom(
        "<interface type='network'><mac address='00:0c:29:00:00:01'/><source network='default'/></interface>",
      ),
      /net type 'network'/,
    ],
    [
      dom(
        "<interface type='user'><mac address='00:0c:29:00:00:01'/><model type='virtio'/></interface>",
      ),
      /'virtio'/,
    ],
    [
      dom("<interface type='user'><mac address='00:0c:29:00:00:01'/></interface>".repeat(5)),
      /ethernet controller index 4 out of \[0..3\]/,
    ],
    [
      dom(
        "<interface type='bridge'><mac address='00:0c:29:00:00:01'/><source bridge='a&quot;b'/></interface>",
      ),
      /'ethernet0.networkName'/,
    ],
    [dom("<serial type='pty'><target port='0'/></serial>"), /character device type 'pty'/],
    [
      dom("<serial type='dev'><source path='/dev/ttyS4'/><target port='4'/></serial>"),
      /serial port index 4/,
    ],
    [
      dom("<video><model type='vmvga'/></video><video><model type='vmvga'/></video>"),
      /multiple video devices/,
    ],
    [dom("<video><model type='qxl'/></video>"), /video device type 'qxl'/],
    [
      dom("<filesystem type='block'><source dev='/dev/sdb'/><target dir='x'/></filesystem>"),
      /'mount' filesystem/,
    ],
    [dom(""), /virtualHW.version must be an integer of 4 or higher/, 3],
  ];
  for (const [xml, pattern, hw] of cases) rejects(() => domainXmlToVmx(xml, writeCtx(hw)), pattern);
});
