/**
 * cgroups: layout detection from fixture mountinfo, libvirt's partition and
 * group naming, the files written on v1, v2 and hybrid fake trees, and a
 * real guest group on this host (as root) for a throwaway `sleep`.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { skipUnless } from "../skip.ts";
import {
  createMachineGroup,
  detectCgroups,
  escapeGroupName,
  machineGroupName,
  machineName,
  openMachineGroup,
  partitionPath,
  UNLIMITED_KIB,
} from "../../src/host/cgroups.ts";
import { VirtError } from "../../src/errors.ts";
import { fakeCgroupfs, type FakeMode } from "./fake_cgroupfs.ts";

const KNOWN = ["cpuset", "cpu", "cpuacct", "memory", "devices", "freezer", "blkio", "net_cls"];

async function fake(mode: FakeMode) {
  const fs = await fakeCgroupfs(mode);
  const layout = await detectCgroups({
    mountinfo: fs.mountinfo,
    procCgroups: fs.procCgroups,
    root: fs.root,
    kernel: fs.kernel,
  });
  return { ...fs, layout, read: (p: string) => Deno.readTextFileSync(`${fs.root}${p}`).trim() };
}

function isError(code: string, text: RegExp) {
  return (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assertEquals(e.code, code);
    assert(text.test(e.message), `message '${e.message}' does not match ${text}`);
    return true;
  };
}

Deno.test("cgroups: layout of v1, v2 and hybrid hosts", async () => {
  for (const mode of ["v1", "v2", "hybrid"] as const) {
    const f = await fake(mode);
    try {
      assertEquals(f.layout.mode, mode);
      if (mode === "v2") {
        assertEquals(f.layout.v1, []);
        assertEquals(f.layout.v2?.mount, "/sys/fs/cgroup");
        assertEquals(f.layout.v2?.controllers, [
          "cpuset",
          "cpu",
          "io",
          "memory",
          "hugetlb",
          "pids",
        ]);
      } else {
        assertEquals(
          f.layout.v1.map((h) => [h.mount, h.controllers.join(",")]),
          ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"].map((
            c,
          ) => [`/sys/fs/cgroup/${c}`, c]),
        );
        assertEquals(f.layout.v1[3].path, `${f.root}/sys/fs/cgroup/memory`);
        assertEquals(f.layout.v2?.mount, mode === "hybrid" ? "/sys/fs/cgroup/unified" : undefined);
        if (mode === "hybrid") assertEquals(f.layout.v2?.controllers, []);
      }
    } finally {
      await Deno.remove(f.root, { recursive: true });
    }
  }
});

Deno.test("cgroups: co-mounted v1 controllers, escaped mount points, no cgroups at all", async () => {
  const layout = await detectCgroups({
    mountinfo: [
      "25 20 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct",
      "26 20 0:23 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory",
      "27 20 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd",
    ].join("\n"),
    procCgroups:
      "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\ncpuacct\t1\t1\t1\nmemory\t2\t1\t1\n",
  });
  assertEquals(layout.mode, "v1");
  assertEquals(layout.v1.map((h) => [h.path, h.controllers]), [
    ["/sys/fs/cgroup/cpu,cpuacct", ["cpu", "cpuacct"]],
    ["/mnt/my cgroups", ["memory"]],
  ]);
  assertEquals(layout.known, ["cpu", "cpuacct", "memory"]);
  const none = await detectCgroups({ mountinfo: "", procCgroups: "" });
  assertEquals(none.mode, "none");
  await assertRejects(
    () => createMachineGroup(none, { name: "x", driver: "qemu" }),
    isError("operation-unsupported", /no cgroup hierarchy is mounted/),
  );
});

Deno.test("cgroups: libvirt's partition and group names", () => {
  assertEquals(partitionPath("/machine", KNOWN), "/machine");
  assertEquals(partitionPath("/machine/production", KNOWN), "/machine/production.partition");
  assertEquals(
    partitionPath("/machine/eng/testing", KNOWN),
    "/machine/eng.partition/testing.partition",
  );
  assertEquals(partitionPath("/system/x.slice", KNOWN), "/system/x.slice");
  assertEquals(partitionPath("/web", KNOWN), "/web.partition");
  assertEquals(partitionPath("/machine/cpu", KNOWN), "/machine/_cpu.partition");
  assertEquals(partitionPath("/machine/_x", KNOWN), "/machine/__x.partition");
  assertEquals(partitionPath("/", KNOWN), "/");
  assertThrows(
    () => partitionPath("machine", KNOWN),
    isError("invalid-arg", /partition path 'machine' must start with '\/'/),
  );
  assertThrows(
    () => partitionPath("/machine//x", KNOWN),
    isError("invalid-arg", /'\/machine\/\/x' has an empty/),
  );
  assertThrows(() => partitionPath("/machine/..", KNOWN), isError("invalid-arg", /'\.\.'/));

  assertEquals(machineGroupName("qemu-1-vm1", "qemu", KNOWN), "qemu-1-vm1.libvirt-qemu");
  assertEquals(machineGroupName("web", "lxc", KNOWN), "web.libvirt-lxc");
  assertEquals(machineGroupName("cpu", "lxc", KNOWN), "_cpu.libvirt-lxc");
  assertEquals(machineGroupName(".hidden", "qemu", KNOWN), "_.hidden.libvirt-qemu");
  assertEquals(escapeGroupName("cgroup.procs", KNOWN), "_cgroup.procs");
  assertEquals(escapeGroupName("cpuset", KNOWN), "cpuset");
  assertThrows(
    () => machineGroupName("a/b", "qemu", KNOWN),
    isError("invalid-arg", /machine name 'a\/b'/),
  );
  assertThrows(
    () => machineGroupName("a", "xen" as "qemu", KNOWN),
    isError("invalid-arg", /driver 'xen': expected one of qemu, lxc/),
  );

  assertEquals(machineName("qemu", 1, "vm1"), "qemu-1-vm1");
  assertEquals(machineName("qemu", 7, "-my vm..test_1-"), "qemu-7-myvm.test1");
  assertEquals(
    machineName("lxc", 11111, "container1", { user: "alice" }),
    "lxc-alice-11111-container1",
  );
  assertEquals(
    machineName("qemu", 1, "vm", { embedRoot: "/tmp/root" }),
    "qemu-embed-a454081e-1-vm",
  );
  assertEquals(machineName("qemu", 3, "x".repeat(100)).length, 64);
});

Deno.test("cgroups: v1 guest group, inherited cpuset, tunables written in v1 terms", async () => {
  const f = await fake("v1");
  try {
    const cg = await createMachineGroup(f.layout, { name: "qemu-1-vm1", driver: "qemu" });
    assertEquals(cg.path, "/machine/qemu-1-vm1.libvirt-qemu");
    assertEquals(
      cg.groups.map((g) => g.dir.slice(f.root.length)),
      [
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "blkio",
      ].map((c) => `/sys/fs/cgroup/${c}/machine/qemu-1-vm1.libvirt-qemu`),
    );
    assertEquals(f.read("/sys/fs/cgroup/cpuset/machine/cpuset.cpus"), "0-3");
    assertEquals(f.read("/sys/fs/cgroup/cpuset/machine/qemu-1-vm1.libvirt-qemu/cpuset.mems"), "0");
    assertEquals(
      f.read("/sys/fs/cgroup/memory/machine/qemu-1-vm1.libvirt-qemu/memory.use_hierarchy"),
      "1",
    );
    const g = (c: string, file: string) =>
      f.read(`/sys/fs/cgroup/${c}/machine/qemu-1-vm1.libvirt-qemu/${file}`);

    await cg.addProcess(4242);
    assertEquals(g("freezer", "cgroup.procs"), "4242");
    await cg.addTask(4243);
    assertEquals(g("cpu", "tasks"), "4243");

    f.writes.length = 0;
    await cg.setMemory({ hardLimitKiB: 1048576, softLimitKiB: 524288, swapHardLimitKiB: 2097152 });
    const mem = "/sys/fs/cgroup/memory/machine/qemu-1-vm1.libvirt-qemu";
    assertEquals(f.writes, [
      `${mem}/memory.soft_limit_in_bytes < 536870912`,
      `${mem}/memory.limit_in_bytes < 1073741824`,
      `${mem}/memory.memsw.limit_in_bytes < 2147483648`,
    ]);
    assertEquals(await cg.memoryLimits(), {
      hardLimitKiB: 1048576,
      softLimitKiB: 524288,
      swapHardLimitKiB: 2097152,
    });
    // lowering both below the current hard limit: hard first, then swap
    f.writes.length = 0;
    await cg.setMemory({ hardLimitKiB: 262144, swapHardLimitKiB: 524288 });
    assertEquals(f.writes.map((w) => w.slice(mem.length + 1)), [
      "memory.limit_in_bytes < 268435456",
      "memory.memsw.limit_in_bytes < 536870912",
    ]);
    // raising both above the current hard limit: swap first, then hard
    f.writes.length = 0;
    await cg.setMemory({ hardLimitKiB: 4194304, swapHardLimitKiB: 8388608 });
    assertEquals(f.writes.map((w) => w.slice(mem.length + 1)), [
      "memory.memsw.limit_in_bytes < 8589934592",
      "memory.limit_in_bytes < 4294967296",
    ]);
    await cg.setMemory({ softLimitKiB: UNLIMITED_KIB });
    assertEquals(g("memory", "memory.soft_limit_in_bytes"), "-1");
    await Deno.writeTextFile(`${f.root}${mem}/memory.soft_limit_in_bytes`, "9223372036854771712\n");
    assertEquals((await cg.memoryLimits()).softLimitKiB, UNLIMITED_KIB);
    await assertRejects(
      () => cg.setMemory({ hardLimitKiB: 2048, swapHardLimitKiB: 1024 }),
      isError(
        "invalid-arg",
        /hard_limit tunable value must be lower than or equal to swap_hard_limit/,
      ),
    );

    await cg.setCpu({ shares: 2048, period: 50000, quota: 25000 });
    assertEquals([
      g("cpu", "cpu.shares"),
      g("cpu", "cpu.cfs_period_us"),
      g("cpu", "cpu.cfs_quota_us"),
    ], ["2048", "50000", "25000"]);
    await cg.setCpu({ quota: -5 });
    assertEquals(await cg.cpuTunables(), { shares: 2048, period: 50000, quota: -1 });
    await assertRejects(
      () => cg.setCpu({ shares: 1 }),
      isError("invalid-arg", /shares '1' must be in range \[2, 262144\]/),
    );
    await assertRejects(
      () => cg.setCpu({ period: 999 }),
      isError("invalid-arg", /cfs_period '999'/),
    );
    await assertRejects(() => cg.setCpu({ quota: 10 }), isError("invalid-arg", /cfs_quota '10'/));

    await cg.setCpuset({ cpus: "1-2", mems: "0" });
    assertEquals(g("cpuset", "cpuset.cpus"), "1-2");

    f.writes.length = 0;
    await cg.setBlkio({
      weight: 300,
      devices: [{ major: 8, minor: 0, weight: 700, readBps: 1000, writeIops: 0 }],
    });
    assertEquals(f.writes.map((w) => w.replace(/^.*\//, "")), [
      "blkio.weight < 300",
      "blkio.weight_device < 8:0 700",
      "blkio.throttle.read_bps_device < 8:0 1000",
      "blkio.throttle.write_iops_device < 8:0 0",
    ]);
    await assertRejects(
      () => cg.setBlkio({ devices: [{ path: "/dev/null", weight: 1 }] }),
      isError("invalid-arg", /'\/dev\/null' must be a block device/),
    );

    f.writes.length = 0;
    await cg.denyAllDevices();
    await cg.allowDevices([
      { type: "c", major: 1, minor: 3, access: "rw" },
      { type: "b", major: 8, access: "r" },
      { path: "/dev/null", access: "rwm" },
      { path: "/etc/hostname", access: "r" },
    ]);
    await cg.denyDevices([{ type: "c", major: 10, minor: 232, access: "rwm" }]);
    assertEquals(f.writes.map((w) => w.replace(/^.*\//, "")), [
      "devices.deny < a",
      "devices.allow < c 1:3 rw",
      "devices.allow < b 8:* r",
      "devices.allow < c 1:3 rwm",
      "devices.deny < c 10:232 rwm",
    ]);
    await assertRejects(
      () => cg.allowDevices([{ type: "c", access: "rwx" }]),
      isError("invalid-arg", /device access 'rwx'/),
    );
    assertEquals(cg.supports("devices"), true);

    await cg.freeze();
    assertEquals(g("freezer", "freezer.state"), "FROZEN");
    assertEquals(await cg.isFrozen(), true);
    await cg.thaw();
    assertEquals(g("freezer", "freezer.state"), "THAWED");

    // the fake kernel keeps groups with processes: remove fails naming the folder
    await assertRejects(
      () => cg.remove(),
      isError(
        "system-error",
        /Unable to remove cgroup '.*cpu\/machine\/qemu-1-vm1.libvirt-qemu': processes 4242 are still in it/,
      ),
    );
    for (const grp of cg.groups) await Deno.writeTextFile(`${grp.dir}/cgroup.procs`, "");
    const again = await openMachineGroup(f.layout, { name: "qemu-1-vm1", driver: "qemu" });
    assertEquals(again?.groups.length, 7);
    await cg.remove();
    await cg.remove(); // already gone
    assertEquals(
      await openMachineGroup(f.layout, { name: "qemu-1-vm1", driver: "qemu" }),
      undefined,
    );
    assert(
      Deno.statSync(`${f.root}/sys/fs/cgroup/memory/machine`).isDirectory,
      "the partition stays",
    );
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("cgroups: v2 guest group, subtree_control, tunables written in v2 terms, no device control", async () => {
  const f = await fake("v2");
  try {
    const cg = await createMachineGroup(f.layout, {
      name: "lxc-99-web",
      driver: "lxc",
      partition: "/machine/prod",
      createPartition: true,
    });
    assertEquals(cg.path, "/machine/prod.partition/lxc-99-web.libvirt-lxc");
    assertEquals(cg.groups.map((g) => g.dir.slice(f.root.length)), [
      "/sys/fs/cgroup/machine/prod.partition/lxc-99-web.libvirt-lxc",
    ]);
    assertEquals(f.read("/sys/fs/cgroup/cgroup.subtree_control"), "cpu cpuset memory io");
    assertEquals(f.read("/sys/fs/cgroup/machine/cgroup.subtree_control"), "cpu cpuset memory io");
    assertEquals(
      f.read("/sys/fs/cgroup/machine/prod.partition/cgroup.subtree_control"),
      "cpu cpuset memory io",
    );
    const dir = "/sys/fs/cgroup/machine/prod.partition/lxc-99-web.libvirt-lxc";
    const g = (file: string) => f.read(`${dir}/${file}`);

    await cg.addProcess(4242);
    assertEquals(g("cgroup.procs"), "4242");
    await cg.addTask(4243);
    assertEquals(g("cgroup.threads"), "4243");

    await cg.setMemory({ hardLimitKiB: 1048576, softLimitKiB: 524288, swapHardLimitKiB: 2097152 });
    assertEquals([g("memory.max"), g("memory.high"), g("memory.swap.max")], [
      "1073741824",
      "536870912",
      "2147483648",
    ]);
    assertEquals(await cg.memoryLimits(), {
      hardLimitKiB: 1048576,
      softLimitKiB: 524288,
      swapHardLimitKiB: 2097152,
    });
    await cg.setMemory({ hardLimitKiB: UNLIMITED_KIB });
    assertEquals(g("memory.max"), "max");
    assertEquals((await cg.memoryLimits()).hardLimitKiB, UNLIMITED_KIB);

    await cg.setCpu({ shares: 1024 });
    assertEquals([g("cpu.weight"), g("cpu.max")], ["1024", "max 100000"]);
    await cg.setCpu({ period: 50000 });
    assertEquals(g("cpu.max"), "max 50000");
    await cg.setCpu({ quota: 20000 });
    assertEquals(g("cpu.max"), "20000 50000");
    await cg.setCpu({ quota: 30000, period: 60000 });
    assertEquals(await cg.cpuTunables(), { shares: 1024, period: 60000, quota: 30000 });
    await cg.setCpu({ quota: -1 });
    assertEquals(await cg.cpuTunables(), { shares: 1024, period: 60000, quota: 17592186044415 });
    await assertRejects(
      () => cg.setCpu({ shares: 20000 }),
      isError("invalid-arg", /shares '20000' must be in range \[1, 10000\]/),
    );

    f.writes.length = 0;
    await cg.setBlkio({
      weight: 300,
      devices: [{ major: 8, minor: 0, weight: 700, readBps: 1000, writeIops: 0 }],
    });
    assertEquals(f.writes.map((w) => w.replace(/^.*\//, "")), [
      "io.weight < default 300",
      "io.weight < 8:0 700",
      "io.max < 8:0 rbps=1000",
      "io.max < 8:0 wiops=max",
    ]);
    await cg.setCpuset({ cpus: "0-1" });
    assertEquals(g("cpuset.cpus"), "0-1");

    assertEquals(cg.supports("devices"), false);
    assertEquals(cg.supports("memory"), true);
    await assertRejects(
      () => cg.denyAllDevices(),
      isError("operation-unsupported", /BPF device program/),
    );
    await assertRejects(
      () => cg.allowDevices([{ type: "a" }]),
      isError("operation-unsupported", /BPF/),
    );

    await cg.freeze();
    assertEquals(g("cgroup.freeze"), "1");
    assertEquals(await cg.isFrozen(), true);
    await cg.thaw();
    assertEquals(await cg.isFrozen(), false);

    await Deno.writeTextFile(`${f.root}${dir}/cgroup.procs`, "");
    await cg.remove();
    assertEquals(
      await openMachineGroup(f.layout, {
        name: "lxc-99-web",
        driver: "lxc",
        partition: "/machine/prod",
      }),
      undefined,
    );
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("cgroups: v2 with fewer controllers: only those offered are enabled, the rest are unavailable", async () => {
  const f = await fake("v2");
  try {
    await Deno.writeTextFile(`${f.root}/sys/fs/cgroup/cgroup.controllers`, "memory pids\n");
    const layout = await detectCgroups({
      mountinfo: f.mountinfo,
      procCgroups: f.procCgroups,
      root: f.root,
      kernel: f.kernel,
    });
    const cg = await createMachineGroup(layout, { name: "vm", driver: "qemu" });
    assertEquals(f.read("/sys/fs/cgroup/machine/cgroup.subtree_control"), "memory");
    assertEquals(cg.supports("cpu"), false);
    await assertRejects(
      () => cg.setCpu({ shares: 100 }),
      isError(
        "operation-unsupported",
        /cgroup controller 'cpu' is not available for \/machine\/vm.libvirt-qemu/,
      ),
    );
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("cgroups: hybrid host: v1 controllers plus the controller-less v2 group for tracking", async () => {
  const f = await fake("hybrid");
  try {
    const cg = await createMachineGroup(f.layout, {
      name: "qemu-2-vm2",
      driver: "qemu",
      controllers: ["memory", "freezer"],
    });
    assertEquals(cg.groups.map((g) => g.dir.slice(f.root.length)), [
      "/sys/fs/cgroup/memory/machine/qemu-2-vm2.libvirt-qemu",
      "/sys/fs/cgroup/freezer/machine/qemu-2-vm2.libvirt-qemu",
      "/sys/fs/cgroup/unified/machine/qemu-2-vm2.libvirt-qemu",
    ]);
    assertEquals(f.writes.filter((w) => w.includes("subtree_control")), []);
    await cg.addProcess(77);
    assertEquals(
      f.read("/sys/fs/cgroup/unified/machine/qemu-2-vm2.libvirt-qemu/cgroup.procs"),
      "77",
    );
    assertEquals(
      f.read("/sys/fs/cgroup/memory/machine/qemu-2-vm2.libvirt-qemu/cgroup.procs"),
      "77",
    );
    assertEquals(await cg.pids(), [77]);
    await cg.freeze();
    assertEquals(
      f.read("/sys/fs/cgroup/freezer/machine/qemu-2-vm2.libvirt-qemu/freezer.state"),
      "FROZEN",
    );
    await assertRejects(
      () => cg.setCpu({ shares: 100 }),
      isError("operation-unsupported", /'cpu'/),
    );
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});

Deno.test("cgroups: a custom partition must exist unless asked to create it; failures roll back", async () => {
  const f = await fake("v1");
  try {
    await assertRejects(
      () =>
        createMachineGroup(f.layout, { name: "vm", driver: "qemu", partition: "/machine/testing" }),
      isError(
        "system-error",
        /cgroup partition '\/machine\/testing' does not exist: '.*\/cpu\/machine' is missing/,
      ),
    );
    for (const c of ["cpu", "cpuset", "memory"]) {
      await Deno.mkdir(`${f.root}/sys/fs/cgroup/${c}/machine/testing.partition`, {
        recursive: true,
      });
    }
    await Deno.writeTextFile(
      `${f.root}/sys/fs/cgroup/cpuset/machine/testing.partition/cpuset.cpus`,
      "2\n",
    );
    await Deno.writeTextFile(
      `${f.root}/sys/fs/cgroup/cpuset/machine/testing.partition/cpuset.mems`,
      "0\n",
    );
    const cg = await createMachineGroup(f.layout, {
      name: "vm",
      driver: "qemu",
      partition: "/machine/testing",
      controllers: ["cpu", "cpuset", "memory"],
    });
    assertEquals(
      f.read("/sys/fs/cgroup/cpuset/machine/testing.partition/vm.libvirt-qemu/cpuset.cpus"),
      "2",
    );
    assertEquals(cg.groups.length, 3);
    // the devices hierarchy has no partition: the groups created before the failure go away
    await assertRejects(
      () =>
        createMachineGroup(f.layout, {
          name: "vm2",
          driver: "qemu",
          partition: "/machine/testing",
          controllers: ["cpu", "devices"],
        }),
      isError("system-error", /devices\/machine' is missing/),
    );
    assertEquals(
      await openMachineGroup(f.layout, {
        name: "vm2",
        driver: "qemu",
        partition: "/machine/testing",
      }),
      undefined,
    );
    // a failing write names the file
    await Deno.remove(
      `${f.root}/sys/fs/cgroup/memory/machine/testing.partition/vm.libvirt-qemu/memory.memsw.limit_in_bytes`,
    );
    await assertRejects(
      () => cg.setMemory({ swapHardLimitKiB: 1024 }),
      isError(
        "system-error",
        /Unable to write '1048576' to '.*\/vm.libvirt-qemu\/memory.memsw.limit_in_bytes': No such file/,
      ),
    );
    assertEquals((await cg.memoryLimits()).swapHardLimitKiB, undefined);
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});

const isRoot = Deno.uid() === 0;
const hostLayout = await detectCgroups();

Deno.test({
  name: "cgroups: a real guest group on this host for a sleep process",
  ignore: skipUnless(
    isRoot && hostLayout.mode !== "none",
    "needs root and a mounted cgroup hierarchy",
  ),
  async fn() {
    const layout = hostLayout;
    const tag = `vktest-${Deno.pid}-${Date.now() % 100000}`;
    const partition = `/${tag}`;
    const child = new Deno.Command("sleep", { args: ["600"], stdout: "null", stderr: "null" })
      .spawn();
    const status = child.status;
    const hierarchies = [...layout.v1, ...(layout.v2 ? [layout.v2] : [])];
    let cg;
    try {
      cg = await createMachineGroup(layout, {
        partition,
        createPartition: true,
        name: machineName("qemu", 1, tag),
        driver: "qemu",
      });
      assertEquals(cg.path, `/${tag}.partition/qemu-1-${tag}.libvirt-qemu`);
      if (layout.v2) {
        assert(
          cg.groups.some((g) => g.hierarchy.version === 2),
          "the v2 hierarchy has the group too",
        );
      }
      await cg.addProcess(child.pid);
      const placement = Deno.readTextFileSync(`/proc/${child.pid}/cgroup`);
      for (const g of cg.groups) {
        assert(
          Deno.readTextFileSync(`${g.dir}/cgroup.procs`).split("\n").includes(String(child.pid)),
          `pid in ${g.dir}`,
        );
      }
      assert(placement.includes(cg.path), placement);
      assertEquals(await cg.pids(), [child.pid]);

      if (cg.supports("memory")) {
        await cg.setMemory({ hardLimitKiB: 262144, softLimitKiB: 131072 });
        const mem = cg.groups.find((g) =>
          g.hierarchy.controllers.includes("memory") || g.hierarchy.version === 2
        )!;
        const file = mem.hierarchy.version === 1 ? "memory.limit_in_bytes" : "memory.max";
        assertEquals(Deno.readTextFileSync(`${mem.dir}/${file}`).trim(), String(262144 * 1024));
        const limits = await cg.memoryLimits();
        assertEquals([limits.hardLimitKiB, limits.softLimitKiB], [262144, 131072]);
      }

      await cg.freeze();
      assertEquals(await cg.isFrozen(), true);
      const state = () =>
        Deno.readTextFileSync(`/proc/${child.pid}/status`).match(/^State:\s+(\S)/m)?.[1];
      const v1Freezer = cg.groups.find((g) =>
        g.hierarchy.version === 1 && g.hierarchy.controllers.includes("freezer")
      );
      if (v1Freezer) {
        assertEquals(Deno.readTextFileSync(`${v1Freezer.dir}/freezer.state`).trim(), "FROZEN");
      }
      await cg.thaw();
      assertEquals(await cg.isFrozen(), false);
      assertEquals(state(), "S");

      await cg.freeze();
      await cg.killAll("SIGKILL", { timeoutMs: 5000 });
      assertEquals(await cg.pids(), []);
      assertEquals((await status).signal, "SIGKILL");
      await cg.remove();
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already dead */ }
      await status;
      await cg?.remove().catch(() => {});
      for (const h of hierarchies) await Deno.remove(`${h.path}/${tag}.partition`).catch(() => {});
    }
    for (const h of hierarchies) {
      assertEquals(
        [...Deno.readDirSync(h.path)].filter((e) => e.name.includes(tag)).map((e) => e.name),
        [],
        `left in ${h.path}`,
      );
    }
  },
});
