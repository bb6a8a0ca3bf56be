/**
 * A guest's cgroup in libvirt's non-systemd layout:
 * `PARTITION/NAME.libvirt-DRIVER` in every hierarchy that serves one of the
 * wanted controllers, plus the cgroup v2 hierarchy whenever one is mounted
 * (on a hybrid host it has no controllers, but it tracks the guest's
 * processes). {@link createMachineGroup} makes it, {@link openMachineGroup}
 * finds it again after a restart; {@link MachineCgroup} applies the tunables.
 * @module
 */
import { VirtError } from "../../errors.ts";
import {
  cgroupError,
  type CgroupKernel,
  childGroups,
  errnoOf,
  readControl,
  writeControl,
} from "./files.ts";
import { exists } from "../sysfs.ts";
import {
  CGROUP_CONTROLLERS,
  type CgroupController,
  type CgroupHierarchy,
  type CgroupLayout,
  controllerHierarchy,
  V2_CONTROLLER_NAMES,
} from "./layout.ts";
import { type CgroupDriver, machineGroupName, partitionPath } from "./naming.ts";
import {
  blockDeviceKey,
  checkPeriod,
  checkQuota,
  checkShares,
  cpuMaxValue,
  type DeviceRef,
  type DeviceRule,
  deviceRuleLine,
  memoryLimitValue,
  parseCpuMax,
  parseMemoryLimit,
} from "./tunables.ts";

/** Which guest group to create or open. */
export interface MachineGroupOptions {
  /** The partition as in `<resource><partition>`; `/machine` by default. */
  partition?: string;
  /** The guest's machine name (see `machineName`), e.g. `qemu-1-demo`. */
  name: string;
  /** The driver: the group is `NAME.libvirt-DRIVER`. */
  driver: CgroupDriver;
  /** Controllers to place the guest in; all that are available by default. */
  controllers?: readonly CgroupController[];
  /**
   * Whether missing partition folders are created. By default only the
   * `/machine` partition is, as libvirt does: a custom one must exist.
   */
  createPartition?: boolean;
}

/** The guest's folder in one hierarchy. */
export interface MachineGroupDir {
  hierarchy: CgroupHierarchy;
  /** Absolute path of the guest's group folder. */
  dir: string;
}

/** Memory limits in KiB; `UNLIMITED_KIB` removes a limit. Omitted ones are left alone. */
export interface MemoryLimits {
  /** v1 `memory.limit_in_bytes`, v2 `memory.max`. */
  hardLimitKiB?: number;
  /** v1 `memory.soft_limit_in_bytes`, v2 `memory.high`. */
  softLimitKiB?: number;
  /** v1 `memory.memsw.limit_in_bytes` (memory plus swap), v2 `memory.swap.max` (written unchanged, as libvirt does). */
  swapHardLimitKiB?: number;
}

/** CPU scheduler tunables, as `virsh schedinfo` names them. Omitted ones are left alone. */
export interface CpuTunables {
  /** v1 `cpu.shares`; v2 `cpu.weight`, written unchanged as libvirt does (range 1..10000). */
  shares?: number;
  /** CFS period in microseconds (v1 `cpu.cfs_period_us`, v2 `cpu.max` second field). */
  period?: number;
  /** CFS quota in microseconds, negative for none (v1 `cpu.cfs_quota_us`, v2 `cpu.max` first field). */
  quota?: number;
}

/** Per-device block I/O tunables; a limit of 0 removes it. */
export type BlkioDevice = DeviceRef & {
  weight?: number;
  readBps?: number;
  writeBps?: number;
  readIops?: number;
  writeIops?: number;
};

/** Block I/O tunables. */
export interface BlkioTunables {
  /** The group's weight (v1 `blkio[.bfq].weight`, v2 `io[.bfq].weight`). */
  weight?: number;
  devices?: BlkioDevice[];
}

/** The resolved plan of a guest group: its cgroup path and hierarchies. */
interface Plan {
  partition: string;
  partitionDir: string;
  path: string;
  hierarchies: { hierarchy: CgroupHierarchy; enable: string[] }[];
}

function plan(layout: CgroupLayout, opts: MachineGroupOptions): Plan {
  const partition = opts.partition ?? "/machine";
  const partitionDir = partitionPath(partition, layout.known);
  const group = machineGroupName(opts.name, opts.driver, layout.known);
  const hierarchies: Plan["hierarchies"] = [];
  for (const c of opts.controllers ?? CGROUP_CONTROLLERS) {
    const h = controllerHierarchy(layout, c);
    if (!h) continue;
    let entry = hierarchies.find((e) => e.hierarchy === h);
    if (!entry) hierarchies.push(entry = { hierarchy: h, enable: [] });
    const v2Name = V2_CONTROLLER_NAMES[c];
    if (h.version === 2 && v2Name && !entry.enable.includes(v2Name)) entry.enable.push(v2Name);
  }
  if (layout.v2 && !hierarchies.some((e) => e.hierarchy === layout.v2)) {
    hierarchies.push({ hierarchy: layout.v2, enable: [] });
  }
  const path = `${partitionDir === "/" ? "" : partitionDir}/${group}`;
  return { partition, partitionDir, path, hierarchies };
}

/**
 * Creates (or reuses) a guest's group in every relevant hierarchy, creating
 * the `/machine` partition on the way and, on cgroup v2, enabling the
 * wanted controllers in each parent's `cgroup.subtree_control`. New v1
 * groups inherit `cpuset.cpus`/`cpuset.mems` from their parent and get
 * `memory.use_hierarchy` set, as libvirt does. Groups made by a failed call
 * are removed again.
 *
 * @example
 * ```ts
 * const layout = await detectCgroups();
 * const cg = await createMachineGroup(layout, { name: machineName("qemu", 1, "demo"), driver: "qemu" });
 * await cg.addProcess(qemuPid);
 * await cg.setMemory({ hardLimitKiB: 1048576 });
 * ```
 */
export async function createMachineGroup(
  layout: CgroupLayout,
  opts: MachineGroupOptions,
): Promise<MachineCgroup> {
  const p = plan(layout, opts);
  if (!p.hierarchies.length) {
    throw new VirtError(
      "operation-unsupported",
      "system",
      `no cgroup hierarchy is mounted for the controllers of '${opts.name}'`,
    );
  }
  const create = opts.createPartition ?? p.partition === "/machine";
  const kernel = layout.kernel;
  const created: string[] = [];
  const groups: MachineGroupDir[] = [];
  try {
    for (const { hierarchy, enable } of p.hierarchies) {
      let cur = hierarchy.path;
      await enableControllers(kernel, cur, enable);
      for (const comp of p.partitionDir.split("/").filter((c) => c)) {
        const next = `${cur}/${comp}`;
        if (!(await exists(next))) {
          if (!create) {
            throw new VirtError(
              "system-error",
              "system",
              `cgroup partition '${p.partition}' does not exist: '${next}' is missing (create custom partitions before use)`,
            );
          }
          await makeGroup(kernel, hierarchy, next, cur);
        }
        await enableControllers(kernel, next, enable);
        cur = next;
      }
      const dir = `${cur}/${p.path.slice(p.path.lastIndexOf("/") + 1)}`;
      if (!(await exists(dir))) {
        await makeGroup(kernel, hierarchy, dir, cur);
        created.push(dir);
      }
      groups.push({ hierarchy, dir });
    }
  } catch (e) {
    for (const dir of created.reverse()) await kernel.rmdir(dir).catch(() => {});
    throw e;
  }
  return new MachineCgroup(layout, p.path, groups);
}

/**
 * Finds an existing guest group (after a daemon restart): the folders that
 * exist in the hierarchies {@link createMachineGroup} would use, or undefined
 * when there is none.
 */
export async function openMachineGroup(
  layout: CgroupLayout,
  opts: MachineGroupOptions,
): Promise<MachineCgroup | undefined> {
  const p = plan(layout, opts);
  const groups: MachineGroupDir[] = [];
  for (const { hierarchy } of p.hierarchies) {
    const dir = hierarchy.path + p.path;
    if (await exists(dir)) groups.push({ hierarchy, dir });
  }
  return groups.length ? new MachineCgroup(layout, p.path, groups) : undefined;
}

/** mkdir of one group; a new v1 group inherits its parent's cpuset and gets a hierarchical memory controller. */
async function makeGroup(
  kernel: CgroupKernel,
  h: CgroupHierarchy,
  dir: string,
  parent: string,
): Promise<void> {
  try {
    await kernel.mkdir(dir);
  } catch (e) {
    if (errnoOf(e) !== "EEXIST") throw cgroupError("Unable to create cgroup", dir, e);
  }
  if (h.version !== 1) return;
  if (h.controllers.includes("cpuset")) {
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      if ((await readControl(dir, f)) === "") {
        await writeControl(kernel, dir, f, await readControl(parent, f));
      }
    }
  }
  if (h.controllers.includes("memory") && (await exists(`${dir}/memory.use_hierarchy`))) {
    if ((await readControl(dir, "memory.use_hierarchy")) === "0") {
      await writeControl(kernel, dir, "memory.use_hierarchy", "1");
    }
  }
}

/** Enables v2 controllers for the children of `dir` (`+NAME` to `cgroup.subtree_control`). */
async function enableControllers(
  kernel: CgroupKernel,
  dir: string,
  names: string[],
): Promise<void> {
  if (!names.length) return;
  const enabled = (await readControl(dir, "cgroup.subtree_control")).split(/\s+/);
  const offered = (await readControl(dir, "cgroup.controllers")).split(/\s+/);
  for (const n of names) {
    if (enabled.includes(n)) continue;
    if (!offered.includes(n)) {
      throw new VirtError(
        "system-error",
        "system",
        `cgroup v2 controller '${n}' is not offered in '${dir}/cgroup.controllers'`,
      );
    }
    await writeControl(kernel, dir, "cgroup.subtree_control", `+${n}`);
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A guest's group across hierarchies, and the tunables libvirt applies to it. */
export class MachineCgroup {
  /** The cgroup path inside each hierarchy, e.g. `/machine/qemu-1-demo.libvirt-qemu`. */
  readonly path: string;
  /** The guest's folder in each hierarchy it has one in. */
  readonly groups: readonly MachineGroupDir[];
  readonly #layout: CgroupLayout;

  /** Use {@link createMachineGroup} or {@link openMachineGroup}. */
  constructor(layout: CgroupLayout, path: string, groups: MachineGroupDir[]) {
    this.#layout = layout;
    this.path = path;
    this.groups = groups;
  }

  /** The guest's folder for a controller, if the controller serves it. */
  #find(controller: CgroupController): MachineGroupDir | undefined {
    const h = controllerHierarchy(this.#layout, controller);
    return this.groups.find((g) => g.hierarchy === h);
  }

  /** The guest's folder for a controller; an error naming it when unavailable. */
  #dir(controller: CgroupController): MachineGroupDir {
    const g = this.#find(controller);
    if (!g) {
      throw new VirtError(
        "operation-unsupported",
        "system",
        `cgroup controller '${controller}' is not available for ${this.path} (not mounted as cgroup v1, not enabled on cgroup v2)`,
      );
    }
    return g;
  }

  /**
   * Whether a controller's tunables can be applied to this group. `devices`
   * on cgroup v2 is false: device control there needs a BPF program, which
   * virtkit does not load.
   */
  supports(controller: CgroupController): boolean {
    const g = this.#find(controller);
    return g !== undefined && !(controller === "devices" && g.hierarchy.version === 2);
  }

  async #write(dir: string, file: string, value: string): Promise<void> {
    await writeControl(this.#layout.kernel, dir, file, value);
  }

  /** Moves a process (all its threads) into the group in every hierarchy. */
  async addProcess(pid: number): Promise<void> {
    for (const g of this.groups) await this.#write(g.dir, "cgroup.procs", String(pid));
  }

  /** Moves one thread: v1 `tasks`, v2 `cgroup.threads` (threaded groups only). */
  async addTask(tid: number): Promise<void> {
    for (const g of this.groups) {
      await this.#write(g.dir, g.hierarchy.version === 1 ? "tasks" : "cgroup.threads", String(tid));
    }
  }

  /**
   * Sets memory limits. With both a hard and a swap limit the hard one must
   * not exceed the swap one; on v1 they are written in the order that keeps
   * `limit <= memsw.limit` true throughout.
   */
  async setMemory(limits: MemoryLimits): Promise<void> {
    const { hierarchy: { version: v }, dir } = this.#dir("memory");
    const { hardLimitKiB: hard, softLimitKiB: soft, swapHardLimitKiB: swap } = limits;
    const f = memoryFiles(v);
    if (hard !== undefined && swap !== undefined && hard > swap) {
      throw new VirtError(
        "invalid-arg",
        "system",
        "memory hard_limit tunable value must be lower than or equal to swap_hard_limit",
      );
    }
    const hardValue = hard === undefined ? undefined : memoryLimitValue(hard, v, "hard_limit");
    const swapValue = swap === undefined ? undefined : memoryLimitValue(swap, v, "swap_hard_limit");
    if (soft !== undefined) await this.#write(dir, f.soft, memoryLimitValue(soft, v, "soft_limit"));
    let swapFirst = false;
    if (v === 1 && hard !== undefined && swap !== undefined) {
      swapFirst = parseMemoryLimit(await readControl(dir, f.hard), f.hard) <= swap;
    }
    if (swapFirst && swapValue !== undefined) await this.#write(dir, f.swap, swapValue);
    if (hardValue !== undefined) await this.#write(dir, f.hard, hardValue);
    if (!swapFirst && swapValue !== undefined) await this.#write(dir, f.swap, swapValue);
  }

  /** The memory limits in KiB (`UNLIMITED_KIB` when none); no swap limit when swap accounting is off. */
  async memoryLimits(): Promise<Required<Omit<MemoryLimits, "swapHardLimitKiB">> & MemoryLimits> {
    const { hierarchy: { version: v }, dir } = this.#dir("memory");
    const f = memoryFiles(v);
    const read = async (file: string) =>
      parseMemoryLimit(await readControl(dir, file), `${dir}/${file}`);
    return {
      hardLimitKiB: await read(f.hard),
      softLimitKiB: await read(f.soft),
      swapHardLimitKiB: (await exists(`${dir}/${f.swap}`)) ? await read(f.swap) : undefined,
    };
  }

  /** Sets CPU shares and CFS bandwidth (period before quota). */
  async setCpu(t: CpuTunables): Promise<void> {
    const { hierarchy: { version: v }, dir } = this.#dir("cpu");
    if (t.shares !== undefined) checkShares(t.shares, v);
    if (t.period !== undefined) checkPeriod(t.period);
    if (t.quota !== undefined) checkQuota(t.quota);
    if (v === 1) {
      if (t.shares !== undefined) await this.#write(dir, "cpu.shares", String(t.shares));
      if (t.period !== undefined) await this.#write(dir, "cpu.cfs_period_us", String(t.period));
      if (t.quota !== undefined) {
        await this.#write(dir, "cpu.cfs_quota_us", String(t.quota < 0 ? -1 : t.quota));
      }
      return;
    }
    if (t.shares !== undefined) await this.#write(dir, "cpu.weight", String(t.shares));
    if (t.period !== undefined || t.quota !== undefined) {
      await this.#write(
        dir,
        "cpu.max",
        cpuMaxValue(await readControl(dir, "cpu.max"), t.quota, t.period),
      );
    }
  }

  /** The CPU tunables read back (v2 weight as shares; v2 `max` quota as libvirt's largest quota). */
  async cpuTunables(): Promise<Required<CpuTunables>> {
    const { hierarchy: { version: v }, dir } = this.#dir("cpu");
    if (v === 1) {
      return {
        shares: Number(await readControl(dir, "cpu.shares")),
        period: Number(await readControl(dir, "cpu.cfs_period_us")),
        quota: Number(await readControl(dir, "cpu.cfs_quota_us")),
      };
    }
    return {
      shares: Number(await readControl(dir, "cpu.weight")),
      ...parseCpuMax(await readControl(dir, "cpu.max")),
    };
  }

  /** Sets the CPUs and NUMA nodes the guest may use (`cpuset.cpus`, `cpuset.mems`, e.g. `0-3,6`). */
  async setCpuset(s: { cpus?: string; mems?: string }): Promise<void> {
    const { dir } = this.#dir("cpuset");
    if (s.cpus !== undefined) await this.#write(dir, "cpuset.cpus", s.cpus);
    if (s.mems !== undefined) await this.#write(dir, "cpuset.mems", s.mems);
  }

  /** Sets block I/O weight and per-device weights and throttles. */
  async setBlkio(t: BlkioTunables): Promise<void> {
    const { hierarchy: { version: v }, dir } = this.#dir("blkio");
    if (t.weight !== undefined) {
      const [bfq, plain] = v === 1
        ? ["blkio.bfq.weight", "blkio.weight"]
        : ["io.bfq.weight", "io.weight"];
      if (await exists(`${dir}/${bfq}`)) await this.#write(dir, bfq, String(t.weight));
      else if (await exists(`${dir}/${plain}`)) {
        await this.#write(dir, plain, v === 1 ? String(t.weight) : `default ${t.weight}`);
      } else {
        throw new VirtError(
          "operation-unsupported",
          "system",
          `blkio weight is valid only for bfq or cfq scheduler: neither ${bfq} nor ${plain} exists in '${dir}'`,
        );
      }
    }
    for (const d of t.devices ?? []) {
      const key = await blockDeviceKey(d);
      if (d.weight !== undefined) {
        const file = v === 2
          ? "io.weight"
          : (await exists(`${dir}/blkio.bfq.weight_device`))
          ? "blkio.bfq.weight_device"
          : "blkio.weight_device";
        if (!(await exists(`${dir}/${file}`))) {
          throw new VirtError(
            "operation-unsupported",
            "system",
            `blkio device weight is valid only for bfq or cfq scheduler: '${dir}/${file}' does not exist`,
          );
        }
        await this.#write(dir, file, `${key} ${d.weight}`);
      }
      const limits = [
        ["readBps", "read_bps_device", "rbps"],
        ["writeBps", "write_bps_device", "wbps"],
        ["readIops", "read_iops_device", "riops"],
        ["writeIops", "write_iops_device", "wiops"],
      ] as const;
      for (const [field, v1File, v2Key] of limits) {
        const n = d[field];
        if (n === undefined) continue;
        if (v === 1) await this.#write(dir, `blkio.throttle.${v1File}`, `${key} ${n}`);
        else await this.#write(dir, "io.max", `${key} ${v2Key}=${n === 0 ? "max" : n}`);
      }
    }
  }

  /** The v1 devices folder, or an error saying why there is none. */
  #devicesDir(): string {
    const g = this.#dir("devices");
    if (g.hierarchy.version === 2) {
      throw new VirtError(
        "operation-unsupported",
        "system",
        `device access control for ${this.path} needs a cgroup v2 BPF device program, which virtkit does not load`,
      );
    }
    return g.dir;
  }

  /** Allows devices (`devices.allow`); rules naming paths that are not device nodes are skipped. */
  async allowDevices(rules: DeviceRule[]): Promise<void> {
    const dir = this.#devicesDir();
    for (const r of rules) {
      const line = await deviceRuleLine(r);
      if (line !== undefined) await this.#write(dir, "devices.allow", line);
    }
  }

  /** Denies devices again (`devices.deny`), e.g. after a hot unplug. */
  async denyDevices(rules: DeviceRule[]): Promise<void> {
    const dir = this.#devicesDir();
    for (const r of rules) {
      const line = await deviceRuleLine(r);
      if (line !== undefined) await this.#write(dir, "devices.deny", line);
    }
  }

  /** Denies every device (`a` to `devices.deny`); the first step before allowing the guest's own. */
  async denyAllDevices(): Promise<void> {
    await this.#write(this.#devicesDir(), "devices.deny", "a");
  }

  /** How this group is frozen: the v1 freezer if mounted, else v2's `cgroup.freeze`. */
  #freezer(): { v1: boolean; dir: string } {
    const v1 = this.#find("freezer");
    if (v1?.hierarchy.version === 1) return { v1: true, dir: v1.dir };
    const v2 = this.groups.find((g) => g.hierarchy.version === 2);
    if (v2) return { v1: false, dir: v2.dir };
    return { v1: false, dir: this.#dir("freezer").dir };
  }

  /** Whether the group is frozen (v1 `freezer.state` FROZEN, v2 `cgroup.events` frozen 1). */
  async isFrozen(): Promise<boolean> {
    const f = this.#freezer();
    if (f.v1) return (await readControl(f.dir, "freezer.state")) === "FROZEN";
    return /^frozen 1$/m.test(await readControl(f.dir, "cgroup.events"));
  }

  /** Stops every process of the group; waits until the kernel reports the group frozen. */
  async freeze(timeoutMs = 5000): Promise<void> {
    await this.#setFrozen(true, timeoutMs);
  }

  /** Lets the group's processes run again. */
  async thaw(timeoutMs = 5000): Promise<void> {
    await this.#setFrozen(false, timeoutMs);
  }

  async #setFrozen(frozen: boolean, timeoutMs: number): Promise<void> {
    const f = this.#freezer();
    const [file, value] = f.v1
      ? ["freezer.state", frozen ? "FROZEN" : "THAWED"]
      : ["cgroup.freeze", frozen ? "1" : "0"];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.#write(f.dir, file, value);
      if ((await this.isFrozen()) === frozen) return;
      if (Date.now() > deadline) {
        if (frozen) await this.#write(f.dir, file, f.v1 ? "THAWED" : "0").catch(() => {});
        throw new VirtError(
          "operation-timeout",
          "system",
          `cgroup '${f.dir}' did not become ${frozen ? "frozen" : "thawed"} within ${timeoutMs} ms`,
        );
      }
      await delay(10);
    }
  }

  /** The ids of every process in the group and its child groups, in all hierarchies, sorted. */
  async pids(): Promise<number[]> {
    const all = new Set<number>();
    const walk = async (dir: string): Promise<void> => {
      let text: string;
      try {
        text = await Deno.readTextFile(`${dir}/cgroup.procs`);
      } catch (e) {
        if (errnoOf(e) === "ENOENT") return;
        throw cgroupError("Unable to read", `${dir}/cgroup.procs`, e);
      }
      for (const l of text.split("\n")) if (l.trim()) all.add(Number(l));
      for (const child of await childGroups(dir)) await walk(child);
    };
    for (const g of this.groups) await walk(g.dir);
    return [...all].sort((a, b) => a - b);
  }

  /**
   * Sends `signal` to every process of the group until none is left (new
   * ones included), thawing the group first so stopped processes can die.
   * Fails with `operation-timeout` listing the survivors after `timeoutMs`.
   */
  async killAll(signal: Deno.Signal = "SIGKILL", opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const deadline = Date.now() + timeoutMs;
    let thawed = false;
    for (;;) {
      const pids = await this.pids();
      if (!pids.length) return;
      for (const pid of pids) {
        try {
          Deno.kill(pid, signal);
        } catch (e) {
          if (errnoOf(e) !== "ESRCH") {
            throw cgroupError(`Unable to send ${signal} to process ${pid} of`, this.path, e);
          }
        }
      }
      if (!thawed) {
        thawed = true;
        if (await this.isFrozen().catch(() => false)) await this.thaw();
      }
      if (Date.now() > deadline) {
        throw new VirtError(
          "operation-timeout",
          "system",
          `processes ${
            pids.join(", ")
          } are still in cgroup ${this.path} ${timeoutMs} ms after ${signal}`,
        );
      }
      await delay(20);
    }
  }

  /**
   * Removes the group (child groups first) from every hierarchy. Folders
   * already gone are fine; a busy one is retried for about a second, as
   * exiting processes can linger briefly.
   */
  async remove(): Promise<void> {
    const kernel = this.#layout.kernel;
    const rm = async (dir: string): Promise<void> => {
      for (const child of await childGroups(dir)) await rm(child);
      for (let attempt = 0;; attempt++) {
        try {
          await kernel.rmdir(dir);
          return;
        } catch (e) {
          const errno = errnoOf(e);
          if (errno === "ENOENT") return;
          if (errno !== "EBUSY" || attempt >= 20) {
            throw cgroupError("Unable to remove cgroup", dir, e);
          }
          const left = (await readControl(dir, "cgroup.procs").catch(() => "")).split("\n").filter((
            l,
          ) => l);
          if (left.length) {
            throw new VirtError(
              "system-error",
              "system",
              `Unable to remove cgroup '${dir}': processes ${left.join(", ")} are still in it`,
            );
          }
          await delay(50);
        }
      }
    };
    for (const g of this.groups) await rm(g.dir);
  }
}

/** The memory limit files of a cgroup version. */
function memoryFiles(v: 1 | 2): { hard: string; soft: string; swap: string } {
  return v === 1
    ? {
      hard: "memory.limit_in_bytes",
      soft: "memory.soft_limit_in_bytes",
      swap: "memory.memsw.limit_in_bytes",
    }
    : { hard: "memory.max", soft: "memory.high", swap: "memory.swap.max" };
}
