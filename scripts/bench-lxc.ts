/**
 * Container start-to-running, side by side, on one busybox root:
 *
 * - virtkit: `dom.create()` through the library (`lxc:///embed?root=...`
 *   under /run, where `lxc:///system` keeps its status files), timed until
 *   it returns with the container running;
 * - lxc: `lxc-start -d` of the same root with the config the lxc-tools
 *   converter writes for the same domain, timed until it exits (it waits for
 *   RUNNING);
 * - libvirt: `virsh -c lxc:///system start` of the same domain, once
 *   (libvirtd is started for the run if it is not running, and stopped
 *   after); on hybrid cgroup hosts it fails, and its error is printed as its
 *   result.
 *
 * The sides take turns for several rounds so both see the same machine
 * load; stopping is not timed. Prints the medians and their ratio; never
 * asserts. Needs root, lxc-start and a static busybox.
 *
 * Usage: deno run -A scripts/bench-lxc.ts [--iterations N]
 * @module
 */
import { domainToLxcConfig, open, parseDomainXml } from "../mod.ts";

const i = Deno.args.indexOf("--iterations");
const ITERATIONS = i === -1 ? 20 : Number(Deno.args[i + 1]);
const ROUNDS = 3;
const BUSYBOX = "/bin/busybox";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  let o: Deno.CommandOutput;
  try {
    o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    return { ok: false, out: `${cmd}: ${(e as Error).message}` };
  }
  const dec = new TextDecoder();
  return { ok: o.success, out: (dec.decode(o.stdout) + dec.decode(o.stderr)).trim() };
}

function domainXml(name: string, rootfs: string): string {
  return `<domain type='lxc'>
  <name>${name}</name>
  <memory unit='KiB'>65536</memory>
  <os>
    <type>exe</type>
    <init>/init.sh</init>
  </os>
  <devices>
    <filesystem type='mount'>
      <source dir='${rootfs}'/>
      <target dir='/'/>
    </filesystem>
    <console type='pty'/>
  </devices>
</domain>
`;
}

if (Deno.uid() !== 0) {
  console.log("bench-lxc: skipped (needs root)");
  Deno.exit(0);
}

const work = await Deno.makeTempDir({ prefix: "virtkit-bench-lxc-" });
const state = await Deno.makeTempDir({ dir: "/run", prefix: "virtkit-bench-lxc-" });
const rootfs = `${work}/rootfs`;
for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc"]) {
  await Deno.mkdir(`${rootfs}/${d}`, { recursive: true });
}
await Deno.copyFile(BUSYBOX, `${rootfs}/bin/busybox`);
await Deno.chmod(`${rootfs}/bin/busybox`, 0o755);
for (const a of ["sh", "sleep"]) await Deno.symlink("busybox", `${rootfs}/bin/${a}`);
await Deno.writeTextFile(`${rootfs}/init.sh`, "#!/bin/sh\nwhile true; do sleep 1; done\n", {
  mode: 0o755,
});

const name = `vkbench${crypto.randomUUID().slice(0, 6)}`;
const xml = domainXml(name, rootfs);
const lxcDir = `${work}/lxc`;
await Deno.mkdir(lxcDir);
await Deno.writeTextFile(`${lxcDir}/config`, domainToLxcConfig(parseDomainXml(xml)).config);

const conn = await open(`lxc:///embed?root=${state}`);
const dom = await conn.defineXML(xml);
const ours: number[] = [];
const theirs: number[] = [];
let lxcError = "";
try {
  // Warm up both sides once.
  await dom.create();
  await dom.destroy();
  await run("lxc-start", ["-n", name, "-P", lxcDir, "-f", `${lxcDir}/config`, "-d"]);
  await run("lxc-stop", ["-k", "-n", name, "-P", lxcDir]);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < ITERATIONS; k++) {
      let t = performance.now();
      await dom.create();
      ours.push(performance.now() - t);
      await dom.destroy();

      t = performance.now();
      const started = await run("lxc-start", [
        "-n",
        name,
        "-P",
        lxcDir,
        "-f",
        `${lxcDir}/config`,
        "-d",
      ]);
      const took = performance.now() - t;
      const info = await run("lxc-info", ["-n", name, "-P", lxcDir, "-s"]);
      if (started.ok && /RUNNING/.test(info.out)) theirs.push(took);
      else lxcError ||= started.out || info.out;
      await run("lxc-stop", ["-k", "-n", name, "-P", lxcDir]);
    }
  }
} finally {
  await dom.destroy().catch(() => {});
  await dom.undefine().catch(() => {});
  await conn.close();
}

// libvirt's own LXC driver, through virsh.
let virsh: string;
const running = (await run("pgrep", ["-x", "libvirtd"])).ok;
const pidFile = `${work}/libvirtd.pid`;
if (!running) await startLibvirtd();
try {
  await Deno.writeTextFile(`${work}/virsh.xml`, xml);
  await run("virsh", ["-c", "lxc:///system", "define", `${work}/virsh.xml`]);
  const t = performance.now();
  const res = await run("virsh", ["-c", "lxc:///system", "start", name]);
  const took = performance.now() - t;
  virsh = res.ok ? `${took.toFixed(1)} ms` : `failed: ${res.out.replace(/\s+/g, " ")}`;
  if (res.ok) await run("virsh", ["-c", "lxc:///system", "destroy", name]);
  await run("virsh", ["-c", "lxc:///system", "undefine", name]);
} finally {
  if (!running) {
    const pid = Number(await Deno.readTextFile(pidFile).catch(() => "0"));
    if (pid) Deno.kill(pid, "SIGTERM");
  }
}

/**
 * Starts libvirtd for the run. Its QEMU driver refuses to initialise (and
 * takes the daemon down) without the `libvirt-qemu` user, which a host
 * without the Debian package's post-install steps lacks; so it runs in a
 * private mount namespace whose `/etc/passwd` and `/etc/group` are copies
 * with that user added. The host's files are not touched.
 */
async function startLibvirtd(): Promise<void> {
  await Deno.mkdir("/var/log/libvirt", { recursive: true });
  const passwd = `${work}/passwd`, group = `${work}/group`;
  await Deno.writeTextFile(
    passwd,
    (await Deno.readTextFile("/etc/passwd")) +
      "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n",
  );
  await Deno.writeTextFile(
    group,
    (await Deno.readTextFile("/etc/group")) + "libvirt-qemu:x:64055:\n",
  );
  await run("unshare", [
    "-m",
    "--propagation",
    "private",
    "sh",
    "-c",
    'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && exec libvirtd -d -p "$3"',
    "sh",
    passwd,
    group,
    pidFile,
  ]);
  for (let k = 0; k < 100; k++) {
    if (await Deno.stat("/run/libvirt/libvirt-sock").then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// lxc leaves its monitor groups behind on hybrid hosts; remove them with the rest.
for (const e of Deno.readDirSync("/sys/fs/cgroup")) {
  for (const kind of ["lxc.monitor", "lxc.payload"]) {
    for (const suffix of ["", "-1", "-2", "-3"]) {
      await Deno.remove(`/sys/fs/cgroup/${e.name}/${kind}.${name}${suffix}`).catch(() => {});
    }
  }
}
await Deno.remove(work, { recursive: true });
await Deno.remove(state, { recursive: true });

const a = median(ours);
console.log(
  `bench-lxc: start to running of a busybox container (${ROUNDS} x ${ITERATIONS}, medians)`,
);
console.log(`  virtkit (library)   ${a.toFixed(1)} ms`);
if (theirs.length) {
  const b = median(theirs);
  console.log(`  lxc-start -d        ${b.toFixed(1)} ms`);
  console.log(`  ratio virtkit/lxc   ${(a / b).toFixed(2)}`);
} else {
  console.log(`  lxc-start -d        failed: ${lxcError}`);
}
console.log(`  virsh lxc:///system ${virsh}`);
