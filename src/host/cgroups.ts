/**
 * Which cgroup controllers the host offers, on cgroup v1, v2 (unified) and
 * hybrid hosts: a controller is available when a v1 hierarchy has it mounted
 * or when the root of a v2 mount lists it in `cgroup.controllers`.
 * @module
 */
import { type HostRoots, readAttr } from "./sysfs.ts";

/** The cgroup layout of the host. */
export interface CgroupLayout {
  /** v1 hierarchies: mount point and the controllers bound to it. */
  v1: { mount: string; controllers: string[] }[];
  /** The v2 mount point, if any. */
  v2?: string;
  /** Controllers the v2 root offers. */
  v2Controllers: string[];
}

/** v1 controller names and what cgroup v2 calls them. */
const V2_NAMES: Record<string, string> = { blkio: "io", cpuacct: "cpu" };

/** Reads the layout from `/proc/self/mountinfo` and the v2 root's `cgroup.controllers`. */
export async function readCgroupLayout(roots: HostRoots): Promise<CgroupLayout> {
  const layout: CgroupLayout = { v1: [], v2Controllers: [] };
  for (const line of ((await readAttr(`${roots.proc}/self/mountinfo`)) ?? "").split("\n")) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const mount = unescape(left.split(" ")[4] ?? "");
    const [fstype, , superOpts = ""] = right.split(" ");
    if (fstype === "cgroup") {
      const known = [
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "blkio",
        "net_cls",
        "net_prio",
        "perf_event",
        "hugetlb",
        "pids",
        "rdma",
        "misc",
      ];
      const controllers = superOpts.split(",").filter((o) => known.includes(o));
      if (controllers.length) layout.v1.push({ mount, controllers });
    } else if (fstype === "cgroup2" && layout.v2 === undefined) {
      layout.v2 = mount;
    }
  }
  if (layout.v2 !== undefined) {
    const path = layout.v2.startsWith("/sys/") ? roots.sys + layout.v2.slice(4) : layout.v2;
    layout.v2Controllers = ((await readAttr(`${path}/cgroup.controllers`)) ?? "").split(/\s+/)
      .filter((c) => c);
  }
  return layout;
}

/**
 * Whether `controller` (by its v1 name: `cpu`, `cpuacct`, `cpuset`, `memory`,
 * `devices`, `freezer`, `blkio`) can be used. On v2, `cpuacct` is part of
 * `cpu`, `blkio` is `io`, and `devices` and `freezer` are built into every
 * v2 cgroup (BPF device programs, `cgroup.freeze`).
 */
export function cgroupControllerAvailable(layout: CgroupLayout, controller: string): boolean {
  if (layout.v1.some((h) => h.controllers.includes(controller))) return true;
  if (layout.v2 === undefined) return false;
  if (controller === "devices" || controller === "freezer") return true;
  return layout.v2Controllers.includes(V2_NAMES[controller] ?? controller);
}

/** Mount points in mountinfo escape spaces and a few other characters as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}
