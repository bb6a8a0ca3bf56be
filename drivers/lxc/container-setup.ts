/**
 * Builds a container's file system tree in a fresh mount namespace of the
 * calling thread, before its first process starts: the root bound onto a
 * staging directory, a read-only sysfs, a private `/dev` on tmpfs with the
 * allowed nodes and links, a devpts instance and the console on its first
 * terminal, the further bind and tmpfs mounts, and the container's own
 * cgroup directories under `/sys/fs/cgroup`. The first process then makes
 * the staging directory its root (see `init-program.ts`).
 * @module
 */
import {
  mknod,
  mount,
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  openPath,
  openPty,
  S_IFCHR,
} from "../../src/sys/ns.ts";
import { closeFd } from "../../src/sys/libc.ts";
import { type ContainerPlan, DEFAULT_DEVICES, DEV_SYMLINKS, hostId } from "./container-plan.ts";

/** What the tree needs besides the plan. */
export interface TreeOptions {
  /** An empty host directory the root is bound onto (it becomes `/`). */
  stage: string;
  /** Cgroup directories shown read-only in the container: name under `/sys/fs/cgroup`, host path. */
  cgroupDirs: [string, string][];
}

/** The console: the pseudo-terminal master stays with the host, the slave becomes the init's stdio. */
export interface ConsolePty {
  master: number;
  slave: number;
}

function mkdirp(path: string): void {
  Deno.mkdirSync(path, { recursive: true });
}

/** Binds `source` onto `target` (recursively), read-only when asked. */
function bind(source: string, target: string, readonly: boolean): void {
  mount(source, target, null, MS_BIND | MS_REC);
  if (readonly) mount(null, target, null, MS_BIND | MS_REMOUNT | MS_RDONLY);
}

/** Makes `target` (a file or directory) if it is missing, like the source it will carry. */
function ensureTarget(source: string, target: string): void {
  if (Deno.statSync(source).isDirectory) mkdirp(target);
  else {
    mkdirp(target.slice(0, target.lastIndexOf("/")) || "/");
    Deno.writeFileSync(target, new Uint8Array(), { append: true });
  }
}

function populateDev(dev: string, owner: { uid: number; gid: number }, ttyGid: number): void {
  mount("devfs", dev, "tmpfs", MS_NOSUID, "mode=755,size=65536k");
  for (const d of DEFAULT_DEVICES) {
    const path = `${dev}/${d.name}`;
    mknod(path, S_IFCHR | 0o666, d.major, d.minor);
    Deno.chmodSync(path, 0o666);
  }
  for (const [name, target] of DEV_SYMLINKS) Deno.symlinkSync(target, `${dev}/${name}`);
  Deno.mkdirSync(`${dev}/pts`);
  mount(
    "devpts",
    `${dev}/pts`,
    "devpts",
    MS_NOSUID | MS_NOEXEC,
    `newinstance,ptmxmode=0666,mode=0620,gid=${ttyGid}`,
  );
  if (owner.uid !== 0 || owner.gid !== 0) {
    Deno.chownSync(dev, owner.uid, owner.gid);
    for (const d of DEFAULT_DEVICES) Deno.chownSync(`${dev}/${d.name}`, owner.uid, owner.gid);
  }
}

/**
 * Builds the tree. The calling thread must be in a mount namespace of its
 * own (`unshare(CLONE_NEWNS)`), and in the container's network namespace
 * when it has one (sysfs shows the network devices of the namespace that
 * mounts it).
 *
 * @returns the console pseudo-terminal (`/dev/pts/0` of the container)
 */
export function buildContainerTree(plan: ContainerPlan, opts: TreeOptions): ConsolePty {
  const stage = opts.stage;
  const at = (p: string) => `${stage}${p === "/" ? "" : p}`;
  const owner = {
    uid: hostId(plan.idmap?.uid, 0),
    gid: hostId(plan.idmap?.gid, 0),
  };

  mount(null, "/", null, MS_REC | MS_PRIVATE);
  bind(plan.root ?? "/", stage, false);
  for (const d of ["/proc", "/sys", "/dev"]) mkdirp(at(d));

  mount("sysfs", at("/sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (opts.cgroupDirs.length) {
    const base = at("/sys/fs/cgroup");
    mount("cgroup-root", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k");
    for (const [name, host] of opts.cgroupDirs) {
      mkdirp(`${base}/${name}`);
      bind(host, `${base}/${name}`, true);
    }
    mount(
      null,
      base,
      null,
      MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
      "mode=755,size=64k",
    );
  }

  populateDev(at("/dev"), owner, hostId(plan.idmap?.gid, 5));

  for (const m of plan.mounts) {
    const target = at(m.target);
    if (m.kind === "tmpfs") {
      mkdirp(target);
      const size = m.sizeKiB ? `,size=${m.sizeKiB}k` : "";
      mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, `mode=1777${size}`);
      if (owner.uid !== 0) Deno.chownSync(target, owner.uid, owner.gid);
      continue;
    }
    const source = m.kind === "bind" ? m.source : at(m.source);
    ensureTarget(source, target);
    bind(source, target, m.readonly);
  }

  if (plan.rootReadonly) mount(null, stage, null, MS_BIND | MS_REMOUNT | MS_RDONLY);

  const pty = openPty(at("/dev/pts/ptmx"));
  try {
    const O_RDWR = 2, O_NOCTTY = 0o400;
    const slave = openPath(at(`/dev/pts/${pty.index}`), O_RDWR | O_NOCTTY);
    if (owner.uid !== 0) Deno.chownSync(at(`/dev/pts/${pty.index}`), owner.uid, owner.gid);
    return { master: pty.master, slave };
  } catch (e) {
    closeFd(pty.master);
    throw e;
  }
}
