/**
 * Where the host's cgroup hierarchies are: v1 controller mounts, the cgroup
 * v2 mount and the controllers its root offers. Read from
 * `/proc/self/mountinfo` and `/proc/cgroups`; pure v1, pure v2 and hybrid
 * hosts (v1 controllers plus a v2 mount, usually `/sys/fs/cgroup/unified`).
 * libvirt never mounts cgroups itself and neither does virtkit.
 * @module
 */
import { type HostRoots, readAttr } from "../sysfs.ts";
import { type CgroupKernel, realKernel } from "./files.ts";

/** The controllers libvirt's QEMU and LXC drivers use, by their v1 names. */
export type CgroupController =
  | "cpu"
  | "cpuacct"
  | "cpuset"
  | "memory"
  | "devices"
  | "freezer"
  | "blkio";

/** Every {@link CgroupController}, in libvirt's order. */
export const CGROUP_CONTROLLERS: readonly CgroupController[] = [
  "cpu",
  "cpuacct",
  "cpuset",
  "memory",
  "devices",
  "freezer",
  "blkio",
];

/**
 * What cgroup v2 calls each controller. `devices` and `freezer` have no v2
 * controller: every v2 group has `cgroup.freeze`, and device access is a BPF
 * program attached to the group.
 */
export const V2_CONTROLLER_NAMES: Record<CgroupController, string | undefined> = {
  cpu: "cpu",
  cpuacct: "cpu",
  cpuset: "cpuset",
  memory: "memory",
  blkio: "io",
  devices: undefined,
  freezer: undefined,
};

/** One mounted hierarchy. */
export interface CgroupHierarchy {
  /** 1 for a `cgroup` mount, 2 for `cgroup2`. */
  version: 1 | 2;
  /** The mount point as the host sees it, e.g. `/sys/fs/cgroup/memory`. */
  mount: string;
  /** Where this process reaches it: the mount point under the detection `root`. */
  path: string;
  /** v1: the kernel controllers bound to it; v2: what its root's `cgroup.controllers` lists. */
  controllers: string[];
}

/** The host's cgroup layout. */
export interface CgroupLayout {
  /** `hybrid`: v1 controllers plus a v2 mount. */
  mode: "v1" | "v2" | "hybrid" | "none";
  /** v1 hierarchies that carry at least one kernel controller (named ones like `name=systemd` are left out). */
  v1: CgroupHierarchy[];
  /** The cgroup v2 hierarchy, if mounted. */
  v2?: CgroupHierarchy;
  /** Controller names the kernel knows (`/proc/cgroups`); group names starting with `NAME.` get escaped. */
  known: string[];
  /** How groups are created, written and removed; tests pass a fake kernel. */
  kernel: CgroupKernel;
}

/** Options of {@link detectCgroups}; each replaces what would be read from the host. */
export interface DetectCgroupsOptions {
  /** Text of `/proc/self/mountinfo`. */
  mountinfo?: string;
  /** Text of `/proc/cgroups`. */
  procCgroups?: string;
  /** A folder prepended to every mount point (a fake cgroupfs tree in tests). */
  root?: string;
  /** Replaces the calls that change the tree (mkdir, write, rmdir). */
  kernel?: Partial<CgroupKernel>;
}

/** Controller names assumed when `/proc/cgroups` cannot be read. */
const FALLBACK_KNOWN = [
  "cpuset",
  "cpu",
  "cpuacct",
  "blkio",
  "memory",
  "devices",
  "freezer",
  "net_cls",
  "perf_event",
  "net_prio",
  "hugetlb",
  "pids",
  "rdma",
  "misc",
];

/**
 * Reads the host's cgroup layout. With no options it reads the real
 * `/proc/self/mountinfo`, `/proc/cgroups` and the v2 root's
 * `cgroup.controllers`.
 *
 * @example
 * ```ts
 * const layout = await detectCgroups();
 * layout.mode; // "hybrid"
 * layout.v1.find((h) => h.controllers.includes("memory"))?.path; // "/sys/fs/cgroup/memory"
 * ```
 */
export async function detectCgroups(opts: DetectCgroupsOptions = {}): Promise<CgroupLayout> {
  const mountinfo = opts.mountinfo ?? (await readAttr("/proc/self/mountinfo")) ?? "";
  const procCgroups = opts.procCgroups ?? (await readAttr("/proc/cgroups"));
  return await buildLayout(mountinfo, procCgroups, opts.root ?? "", opts.kernel);
}

let hostLayout: Promise<CgroupLayout> | undefined;

/**
 * The real host's layout, read once per process: mounts do not change under
 * a running driver, and every guest start and stop asks for it.
 */
export function hostCgroupLayout(): Promise<CgroupLayout> {
  return hostLayout ??= detectCgroups();
}

/**
 * The layout as seen through a {@link HostRoots} (mountinfo and cgroups under
 * `roots.proc`, mounts under `/sys` mapped into `roots.sys`): what host
 * validation uses.
 */
export async function readCgroupLayout(roots: HostRoots): Promise<CgroupLayout> {
  const mountinfo = (await readAttr(`${roots.proc}/self/mountinfo`)) ?? "";
  const procCgroups = await readAttr(`${roots.proc}/cgroups`);
  const root = roots.sys.endsWith("/sys") ? roots.sys.slice(0, -4) : "";
  return await buildLayout(mountinfo, procCgroups, root);
}

async function buildLayout(
  mountinfo: string,
  procCgroups: string | undefined,
  root: string,
  kernel?: Partial<CgroupKernel>,
): Promise<CgroupLayout> {
  const known = procCgroups === undefined ? FALLBACK_KNOWN : parseProcCgroups(procCgroups);
  const v1: CgroupHierarchy[] = [];
  let v2: CgroupHierarchy | undefined;
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype === "cgroup") {
      const controllers = m.superOpts.filter((o) => known.includes(o));
      const taken = v1.some((h) => h.controllers.some((c) => controllers.includes(c)));
      if (controllers.length && !taken) {
        v1.push({ version: 1, mount: m.mount, path: root + m.mount, controllers });
      }
    } else if (m.fstype === "cgroup2" && v2 === undefined) {
      const path = root + m.mount;
      const text = (await readAttr(`${path}/cgroup.controllers`)) ?? "";
      v2 = { version: 2, mount: m.mount, path, controllers: text.split(/\s+/).filter((c) => c) };
    }
  }
  const mode = v1.length ? (v2 ? "hybrid" : "v1") : v2 ? "v2" : "none";
  return { mode, v1, v2, known, kernel: { ...realKernel, ...kernel } };
}

/** The controller names listed in `/proc/cgroups` (first column, header skipped). */
export function parseProcCgroups(text: string): string[] {
  return text.split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.split(/\s+/)[0]);
}

/** One mountinfo line's mount point, file system type and super options. */
interface MountEntry {
  mount: string;
  fstype: string;
  superOpts: string[];
}

/** The mounts of a mountinfo text (`ID PARENT MAJ:MIN ROOT MOUNT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`). */
function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const [fstype, , superOpts = ""] = line.slice(sep + 3).split(" ");
    if (left.length < 5) continue;
    out.push({ mount: unescapeOctal(left[4]), fstype, superOpts: superOpts.split(",") });
  }
  return out;
}

/** Mount points in mountinfo escape spaces and a few other characters as `\NNN`. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The hierarchy that serves `controller`: a v1 mount binding it, else the v2
 * mount when its root offers it. `devices` and `freezer` count as offered by
 * every v2 mount (BPF device programs, `cgroup.freeze`).
 */
export function controllerHierarchy(
  layout: CgroupLayout,
  controller: CgroupController,
): CgroupHierarchy | undefined {
  const v1 = layout.v1.find((h) => h.controllers.includes(controller));
  if (v1) return v1;
  if (!layout.v2) return undefined;
  const v2Name = V2_CONTROLLER_NAMES[controller];
  if (v2Name === undefined || layout.v2.controllers.includes(v2Name)) return layout.v2;
  return undefined;
}

/**
 * Whether `controller` (by its v1 name: `cpu`, `cpuacct`, `cpuset`, `memory`,
 * `devices`, `freezer`, `blkio`) can be used on this host, in either version.
 */
export function cgroupControllerAvailable(layout: CgroupLayout, controller: string): boolean {
  return (CGROUP_CONTROLLERS as readonly string[]).includes(controller) &&
    controllerHierarchy(layout, controller as CgroupController) !== undefined;
}
