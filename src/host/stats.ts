/**
 * The real host's node information and statistics: `nodeinfo`,
 * `nodememstats` (from `/proc/meminfo` or a NUMA cell's `meminfo`) and
 * `nodecpustats` (from `/proc/stat`).
 * @module
 */
import { VirtError } from "../errors.ts";
import type { NodeInfo } from "./nodeinfo.ts";
import { readCpuPlaces, readHostCpu, topologyOf } from "./hostcpu.ts";
import { type HostRoots, listDir, readAttr, readMeminfo } from "./sysfs.ts";

/** Memory statistics in KiB, in the order `virsh nodememstats` prints them. */
export interface NodeMemoryStats {
  total: number;
  free: number;
  /** Not reported for a single NUMA cell. */
  buffers?: number;
  cached?: number;
}

/** CPU time in nanoseconds since boot, as `virsh nodecpustats` reports it. */
export interface NodeCpuStats {
  /** system + irq + softirq. */
  kernel: number;
  /** user + nice. */
  user: number;
  idle: number;
  iowait: number;
}

/** Clock ticks per second of `/proc/stat` (USER_HZ, 100 on every Linux architecture libvirt supports). */
const USER_HZ = 100;

/**
 * The host's memory statistics, or those of one NUMA cell.
 *
 * @throws VirtError `invalid-arg` for a cell that does not exist
 */
export async function nodeMemoryStats(roots: HostRoots, cell?: number): Promise<NodeMemoryStats> {
  if (cell === undefined || cell === -1) {
    const m = await readMeminfo(`${roots.proc}/meminfo`);
    return {
      total: m.get("MemTotal") ?? 0,
      free: m.get("MemFree") ?? 0,
      buffers: m.get("Buffers") ?? 0,
      cached: m.get("Cached") ?? 0,
    };
  }
  const path = `${roots.sys}/devices/system/node/node${cell}/meminfo`;
  if (cell < 0 || await readAttr(path) === undefined) {
    throw new VirtError(
      "invalid-arg",
      "system",
      `invalid cell number ${cell}: this host has no such NUMA cell`,
    );
  }
  const m = await readMeminfo(path);
  return { total: m.get("MemTotal") ?? 0, free: m.get("MemFree") ?? 0 };
}

/**
 * CPU time of the whole host, or of one CPU.
 *
 * @throws VirtError `invalid-arg` for a CPU that does not exist
 */
export async function nodeCpuStats(roots: HostRoots, cpu?: number): Promise<NodeCpuStats> {
  const key = cpu === undefined || cpu === -1 ? "cpu" : `cpu${cpu}`;
  const line = ((await readAttr(`${roots.proc}/stat`)) ?? "").split("\n").find((l) =>
    l.split(/\s+/)[0] === key
  );
  if (!line) {
    throw new VirtError(
      "invalid-arg",
      "system",
      `invalid cpuNum ${cpu}: this host has no such CPU`,
    );
  }
  const [user, nice, system, idle, iowait, irq, softirq] = line.split(/\s+/).slice(1).map(Number);
  const ns = (ticks: number) => Math.round((ticks || 0) * (1e9 / USER_HZ));
  return {
    kernel: ns(system + (irq || 0) + (softirq || 0)),
    user: ns(user + nice),
    idle: ns(idle),
    iowait: ns(iowait),
  };
}

/** The host's processors and memory, as `virsh nodeinfo` shows them. */
export async function hostNodeInfo(roots: HostRoots): Promise<NodeInfo> {
  const cpu = await readHostCpu(roots);
  const places = await readCpuPlaces(roots);
  const nodes = Math.max(
    1,
    (await listDir(`${roots.sys}/devices/system/node`)).filter((e) => /^node\d+$/.test(e.name))
      .length,
  );
  const t = topologyOf(places);
  return {
    model: cpu.arch,
    memory: (await readMeminfo(`${roots.proc}/meminfo`)).get("MemTotal") ?? 0,
    cpus: places.length,
    mhz: cpu.mhz ?? 0,
    nodes,
    sockets: Math.max(1, Math.round(t.sockets / nodes)),
    cores: t.cores * t.dies,
    threads: t.threads,
  };
}
