/**
 * Host validation: on this host, the KVM, TUN and cgroup controller lines
 * agree with what the test reads itself from /dev, /proc/cgroups and the
 * cgroup v2 root; on fixtures, v1, v2 and hybrid layouts and missing devices
 * give the expected PASS/WARN/FAIL; the line format matches virt-host-validate.
 */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { hostRoots } from "../../src/host/sysfs.ts";
import {
  formatValidateLine,
  hostValidate,
  validateFailed,
  type ValidateResult,
} from "../../src/host/validate.ts";

function result(results: ValidateResult[], hv: string, check: string): string | undefined {
  return results.find((r) => r.hv === hv && r.check === check)?.result;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Controllers usable on this host, read independently: v1 hierarchies from /proc/cgroups, v2 from the cgroup2 root. */
function hostControllers(): Set<string> {
  const out = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/cgroups").split("\n").slice(1)) {
    const [name, hierarchy, , enabled] = line.split(/\s+/);
    if (name && enabled === "1" && hierarchy !== "0") out.add(name);
  }
  const v2 = Deno.readTextFileSync("/proc/mounts").split("\n").map((l) => l.split(" ")).find((f) =>
    f[2] === "cgroup2"
  );
  if (v2) {
    const ctl = Deno.readTextFileSync(`${v2[1]}/cgroup.controllers`).trim().split(/\s+/);
    for (const c of ctl) out.add(c);
    if (ctl.includes("io")) out.add("blkio");
    if (ctl.includes("cpu")) out.add("cpuacct");
    out.add("devices").add("freezer");
  }
  return out;
}

Deno.test("validate: KVM, TUN and cgroup controllers on this host", async () => {
  const results = await hostValidate();
  const kvm = existsSync("/dev/kvm");
  assertEquals(result(results, "QEMU", "if device /dev/kvm exists"), kvm ? "PASS" : "FAIL");
  if (kvm) {
    let opens = true;
    try {
      Deno.openSync("/dev/kvm", { read: true, write: true }).close();
    } catch {
      opens = false;
    }
    assertEquals(
      result(results, "QEMU", "if device /dev/kvm is accessible"),
      opens ? "PASS" : "FAIL",
    );
  }
  assertEquals(
    result(results, "QEMU", "if device /dev/net/tun exists"),
    existsSync("/dev/net/tun") ? "PASS" : "FAIL",
  );
  assertEquals(
    result(results, "QEMU", "if device /dev/vhost-net exists"),
    existsSync("/dev/vhost-net") ? "PASS" : "WARN",
  );
  const have = hostControllers();
  for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"]) {
    assertEquals(
      result(results, "QEMU", `for cgroup '${c}' controller support`),
      have.has(c) ? "PASS" : "WARN",
      c,
    );
  }
  for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"]) {
    assertEquals(
      result(results, "LXC", `for cgroup '${c}' controller support`),
      have.has(c) ? "PASS" : "FAIL",
      c,
    );
  }
  for (const ns of ["ipc", "mnt", "pid", "uts", "net", "user"]) {
    assertEquals(
      result(results, "LXC", `for namespace ${ns}`),
      existsSync(`/proc/self/ns/${ns}`) ? "PASS" : "FAIL",
    );
  }
  assertEquals((await hostValidate("lxc")).every((r) => r.hv === "LXC"), true);
});

/** A fixture with the given mountinfo lines, v2 controllers and device nodes. */
async function fixture(
  mounts: string[],
  v2Controllers: string | undefined,
  devs: string[],
): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "virtkit-validate-" });
  await Deno.mkdir(`${root}/proc/self/ns`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/proc/self/mountinfo`,
    mounts.map((m, i) => `${30 + i} 25 0:${40 + i} / ${m}`).join("\n"),
  );
  await Deno.writeTextFile(
    `${root}/proc/cpuinfo`,
    "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx sse2\n\n",
  );
  if (v2Controllers !== undefined) {
    await Deno.mkdir(`${root}/sys/fs/cgroup`, { recursive: true });
    await Deno.writeTextFile(`${root}/sys/fs/cgroup/cgroup.controllers`, v2Controllers + "\n");
  }
  for (const ns of ["ipc", "mnt", "pid", "uts", "net"]) {
    await Deno.writeTextFile(`${root}/proc/self/ns/${ns}`, "");
  }
  for (const d of devs) {
    await Deno.mkdir(`${root}/dev/${d}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/dev/${d}`, "");
  }
  return root;
}

function line(mount: string, fstype: string, opts: string): string {
  return `${mount} rw,relatime shared:1 - ${fstype} ${fstype} rw,${opts}`;
}

Deno.test("validate: a cgroup v2 host, no TUN, a usable KVM, no user namespace", async () => {
  const root = await fixture(
    [line("/sys/fs/cgroup", "cgroup2", "nsdelegate")],
    "cpuset cpu io pids",
    ["kvm", "vhost-net"],
  );
  try {
    const roots = hostRoots({ sys: `${root}/sys`, proc: `${root}/proc`, dev: `${root}/dev` });
    const r = await hostValidate(undefined, { roots, kernelRelease: "6.1.0-18-amd64" });
    assertEquals(result(r, "QEMU", "for hardware virtualization"), "PASS");
    assertEquals(result(r, "QEMU", `if device ${root}/dev/kvm exists`), "PASS");
    assertEquals(result(r, "QEMU", `if device ${root}/dev/vhost-net exists`), "PASS");
    assertEquals(result(r, "QEMU", `if device ${root}/dev/net/tun exists`), "FAIL");
    assertEquals(result(r, "QEMU", "for cgroup 'cpuacct' controller support"), "PASS");
    assertEquals(result(r, "QEMU", "for cgroup 'blkio' controller support"), "PASS");
    assertEquals(result(r, "QEMU", "for cgroup 'devices' controller support"), "PASS");
    assertEquals(result(r, "QEMU", "for cgroup 'memory' controller support"), "WARN");
    assertEquals(result(r, "LXC", "for cgroup 'memory' controller support"), "FAIL");
    assertEquals(result(r, "LXC", "for cgroup 'freezer' controller support"), "PASS");
    assertEquals(result(r, "LXC", "for namespace user"), "FAIL");
    assertEquals(result(r, "LXC", "for Linux >= 2.6.26"), "PASS");
    assert(validateFailed(r));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("validate: a hybrid host (v1 controllers without cpuset, empty v2 root) and no /dev/kvm", async () => {
  const v1 = ["cpu", "cpuacct", "memory", "devices", "freezer", "blkio"].map((c) =>
    line(`/sys/fs/cgroup/${c}`, "cgroup", c)
  );
  const root = await fixture(
    [...v1, line("/sys/fs/cgroup/unified", "cgroup2", "nsdelegate")],
    undefined,
    ["net/tun"],
  );
  try {
    await Deno.mkdir(`${root}/sys/fs/cgroup/unified`, { recursive: true });
    await Deno.writeTextFile(`${root}/sys/fs/cgroup/unified/cgroup.controllers`, "\n");
    const roots = hostRoots({ sys: `${root}/sys`, proc: `${root}/proc`, dev: `${root}/dev` });
    const r = await hostValidate("qemu", { roots });
    assertEquals(result(r, "QEMU", "for cgroup 'cpu' controller support"), "PASS");
    assertEquals(result(r, "QEMU", "for cgroup 'cpuset' controller support"), "WARN");
    assertEquals(result(r, "QEMU", `if device ${root}/dev/kvm exists`), "FAIL");
    assertEquals(result(r, "QEMU", `if device ${root}/dev/kvm is accessible`), undefined);
    assertEquals(result(r, "QEMU", `if device ${root}/dev/net/tun exists`), "PASS");
    assertEquals(result(r, "QEMU", "for hardware virtualization"), "PASS");
    assertEquals(r.every((x) => x.hv === "QEMU"), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("validate: line format and unknown hypervisors", async () => {
  assertEquals(
    formatValidateLine({ hv: "QEMU", check: "if device /dev/net/tun exists", result: "PASS" }),
    "  QEMU: Checking if device /dev/net/tun exists                               : PASS",
  );
  assertEquals(
    formatValidateLine({
      hv: "LXC",
      check: "for namespace user",
      result: "FAIL",
      hint: "build it",
    }),
    "   LXC: Checking for namespace user                                          : FAIL (build it)",
  );
  await assertRejects(
    () => hostValidate("xen"),
    (e: unknown) =>
      e instanceof VirtError &&
      /unknown hypervisor 'xen': expected one of qemu, lxc/.test(e.message),
  );
});
