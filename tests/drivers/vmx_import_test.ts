/**
 * `import-vmx`: the planner on its own (device mapping, warnings, firmware,
 * VMDK extents and parents, rejections) with a fake host; qemu-img progress
 * and the progress display; then whole runs of the CLI on VMDKs made by
 * `qemu-img create` (monolithic and split): `--dry-run` writes nothing, a
 * real import converts the disks and defines the domain on a
 * `qemu:///embed` connection, and the QEMU driver starts the result with the
 * converted disks and its firmware attached.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import {
  type ImportFileProbe,
  planVmxImport,
  qemuImgConvertArgs,
  type UefiFirmware,
  type VmxImportOptions,
} from "../../drivers/vmx/import.ts";
import {
  executeVmxImport,
  loadUefiFirmware,
  parseQemuImgProgress,
} from "../../drivers/vmx/import-exec.ts";
import { ProgressBar, renderBar } from "../../src/cli/progress.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

// ---- the planner, with a fake host ------------------------------------------

const FIRMWARE: UefiFirmware[] = [
  {
    descriptor: "40-secure-enrolled.json",
    code: "/fw/CODE.secboot.fd",
    varsTemplate: "/fw/VARS.ms.fd",
    format: "raw",
    machines: ["pc-q35-*"],
    secureBoot: true,
    enrolledKeys: true,
    requiresSmm: true,
  },
  {
    descriptor: "60-plain.json",
    code: "/fw/CODE.fd",
    varsTemplate: "/fw/VARS.fd",
    format: "raw",
    machines: ["pc-i440fx-*", "pc-q35-*"],
    secureBoot: false,
    enrolledKeys: false,
    requiresSmm: false,
  },
];

/** A host holding `files`; `descriptors` maps VMDK descriptor files to their text. */
function fakeHost(files: string[], descriptors: Record<string, string> = {}): ImportFileProbe {
  const all = new Set([...files, ...Object.keys(descriptors)]);
  return { exists: (p) => all.has(p), vmdkDescriptor: (p) => descriptors[p] };
}

function options(over: Partial<VmxImportOptions> = {}): VmxImportOptions {
  return {
    vmxPath: "/vms/web/web.vmx",
    outputDir: "/out",
    diskFormat: "qcow2",
    virtio: false,
    kvm: true,
    firmware: FIRMWARE,
    files: fakeHost(["/vms/web/web.vmdk", "/vms/web/data.vmdk", "/isos/inst.iso"]),
    ...over,
  };
}

const VMX = [
  '.encoding = "UTF-8"',
  'config.version = "8"',
  'virtualHW.version = "19"',
  'displayName = "web"',
  'uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae b5 f8 9e 12 80"',
  'guestOS = "debian11-64"',
  'memsize = "1024"',
  'numvcpus = "2"',
  'cpuid.coresPerSocket = "2"',
  'vmci0.present = "TRUE"',
  'scsi0.present = "TRUE"',
  'scsi0.virtualDev = "pvscsi"',
  'scsi0:0.present = "TRUE"',
  'scsi0:0.fileName = "web.vmdk"',
  'scsi1.present = "TRUE"',
  'scsi1.virtualDev = "lsisas1068"',
  'scsi1:2.present = "TRUE"',
  'scsi1:2.fileName = "data.vmdk"',
  'scsi1:2.writeThrough = "TRUE"',
  'ide1:0.present = "TRUE"',
  'ide1:0.deviceType = "cdrom-image"',
  'ide1:0.fileName = "/isos/inst.iso"',
  'floppy0.present = "TRUE"',
  'floppy0.fileType = "file"',
  'floppy0.fileName = "boot.flp"',
  'ethernet0.present = "TRUE"',
  'ethernet0.virtualDev = "vmxnet3"',
  'ethernet0.connectionType = "nat"',
  'ethernet0.addressType = "generated"',
  'ethernet0.generatedAddress = "00:0c:29:9e:12:80"',
  'ethernet2.present = "TRUE"',
  'ethernet2.virtualDev = "e1000e"',
  'ethernet2.networkName = "VM Network"',
  'ethernet2.addressType = "static"',
  'ethernet2.address = "00:50:56:01:02:03"',
  'serial0.present = "TRUE"',
  'serial0.fileType = "file"',
  'serial0.fileName = "serial.log"',
  'serial1.present = "TRUE"',
  'serial1.fileType = "device"',
  'serial1.fileName = "/dev/ttyS0"',
  'svga.vramSize = "8388608"',
  'bios.bootOrder = "cdrom,hdd"',
  "",
].join("\n");

Deno.test("plan: a VMware guest becomes a KVM domain with QEMU's devices", () => {
  const plan = planVmxImport(VMX, options());
  assertEquals(plan.name, "web");
  assertEquals(
    plan.xml,
    `<domain type='kvm'>
  <name>web</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aeb5f89e1280</uuid>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu>
    <topology sockets='1' dies='1' cores='2' threads='1'/>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/out/web.qcow2'/>
      <target dev='sda' bus='sata'/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='writethrough'/>
      <source file='/out/data.qcow2'/>
      <target dev='sdb' bus='sata'/>
      <address type='drive' controller='0' bus='0' target='0' unit='1'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/isos/inst.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
    <controller type='ide' index='0'/>
    <controller type='sata' index='0'/>
    <interface type='user'>
      <mac address='00:0c:29:9e:12:80'/>
      <model type='e1000'/>
    </interface>
    <interface type='network'>
      <mac address='00:50:56:01:02:03'/>
      <source network='default'/>
      <model type='e1000e'/>
    </interface>
    <serial type='file'>
      <source path='/vms/web/serial.log'/>
      <target port='0'/>
    </serial>
    <serial type='pty'>
      <target port='1'/>
    </serial>
    <console type='file'>
      <source path='/vms/web/serial.log'/>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='-1' autoport='yes'>
      <listen type='address'/>
    </graphics>
    <video>
      <model type='vga' vram='16384' heads='1' primary='yes'/>
    </video>
  </devices>
</domain>
`,
  );
  assertEquals(plan.conversions, [
    {
      dst: "sda",
      source: "/vms/web/web.vmdk",
      sourceFiles: ["/vms/web/web.vmdk"],
      target: "/out/web.qcow2",
      format: "qcow2",
    },
    {
      dst: "sdb",
      source: "/vms/web/data.vmdk",
      sourceFiles: ["/vms/web/data.vmdk"],
      target: "/out/data.qcow2",
      format: "qcow2",
    },
  ]);
  assertEquals(plan.copies, []);
  assertEquals(plan.warnings, [
    "vmci0: the VMware VMCI device has no QEMU equivalent; dropped",
    "image '/vms/web/boot.flp' does not exist: its drive is left empty",
    "floppy0: floppy drives are not supported by the QEMU driver; dropped",
    "scsi0: the VMware 'vmpvscsi' SCSI controller is replaced by SATA (AHCI)",
    "scsi1: the VMware 'lsisas1068' SCSI controller is replaced by SATA (AHCI)",
    "ethernet0: the VMware 'vmxnet3' network card is replaced by e1000",
    "ethernet2: port group 'VM Network' has no equivalent here; the card is attached to network 'default'",
    "serial1: the 'dev' backend is not carried over; the port is a pty",
    "svga: the VMware 'vmvga' video adapter is replaced by 'vga'",
  ]);
  assertEquals(qemuImgConvertArgs(plan.conversions[0]), [
    "convert",
    "-p",
    "-f",
    "vmdk",
    "-O",
    "qcow2",
    "/vms/web/web.vmdk",
    "/out/web.qcow2",
  ]);
});

Deno.test("plan --virtio, raw images, no KVM: virtio-scsi, virtio NICs and video, type='qemu'", () => {
  const plan = planVmxImport(VMX, options({ virtio: true, diskFormat: "raw", kvm: false }));
  const xml = plan.xml;
  assertMatch(xml, /^<domain type='qemu'>/);
  assertMatch(
    xml,
    /<driver name='qemu' type='raw'\/>\n {6}<source file='\/out\/web.img'\/>\n {6}<target dev='sda' bus='scsi'\/>\n {6}<address type='drive' controller='0' bus='0' target='0' unit='0'\/>/,
  );
  assertMatch(
    xml,
    /<target dev='sdb' bus='scsi'\/>\n {6}<address type='drive' controller='0' bus='0' target='0' unit='1'\/>/,
  );
  assertMatch(xml, /<controller type='scsi' index='0' model='virtio-scsi'\/>/);
  assertEquals(xml.match(/<model type='virtio'\/>/g)?.length, 2);
  assertMatch(xml, /<model type='virtio' heads='1' primary='yes'\/>/);
  assert(
    plan.warnings.includes(
      "scsi1: the VMware 'lsisas1068' SCSI controller is replaced by virtio-scsi",
    ),
  );
  assert(
    plan.warnings.includes("ethernet0: the VMware 'vmxnet3' network card is replaced by virtio"),
  );
  assertEquals(plan.conversions.map((c) => [c.target, c.format]), [
    ["/out/web.img", "raw"],
    ["/out/data.img", "raw"],
  ]);
});

const EFI_VMX = [
  'config.version = "8"',
  'virtualHW.version = "14"',
  'displayName = "win/11"',
  'firmware = "efi"',
  'ide0:0.present = "TRUE"',
  'ide0:0.fileName = "win.vmdk"',
  "",
].join("\n");

Deno.test("plan: UEFI guests get OVMF; Secure Boot takes Q35, SMM and enrolled keys", () => {
  const files = fakeHost(["/vms/web/win.vmdk"]);
  const plain = planVmxImport(
    EFI_VMX,
    options({ files, uuid: "11111111-2222-3333-4444-555555555555" }),
  );
  assertEquals(plain.name, "win_11");
  assertMatch(plain.xml, /<uuid>11111111-2222-3333-4444-555555555555<\/uuid>/);
  assertMatch(
    plain.xml,
    /<type arch='i686' machine='pc'>hvm<\/type>\n {4}<loader readonly='yes' type='pflash'>\/fw\/CODE.fd<\/loader>\n {4}<nvram template='\/fw\/VARS.fd'>\/out\/win_11_VARS.fd<\/nvram>/,
  );
  assertMatch(plain.xml, /<target dev='hda' bus='ide'\/>/);
  assertEquals(plain.copies, [{ source: "/fw/VARS.fd", target: "/out/win_11_VARS.fd" }]);
  assertEquals(plain.warnings, [
    "displayName: 'win/11' holds '/'; the domain is named 'win_11'",
    // Every VMware guest has an SVGA adapter, whether the VMX mentions it or not.
    "svga: the VMware 'vmvga' video adapter is replaced by 'vga'",
  ]);

  const secureVmx = EFI_VMX + 'uefi.secureBoot.enabled = "TRUE"\n';
  const secure = planVmxImport(secureVmx, options({ files }));
  assertMatch(secure.xml, /<type arch='i686' machine='q35'>hvm<\/type>/);
  assertMatch(
    secure.xml,
    /<loader readonly='yes' secure='yes' type='pflash'>\/fw\/CODE.secboot.fd<\/loader>/,
  );
  assertMatch(secure.xml, /<nvram template='\/fw\/VARS.ms.fd'>/);
  assertMatch(secure.xml, /<smm state='on'\/>/);
  assertMatch(secure.xml, /<target dev='sda' bus='sata'\/>/);
  assert(
    secure.warnings.includes(
      "ide0:0: IDE is not available on a Q35 machine; the drive moves to SATA",
    ),
  );

  const noSecure = planVmxImport(secureVmx, options({ files, firmware: [FIRMWARE[1]] }));
  assertMatch(noSecure.xml, /machine='pc'/);
  assert(
    noSecure.warnings.some((w) => /^uefi\.secureBoot\.enabled: no Secure Boot firmware/.test(w)),
  );

  assertThrows(
    () => planVmxImport(EFI_VMX, options({ files, firmware: [] })),
    /VMX entry 'firmware' \(line 4\): the guest boots with UEFI but no UEFI firmware for x86_64 is installed/,
  );
});

Deno.test("plan: split and snapshot VMDKs list every file; a missing one is named", () => {
  const vmx = VMX.replace('"data.vmdk"', '"data-000001.vmdk"');
  const descriptors = {
    "/vms/web/data-000001.vmdk": [
      "# Disk DescriptorFile",
      'parentFileNameHint="data.vmdk"',
      'RW 4194304 VMFSSPARSE "data-000001-delta.vmdk"',
    ].join("\n"),
    "/vms/web/data.vmdk": [
      "# Disk DescriptorFile",
      'createType="twoGbMaxExtentSparse"',
      'RW 4194304 SPARSE "data-s001.vmdk"',
      'RW 2097152 SPARSE "data-s002.vmdk"',
      "RW 100 ZERO",
    ].join("\n"),
  };
  const files = [
    "/vms/web/web.vmdk",
    "/isos/inst.iso",
    "/vms/web/data-000001-delta.vmdk",
    "/vms/web/data-s001.vmdk",
    "/vms/web/data-s002.vmdk",
  ];
  const plan = planVmxImport(vmx, options({ files: fakeHost(files, descriptors) }));
  assertEquals(plan.conversions[1].source, "/vms/web/data-000001.vmdk");
  assertEquals(plan.conversions[1].target, "/out/data-000001.qcow2");
  assertEquals(plan.conversions[1].sourceFiles, [
    "/vms/web/data-000001.vmdk",
    "/vms/web/data-000001-delta.vmdk",
    "/vms/web/data.vmdk",
    "/vms/web/data-s001.vmdk",
    "/vms/web/data-s002.vmdk",
  ]);
  assertThrows(
    () =>
      planVmxImport(
        vmx,
        options({ files: fakeHost(files.filter((f) => !f.endsWith("s002.vmdk")), descriptors) }),
      ),
    /VMX entry 'scsi1:2.fileName' \(line 18\): disk image '\/vms\/web\/data.vmdk' lists extent 'data-s002.vmdk', which does not exist/,
  );
  const orphan = { "/vms/web/data-000001.vmdk": descriptors["/vms/web/data-000001.vmdk"] };
  assertThrows(
    () => planVmxImport(vmx, options({ files: fakeHost(files, orphan) })),
    /disk image '\/vms\/web\/data-000001.vmdk' names parent 'data.vmdk', which does not exist/,
  );
});

Deno.test("plan: image names stay unique, existing files are never overwritten", () => {
  const vmx = VMX.replace('"data.vmdk"', '"/vmfs/volumes/ds2/web/web.vmdk"');
  const files = ["/vms/web/web.vmdk", "/srv/ds2/web/web.vmdk", "/isos/inst.iso"];
  const ds = new Map([["ds2", "/srv/ds2"]]);
  const plan = planVmxImport(vmx, options({ files: fakeHost(files), datastores: ds }));
  assertEquals(plan.conversions.map((c) => [c.source, c.target]), [
    ["/vms/web/web.vmdk", "/out/web.qcow2"],
    ["/srv/ds2/web/web.vmdk", "/out/web-1.qcow2"],
  ]);
  assertThrows(
    () =>
      planVmxImport(
        vmx,
        options({ files: fakeHost([...files, "/out/web-1.qcow2"]), datastores: ds }),
      ),
    /'\/out\/web-1.qcow2' already exists; remove it or choose another output folder/,
  );
  assertThrows(
    () => planVmxImport(vmx, options({ files: fakeHost(files) })),
    /VMX entry 'scsi1:2.fileName' \(line 18\): file '\/vmfs\/volumes\/ds2\/web\/web.vmdk' is on datastore 'ds2', which has no local folder: map it with --datastore ds2=DIR/,
  );
});

Deno.test("plan: rejected VMX files name the line, key or file", () => {
  const base = 'config.version = "8"\nvirtualHW.version = "14"\ndisplayName = "x"\n';
  const disk = (name: string) =>
    `scsi0.present = "TRUE"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "${name}"\n`;
  const cases: [string, RegExp][] = [
    [base + "garbage here\n", /^VMX line 4 is not a 'name = "value"' entry: "garbage here"$/],
    [
      base + 'DisplayName = "y"\n',
      /^VMX entry 'DisplayName' on line 4 repeats 'displayName' from line 3$/,
    ],
    [
      base.replace('"14"', '"99"'),
      /^VMX entry 'virtualHW.version' \(line 2\): unknown virtual hardware version '99'/,
    ],
    [base.replace('"14"', '"5"'), /unknown virtual hardware version '5'/],
    [base.replace('"14"', '"fourteen"'), /unknown virtual hardware version 'fourteen'/],
    [
      base + disk("sub/web.vmdk"),
      /^VMX entry 'scsi0:0.fileName' \(line 6\): file name 'sub\/web.vmdk' is a relative path with a folder/,
    ],
    [
      base + disk("gone.vmdk"),
      /^VMX entry 'scsi0:0.fileName' \(line 6\): disk image '\/vms\/web\/gone.vmdk' does not exist$/,
    ],
    [
      base.replace('virtualHW.version = "14"\n', ""),
      /missing essential VMX entry 'virtualHW.version'/,
    ],
  ];
  for (const [vmx, re] of cases) {
    assertThrows(() => planVmxImport(vmx, options()), (e: Error) => {
      assertMatch(e.message, re);
      return true;
    });
  }
});

// ---- progress ---------------------------------------------------------------

Deno.test("qemu-img progress is read from its -p output; the display draws a bar or lines", () => {
  assertEquals(parseQemuImgProgress("    (0.00/100%)\r    (12.50/100%)\r    (100.00/100%)\r\n"), [
    0,
    12.5,
    100,
  ]);
  assertEquals(parseQemuImgProgress("no progress here"), []);
  assertEquals(renderBar(50, 10), "[#####.....]  50%");
  assertEquals(renderBar(100, 4), "[####] 100%");
  assertEquals(renderBar(-3, 4), "[....]   0%");

  const lines: string[] = [];
  const plain = new ProgressBar("disk 1/1 a.qcow2", false, (t) => lines.push(t));
  for (const p of [0, 3, 9.9, 10, 55, 56]) plain.update(p);
  plain.finish();
  assertEquals(
    lines.join(""),
    "disk 1/1 a.qcow2: 0%\ndisk 1/1 a.qcow2: 10%\ndisk 1/1 a.qcow2: 50%\ndisk 1/1 a.qcow2: 100%\n",
  );

  const drawn: string[] = [];
  const bar = new ProgressBar("d", true, (t) => drawn.push(t));
  bar.update(25);
  bar.finish();
  assertMatch(drawn[0], /^\rd \[#+\.+\] {2}25%$/);
  assertMatch(drawn[1], /^\rd \[#+\] 100%$/);
  assertEquals(drawn[2], "\n");
});

Deno.test("firmware descriptors: x86_64 UEFI builds in file-name order, /etc first", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vk-fw-" });
  try {
    const desc = (code: string, features: string[], machines = ["pc-q35-*"]) =>
      JSON.stringify({
        "interface-types": ["uefi"],
        mapping: {
          device: "flash",
          executable: { filename: code, format: "raw" },
          "nvram-template": { filename: code + ".vars", format: "raw" },
        },
        targets: [{ architecture: "x86_64", machines }],
        features,
      });
    await Deno.mkdir(`${tmp}/etc`);
    await Deno.mkdir(`${tmp}/usr`);
    await Deno.writeTextFile(
      `${tmp}/usr/50-secure.json`,
      desc("/a", ["secure-boot", "requires-smm"]),
    );
    await Deno.writeTextFile(`${tmp}/usr/60-plain.json`, desc("/b", [], ["pc-i440fx-*"]));
    await Deno.writeTextFile(`${tmp}/etc/60-plain.json`, desc("/c", []));
    await Deno.writeTextFile(
      `${tmp}/usr/70-bios.json`,
      JSON.stringify({ "interface-types": ["bios"] }),
    );
    await Deno.writeTextFile(`${tmp}/usr/80-broken.json`, "{");
    const fw = await loadUefiFirmware([`${tmp}/etc`, `${tmp}/usr`, `${tmp}/none`]);
    assertEquals(fw.map((f) => [f.code, f.varsTemplate, f.secureBoot, f.requiresSmm, f.machines]), [
      ["/a", "/a.vars", true, true, ["pc-q35-*"]],
      ["/c", "/c.vars", false, false, ["pc-q35-*"]],
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

// ---- whole runs on real VMDKs -----------------------------------------------

const noQemuImg = skipUnless(hasCommand("qemu-img"), "qemu-img is not installed");
const noQemu = skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed");
const noOvmf = skipUnless(
  (await loadUefiFirmware()).some((f) => f.machines.some((m) => m.startsWith("pc-i440fx"))),
  "no UEFI firmware for i440fx (install ovmf)",
);

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

async function cli(args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { VIRTKIT_DEFAULT_URI: "test:///default" },
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** A VMware guest folder: web.vmdk (monolithic sparse, 64 MiB), data.vmdk (split, 3 GiB), the VMX. */
async function makeGuest(dir: string, extra = ""): Promise<string> {
  await run("qemu-img", "create", "-q", "-f", "vmdk", `${dir}/web.vmdk`, "64M");
  await run(
    "qemu-img",
    "create",
    "-q",
    "-f",
    "vmdk",
    "-o",
    "subformat=twoGbMaxExtentSparse",
    `${dir}/data.vmdk`,
    "3G",
  );
  const vmx = `${dir}/web.vmx`;
  await Deno.writeTextFile(
    vmx,
    [
      'config.version = "8"',
      'virtualHW.version = "19"',
      'displayName = "vk-import-web"',
      'uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae b5 f8 9e 12 80"',
      'guestOS = "debian11-64"',
      'memsize = "128"',
      'firmware = "efi"',
      'scsi0.present = "TRUE"',
      'scsi0.virtualDev = "pvscsi"',
      'scsi0:0.present = "TRUE"',
      'scsi0:0.fileName = "web.vmdk"',
      'sata0.present = "TRUE"',
      'sata0:1.present = "TRUE"',
      'sata0:1.fileName = "data.vmdk"',
      'ethernet0.present = "TRUE"',
      'ethernet0.virtualDev = "vmxnet3"',
      'ethernet0.connectionType = "nat"',
      'ethernet0.addressType = "generated"',
      'ethernet0.generatedAddress = "00:0c:29:9e:12:80"',
      'svga.vramSize = "8388608"',
      extra,
    ].join("\n"),
  );
  return vmx;
}

Deno.test({
  name: "import-vmx --dry-run prints the plan and writes nothing",
  ignore: noQemuImg || noOvmf,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "vk-import-" });
    try {
      const vmx = await makeGuest(tmp);
      const before = [...Deno.readDirSync(tmp)].map((e) => e.name).sort();
      const r = await cli(["--json", "import-vmx", vmx, "--dry-run", "--output-dir", `${tmp}/out`]);
      assertEquals(r.code, 0, r.stderr);
      const plan = JSON.parse(r.stdout);
      assertEquals(plan.result, "planned");
      assertEquals(plan.domain, "vk-import-web");
      assertEquals(
        plan.conversions.map((c: { source: string; target: string }) => [c.source, c.target]),
        [
          [`${tmp}/web.vmdk`, `${tmp}/out/web.qcow2`],
          [`${tmp}/data.vmdk`, `${tmp}/out/data.qcow2`],
        ],
      );
      assertEquals(plan.conversions[1].sourceFiles, [
        `${tmp}/data.vmdk`,
        `${tmp}/data-s001.vmdk`,
        `${tmp}/data-s002.vmdk`,
      ]);
      assertEquals(plan.copies.length, 1);
      assertEquals(plan.copies[0].target, `${tmp}/out/vk-import-web_VARS.fd`);
      assertMatch(
        r.stderr,
        /^warning: scsi0: the VMware 'vmpvscsi' SCSI controller is replaced by SATA \(AHCI\)$/m,
      );
      assertMatch(
        r.stderr,
        /^warning: ethernet0: the VMware 'vmxnet3' network card is replaced by e1000$/m,
      );

      const text = await cli(["import-vmx", vmx, "--dry-run", "--output-dir", `${tmp}/out`]);
      assertEquals(text.code, 0, text.stderr);
      assert(text.stdout.startsWith(plan.xml), text.stdout);
      assertMatch(
        text.stdout,
        new RegExp(
          `\nPlanned steps:\n  qemu-img convert -p -f vmdk -O qcow2 ${tmp}/web.vmdk ${tmp}/out/web.qcow2\n  qemu-img convert -p -f vmdk -O qcow2 ${tmp}/data.vmdk ${tmp}/out/data.qcow2\n  cp \\S+ ${tmp}/out/vk-import-web_VARS.fd\n`,
        ),
      );
      assertEquals([...Deno.readDirSync(tmp)].map((e) => e.name).sort(), before);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "import-vmx rejects bad VMX files through the CLI, naming the key or the file",
  ignore: noQemuImg,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "vk-import-" });
    try {
      const vmx = await makeGuest(tmp);
      const good = await Deno.readTextFile(vmx);
      const variants: [string, string, RegExp][] = [
        [
          "garbage",
          good + "not a vmx line\n",
          /^error: VMX line 21 is not a 'name = "value"' entry: "not a vmx line"$/,
        ],
        [
          "duplicate",
          good + 'MEMSIZE = "256"\n',
          /^error: VMX entry 'MEMSIZE' on line 21 repeats 'memsize' from line 6$/,
        ],
        [
          "hardware",
          good.replace('virtualHW.version = "19"', 'virtualHW.version = "42"'),
          /^error: unsupported configuration: VMX entry 'virtualHW.version' \(line 2\): unknown virtual hardware version '42'/,
        ],
        [
          "relative",
          good.replace('"web.vmdk"', '"disks/web.vmdk"'),
          /^error: unsupported configuration: VMX entry 'scsi0:0.fileName' \(line 11\): file name 'disks\/web.vmdk' is a relative path with a folder/,
        ],
        [
          "missing",
          good.replace('"data.vmdk"', '"gone.vmdk"'),
          new RegExp(
            `^error: unsupported configuration: VMX entry 'sata0:1.fileName' \\(line 14\\): disk image '${tmp}/gone.vmdk' does not exist$`,
          ),
        ],
      ];
      for (const [name, text, re] of variants) {
        await Deno.writeTextFile(`${tmp}/${name}.vmx`, text);
        const r = await cli(["import-vmx", `${tmp}/${name}.vmx`, "--output-dir", `${tmp}/out`]);
        assertEquals(r.code, 1, `${name}: ${r.stdout}`);
        assertMatch(r.stderr.trimEnd(), re, name);
      }
      // A missing extent of the split disk is named too.
      await Deno.rename(`${tmp}/data-s002.vmdk`, `${tmp}/moved.vmdk`);
      const r = await cli(["import-vmx", vmx, "--dry-run"]);
      assertMatch(
        r.stderr,
        /disk image '.*\/data.vmdk' lists extent 'data-s002.vmdk', which does not exist/,
      );
      const bad = await cli(["import-vmx", vmx, "--disk-format", "vdi"]);
      assertEquals(bad.stderr, "error: unknown disk format 'vdi', expecting 'qcow2' or 'raw'\n");
      assertEquals([...Deno.readDirSync(tmp)].some((e) => e.name === "out"), false);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "import-vmx converts the disks, defines the domain, and QEMU starts it",
  ignore: noQemuImg || noQemu || noOvmf,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "vk-import-" });
    try {
      const vmx = await makeGuest(tmp);
      const out = `${tmp}/out`;
      const uri = `qemu:///embed?root=${tmp}/root`;
      // One process: import, then read the definition back from the same connection.
      const r = await cli([
        "--json",
        "-c",
        uri,
        `import-vmx ${vmx} --output-dir ${out}; dumpxml vk-import-web --inactive`,
      ]);
      assertEquals(r.code, 0, r.stderr);
      const [result, dump] = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assertEquals(result, {
        domain: "vk-import-web",
        result: "imported",
        disks: [`${out}/web.qcow2`, `${out}/data.qcow2`],
      });
      // Progress goes to stderr as plain lines when it is not a terminal.
      assertMatch(r.stderr, /^disk 1\/2 web\.qcow2: 0%$/m);
      assertMatch(r.stderr, /^disk 2\/2 data\.qcow2: 100%$/m);
      const xml: string = dump.xml;
      assertMatch(xml, /<source file='.*\/out\/web.qcow2'\/>/);
      assertMatch(xml, /<loader readonly='yes' type='pflash'>/);

      for (
        const [name, size] of [["web", 64 * 1024 * 1024], ["data", 3 * 1024 * 1024 * 1024]] as const
      ) {
        const info = JSON.parse(
          await run("qemu-img", "info", "--output=json", `${out}/${name}.qcow2`),
        );
        assertEquals([info.format, info["virtual-size"]], ["qcow2", size]);
      }
      assert(Deno.statSync(`${out}/vk-import-web_VARS.fd`).isFile);
      assertEquals([...Deno.readDirSync(out)].filter((e) => e.name.endsWith(".part")), []);

      // QEMU starts the imported guest (paused: no OS on the blank disks) with the
      // converted disks and OVMF's code and variable store attached.
      const s = await cli([
        "-c",
        uri,
        `start vk-import-web --paused; domstate vk-import-web; qemu-monitor-command vk-import-web '{"execute":"query-block"}'`,
      ]);
      try {
        assertEquals(s.code, 0, s.stderr);
        assertMatch(s.stdout, /^paused$/m);
        const loader = /<loader [^>]*>([^<]+)<\/loader>/.exec(xml)![1];
        for (
          const image of [
            `${out}/web.qcow2`,
            `${out}/data.qcow2`,
            `${out}/vk-import-web_VARS.fd`,
            loader,
          ]
        ) {
          assert(s.stdout.includes(`"file":"${image}"`), `${image} not attached: ${s.stdout}`);
        }
      } finally {
        const d = await cli(["-c", uri, "destroy vk-import-web; undefine vk-import-web --nvram"]);
        assertEquals(d.code, 0, d.stderr);
      }

      // Importing again finds the images in the way and leaves them alone.
      const again = await cli(["import-vmx", vmx, "--output-dir", out]);
      assertEquals(again.code, 1);
      assertMatch(again.stderr, /already exists; remove it or choose another output folder/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "import-vmx checks the connection and the name before converting anything",
  ignore: noQemuImg || noOvmf,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "vk-import-" });
    try {
      const vmx = await makeGuest(tmp);
      // The test host already has a domain named 'test': the import refuses before converting.
      await Deno.writeTextFile(
        vmx,
        (await Deno.readTextFile(vmx)).replace('"vk-import-web"', '"test"'),
      );
      const taken = await cli([
        "-c",
        "test:///default",
        "import-vmx",
        vmx,
        "--output-dir",
        `${tmp}/out`,
      ]);
      assertEquals(taken.code, 1);
      assertMatch(taken.stderr, /^error: domain 'test' already exists on test:\/\/\/default$/m);
      assertEquals([...Deno.readDirSync(tmp)].some((e) => e.name === "out"), false);

      // A connection that cannot be opened fails before anything is written.
      const noConn = await cli([
        "import-vmx",
        vmx,
        "--connect",
        "bogus:///x",
        "--output-dir",
        `${tmp}/out`,
      ]);
      assertEquals(noConn.code, 1);
      assertMatch(noConn.stderr, /^error: failed to connect to the hypervisor: /m);
      assertEquals([...Deno.readDirSync(tmp)].some((e) => e.name === "out"), false);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "a failed conversion removes every file the import wrote",
  ignore: noQemuImg,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "vk-import-" });
    try {
      await run("qemu-img", "create", "-q", "-f", "vmdk", `${tmp}/good.vmdk`, "16M");
      await Deno.writeTextFile(`${tmp}/bad.vmdk`, "this is not a VMDK image");
      await Deno.writeTextFile(`${tmp}/VARS.fd`, "vars");
      const out = `${tmp}/out`;
      const conv = (name: string, dst: string) => ({
        dst,
        source: `${tmp}/${name}.vmdk`,
        sourceFiles: [`${tmp}/${name}.vmdk`],
        target: `${out}/${name}.qcow2`,
        format: "qcow2" as const,
      });
      const plan = {
        name: "x",
        xml: "",
        conversions: [conv("good", "sda"), conv("bad", "sdb")],
        copies: [{ source: `${tmp}/VARS.fd`, target: `${out}/x_VARS.fd` }],
        warnings: [],
      };
      const seen: string[] = [];
      await assertRejects(
        () =>
          executeVmxImport(plan, {
            progress: {
              start: (c) => seen.push(`start ${c.dst}`),
              done: (c) => seen.push(`done ${c.dst}`),
            },
          }),
        (e: Error) => {
          assertMatch(e.message, new RegExp(`^qemu-img could not convert '${tmp}/bad.vmdk': .+`));
          return true;
        },
      );
      assertEquals(seen, ["start sda", "done sda", "start sdb"]);
      assertEquals([...Deno.readDirSync(out)], []);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
