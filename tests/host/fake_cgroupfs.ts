/**
 * A fake cgroupfs in a temp folder for the cgroup tests: v1, v2 and hybrid
 * trees with their mountinfo and `/proc/cgroups`, and a fake kernel that
 * fills new groups with control files (v2 ones only for controllers the
 * parent enabled), checks `cgroup.subtree_control` writes, keeps
 * `cgroup.events` in step with `cgroup.freeze`, refuses to remove busy
 * groups, and logs every write.
 */
import type { CgroupKernel } from "../../src/host/cgroups.ts";

/** The host layouts the fake can build. */
export type FakeMode = "v1" | "v2" | "hybrid";

/** A built fake: the temp root, detection inputs, the kernel, and its write log (paths relative to the root). */
export interface FakeCgroupfs {
  root: string;
  mountinfo: string;
  procCgroups: string;
  kernel: CgroupKernel;
  writes: string[];
}

const V1 = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"];
const UNLIMITED = "9223372036854771712";

/** Control files of a new v1 group per controller. */
const V1_FILES: Record<string, Record<string, string>> = {
  cpu: { "cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1" },
  cpuacct: { "cpuacct.usage": "0" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
  memory: {
    "memory.limit_in_bytes": UNLIMITED,
    "memory.soft_limit_in_bytes": UNLIMITED,
    "memory.memsw.limit_in_bytes": UNLIMITED,
    "memory.use_hierarchy": "0",
  },
  devices: { "devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm" },
  freezer: { "freezer.state": "THAWED" },
  blkio: {
    "blkio.weight": "500",
    "blkio.weight_device": "",
    "blkio.throttle.read_bps_device": "",
    "blkio.throttle.write_bps_device": "",
    "blkio.throttle.read_iops_device": "",
    "blkio.throttle.write_iops_device": "",
  },
};

/** Control files of a new v2 group per enabled controller. */
const V2_FILES: Record<string, Record<string, string>> = {
  cpu: { "cpu.weight": "100", "cpu.max": "max 100000" },
  memory: { "memory.max": "max", "memory.high": "max", "memory.swap.max": "max" },
  io: { "io.weight": "default 100", "io.max": "" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
};

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

async function writeAll(dir: string, files: Record<string, string>): Promise<void> {
  for (const [f, v] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${f}`, v + "\n");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Builds a fake host of the given mode. */
export async function fakeCgroupfs(mode: FakeMode): Promise<FakeCgroupfs> {
  const root = await Deno.makeTempDir({ prefix: "virtkit-cgroupfs-" });
  const base = `${root}/sys/fs/cgroup`;
  const lines: string[] = [`30 23 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755`];
  const v1Mounts: string[] = [];
  if (mode !== "v2") {
    V1.forEach((c, i) => {
      lines.push(
        `${31 + i} 30 0:${27 + i} / /sys/fs/cgroup/${c} rw,nosuid shared:${
          9 + i
        } - cgroup cgroup rw,${c}`,
      );
      v1Mounts.push(`${base}/${c}`);
    });
    lines.push(
      `40 30 0:40 / /sys/fs/cgroup/systemd rw shared:20 - cgroup cgroup rw,xattr,name=systemd`,
    );
  }
  const v2Mount = mode === "v2" ? base : mode === "hybrid" ? `${base}/unified` : undefined;
  if (v2Mount) {
    lines.push(
      `41 30 0:41 / ${v2Mount.slice(root.length)} rw shared:21 - cgroup2 cgroup2 rw,nsdelegate`,
    );
  }
  for (const [i, dir] of v1Mounts.entries()) {
    await Deno.mkdir(dir, { recursive: true });
    const c = V1[i];
    await writeAll(dir, { "cgroup.procs": "1", tasks: "1" });
    if (c === "cpuset") await writeAll(dir, { "cpuset.cpus": "0-3", "cpuset.mems": "0" });
    if (c === "memory") await writeAll(dir, { "memory.use_hierarchy": "1" });
    if (c === "devices") await writeAll(dir, { "devices.allow": "", "devices.deny": "" });
  }
  if (v2Mount) {
    await Deno.mkdir(v2Mount, { recursive: true });
    await writeAll(v2Mount, {
      "cgroup.controllers": mode === "v2" ? "cpuset cpu io memory hugetlb pids" : "",
      "cgroup.subtree_control": "",
      "cgroup.procs": "1",
    });
  }
  const writes: string[] = [];
  const v1Of = (path: string) => v1Mounts.findIndex((m) => path.startsWith(m + "/"));
  const kernel: CgroupKernel = {
    async mkdir(path) {
      try {
        await Deno.mkdir(path);
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) {
          throw errno("EEXIST", `File exists: mkdir '${path}'`);
        }
        throw e;
      }
      const i = v1Of(path);
      if (i >= 0) {
        await writeAll(path, { "cgroup.procs": "", tasks: "", ...V1_FILES[V1[i]] });
        return;
      }
      const parent = path.slice(0, path.lastIndexOf("/"));
      const enabled = (await Deno.readTextFile(`${parent}/cgroup.subtree_control`)).trim();
      await writeAll(path, {
        "cgroup.procs": "",
        "cgroup.threads": "",
        "cgroup.controllers": enabled,
        "cgroup.subtree_control": "",
        "cgroup.freeze": "0",
        "cgroup.events": "populated 0\nfrozen 0",
      });
      for (const c of enabled.split(/\s+/)) if (V2_FILES[c]) await writeAll(path, V2_FILES[c]);
    },
    async write(path, data) {
      if (!(await isFile(path))) {
        throw errno("ENOENT", `No such file or directory (os error 2): writefile '${path}'`);
      }
      writes.push(`${path.slice(root.length)} < ${data}`);
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (path.endsWith("/cgroup.subtree_control")) {
        const offered = (await Deno.readTextFile(`${dir}/cgroup.controllers`)).trim().split(/\s+/);
        const cur = (await Deno.readTextFile(path)).trim().split(/\s+/).filter((c) => c);
        const c = data.slice(1);
        if (!data.startsWith("+") || !offered.includes(c)) {
          throw errno("EINVAL", `Invalid argument (os error 22)`);
        }
        if (!cur.includes(c)) cur.push(c);
        await Deno.writeTextFile(path, cur.join(" ") + "\n");
      } else if (path.endsWith("/cgroup.freeze")) {
        await Deno.writeTextFile(path, data + "\n");
        await Deno.writeTextFile(`${dir}/cgroup.events`, `populated 1\nfrozen ${data}\n`);
      } else {
        await Deno.writeTextFile(path, data + "\n");
      }
    },
    async rmdir(path) {
      for await (const e of Deno.readDir(path)) {
        if (e.isDirectory) {
          throw errno("EBUSY", `Device or resource busy (os error 16): remove '${path}'`);
        }
      }
      if ((await Deno.readTextFile(`${path}/cgroup.procs`)).trim()) {
        throw errno("EBUSY", `Device or resource busy (os error 16): remove '${path}'`);
      }
      await Deno.remove(path, { recursive: true });
    },
  };
  const procCgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n" +
    [...V1, "net_cls", "pids", "hugetlb"].map((c, i) => `${c}\t${mode === "v2" ? 0 : i + 1}\t1\t1`)
      .join("\n") +
    "\n";
  return { root, mountinfo: lines.join("\n") + "\n", procCgroups, kernel, writes };
}
