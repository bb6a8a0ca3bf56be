/**
 * Host capabilities, domain capabilities and node statistics: exact output
 * from a fixture host (two NUMA cells, huge pages, an IOMMU), guests from a
 * synthetic QEMU probe, and the real host's documents validated against
 * capability.rng and domaincaps.rng.
 */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { formatCapabilities } from "../../src/host/capabilities.ts";
import { hostCapabilities, hostCapabilitiesXml } from "../../src/host/host-caps.ts";
import {
  capsMachines,
  probeInstalledQemu,
  type QemuEmulator,
  qemuGuest,
} from "../../src/host/guests.ts";
import { formatDomainCaps, qemuDomainCaps } from "../../src/host/domcaps.ts";
import { guessCpuModel, readHostCpu } from "../../src/host/hostcpu.ts";
import { hostNodeInfo, nodeCpuStats, nodeMemoryStats } from "../../src/host/stats.ts";
import { type HostRoots, hostRoots } from "../../src/host/sysfs.ts";
import type { QemuCaps } from "../../drivers/qemu/caps.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { assertValid, NO_XMLLINT } from "./xmllint.ts";

const CPUINFO = (id: number) =>
  `processor\t: ${id}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\nstepping\t: 7\nmicrocode\t: 0x5003604\ncpu MHz\t\t: 2100.000\nflags\t\t: fpu sse2 ssse3 sse4_1 sse4_2 popcnt aes pclmulqdq avx f16c rdrand avx2 fma adx rdseed xsavec clflushopt avx512f avx512_vnni vmx\naddress sizes\t: 46 bits physical, 48 bits virtual\n`;

async function withHost(fn: (roots: HostRoots, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "virtkit-caps-" });
  const w = async (path: string, text: string) => {
    await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  };
  try {
    await w("proc/cpuinfo", [0, 1, 2, 3].map(CPUINFO).join("\n"));
    await w(
      "proc/meminfo",
      "MemTotal:       16384000 kB\nMemFree:         8000000 kB\nBuffers:          100000 kB\nCached:          2000000 kB\n",
    );
    await w("proc/stat", "cpu  100 20 300 4000 50 6 7 0 0 0\ncpu0 25 5 75 1000 12 1 2 0 0 0\n");
    await w("sys/devices/system/cpu/online", "0-3\n");
    // Two sockets, one per cell, each with one core of two threads.
    for (
      const [id, pkg, core, sib] of [[0, 0, 0, "0,2"], [1, 1, 0, "1,3"], [2, 0, 0, "0,2"], [
        3,
        1,
        0,
        "1,3",
      ]] as const
    ) {
      const t = `sys/devices/system/cpu/cpu${id}/topology`;
      await w(`${t}/physical_package_id`, `${pkg}\n`);
      await w(`${t}/die_id`, "0\n");
      await w(`${t}/core_id`, `${core}\n`);
      await w(`${t}/thread_siblings_list`, `${sib}\n`);
    }
    for (const [n, cpus, dist] of [[0, "0,2", "10 21"], [1, "1,3", "21 10"]] as const) {
      const d = `sys/devices/system/node/node${n}`;
      await w(
        `${d}/meminfo`,
        `Node ${n} MemTotal:       8192000 kB\nNode ${n} MemFree:        4000000 kB\n`,
      );
      await w(`${d}/distance`, `${dist}\n`);
      await w(`${d}/cpulist`, `${cpus}\n`);
      await w(`${d}/hugepages/hugepages-2048kB/nr_hugepages`, n === 0 ? "512\n" : "0\n");
    }
    await w("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
    await Deno.mkdir(`${root}/sys/kernel/iommu_groups/0`, { recursive: true });
    await w("sys/power/state", "freeze mem disk\n");
    await w("sys/power/disk", "[platform] shutdown reboot suspend\n");
    await w("machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
    await fn(
      hostRoots({
        sys: `${root}/sys`,
        proc: `${root}/proc`,
        dev: `${root}/dev`,
        machineId: `${root}/machine-id`,
      }),
      root,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** A small synthetic probe of an x86_64 emulator. */
function fakeCaps(): QemuCaps {
  return {
    formatVersion: 1,
    binary: "/usr/bin/qemu-system-x86_64",
    binarySize: 1,
    binaryMtimeMs: 1,
    arch: "x86_64",
    version: { major: 7, minor: 2, micro: 0 },
    package: "",
    machines: [
      {
        name: "pc-q35-7.2",
        alias: "q35",
        isDefault: false,
        cpuMax: 288,
        deprecated: false,
        hotpluggableCpus: true,
      },
      {
        name: "pc-i440fx-7.2",
        alias: "pc",
        isDefault: true,
        cpuMax: 255,
        deprecated: false,
        hotpluggableCpus: true,
      },
      {
        name: "pc-i440fx-1.4",
        isDefault: false,
        cpuMax: 255,
        deprecated: true,
        hotpluggableCpus: true,
      },
      { name: "none", isDefault: false, cpuMax: 1, deprecated: false, hotpluggableCpus: false },
    ],
    defaultMachine: "pc-i440fx-7.2",
    cpuModels: [
      { name: "qemu64", unavailableFeatures: [], deprecated: false, migrationSafe: true },
      { name: "Skylake-Server", unavailableFeatures: [], deprecated: false, migrationSafe: true },
      {
        name: "Cascadelake-Server",
        unavailableFeatures: ["pku"],
        deprecated: false,
        migrationSafe: true,
      },
      {
        name: "Cascadelake-Server-v1",
        unavailableFeatures: [],
        deprecated: false,
        migrationSafe: true,
      },
      { name: "max", unavailableFeatures: [], deprecated: false, migrationSafe: false },
    ],
    deviceTypes: [
      "VGA",
      "ide-hd",
      "virtio-blk-pci",
      "virtio-rng-pci",
      "vfio-pci",
      "usb-host",
      "tpm-crb",
      "vmgenid",
    ],
    accelerators: ["kvm", "tcg"],
    kvm: { present: true, enabled: true },
    commands: ["query-vnc", "blockdev-backup"],
    probedAccel: "kvm",
  };
}

Deno.test("capabilities: the host part from a fixture host", () =>
  withHost(async (roots) => {
    const caps = await hostCapabilities(roots, { uid: 0, gid: 0, kvm: false });
    assertEquals(
      formatCapabilities(caps),
      `<capabilities>

  <host>
    <uuid>3d1219c7-c4c5-404a-aa1f-6d2a48adfda4</uuid>
    <cpu>
      <arch>${caps.host.cpu.arch}</arch>
      <features>
        <vmx/>
      </features>
      <model>Cascadelake-Server</model>
      <vendor>Intel</vendor>
      <microcode version='83899908'/>
      <signature family='6' model='85' stepping='7'/>
      <topology sockets='1' dies='1' cores='1' threads='2'/>
      <maxphysaddr mode='emulate' bits='46'/>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='2048'/>
    </cpu>
    <power_management>
      <suspend_mem/>
      <suspend_disk/>
      <suspend_hybrid/>
    </power_management>
    <iommu support='yes'/>
    <migration_features>
      <live/>
      <uri_transports>
        <uri_transport>tcp</uri_transport>
        <uri_transport>rdma</uri_transport>
      </uri_transports>
    </migration_features>
    <topology>
      <cells num='2'>
        <cell id='0'>
          <memory unit='KiB'>8192000</memory>
          <pages unit='KiB' size='4'>2048000</pages>
          <pages unit='KiB' size='2048'>512</pages>
          <distances>
            <sibling id='0' value='10'/>
            <sibling id='1' value='21'/>
          </distances>
          <cpus num='2'>
            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0,2'/>
            <cpu id='2' socket_id='0' die_id='0' core_id='0' siblings='0,2'/>
          </cpus>
        </cell>
        <cell id='1'>
          <memory unit='KiB'>8192000</memory>
          <pages unit='KiB' size='4'>2048000</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <distances>
            <sibling id='0' value='21'/>
            <sibling id='1' value='10'/>
          </distances>
          <cpus num='2'>
            <cpu id='1' socket_id='1' die_id='0' core_id='0' siblings='1,3'/>
            <cpu id='3' socket_id='1' die_id='0' core_id='0' siblings='1,3'/>
          </cpus>
        </cell>
      </cells>
    </topology>
    <secmodel>
      <model>none</model>
      <doi>0</doi>
    </secmodel>
    <secmodel>
      <model>dac</model>
      <doi>0</doi>
      <baselabel type='kvm'>+0:+0</baselabel>
      <baselabel type='qemu'>+0:+0</baselabel>
    </secmodel>
  </host>

</capabilities>
`,
    );
  }));

Deno.test("capabilities: QEMU guests list machines default-first with aliases, kvm only when usable", () => {
  const emu: QemuEmulator = { arch: "i686", binary: "/usr/bin/qemu-system-i386", caps: fakeCaps() };
  assertEquals(
    capsMachines(emu.caps).map((m) => [m.name, m.canonical ?? null, m.deprecated ?? false]),
    [
      ["pc-i440fx-7.2", null, false],
      ["pc", "pc-i440fx-7.2", false],
      ["pc-q35-7.2", null, false],
      ["q35", "pc-q35-7.2", false],
      ["pc-i440fx-1.4", null, true],
    ],
  );
  const text = formatCapabilities({
    host: {
      cpu: { arch: "x86_64", features: [], pageSizes: [] },
      powerManagement: [],
      secModels: [],
    },
    guests: [qemuGuest(emu, { kvm: true, hostArch: "x86_64" })],
  });
  assert(
    text.includes(`  <guest>
    <os_type>hvm</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/qemu-system-i386</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <machine maxCpus='288'>pc-q35-7.2</machine>
      <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
      <machine maxCpus='255' deprecated='yes'>pc-i440fx-1.4</machine>
      <domain type='qemu'/>
      <domain type='kvm'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
      <acpi default='on' toggle='yes'/>
      <apic default='on' toggle='no'/>
      <cpuselection/>
      <deviceboot/>
      <disksnapshot default='on' toggle='no'/>
    </features>
  </guest>
`),
    text,
  );
  assertEquals(qemuGuest(emu, { kvm: false, hostArch: "x86_64" }).domains, [{ type: "qemu" }]);
  assertEquals(qemuGuest({ ...emu, arch: "aarch64" }, { kvm: true, hostArch: "x86_64" }).domains, [{
    type: "qemu",
  }]);
});

Deno.test("capabilities: CPU model guess, limited to the emulator's models", () =>
  withHost(async (roots) => {
    const cpu = await readHostCpu(roots, "x86_64");
    assertEquals(guessCpuModel(cpu), "Cascadelake-Server");
    assertEquals(
      guessCpuModel(cpu, new Set(["qemu64", "Skylake-Server", "Haswell"])),
      "Skylake-Server",
    );
    assertEquals(guessCpuModel({ ...cpu, flags: new Set(["sse2"]) }), "qemu64");
    assertEquals(guessCpuModel({ ...cpu, arch: "aarch64" }), undefined);
  }));

Deno.test("domcapabilities: from a synthetic probe", () =>
  withHost(async (roots, root) => {
    const emu: QemuEmulator = {
      arch: "x86_64",
      binary: "/usr/bin/qemu-system-x86_64",
      caps: fakeCaps(),
    };
    await Deno.mkdir(`${root}/fw`);
    await Deno.writeTextFile(
      `${root}/fw/50-ovmf.json`,
      JSON.stringify({
        "interface-types": ["uefi"],
        mapping: {
          device: "flash",
          executable: { filename: "/usr/share/OVMF/OVMF_CODE.secboot.fd" },
        },
        targets: [{ architecture: "x86_64", machines: ["pc-q35-*"] }],
        features: ["secure-boot"],
      }),
    );
    const caps = await qemuDomainCaps(roots, emu, {
      virttype: "kvm",
      machine: "q35",
      kvm: true,
      firmwareDirs: [`${root}/fw`],
    });
    const xml = formatDomainCaps(caps);
    assert(
      xml.startsWith(`<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <machine>pc-q35-7.2</machine>
  <arch>x86_64</arch>
  <vcpu max='288'/>
  <iothreads supported='yes'/>
  <os supported='yes'>
    <enum name='firmware'>
      <value>bios</value>
      <value>efi</value>
    </enum>
    <loader supported='yes'>
      <value>/usr/share/OVMF/OVMF_CODE.secboot.fd</value>
`),
      xml,
    );
    assert(
      xml.includes(`    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>Skylake-Server</model>
      <vendor>Intel</vendor>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='yes' vendor='unknown'>qemu64</model>
      <model usable='yes' vendor='Intel'>Skylake-Server</model>
      <model usable='no' vendor='Intel'>Cascadelake-Server</model>
    </mode>`),
      xml,
    );
    assert(
      xml.includes(`      <enum name='pciBackend'>
        <value>vfio</value>
      </enum>`),
      xml,
    );
    assert(
      xml.includes("<rng supported='yes'>") && xml.includes("<genid supported='yes'/>") &&
        xml.includes("<sgx supported='no'/>"),
      xml,
    );
    const pc = formatDomainCaps(
      await qemuDomainCaps(roots, emu, {
        virttype: "qemu",
        kvm: true,
        firmwareDirs: [`${root}/fw`],
      }),
    );
    assert(
      pc.includes("<machine>pc-i440fx-7.2</machine>") &&
        pc.includes("<mode name='host-passthrough' supported='no'/>"),
      pc,
    );
    assert(pc.includes("<model usable='unknown' vendor='Intel'>Skylake-Server</model>"), pc);
    await assertRejects(
      () => qemuDomainCaps(roots, emu, { machine: "virt", kvm: true }),
      (e: unknown) =>
        e instanceof VirtError && /does not support machine type 'virt'/.test(e.message),
    );
    await assertRejects(
      () => qemuDomainCaps(roots, emu, { virttype: "kvm", kvm: false }),
      (e: unknown) => e instanceof VirtError && /KVM is not available/.test(e.message),
    );
  }));

Deno.test("node statistics and node info from a fixture host", () =>
  withHost(async (roots) => {
    assertEquals(await nodeMemoryStats(roots), {
      total: 16384000,
      free: 8000000,
      buffers: 100000,
      cached: 2000000,
    });
    assertEquals(await nodeMemoryStats(roots, 1), { total: 8192000, free: 4000000 });
    await assertRejects(() => nodeMemoryStats(roots, 7), (e: unknown) =>
      e instanceof VirtError && /invalid cell number 7/.test(e.message));
    assertEquals(await nodeCpuStats(roots), {
      kernel: 3_130_000_000,
      user: 1_200_000_000,
      idle: 40_000_000_000,
      iowait: 500_000_000,
    });
    assertEquals((await nodeCpuStats(roots, 0)).user, 300_000_000);
    await assertRejects(() =>
      nodeCpuStats(roots, 9), (e: unknown) =>
      e instanceof VirtError && /invalid cpuNum 9/.test(e.message));
    const info = await hostNodeInfo(roots);
    assertEquals({ ...info, model: "" }, {
      model: "",
      memory: 16384000,
      cpus: 4,
      mhz: 2100,
      nodes: 2,
      sockets: 1,
      cores: 1,
      threads: 2,
    });
  }));

Deno.test({
  name: "capabilities: this host's capabilities validate against capability.rng",
  ignore: NO_XMLLINT,
  fn: async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "virtkit-qemucaps-" });
    try {
      const emulators = hasCommand("qemu-system-x86_64")
        ? await probeInstalledQemu({ cacheDir })
        : [];
      const roots = hostRoots();
      const xml = await hostCapabilitiesXml(roots, { emulators });
      assert(xml.includes("<secmodel>"));
      await assertValid(
        "capability.rng",
        new Map([["capabilities", xml], ["no-guests", await hostCapabilitiesXml(roots)]]),
      );
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "domcapabilities: this host's emulators validate against domaincaps.rng",
  ignore: NO_XMLLINT ||
    skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed"),
  fn: async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "virtkit-qemucaps-" });
    try {
      const roots = hostRoots();
      const docs = new Map<string, string>();
      for (const emu of await probeInstalledQemu({ cacheDir })) {
        docs.set(`${emu.arch}-default`, formatDomainCaps(await qemuDomainCaps(roots, emu)));
        docs.set(
          `${emu.arch}-tcg-q35`,
          formatDomainCaps(await qemuDomainCaps(roots, emu, { virttype: "qemu", machine: "q35" })),
        );
      }
      assert(docs.size > 0, "no emulator probed");
      await assertValid("domaincaps.rng", docs);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
