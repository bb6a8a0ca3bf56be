/**
 * A container's resource controls: the cgroup limits applied at start
 * (memory, CPU, cpuset, block I/O, the devices allow-list), and the
 * `memtune`, `schedinfo` and `blkiotune` parameters read and changed on a
 * running container, by libvirt's parameter names.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatBitmap } from "../../src/conf/bitmap.ts";
import { VirtError } from "../../src/errors.ts";
import { type MachineCgroup, UNLIMITED_KIB } from "../../src/host/cgroups.ts";
import { DEFAULT_DEVICES } from "./container-plan.ts";

/** A typed parameter: libvirt's name and a number (KiB for memory, microseconds for CPU). */
export type TunableParam = [string, number];

/** libvirt's "unlimited" memory value (`VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`), in KiB. */
export const MEMORY_PARAM_UNLIMITED = 9007199254740991;

/** Applies the definition's limits to a new group and confines it to the container's devices. */
export async function applyDefinitionLimits(cg: MachineCgroup, def: DomainDef): Promise<void> {
  if (cg.supports("memory")) {
    const m = def.memtune ?? {};
    await cg.setMemory({
      hardLimitKiB: m.hardLimit ?? def.memory.total,
      softLimitKiB: m.softLimit,
      swapHardLimitKiB: m.swapHardLimit,
    });
  }
  const ct = def.cputune;
  if (ct && (ct.shares !== undefined || ct.period !== undefined || ct.quota !== undefined)) {
    await cg.setCpu({ shares: ct.shares, period: ct.period, quota: ct.quota });
  }
  const cpus = def.vcpu.cpuset;
  if (cpus?.length && cg.supports("cpuset")) await cg.setCpuset({ cpus: formatBitmap(cpus) });
  const b = def.blkiotune;
  if (b && (b.weight !== undefined || b.devices.length) && cg.supports("blkio")) {
    await cg.setBlkio({
      weight: b.weight,
      devices: b.devices.map((d) => ({
        path: d.path,
        weight: d.weight,
        readBps: d.readBytesSec,
        writeBps: d.writeBytesSec,
        readIops: d.readIopsSec,
        writeIops: d.writeIopsSec,
      })),
    });
  }
  await allowContainerDevices(cg);
}

/**
 * Denies every device, then allows the container's own nodes, its
 * terminals (`/dev/pts/*`, `/dev/ptmx`) and the console. Hosts whose
 * devices controller is cgroup v2 only have no allow-list (that takes a BPF
 * program); the nodes in the container's `/dev` are still the only ones it
 * can reach, since it cannot make new ones.
 */
async function allowContainerDevices(cg: MachineCgroup): Promise<void> {
  if (
    !cg.supports("devices") ||
    !cg.groups.some((g) => g.hierarchy.version === 1 && g.hierarchy.controllers.includes("devices"))
  ) {
    return;
  }
  await cg.denyAllDevices();
  await cg.allowDevices([
    ...DEFAULT_DEVICES.map((d) => ({
      type: "c" as const,
      major: d.major,
      minor: d.minor,
      access: "rwm",
    })),
    { type: "c", major: 5, minor: 1, access: "rwm" },
    { type: "c", major: 5, minor: 2, access: "rwm" },
    { type: "c", major: 136, access: "rwm" },
  ]);
}

/** The `memtune` parameters (`hard_limit`, `soft_limit`, `swap_hard_limit`, in KiB). */
export async function memoryParameters(cg: MachineCgroup): Promise<TunableParam[]> {
  const m = await cg.memoryLimits();
  const v = (kib: number | undefined) =>
    kib === undefined || kib >= UNLIMITED_KIB ? MEMORY_PARAM_UNLIMITED : kib;
  const out: TunableParam[] = [["hard_limit", v(m.hardLimitKiB)], [
    "soft_limit",
    v(m.softLimitKiB),
  ]];
  if (m.swapHardLimitKiB !== undefined) out.push(["swap_hard_limit", v(m.swapHardLimitKiB)]);
  return out;
}

function unknownParam(name: string, allowed: string[]): VirtError {
  return new VirtError(
    "invalid-arg",
    "lxc",
    `parameter '${name}' is not supported by the LXC driver; allowed: ${allowed.join(", ")}`,
  );
}

/** Changes `memtune` parameters of a running container. */
export async function setMemoryParameters(
  cg: MachineCgroup,
  params: TunableParam[],
): Promise<void> {
  const names = ["hard_limit", "soft_limit", "swap_hard_limit"];
  const kib = (n: number) => n >= MEMORY_PARAM_UNLIMITED ? UNLIMITED_KIB : n;
  const limits: { hardLimitKiB?: number; softLimitKiB?: number; swapHardLimitKiB?: number } = {};
  for (const [name, value] of params) {
    if (name === "hard_limit") limits.hardLimitKiB = kib(value);
    else if (name === "soft_limit") limits.softLimitKiB = kib(value);
    else if (name === "swap_hard_limit") limits.swapHardLimitKiB = kib(value);
    else throw unknownParam(name, names);
  }
  await cg.setMemory(limits);
}

/** The `schedinfo` parameters (`cpu_shares`, `vcpu_period`, `vcpu_quota`). */
export async function schedulerParameters(cg: MachineCgroup): Promise<TunableParam[]> {
  const t = await cg.cpuTunables();
  return [["cpu_shares", t.shares], ["vcpu_period", t.period], ["vcpu_quota", t.quota]];
}

/** Changes `schedinfo` parameters of a running container. */
export async function setSchedulerParameters(
  cg: MachineCgroup,
  params: TunableParam[],
): Promise<void> {
  const names = ["cpu_shares", "vcpu_period", "vcpu_quota"];
  const t: { shares?: number; period?: number; quota?: number } = {};
  for (const [name, value] of params) {
    if (name === "cpu_shares") t.shares = value;
    else if (name === "vcpu_period") t.period = value;
    else if (name === "vcpu_quota") t.quota = value;
    else throw unknownParam(name, names);
  }
  await cg.setCpu(t);
}

/**
 * The `blkiotune` weight, read from the group.
 *
 * @throws VirtError when the host's I/O scheduler has no weights (neither
 *   bfq nor cfq), as libvirt reports it
 */
export async function blkioParameters(cg: MachineCgroup): Promise<TunableParam[]> {
  const g = cg.groups.find((g) =>
    g.hierarchy.controllers.includes(g.hierarchy.version === 1 ? "blkio" : "io")
  );
  const files = g?.hierarchy.version === 1
    ? ["blkio.bfq.weight", "blkio.weight"]
    : ["io.bfq.weight", "io.weight"];
  for (const f of g ? files : []) {
    const text = await Deno.readTextFile(`${g!.dir}/${f}`).catch(() => undefined);
    if (text !== undefined) return [["weight", Number(text.trim().replace(/^default /, ""))]];
  }
  throw new VirtError(
    "operation-unsupported",
    "lxc",
    "blkio weight is valid only for bfq or cfq scheduler",
  );
}

/** Changes the `blkiotune` weight of a running container. */
export async function setBlkioParameters(cg: MachineCgroup, params: TunableParam[]): Promise<void> {
  for (const [name, value] of params) {
    if (name !== "weight") throw unknownParam(name, ["weight"]);
    await cg.setBlkio({ weight: value });
  }
}
