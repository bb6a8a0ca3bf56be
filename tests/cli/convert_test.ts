/**
 * The converter commands through whole runs of `main.ts`:
 * `domxml-from-native` and `domxml-to-native` for `vmware-vmx` and
 * `lxc-tools` (libvirt's conformance cases byte for byte, datastore
 * mappings both ways, warnings on stderr, JSON), their errors (one `error:`
 * line, exit status 1), and the offline file-name contexts on their own.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { parseOptions } from "../../src/cli/parse.ts";
import { findCommand } from "../../src/cli/commands.ts";
import {
  offlineReadContext,
  offlineWriteContext,
  parseDatastoreMappings,
} from "../../drivers/vmx/local-files.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFORMANCE = "/work/shared/conformance";

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

async function cli(args: string[], cwd?: string): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd,
    env: { VIRTKIT_DEFAULT_URI: "test:///default" },
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

/** Expects one `error:` line matching `re` and exit status 1. */
function assertFails(r: Run, re: RegExp): void {
  assertEquals(r.code, 1, `expected failure, got stdout ${r.stdout}`);
  const lines = r.stderr.trimEnd().split("\n").filter((l) => l.startsWith("error:"));
  assertEquals(lines.length, 1, r.stderr);
  assertMatch(lines[0], re);
}

function manifest(suite: string): { name: string; expect: string; [k: string]: unknown }[] {
  return JSON.parse(Deno.readTextFileSync(`${CONFORMANCE}/${suite}/manifest.json`)).cases;
}

Deno.test("domxml-from-native vmware-vmx: libvirt's vmx2xml cases, with the datastore mapped", async () => {
  // The cases expect a bare file name to be `[datastore] directory/NAME`: a
  // VMX file in TMP/directory with --datastore datastore=TMP is exactly that.
  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    await Deno.mkdir(`${tmp}/directory`);
    const cases = manifest("vmx2xml").filter((c) => c.expect === "ok" && !c.datacenterPath)
      .map((c) => c.name)
      .filter((n) => !/missing/i.test(Deno.readTextFileSync(`${CONFORMANCE}/vmx2xml/${n}.vmx`)));
    assert(cases.length >= 40, `only ${cases.length} cases`);
    const script = cases.map((n) => {
      Deno.copyFileSync(`${CONFORMANCE}/vmx2xml/${n}.vmx`, `${tmp}/directory/${n}.vmx`);
      return `domxml-from-native vmware-vmx directory/${n}.vmx --datastore datastore=${tmp}`;
    }).join("\n");
    // One process runs every case (relative paths resolve against its folder).
    const r = await cli(["-q", script], tmp);
    assertEquals(r.stderr, "");
    assertEquals(r.code, 0);
    const expected = cases.map((n) => {
      const xml = Deno.readTextFileSync(`${CONFORMANCE}/vmx2xml/${n}.xml`);
      // Like virsh, the output leaves out passwords (libvirt formats without the secure flag).
      return n === "graphics-vnc" ? xml.replace(" passwd='password'", "") : xml;
    });
    assertEquals(r.stdout, expected.join(""));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("domxml-from-native vmware-vmx: /vmfs paths, bare names beside the file, no mapping", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    const vmx = `${tmp}/vm.vmx`;
    await Deno.writeTextFile(
      vmx,
      [
        'config.version = "8"',
        'virtualHW.version = "7"',
        'displayName = "vm1"',
        'scsi0.present = "true"',
        'scsi0:0.present = "true"',
        'scsi0:0.fileName = "vm1.vmdk"',
        'scsi0:1.present = "true"',
        'scsi0:1.fileName = "/vmfs/volumes/ds2/other/data.vmdk"',
        "",
      ].join("\n"),
    );
    const r = await cli(["-q", "domxml-from-native", "vmware-vmx", vmx]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, new RegExp(`<source file='${tmp}/vm1.vmdk'/>`));
    assertMatch(r.stdout, /<source file='\[ds2\] other\/data.vmdk'\/>/);
    const json = await cli(["--json", "domxml-from-native", "vmware-vmx", vmx]);
    assertEquals(JSON.parse(json.stdout).xml, r.stdout);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("domxml-to-native vmware-vmx: libvirt's xml2vmx output and datastore folders", async () => {
  const name = "serial-network-server"; // written for hardware version 7, the command's
  const r = await cli([
    "-q",
    "domxml-to-native",
    "vmware-vmx",
    `${CONFORMANCE}/xml2vmx/${name}.xml`,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout, Deno.readTextFileSync(`${CONFORMANCE}/xml2vmx/${name}.vmx`));

  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    const xml = `<domain type='vmware'>
  <name>vm2</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aeb5f89e1280</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/srv/ds1/vm2/vm2.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='[ds3] vm2/b.vmdk'/>
      <target dev='sdb' bus='scsi'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/isos/x.iso'/>
      <target dev='hda' bus='ide'/>
    </disk>
  </devices>
</domain>
`;
    await Deno.writeTextFile(`${tmp}/vm2.xml`, xml);
    const out = await cli([
      "-q",
      "domxml-to-native",
      "vmware-vmx",
      `${tmp}/vm2.xml`,
      "--datastore=ds1=/srv/ds1/",
      "--datastore",
      "ds9=/elsewhere",
    ]);
    assertEquals(out.code, 0, out.stderr);
    assertMatch(out.stdout, /^scsi0:0\.fileName = "\/vmfs\/volumes\/ds1\/vm2\/vm2\.vmdk"$/m);
    assertMatch(out.stdout, /^scsi0:1\.fileName = "\/vmfs\/volumes\/ds3\/vm2\/b\.vmdk"$/m);
    assertMatch(out.stdout, /^ide0:0\.fileName = "\/isos\/x\.iso"$/m);
    assertMatch(out.stdout, /^virtualHW\.version = "7"$/m);

    // And back: the local copy of ds1 reads as datastore paths again.
    await Deno.mkdir(`${tmp}/ds1/vm2`, { recursive: true });
    await Deno.writeTextFile(`${tmp}/ds1/vm2/vm2.vmx`, out.stdout);
    const back = await cli([
      "-q",
      "domxml-from-native",
      "vmware-vmx",
      `${tmp}/ds1/vm2/vm2.vmx`,
      "--datastore",
      `ds1=${tmp}/ds1`,
    ]);
    assertEquals(back.code, 0, back.stderr);
    assertMatch(back.stdout, /<source file='\[ds1\] vm2\/vm2.vmdk'\/>/);
    assertMatch(back.stdout, /<source file='\[ds3\] vm2\/b.vmdk'\/>/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("domxml-to-native vmware-vmx --domain reads a defined domain", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    await Deno.writeTextFile(
      `${tmp}/vm3.xml`,
      "<domain type='vmware'><name>vm3</name><uuid>564d9bef-acd9-b4e0-c8f0-aeb5f89e1281</uuid>" +
        "<memory unit='KiB'>65536</memory><os><type arch='i686'>hvm</type></os></domain>",
    );
    const r = await cli([
      "-q",
      `define ${tmp}/vm3.xml; domxml-to-native vmware-vmx --domain vm3`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^displayName = "vm3"$/m);
    assertMatch(r.stdout, /^uuid\.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae b5 f8 9e 12 81"$/m);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("domxml-from-native lxc-tools: libvirt's lxcconf2xml cases (legacy and 3.x keys)", async () => {
  const cases = manifest("lxcconf2xml").filter((c) => c.expect === "ok");
  assert(cases.length > 5);
  for (const c of cases) {
    const want = Deno.readTextFileSync(`${CONFORMANCE}/lxcconf2xml/${c.name}.xml`);
    for (const config of c.configs as string[]) {
      const r = await cli([
        "-q",
        "domxml-from-native",
        "lxc-tools",
        `${CONFORMANCE}/lxcconf2xml/${config}`,
      ]);
      assertEquals(r.code, 0, `${config}: ${r.stderr}`);
      // A config carries no UUID: the command makes a random one.
      const uuid = /<uuid>([0-9a-f-]{36})<\/uuid>/.exec(r.stdout);
      assert(uuid, r.stdout);
      assertEquals(r.stdout.replace(uuid[1], c.uuid as string), want, config);
      for (const line of r.stderr.split("\n").filter(Boolean)) assertMatch(line, /^warning: /);
    }
  }
});

Deno.test("lxc-tools both ways: warnings on stderr, the round trip keeps the domain", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    await Deno.writeTextFile(
      `${tmp}/config`,
      [
        "lxc.uts.name = web",
        "lxc.rootfs.path = /srv/web",
        "lxc.autodev = 1",
        "lxc.net.0.type = veth",
        "lxc.net.0.link = br0",
        "lxc.net.0.flags = up",
        "lxc.net.0.hwaddr = 52:54:00:aa:bb:cc",
        "",
      ].join("\n"),
    );
    const from = await cli(["-q", "domxml-from-native", "lxc-tools", `${tmp}/config`]);
    assertEquals(from.code, 0, from.stderr);
    assertEquals(
      from.stderr,
      "warning: line 3 (lxc.autodev): no domain equivalent; not converted\n",
    );
    await Deno.writeTextFile(`${tmp}/web.xml`, from.stdout);
    const to = await cli(["-q", "domxml-to-native", "lxc-tools", `${tmp}/web.xml`]);
    assertEquals(to.code, 0, to.stderr);
    assertEquals(to.stderr, "");
    assertEquals(
      to.stdout,
      [
        "# Container 'web', written by virtkit from its domain XML",
        "lxc.uts.name = web",
        "lxc.rootfs.path = /srv/web",
        "lxc.net.0.type = veth",
        "lxc.net.0.link = br0",
        "lxc.net.0.flags = up",
        "lxc.net.0.hwaddr = 52:54:00:aa:bb:cc",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(`${tmp}/config2`, to.stdout);
    const again = await cli(["-q", "domxml-from-native", "lxc-tools", `${tmp}/config2`]);
    const uuid = (s: string) => s.replace(/<uuid>.*<\/uuid>/, "");
    assertEquals(uuid(again.stdout), uuid(from.stdout));

    // What the config cannot carry is a warning, not an error.
    await Deno.writeTextFile(`${tmp}/web2.xml`, from.stdout.replace(">1</vcpu>", ">2</vcpu>"));
    const lossy = await cli(["-q", "--json", "domxml-to-native", "lxc-tools", `${tmp}/web2.xml`]);
    assertEquals(lossy.code, 0, lossy.stderr);
    assertMatch(lossy.stderr, /^warning: .*vcpu.*\n$/);
    assertMatch(JSON.parse(lossy.stdout).config, /^lxc\.uts\.name = web$/m);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("converter errors: one error line naming the problem", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vk-convert-" });
  try {
    await Deno.writeTextFile(`${tmp}/bad.vmx`, 'config.version = "8"\nthis is not an entry\n');
    await Deno.writeTextFile(`${tmp}/bad.config`, "lxc.uts.name = x\nlxc.net.0.type = warp\n");
    await Deno.writeTextFile(
      `${tmp}/sub.vmx`,
      [
        'config.version = "8"',
        'virtualHW.version = "7"',
        'displayName = "s"',
        'scsi0.present = "true"',
        'scsi0:0.present = "true"',
        'scsi0:0.fileName = "sub/disk.vmdk"',
        "",
      ].join("\n"),
    );
    const vm = `${CONFORMANCE}/xml2vmx/minimal-64bit.xml`;
    const cases: [string[], RegExp][] = [
      [
        ["domxml-from-native", "xen-xl", vm],
        /^error: invalid argument: unsupported config type 'xen-xl'; supported: lxc-tools, vmware-vmx$/,
      ],
      [
        ["domxml-to-native", "bhyve-argv", vm],
        /^error: invalid argument: unsupported config type 'bhyve-argv'; supported: lxc-tools, qemu-argv, vmware-vmx$/,
      ],
      [
        ["domxml-from-native", "vmware-vmx", `${tmp}/nope.vmx`],
        /^error: Failed to open file '.*nope\.vmx': No such file or directory$/,
      ],
      [
        ["domxml-to-native", "vmware-vmx", `${tmp}/nope.xml`],
        /^error: Failed to open file '.*nope\.xml': No such file or directory$/,
      ],
      [
        ["domxml-from-native", "vmware-vmx", `${tmp}/bad.vmx`],
        /^error: VMX line 2 is not a 'name = "value"' entry: "this is not an entry"$/,
      ],
      [
        ["domxml-from-native", "vmware-vmx", `${tmp}/sub.vmx`],
        /^error: unsupported configuration: file name 'sub\/disk\.vmdk' is a relative path with a folder/,
      ],
      [["domxml-from-native", "lxc-tools", `${tmp}/bad.config`], /^error: .*line 2.*warp/],
      [["domxml-to-native", "lxc-tools", vm], /^error: .*'vmware' domain is not a container/],
      [
        ["domxml-to-native", "vmware-vmx"],
        /^error: command 'domxml-to-native' requires <xml> or --domain option$/,
      ],
      [
        ["domxml-to-native", "vmware-vmx", vm, "--domain", "test"],
        /^error: Options --xml and --domain are mutually exclusive$/,
      ],
      [
        ["domxml-from-native", "lxc-tools", `${tmp}/bad.config`, "--datastore", "a=/b"],
        /^error: option --datastore applies to the vmware-vmx format only$/,
      ],
      [
        ["domxml-from-native", "vmware-vmx", `${tmp}/bad.vmx`, "--datastore", "a=relative"],
        /^error: invalid argument: datastore mapping 'a=relative' is not NAME=DIR with an absolute DIR$/,
      ],
      [
        ["domxml-to-native", "vmware-vmx", vm, "--datastore", "a=/x", "--datastore", "a=/y"],
        /^error: invalid argument: datastore 'a' is mapped twice$/,
      ],
      [
        ["domxml-to-native", "vmware-vmx", "--domain", "nosuch"],
        /^error: failed to get domain 'nosuch'$/,
      ],
      [
        ["domxml-from-native", "vmware-vmx"],
        /^error: command 'domxml-from-native' requires <config> option$/,
      ],
    ];
    for (const [args, re] of cases) assertFails(await cli(args), re);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("domxml-to-native qemu-argv goes to the QEMU command module, or is refused", async () => {
  const r = await cli([
    "-q",
    "domxml-to-native",
    "qemu-argv",
    `${CONFORMANCE}/xml2vmx/minimal-64bit.xml`,
  ]);
  let handler = false;
  try {
    const mod = await import(new URL("../../src/cli/qemu.ts", import.meta.url).href);
    handler = typeof mod.domxmlToQemuArgv === "function";
  } catch { /* no QEMU command module yet */ }
  if (handler) {
    // A vmware domain is not one QEMU runs: the QEMU converter rejects it, not the dispatcher.
    assert(!/unsupported config type/.test(r.stderr), r.stderr);
  } else {
    assertFails(
      r,
      /^error: invalid argument: unsupported config type 'qemu-argv'; supported: lxc-tools, vmware-vmx$/,
    );
  }
});

Deno.test("repeatable options collect every value; others are still refused twice", () => {
  const spec = findCommand("domxml-from-native")!;
  const p = parseOptions(spec, ["vmware-vmx", "f.vmx", "--datastore", "a=/a", "--datastore=b=/b"]);
  assertEquals(p.values.get("datastore"), ["a=/a", "b=/b"]);
  assertThrows(
    () => parseOptions(spec, ["vmware-vmx", "--config", "a", "--config", "b"]),
    /option --config already seen/,
  );
});

Deno.test("offline contexts: the file-name mappings of both directions", () => {
  const ds = parseDatastoreMappings(["ds1=/srv/ds1/", "root=/"]);
  assertEquals([...ds], [["ds1", "/srv/ds1"], ["root", "/"]]);
  const read = offlineReadContext("/srv/ds1/vm/vm.vmx", new Map([["ds1", "/srv/ds1"]]));
  assertEquals(read.parseFileName("a.vmdk", false), "[ds1] vm/a.vmdk");
  assertEquals(read.parseFileName("/vmfs/volumes/ds7/x/b.vmdk", false), "[ds7] x/b.vmdk");
  assertEquals(read.parseFileName("/srv/ds1/y/c.iso", true), "[ds1] y/c.iso");
  assertEquals(read.parseFileName("/isos/d.iso", true), "/isos/d.iso");
  assertThrows(() => read.parseFileName("x/e.vmdk", false), /relative path with a folder/);
  assertThrows(() => read.parseFileName("C:\\VMs\\f.vmdk", false), /Windows path/);
  const plain = offlineReadContext("/data/vm.vmx", new Map());
  assertEquals(plain.parseFileName("a.vmdk", false), "/data/a.vmdk");

  const write = offlineWriteContext(new Map([["ds1", "/srv/ds1"]]));
  assertEquals(write.virtualHWVersion, 7);
  assertEquals(write.formatFileName("[ds2] vm/a.vmdk"), "/vmfs/volumes/ds2/vm/a.vmdk");
  assertEquals(write.formatFileName("/srv/ds1/vm/a.vmdk"), "/vmfs/volumes/ds1/vm/a.vmdk");
  assertEquals(write.formatFileName("/srv/ds10/a.vmdk"), "/srv/ds10/a.vmdk");
  assertThrows(
    () => write.formatFileName("a.vmdk"),
    /expecting '\[datastore\] path' or an absolute path/,
  );
  assertThrows(() => parseDatastoreMappings(["=/x"]), /not NAME=DIR/);
  assertThrows(() => parseDatastoreMappings(["a]b=/x"]), /not NAME=DIR/);
});
