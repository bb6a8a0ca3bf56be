/**
 * lxc-tools configs <-> domain XML: the shared lxcconf2xml cases in both key
 * syntaxes, the round trip through domainToLxcConfig, the keys libvirt's
 * suite leaves out (blkio, cpusets, cgroup v2, init, vlan, bridges), the
 * errors that must name their line, and the reverse direction's report of
 * what it cannot carry.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";
import {
  domainToLxcConfig,
  domainXmlToLxcConfig,
  formatDomainXml,
  lxcConfigToDomain,
  lxcConfigToDomainXml,
  normalizeLxcKeys,
  parseDomainXml,
  parseLxcConfig,
  VirtError,
} from "../../mod.ts";

const DIR = new URL("../../../shared/conformance/lxcconf2xml/", import.meta.url);
const read = (f: string) => Deno.readTextFileSync(new URL(f, DIR));
const CASES: { name: string; expect: string; configs: string[]; uuid: string }[] =
  JSON.parse(read("manifest.json")).cases;
const OK_CASES = CASES.filter((c) => c.expect === "ok");
const UUID = "c7a5fdbd-edaf-9455-926a-d65c16db1809";

/** Asserts that `run` throws a VirtError whose message matches `re`. */
function rejects(run: () => unknown, re: RegExp): void {
  assertThrows(run, (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assertMatch(e.message, re);
    return true;
  });
}

Deno.test("lxcconf2xml: every shared config, legacy and 3.x keys, gives libvirt's XML text", () => {
  for (const c of OK_CASES) {
    for (const config of c.configs) {
      assertEquals(
        lxcConfigToDomainXml(read(config), { uuid: c.uuid }),
        read(`${c.name}.xml`),
        config,
      );
    }
  }
});

Deno.test("lxcconf2xml: every shared config through the domain model", () => {
  for (const c of OK_CASES) {
    for (const config of c.configs) {
      assertEquals(
        formatDomainXml(lxcConfigToDomain(read(config), { uuid: c.uuid })),
        read(`${c.name}.xml`),
        config,
      );
    }
  }
});

Deno.test("lxcconf2xml: an fstab file (lxc.mount, lxc.mount.fstab) is refused naming its line", () => {
  rejects(
    () => lxcConfigToDomainXml(read("fstab.config")),
    /^line 11 \(lxc\.mount\): .*lxc\.mount\.entry/,
  );
  rejects(() => lxcConfigToDomainXml(read("fstab-v3.config")), /^line 11 \(lxc\.mount\.fstab\): /);
});

Deno.test("round trip: domain XML -> config -> domain XML is unchanged for every case (cgroup v1 and v2)", () => {
  for (const c of OK_CASES) {
    const xml = read(`${c.name}.xml`);
    for (const cgroup of ["v1", "v2"] as const) {
      const { config, warnings } = domainXmlToLxcConfig(xml, { cgroup });
      assertEquals(warnings, [], `${c.name} ${cgroup}`);
      assertEquals(
        lxcConfigToDomainXml(config, { uuid: c.uuid }),
        xml,
        `${c.name} ${cgroup}:\n${config}`,
      );
    }
  }
});

Deno.test("round trip through DomainDef: domainToLxcConfig then lxcConfigToDomain gives the same XML", () => {
  for (const c of OK_CASES) {
    const xml = read(`${c.name}.xml`);
    const { config } = domainToLxcConfig(parseDomainXml(xml));
    assertEquals(
      formatDomainXml(lxcConfigToDomain(config, { uuid: c.uuid })),
      xml,
      `${c.name}:\n${config}`,
    );
  }
});

Deno.test("the written config uses 3.x key names", () => {
  const { config } = domainXmlToLxcConfig(read("ethernet.xml"));
  assertEquals(
    config,
    `# Container 'migrate_test', written by virtkit from its domain XML
lxc.uts.name = migrate_test
lxc.arch = i686
lxc.rootfs.path = /var/lib/lxc/migrate_test/rootfs
lxc.mount.entry = tmpfs run tmpfs size=8192k 0 0
lxc.mount.entry = /etc/resolv.conf etc/resolv.conf none bind,ro 0 0
lxc.tty.max = 2
lxc.cap.drop = mac_admin mac_override mknod sys_module
lxc.net.0.type = veth
lxc.net.0.flags = up
lxc.net.0.hwaddr = 02:00:15:8f:05:c1
lxc.net.0.name = eth0
lxc.net.0.ipv4.address = 192.168.122.2/24
lxc.net.0.ipv6.address = 2003:db8:1:0:214:1234:fe0b:3596/64
lxc.net.0.ipv4.gateway = 192.168.122.1
lxc.net.0.ipv6.gateway = 2003:db8:1:0:214:1234:fe0b:3595
`,
  );
});

/** Asserts the config converts to `want`, as text and through the domain model. */
function converts(config: string, want: string): void {
  assertEquals(lxcConfigToDomainXml(config, { uuid: UUID }), want);
  assertEquals(formatDomainXml(lxcConfigToDomain(config, { uuid: UUID })), want);
}

const HEAD = "lxc.uts.name = c1\nlxc.rootfs.path = /srv/c1\n";

/** The XML around the parts a test varies, as libvirt lays it out. */
function domain(
  parts: { tune?: string; vcpu?: string; os?: string; features?: string; devices?: string },
): string {
  return `<domain type='lxc'>
  <name>c1</name>
  <uuid>${UUID}</uuid>
${
    parts.tune ?? `  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
`
  }${parts.vcpu ?? "  <vcpu placement='static'>1</vcpu>\n"}  <os>
${parts.os ?? "    <type>exe</type>\n    <init>/sbin/init</init>\n"}  </os>
  <features>
${parts.features ?? "    <privnet/>\n    <capabilities policy='allow'/>\n"}  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/libexec/libvirt_lxc</emulator>
    <filesystem type='mount' accessmode='passthrough'>
      <source dir='/srv/c1'/>
      <target dir='/'/>
    </filesystem>
${parts.devices ?? ""}  </devices>
</domain>
`;
}

const BLKIO = domain({
  tune: `  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <blkiotune>
    <weight>500</weight>
    <device>
      <path>/dev/block/8:16</path>
      <weight>1000</weight>
      <read_iops_sec>4321</read_iops_sec>
      <write_iops_sec>8765</write_iops_sec>
      <read_bytes_sec>1234</read_bytes_sec>
      <write_bytes_sec>5678</write_bytes_sec>
    </device>
    <device>
      <path>/dev/block/8:0</path>
      <weight>300</weight>
    </device>
  </blkiotune>
`,
});

Deno.test("blkio weights and per-device limits, cgroup v1 and v2 spellings", () => {
  const v1 = HEAD + `lxc.cgroup.blkio.weight = 500
lxc.cgroup.blkio.device_weight = 8:16 1000
lxc.cgroup.blkio.device_weight = 8:0 300
lxc.cgroup.blkio.throttle.read_bps_device = 8:16 1234
lxc.cgroup.blkio.throttle.write_bps_device = 8:16 5678
lxc.cgroup.blkio.throttle.read_iops_device = 8:16 4321
lxc.cgroup.blkio.throttle.write_iops_device = 8:16 8765
`;
  converts(v1, BLKIO);
  const v2 = HEAD + `lxc.cgroup2.io.weight = default 500
lxc.cgroup2.io.weight = 8:16 1000
lxc.cgroup2.io.weight = 8:0 300
lxc.cgroup2.io.max = 8:16 rbps=1234 wbps=5678 riops=4321 wiops=8765
`;
  converts(v2, BLKIO);
  for (const cgroup of ["v1", "v2"] as const) {
    const { config, warnings } = domainXmlToLxcConfig(BLKIO, { cgroup });
    assertEquals(warnings, []);
    assertEquals(lxcConfigToDomainXml(config, { uuid: UUID }), BLKIO, config);
  }
});

Deno.test("cpusets, cgroup v2 memory and cpu keys", () => {
  const want = domain({
    tune: `  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <memtune>
    <hard_limit unit='KiB'>524288</hard_limit>
    <soft_limit unit='KiB'>262144</soft_limit>
    <swap_hard_limit unit='KiB'>1048576</swap_hard_limit>
  </memtune>
`,
    vcpu: `  <vcpu placement='static' cpuset='1-2,5-7'>1</vcpu>
  <cputune>
    <shares>200</shares>
    <period>100000</period>
    <quota>50000</quota>
  </cputune>
  <numatune>
    <memory mode='strict' nodeset='1-4'/>
  </numatune>
`,
  });
  const config = HEAD + `lxc.cgroup2.memory.max = 512M
lxc.cgroup2.memory.high = 256MiB
lxc.cgroup2.memory.swap.max = 512m
lxc.cgroup2.cpu.weight = 200
lxc.cgroup2.cpu.max = 50000 100000
lxc.cgroup2.cpuset.cpus = 1,2,5-7
lxc.cgroup2.cpuset.mems = 1-4
`;
  converts(config, want);
  for (const cgroup of ["v1", "v2"] as const) {
    const out = domainXmlToLxcConfig(want, { cgroup });
    assertEquals(out.warnings, []);
    assertEquals(lxcConfigToDomainXml(out.config, { uuid: UUID }), want, out.config);
  }
  // "-1" (v1) and "max" (v2) mean no limit: the import default stays.
  assertEquals(
    lxcConfigToDomainXml(
      HEAD + "lxc.cgroup.memory.limit_in_bytes = -1\nlxc.cgroup2.memory.high = max\n",
      { uuid: UUID },
    ),
    domain({}),
  );
});

Deno.test("init command, environment, bridges, vlans, cap.keep and a block root", () => {
  const config = `lxc.uts.name = c1
lxc.rootfs.path = dir:/srv/c1
lxc.init.cmd = /bin/sh -c "echo hi there"
lxc.init.cwd = /root
lxc.init.uid = 1000
lxc.environment = LANG=C.UTF-8
lxc.cap.keep = net_raw mknod
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.veth.pair = vethc1
lxc.net.0.mtu = 1400
lxc.net.0.hwaddr = 52:54:00:AB:CD:EF
lxc.net.1.type = vlan
lxc.net.1.link = eth1
lxc.net.1.vlan.id = 42
lxc.tty.max = 1
`;
  const want = domain({
    os: `    <type>exe</type>
    <init>/bin/sh</init>
    <initarg>-c</initarg>
    <initarg>echo hi there</initarg>
    <initenv name='LANG'>C.UTF-8</initenv>
    <initdir>/root</initdir>
    <inituser>1000</inituser>
`,
    features: `    <capabilities policy='deny'>
      <mknod state='on'/>
      <net_raw state='on'/>
    </capabilities>
`,
    devices: `    <interface type='bridge'>
      <mac address='52:54:00:ab:cd:ef'/>
      <source bridge='br0'/>
      <target dev='vethc1'/>
      <link state='down'/>
      <mtu size='1400'/>
    </interface>
    <console type='pty'>
      <target type='lxc' port='0'/>
    </console>
    <hostdev mode='capabilities' type='net'>
      <source>
        <interface>eth1.42</interface>
      </source>
    </hostdev>
`,
  });
  converts(config, want);
  const out = domainXmlToLxcConfig(want);
  assertEquals(out.warnings, []);
  assertEquals(lxcConfigToDomainXml(out.config, { uuid: UUID }), want, out.config);
  assertMatch(out.config, /^lxc\.init\.cmd = \/bin\/sh -c 'echo hi there'$/m);

  const block = lxcConfigToDomainXml("lxc.uts.name = c1\nlxc.rootfs.path = /dev/vg0/c1\n", {
    uuid: UUID,
  });
  assertMatch(
    block,
    /<filesystem type='block' accessmode='passthrough'>\n\s+<source dev='\/dev\/vg0\/c1'\/>\n\s+<target dir='\/'\/>/,
  );
  assertMatch(domainXmlToLxcConfig(block).config, /^lxc\.rootfs\.path = \/dev\/vg0\/c1$/m);
});

Deno.test("network types none and empty, and a MAC template with x digits", () => {
  // "none" shares the host's network: no private network namespace.
  assert(
    !lxcConfigToDomainXml(HEAD + "lxc.net.0.type = none\n", { uuid: UUID }).includes("<privnet/>"),
  );
  assert(
    !lxcConfigToDomainXml(HEAD + "lxc.net.0.type = empty\n", { uuid: UUID }).includes("<interface"),
  );
  const xml = lxcConfigToDomainXml(
    HEAD + "lxc.net.0.type = veth\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\nlxc.net.0.flags = up\n",
  );
  assertMatch(
    xml,
    /<interface type='ethernet'>\n\s+<mac address='00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}'\/>\n\s+<link state='up'\/>/,
  );
});

Deno.test("no root filesystem: the container shares the host's, both ways", () => {
  const xml = lxcConfigToDomainXml("lxc.uts.name = c1\n", { uuid: UUID });
  assert(!xml.includes("<filesystem"));
  const { config, warnings } = domainXmlToLxcConfig(xml);
  assertEquals([config.includes("lxc.rootfs.path"), warnings], [false, []]);
  // A read-only root has no lxc key: it is reported.
  const ro = domain({}).replace("<target dir='/'/>\n", "<target dir='/'/>\n      <readonly/>\n");
  assertEquals(domainXmlToLxcConfig(ro).warnings, [
    "<readonly> at line 24 has no lxc equivalent; not converted",
  ]);
});

Deno.test("mount paths with blanks use fstab's octal escapes", () => {
  const xml = lxcConfigToDomainXml(
    HEAD + "lxc.mount.entry = /srv/my\\040data data\\040dir none bind 0 0\n",
    { uuid: UUID },
  );
  assertMatch(xml, /<source dir='\/srv\/my data'\/>\n\s+<target dir='\/data dir'\/>/);
  assertMatch(
    domainXmlToLxcConfig(xml).config,
    /^lxc\.mount\.entry = \/srv\/my\\040data data\\040dir none bind 0 0$/m,
  );
});

Deno.test("errors name the config line", () => {
  rejects(
    () => lxcConfigToDomainXml(HEAD + "\n# c\nlxc.net.0.type veth\n"),
    /^line 5: expected 'key = value'/,
  );
  rejects(() => lxcConfigToDomainXml(HEAD + "foo.bar = 1\n"), /^line 3: invalid key 'foo\.bar'/);
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.net.0.type = ipvlan\nlxc.net.0.link = eth0\n"),
    /^line 3 \(lxc\.net\.0\.type\): unknown network type 'ipvlan', expected one of: veth, macvlan, vlan, phys, none, empty/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.network.type = bogus\n"),
    /^line 3 \(lxc\.network\.type\): unknown network type 'bogus'/,
  );
  rejects(
    () => lxcConfigToDomainXml("lxc.include = /usr/share/lxc/config/common.conf\n" + HEAD),
    /^line 1 \(lxc\.include\): lxc\.include is not supported/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.mount.entry = tmpfs tmp tmpfs defaults 0 0\n"),
    /^line 3 .*needs a size option/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.mount.entry = tmpfs tmp tmpfs size=50% 0 0\n"),
    /^line 3 .*relative size/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.mount.entry = /a b\n"),
    /^line 3 .*SOURCE TARGET TYPE OPTIONS/,
  );
  rejects(
    () =>
      lxcConfigToDomainXml(
        HEAD + "lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.300/24\n",
      ),
    /^line 4 .*not an IPv4 address/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.net.0.type = macvlan\n"),
    /^line 3 .*needs lxc\.net\.0\.link/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.net.0.type = phys\n"),
    /^line 3 .*needs lxc\.net\.0\.link/,
  );
  rejects(
    () =>
      lxcConfigToDomainXml(
        HEAD + "lxc.net.0.type = macvlan\nlxc.net.0.link = eth0\nlxc.net.0.macvlan.mode = weird\n",
      ),
    /^line 5 .*unknown macvlan mode 'weird'/,
  );
  rejects(
    () =>
      lxcConfigToDomainXml(HEAD + "lxc.net.0.type = veth\nlxc.net.0.hwaddr = zz:00:00:00:00:00\n"),
    /^line 4 .*not a MAC address/,
  );
  rejects(
    () => lxcConfigToDomainXml("lxc.network.link = br0\n" + HEAD),
    /^line 1 \(lxc\.network\.link\): a network key before the first lxc\.network\.type/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.cap.drop = mknod\nlxc.cap.keep = chown\n"),
    /^line 4 .*cannot both be used/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.idmap = u 5 100000 65536\n"),
    /^line 3 .*no uid range maps the container's root \(id 0\)/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.idmap = x 0 0 1\n"),
    /^line 3 .*expected 'u\|g ID ID COUNT'/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.cgroup.cpu.shares = lots\n"),
    /^line 3 .*not a non-negative integer/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.cgroup.cpuset.cpus = 1-\n"),
    /^line 3 .*not a set/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.cgroup2.memory.swap.max = 1G\n"),
    /^line 3 .*needs a memory limit/,
  );
  rejects(
    () => lxcConfigToDomainXml(HEAD + "lxc.cgroup.memory.limit_in_bytes = 1Q\n"),
    /^line 3 .*unknown unit 'Q'/,
  );
  rejects(() => lxcConfigToDomainXml("lxc.rootfs.path = /srv/c1\n"), /no container name/);
  rejects(
    () => lxcConfigToDomainXml("lxc.uts.name = c1\nlxc.rootfs.path =\n"),
    /^line 2 .*empty root filesystem path/,
  );
  rejects(
    () => lxcConfigToDomainXml("lxc.uts.name = c1\nlxc.rootfs.path = overlay:/a:/b\n"),
    /^line 2 .*'overlay' root filesystem backend/,
  );
  rejects(() => lxcConfigToDomainXml(HEAD, { uuid: "nope" }), /invalid UUID/);
});

Deno.test("lines with no domain equivalent are reported to onWarning, with their line", () => {
  const warnings: string[] = [];
  lxcConfigToDomainXml(
    HEAD +
      "lxc.autodev = 1\nlxc.mount.entry = proc proc proc defaults 0 0\nlxc.cap.drop = sys_module bpf\nlxc.net.0.type = veth\nlxc.net.0.script.up = /bin/true\n",
    { onWarning: (m) => warnings.push(m) },
  );
  assertEquals(warnings, [
    "line 3 (lxc.autodev): no domain equivalent; not converted",
    "line 4 (lxc.mount.entry): /proc is always mounted by the LXC driver; not converted",
    "line 5 (lxc.cap.drop): capability 'bpf' is unknown to the domain XML; not converted",
    "line 7 (lxc.net.0.script.up): no domain equivalent; not converted",
  ]);
});

Deno.test("the reverse direction lists what has no lxc equivalent", () => {
  const xml = domain({
    vcpu: "  <vcpu placement='static'>2</vcpu>\n",
    devices: `    <interface type='network'>
      <mac address='52:54:00:00:00:01'/>
      <source network='default'/>
    </interface>
    <interface type='bridge'>
      <source bridge='br0'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
`,
  }).replace("<clock offset='utc'/>", "<clock offset='localtime'/>").replace(
    "<on_reboot>restart",
    "<on_reboot>destroy",
  );
  const { config, warnings } = domainXmlToLxcConfig(xml);
  assertEquals(warnings, [
    "<interface> at line 25: a 'network' interface has no lxc equivalent (lxc knows bridges, host devices and macvlan); not converted",
    "<vcpu> at line 6: lxc has no vCPU count (the container sees the host's CPUs); not converted",
    "<clock> at line 15 has no lxc equivalent; not converted",
    "<on_reboot> at line 17 has no lxc equivalent; not converted",
    "<model> at line 31 has no lxc equivalent; not converted",
    "<serial> at line 33 has no lxc equivalent; not converted",
  ]);
  assertMatch(
    config,
    /^lxc\.net\.0\.type = veth\nlxc\.net\.0\.link = br0\nlxc\.net\.0\.flags = up\n$/m,
  );
  rejects(
    () => domainXmlToLxcConfig("<domain type='kvm'><name>x</name></domain>"),
    /only type='lxc' converts/,
  );
  const env = domain({
    os:
      "    <type>exe</type>\n    <init>/sbin/init</init>\n    <initenv name='A'>two\nlines</initenv>\n",
  });
  assertEquals(domainXmlToLxcConfig(env).warnings, [
    "lxc.environment: the value has a line break, which a config line cannot hold; not converted",
  ]);
});

Deno.test("parseLxcConfig keeps order and lines, strips quotes; legacy keys get their 3.x names", () => {
  const entries = parseLxcConfig(
    "# comment\n  lxc.utsname = 'web'\n\nlxc.network.type = veth\nlxc.network.ipv4 = 10.0.0.2/24\nlxc.network.type = phys\nlxc.tty = 1 # not a comment\n",
  );
  assertEquals(entries.map((e) => [e.line, e.key, e.value]), [
    [2, "lxc.utsname", "web"],
    [4, "lxc.network.type", "veth"],
    [5, "lxc.network.ipv4", "10.0.0.2/24"],
    [6, "lxc.network.type", "phys"],
    [7, "lxc.tty", "1 # not a comment"],
  ]);
  assertEquals(normalizeLxcKeys(entries).map((e) => e.key), [
    "lxc.uts.name",
    "lxc.net.0.type",
    "lxc.net.0.ipv4.address",
    "lxc.net.1.type",
    "lxc.tty.max",
  ]);
});

Deno.test("id maps in lxc's documented order are recognised, and written that way", () => {
  const xml = lxcConfigToDomainXml(HEAD + "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n");
  assertMatch(xml, /<uid start='0' target='100000' count='65536'\/>/);
  assertMatch(xml, /<gid start='0' target='100000' count='65536'\/>/);
  assertMatch(domainXmlToLxcConfig(xml).config, /^lxc\.idmap = u 0 100000 65536$/m);
});
