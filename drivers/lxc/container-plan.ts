/**
 * What a container will be, worked out from its domain definition before
 * anything is created: its root, the mounts, the device nodes, the init's
 * command line and environment, the capabilities to drop and the id maps.
 * {@link planContainer} also checks everything that can be checked up front
 * (a missing root or init, an overlapping id map, an unsupported device) so
 * that a bad definition is refused with nothing left behind.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { IdMapEntry } from "../../src/conf/domain/os.ts";
import { PROCESS_CAPABILITIES, type ProcessCapability } from "../../src/conf/domain/features.ts";
import { VirtError } from "../../src/errors.ts";

/** Linux capability numbers (`linux/capability.h`) of libvirt's capability names. */
export const CAPABILITY_NUMBERS: Record<ProcessCapability, number> = {
  chown: 0,
  dac_override: 1,
  dac_read_search: 2,
  fowner: 3,
  fsetid: 4,
  kill: 5,
  setgid: 6,
  setuid: 7,
  setpcap: 8,
  linux_immutable: 9,
  net_bind_service: 10,
  net_broadcast: 11,
  net_admin: 12,
  net_raw: 13,
  ipc_lock: 14,
  ipc_owner: 15,
  sys_module: 16,
  sys_rawio: 17,
  sys_chroot: 18,
  sys_ptrace: 19,
  sys_pacct: 20,
  sys_admin: 21,
  sys_boot: 22,
  sys_nice: 23,
  sys_resource: 24,
  sys_time: 25,
  sys_tty_config: 26,
  mknod: 27,
  lease: 28,
  audit_write: 29,
  audit_control: 30,
  setfcap: 31,
  mac_override: 32,
  mac_admin: 33,
  syslog: 34,
  wake_alarm: 35,
  block_suspend: 36,
};

/** What the default policy takes away: module loading, the clock, device nodes, audit and LSM control. */
const DEFAULT_DROPS: ProcessCapability[] = [
  "sys_module",
  "sys_time",
  "mknod",
  "audit_control",
  "mac_admin",
];

/** A character device made in the container's `/dev`, and allowed by its devices cgroup. */
export interface DeviceNode {
  /** Path under `/dev`. */
  name: string;
  major: number;
  minor: number;
}

/** The nodes every container gets (libvirt's list). */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { name: "null", major: 1, minor: 3 },
  { name: "zero", major: 1, minor: 5 },
  { name: "full", major: 1, minor: 7 },
  { name: "random", major: 1, minor: 8 },
  { name: "urandom", major: 1, minor: 9 },
  { name: "tty", major: 5, minor: 0 },
];

/** The symbolic links of the container's `/dev`: name and target. */
export const DEV_SYMLINKS: readonly [string, string][] = [
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
  ["fd", "/proc/self/fd"],
  ["ptmx", "/dev/pts/ptmx"],
  ["console", "/dev/pts/0"],
  ["tty1", "/dev/pts/0"],
];

/** One mount of the container's tree, with paths as seen inside the container. */
export type MountPlan =
  | { kind: "bind"; source: string; target: string; readonly: boolean }
  | { kind: "bind-inside"; source: string; target: string; readonly: boolean }
  | { kind: "tmpfs"; target: string; sizeKiB?: number };

/** Everything the launch needs, derived from the definition. */
export interface ContainerPlan {
  name: string;
  uuid: string;
  /** The host directory that becomes `/`; undefined shares the host's root. */
  root?: string;
  rootReadonly: boolean;
  /** Further mounts, in definition order. */
  mounts: MountPlan[];
  /** The init's path inside the container, and its arguments. */
  argv: string[];
  /** The init's environment, as `NAME=value` strings. */
  env: string[];
  /** The init's working directory. */
  initDir: string;
  /** The ids the init runs as, inside the container. */
  uid: number;
  gid: number;
  /** Capability numbers to remove from the bounding set. */
  dropCaps: number[];
  /** User and group id maps, when the container has its own user namespace. */
  idmap?: { uid: IdMapEntry[]; gid: IdMapEntry[] };
  /** Whether the container gets a network namespace (it has interfaces, or `<privnet/>`). */
  privateNetwork: boolean;
}

function invalid(message: string): VirtError {
  return new VirtError("config-unsupported", "lxc", message);
}

function stat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Resolves `path` as the container will see it: symbolic links are
 * followed with `root` as `/`, so an absolute link target stays inside the
 * container's tree. Returns the host path, or undefined when it is missing.
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  const done: string[] = [];
  for (let hops = 0; parts.length;) {
    const part = parts.shift()!;
    if (part === "..") {
      done.pop();
      continue;
    }
    const host = `${root}/${[...done, part].join("/")}`.replace(/\/+/g, "/");
    const info = lstat(host);
    if (!info) return undefined;
    if (info.isSymlink) {
      if (++hops > 40) return undefined;
      const target = Deno.readLinkSync(host);
      if (target.startsWith("/")) done.length = 0;
      parts.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
      continue;
    }
    done.push(part);
  }
  return `${root}/${done.join("/")}`.replace(/\/+/g, "/");
}

/** The capability numbers the policy and the per-capability switches remove. */
export function capabilitiesToDrop(def: DomainDef, lastCap: number): number[] {
  const c = def.features?.capabilities;
  const policy = c?.policy ?? "default";
  const state = (n: ProcessCapability) => c?.caps[n];
  if (policy === "deny") {
    const keep = new Set(
      PROCESS_CAPABILITIES.filter((n) => state(n) === "on").map((n) => CAPABILITY_NUMBERS[n]),
    );
    const all = Array.from({ length: lastCap + 1 }, (_, i) => i).filter((n) => !keep.has(n));
    return dropOrder(all);
  }
  const drop = PROCESS_CAPABILITIES.filter((n) => {
    if (policy === "allow") return state(n) === "off";
    if (DEFAULT_DROPS.includes(n)) return state(n) !== "on";
    return state(n) === "off";
  }).map((n) => CAPABILITY_NUMBERS[n]);
  return dropOrder(drop.filter((n) => n <= lastCap));
}

/** Dropping CAP_SETPCAP ends the right to drop more, so it goes last. */
function dropOrder(caps: number[]): number[] {
  const setpcap = CAPABILITY_NUMBERS.setpcap;
  return [
    ...caps.filter((n) => n !== setpcap).sort((a, b) => a - b),
    ...caps.filter((n) => n === setpcap),
  ];
}

function checkIdMap(kind: string, list: IdMapEntry[]): void {
  for (const e of list) {
    if (e.count === 0) throw invalid(`the ${kind} map range starting at ${e.start} is empty`);
  }
  const byTarget = [...list].sort((a, b) => a.target - b.target);
  for (let i = 1; i < byTarget.length; i++) {
    const a = byTarget[i - 1], b = byTarget[i];
    if (b.target < a.target + a.count) {
      throw invalid(
        `the ${kind} map ranges ${a.start}->${a.target} (${a.count}) and ${b.start}->${b.target} (${b.count}) overlap on the host`,
      );
    }
  }
}

/** Looks a user or group up by name or number in the container's `/etc/passwd` or `/etc/group`. */
function lookupId(root: string, file: "passwd" | "group", name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const path = resolveInRoot(root, `/etc/${file}`);
  const text = path ? Deno.readTextFileSync(path) : "";
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length > 2) return Number(f[2]);
  }
  throw invalid(
    `${file === "passwd" ? "user" : "group"} '${name}' does not exist in the container`,
  );
}

/** The host path of a directory the container mounts from the host, checked to exist. */
function hostDir(path: string | undefined, what: string): string {
  if (!path) throw invalid(`${what} has no source directory`);
  if (!stat(path)?.isDirectory) {
    throw invalid(`${what} source '${path}' does not exist or is not a directory`);
  }
  return path;
}

/**
 * Works out the container from its definition.
 *
 * @param lastCap the highest capability number of the kernel (`/proc/sys/kernel/cap_last_cap`)
 * @throws VirtError (`config-unsupported`) naming what is wrong: a missing
 *   root filesystem or init, an id map whose host ranges overlap, a
 *   filesystem or interface type the driver does not handle
 */
export function planContainer(def: DomainDef, lastCap: number): ContainerPlan {
  if (def.type !== "lxc") throw invalid(`domain type '${def.type}' is not 'lxc'`);
  if (def.os.type !== "exe") throw invalid(`OS type '${def.os.type}' is not 'exe'`);
  let root: string | undefined;
  let rootReadonly = false;
  const mounts: MountPlan[] = [];
  for (const [i, fs] of def.devices.filesystems.entries()) {
    const what = `filesystem ${i} (target '${fs.target}')`;
    if (fs.target === "/") {
      if (fs.type !== "mount") {
        throw invalid(`the root ${what} must have type 'mount', not '${fs.type}'`);
      }
      if (!fs.source.path || !stat(fs.source.path)?.isDirectory) {
        throw invalid(
          `the root filesystem '${fs.source.path ?? ""}' does not exist or is not a directory`,
        );
      }
      root = fs.source.path;
      rootReadonly = fs.readonly ?? false;
      continue;
    }
    if (!fs.target.startsWith("/")) throw invalid(`${what} needs an absolute target`);
    switch (fs.type) {
      case "mount":
        mounts.push({
          kind: "bind",
          source: hostDir(fs.source.path, what),
          target: fs.target,
          readonly: !!fs.readonly,
        });
        break;
      case "bind":
        if (!fs.source.path) throw invalid(`${what} has no source directory`);
        mounts.push({
          kind: "bind-inside",
          source: fs.source.path,
          target: fs.target,
          readonly: !!fs.readonly,
        });
        break;
      case "ram":
        mounts.push({
          kind: "tmpfs",
          target: fs.target,
          sizeKiB: fs.source.usage ? Math.ceil(fs.source.usage / 1024) : undefined,
        });
        break;
      default:
        throw invalid(
          `${what} has type '${fs.type}'; the LXC driver mounts 'mount', 'bind' and 'ram' filesystems`,
        );
    }
  }
  for (const [i, net] of def.devices.interfaces.entries()) {
    const t = net.source.type;
    if (t !== "network" && t !== "bridge" && t !== "ethernet") {
      throw invalid(
        `interface ${i} has type '${t}'; the LXC driver connects 'network', 'bridge' and 'ethernet' interfaces`,
      );
    }
  }
  for (const h of def.devices.hostdevs) {
    throw invalid(
      `host device passthrough (${
        JSON.stringify(h).slice(0, 40)
      }...) is not supported by the LXC driver`,
    );
  }

  const init = def.os.init;
  if (!init) throw invalid("the domain has no <init> in <os>");
  if (!init.startsWith("/")) throw invalid(`the init '${init}' must be an absolute path`);
  const rootDir = root ?? "/";
  const initHost = resolveInRoot(rootDir, init);
  const initInfo = initHost ? stat(initHost) : undefined;
  if (!initHost || !initInfo?.isFile) {
    throw invalid(`the init '${init}' does not exist in the container's root '${rootDir}'`);
  }
  if (((initInfo.mode ?? 0) & 0o111) === 0) throw invalid(`the init '${init}' is not executable`);

  const idmap = def.idmap && (def.idmap.uid.length || def.idmap.gid.length) ? def.idmap : undefined;
  if (idmap) {
    if (!idmap.uid.length || !idmap.gid.length) {
      throw invalid("an <idmap> needs both <uid> and <gid> ranges");
    }
    checkIdMap("uid", idmap.uid);
    checkIdMap("gid", idmap.gid);
  }

  const env = [
    "PATH=/bin:/usr/bin",
    "TERM=linux",
    "HOME=/",
    "container=libvirt-lxc",
    `container_uuid=${def.uuid}`,
    `LIBVIRT_LXC_UUID=${def.uuid}`,
    `LIBVIRT_LXC_NAME=${def.name}`,
  ];
  if (def.os.cmdline) env.push(`LIBVIRT_LXC_CMDLINE=${def.os.cmdline}`);
  for (const e of def.os.initEnv) env.push(`${e.name}=${e.value}`);

  const initDir = def.os.initDir ?? "/";
  if (def.os.initDir && !stat(resolveInRoot(rootDir, initDir) ?? "")?.isDirectory) {
    throw invalid(`the init directory '${initDir}' does not exist in the container`);
  }

  return {
    name: def.name,
    uuid: def.uuid,
    root,
    rootReadonly,
    mounts,
    argv: [init, ...def.os.initArgs],
    env,
    initDir,
    uid: def.os.initUser ? lookupId(rootDir, "passwd", def.os.initUser) : 0,
    gid: def.os.initGroup ? lookupId(rootDir, "group", def.os.initGroup) : 0,
    dropCaps: capabilitiesToDrop(def, lastCap),
    idmap: idmap && { uid: idmap.uid, gid: idmap.gid },
    privateNetwork: def.devices.interfaces.length > 0 || !!def.features?.privnet,
  };
}

/** Maps an id inside the container to the host through an id map (identity without one). */
export function hostId(map: IdMapEntry[] | undefined, id: number): number {
  if (!map) return id;
  const e = map.find((m) => id >= m.start && id < m.start + m.count);
  return e ? e.target + (id - e.start) : 65534;
}

/** The text of a `/proc/PID/uid_map` or `gid_map` file. */
export function idMapText(map: IdMapEntry[]): string {
  return map.map((e) => `${e.start} ${e.target} ${e.count}\n`).join("");
}
