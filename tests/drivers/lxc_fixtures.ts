/**
 * Shared pieces of the LXC driver tests: a busybox root file system built
 * from the host's static busybox, a throwaway state tree, domain XML, and
 * checks that a container left nothing behind.
 */
import { hasCommand } from "../skip.ts";

/** The host's busybox, when it is a static binary (Debian's busybox-static). */
export const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => {
  try {
    const head = Deno.readFileSync(p).subarray(0, 65536);
    return !new TextDecoder("latin1").decode(head).includes("/ld-linux");
  } catch {
    return false;
  }
});

/** Whether the LXC driver can run here: root on Linux with a static busybox. */
export const LXC_READY = Deno.build.os === "linux" && Deno.uid() === 0 && BUSYBOX !== undefined &&
  hasCommand("ip");

/** Why the tests skip when {@link LXC_READY} is false. */
export const LXC_WHY =
  "needs root on Linux, a static busybox (Debian: busybox-static) and iproute2";

const APPLETS = [
  "sh",
  "sleep",
  "hostname",
  "ps",
  "cat",
  "ls",
  "id",
  "ip",
  "ping",
  "echo",
  "mount",
  "reboot",
  "touch",
  "wc",
  "grep",
  "true",
  "false",
];

/** A work folder with a busybox root (`ROOT/rootfs`) and a state tree (`ROOT/state`). */
export interface LxcWork {
  dir: string;
  rootfs: string;
  uri: string;
}

/** Makes a work folder: a busybox root file system and an empty state tree. */
export async function makeWork(): Promise<LxcWork> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-lxc-" });
  const rootfs = `${dir}/rootfs`;
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "root"]) {
    await Deno.mkdir(`${rootfs}/${d}`, { recursive: true });
  }
  await Deno.chmod(`${rootfs}/tmp`, 0o1777);
  await Deno.chmod(dir, 0o755);
  await Deno.copyFile(BUSYBOX!, `${rootfs}/bin/busybox`);
  await Deno.chmod(`${rootfs}/bin/busybox`, 0o755);
  for (const a of APPLETS) await Deno.symlink("busybox", `${rootfs}/bin/${a}`);
  await Deno.writeTextFile(
    `${rootfs}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n",
  );
  await Deno.writeTextFile(`${rootfs}/etc/group`, "root:x:0:\nnogroup:x:65534:\n");
  return { dir, rootfs, uri: `lxc:///embed?root=${dir}/state` };
}

/** A unique throwaway name. */
export function uniqueName(prefix = "vkl"): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
}

/** A busybox container's XML; `extra` goes inside `<domain>`, `devices` inside `<devices>`. */
export function containerXml(
  name: string,
  rootfs: string,
  opts: { init?: string; args?: string[]; extra?: string; devices?: string; memoryKiB?: number } =
    {},
): string {
  const args = opts.args ?? ["-c", "while true; do sleep 1; done"];
  return `<domain type='lxc'>
  <name>${name}</name>
  <memory unit='KiB'>${opts.memoryKiB ?? 65536}</memory>
  <os>
    <type>exe</type>
    <init>${opts.init ?? "/bin/sh"}</init>
${args.map((a) => `    <initarg>${a}</initarg>`).join("\n")}
  </os>
${opts.extra ?? ""}
  <devices>
    <filesystem type='mount'>
      <source dir='${rootfs}'/>
      <target dir='/'/>
    </filesystem>
    <console type='pty'/>
${opts.devices ?? ""}
  </devices>
</domain>
`;
}

/** The container's groups in every mounted hierarchy (`/sys/fs/cgroup/.../NAME.libvirt-lxc`). */
export function cgroupDirs(name: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync("/sys/fs/cgroup")) {
    const dir = `/sys/fs/cgroup/${e.name}/machine/${name}.libvirt-lxc`;
    try {
      if (Deno.statSync(dir).isDirectory) out.push(dir);
    } catch { /* not there */ }
  }
  try {
    if (Deno.statSync(`/sys/fs/cgroup/machine/${name}.libvirt-lxc`).isDirectory) {
      out.push(`/sys/fs/cgroup/machine/${name}.libvirt-lxc`);
    }
  } catch { /* not a v2-only host */ }
  return out;
}

/** Processes whose cgroup path names the container's group. */
export function processesOf(name: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/cgroup`).includes(`/${name}.libvirt-lxc`)) {
        out.push(Number(e.name));
      }
    } catch { /* gone */ }
  }
  return out;
}

/** Whether a network interface exists on the host. */
export function linkExists(name: string): boolean {
  try {
    Deno.statSync(`/sys/class/net/${name}`);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `check` holds, or fails after `ms`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes still running from a work folder's state tree (controllers, helpers). */
export function strays(work: LxcWork): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/cmdline`).includes(work.dir)) {
        out.push(Number(e.name));
      }
    } catch { /* gone */ }
  }
  return out;
}

/** Kills whatever a test left running and removes its folder. */
export async function removeWork(work: LxcWork, names: string[]): Promise<void> {
  for (const name of names) {
    for (const pid of processesOf(name)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  for (const pid of strays(work)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  await new Promise((r) => setTimeout(r, 100));
  for (const name of names) {
    for (const dir of cgroupDirs(name).reverse()) await Deno.remove(dir).catch(() => {});
  }
  await Deno.remove(work.dir, { recursive: true }).catch(() => {});
}
