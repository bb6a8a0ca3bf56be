/**
 * The host commands end to end: `host-validate` against this host's real
 * KVM, TUN and cgroup state (and against `virt-host-validate` where it is
 * installed), `nodememstats`/`nodecpustats` on this host through a QEMU
 * connection to a throwaway embed root and on `test:///default` (compared
 * with virsh), and `domcapabilities` against domaincaps.rng.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { assertValid, NO_XMLLINT } from "../host/xmllint.ts";
import { cli, virsh } from "./run_cli.ts";

const TEST = "test:///default";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function opensReadWrite(path: string): boolean {
  try {
    Deno.openSync(path, { read: true, write: true }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a cgroup controller can be used, worked out here from the mount
 * table: a v1 hierarchy mounts it, or a v2 hierarchy offers it (`cpuacct`
 * is part of `cpu` and `blkio` is `io` there; `devices` and `freezer` are
 * built into v2).
 */
function cgroupAvailable(controller: string): boolean {
  const mounts = Deno.readTextFileSync("/proc/self/mounts").split("\n").map((l) => l.split(" "));
  if (mounts.some((m) => m[2] === "cgroup" && m[3]?.split(",").includes(controller))) return true;
  const v2Name = controller === "cpuacct" ? "cpu" : controller === "blkio" ? "io" : controller;
  for (const m of mounts.filter((m) => m[2] === "cgroup2")) {
    if (controller === "devices" || controller === "freezer") return true;
    const list = Deno.readTextFileSync(`${m[1]}/cgroup.controllers`).trim().split(/\s+/);
    if (list.includes(v2Name)) return true;
  }
  return false;
}

/** `CHECK -> RESULT` of validation lines such as `  QEMU: Checking X   : PASS (...)`. */
function results(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^ *(\w+): (Checking .*?) *: (PASS|WARN|FAIL)\b/.exec(line);
    if (m) out.set(`${m[1]}: ${m[2]}`, m[3]);
  }
  return out;
}

const PASS = (ok: boolean) => (ok ? "PASS" : "FAIL");

Deno.test("host-validate reports this host's KVM, TUN and cgroup controllers", async () => {
  const r = await cli(["host-validate"]);
  const got = results(r.stdout);
  const kvm = exists("/dev/kvm");
  assertEquals(got.get("QEMU: Checking if device /dev/kvm exists"), PASS(kvm));
  if (kvm) {
    assertEquals(
      got.get("QEMU: Checking if device /dev/kvm is accessible"),
      PASS(opensReadWrite("/dev/kvm")),
    );
  }
  assertEquals(
    got.get("QEMU: Checking if device /dev/net/tun exists"),
    PASS(exists("/dev/net/tun")),
  );
  assertEquals(
    got.get("QEMU: Checking if device /dev/vhost-net exists"),
    exists("/dev/vhost-net") ? "PASS" : "WARN",
  );
  const hv = got.get("QEMU: Checking for hardware virtualization");
  const flags = /^flags\s*:.*\b(vmx|svm)\b/m.test(Deno.readTextFileSync("/proc/cpuinfo"));
  assertEquals(hv, flags ? "PASS" : opensReadWrite("/dev/kvm") ? "WARN" : "FAIL");
  for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"]) {
    for (const h of ["QEMU", "LXC"]) {
      assertEquals(
        got.get(`${h}: Checking for cgroup '${c}' controller support`),
        PASS(cgroupAvailable(c)),
        `${h} ${c}`,
      );
    }
  }
  assertEquals(
    got.get("LXC: Checking for cgroup 'freezer' controller support"),
    PASS(cgroupAvailable("freezer")),
  );
  // Every line is in virt-host-validate's layout; the exit status says whether one failed.
  const lines = r.stdout.split("\n").filter((l) => l.trim());
  for (const l of lines) assertMatch(l, /^( {2}QEMU| {3}LXC): Checking .{60,}: (PASS|WARN|FAIL)/);
  const failed = [...got.values()].includes("FAIL");
  assertEquals(r.code, failed ? 1 : 0);
  if (failed) assertMatch(r.stderr, /^error: host validation failed: \d+ checks? failed\n$/);
});

Deno.test("host-validate: one hypervisor, unknown names, JSON", async () => {
  let r = await cli(["host-validate", "lxc"]);
  assert(r.stdout.split("\n").filter((l) => l.trim()).every((l) => l.startsWith("   LXC: ")));
  r = await cli(["host-validate", "xen"]);
  assertEquals(r.code, 1);
  assertMatch(r.stderr, /unknown hypervisor 'xen': expected one of qemu, lxc/);
  r = await cli(["--json", "host-validate", "qemu"]);
  const list = JSON.parse(r.stdout.split("\n")[0]) as { hv: string; result: string }[];
  assert(list.length > 5 && list.every((x) => x.hv === "QEMU"));
});

Deno.test({
  name: "host-validate agrees with virt-host-validate on TUN and cgroups",
  ignore: skipUnless(hasCommand("virt-host-validate"), "virt-host-validate is not installed"),
  async fn() {
    const ours = results((await cli(["host-validate"])).stdout);
    const out = await new Deno.Command("virt-host-validate", {
      stdout: "piped",
      stderr: "piped",
      env: { LC_ALL: "C" },
    }).output();
    const theirs = results(new TextDecoder().decode(out.stdout));
    const compared = [...theirs.keys()].filter((k) =>
      k.includes("/dev/net/tun") || k.includes("cgroup")
    );
    assert(compared.length >= 13, compared.join("\n"));
    for (const k of compared) assertEquals(ours.get(k), theirs.get(k), k);
  },
});

async function withEmbed(fn: (uri: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-host-cli-" });
  try {
    await fn(`qemu:///embed?root=${dir}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("nodememstats and nodecpustats on this host", async () => {
  await withEmbed(async (uri) => {
    let r = await cli(["-c", uri, "nodememstats"]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stdout,
      /^total {2}: {1,20}\d+ KiB\nfree {3}: +\d+ KiB\nbuffers: +\d+ KiB\ncached : +\d+ KiB\n\n$/,
    );
    const memTotal = /^MemTotal:\s+(\d+)/m.exec(Deno.readTextFileSync("/proc/meminfo"))![1];
    assertEquals(r.stdout.split("\n")[0], `total  : ${memTotal.padStart(20)} KiB`);
    if (exists("/sys/devices/system/node/node0/meminfo")) {
      r = await cli(["-c", uri, "nodememstats", "--cell", "0"]);
      assertMatch(r.stdout, /^total {2}: +\d+ KiB\nfree {3}: +\d+ KiB\n\n$/);
    }
    r = await cli(["-c", uri, "nodememstats", "--cell", "4096"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /^error: Unable to get number of memory stats: .*cell/);

    r = await cli(["-c", uri, "nodecpustats; nodecpustats --cpu 0"]);
    assertEquals(r.code, 0, r.stderr);
    const block = /user: {10} +\d+\nsystem: +\d+\nidle: +\d+\niowait: +\d+\n\n/.source;
    assertMatch(r.stdout, new RegExp(`^${block}${block}$`));
    for (const l of r.stdout.split("\n").filter((l) => l)) assertEquals(l.length, 36, l);
    r = await cli(["-c", uri, "nodecpustats", "--cpu", "100000"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /^error: Unable to get node cpu stats: /);
    r = await cli(["-c", uri, "nodecpustats", "--percent"]);
    const pct = [...r.stdout.matchAll(/^(\w+): +(\d+\.\d)%$/gm)].map((m) => [m[1], Number(m[2])]);
    assertEquals(pct.map(([k]) => k), ["usage", "user", "system", "idle", "iowait"]);
    const v = Object.fromEntries(pct) as Record<string, number>;
    assert(Math.abs(v.user + v.system + v.idle + v.iowait - 100) < 0.3, r.stdout);
    assert(Math.abs(v.usage - v.user - v.system) < 0.2, r.stdout);
  });
});

Deno.test({
  name: "host statistics on test:///default: the same output as virsh",
  ignore: skipUnless(
    hasCommand("virsh"),
    "virsh is not installed (apt-get install libvirt-clients)",
  ),
  async fn() {
    for (
      const line of [
        "nodecpustats",
        "nodecpustats --cpu 2",
        "nodecpustats --percent",
        "nodememstats",
        "domcapabilities",
      ]
    ) {
      const [ours, theirs] = await Promise.all([
        cli(["-c", TEST, line]),
        virsh(["-c", TEST, line]),
      ]);
      assertEquals(ours.stdout, theirs.stdout, line);
      assertEquals(ours.code, theirs.code, line);
    }
  },
});

Deno.test({
  name: "domcapabilities on this host validates against domaincaps.rng",
  ignore: NO_XMLLINT ||
    skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed"),
  async fn() {
    await withEmbed(async (uri) => {
      let r = await cli(["-c", uri, "domcapabilities --virttype qemu"]);
      assertEquals(r.code, 0, r.stderr);
      assertMatch(
        r.stdout,
        /^<domainCapabilities>\n {2}<path>[^<]+<\/path>\n {2}<domain>qemu<\/domain>\n/,
      );
      assert(r.stdout.endsWith("</domainCapabilities>\n\n\n"), "virsh's trailing newlines");
      await assertValid("domaincaps.rng", new Map([["domcaps", r.stdout]]));
      r = await cli(["-c", uri, "domcapabilities --arch nosuch"]);
      assertEquals(r.code, 1);
      assertEquals(
        r.stderr,
        "error: failed to get emulator capabilities: invalid argument: unable to find any emulator to serve 'nosuch' architecture\n",
      );
    });
  },
});
