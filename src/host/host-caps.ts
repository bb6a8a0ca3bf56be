/**
 * The real host's capabilities (`virsh capabilities` on a QEMU or LXC
 * connection): host UUID, CPU, power management, IOMMU, migration, NUMA
 * topology, security models, and the guests the installed emulators offer.
 *
 * @example
 * ```ts
 * const roots = hostRoots();
 * const emulators = await probeInstalledQemu({ cacheDir });
 * const xml = await hostCapabilitiesXml(roots, { emulators });
 * ```
 * @module
 */
import { formatBitmap } from "../conf/bitmap.ts";
import {
  type Capabilities,
  type CapsCell,
  type CapsGuest,
  type CapsHost,
  formatCapabilities,
} from "./capabilities.ts";
import { type QemuEmulator, qemuGuest } from "./guests.ts";
import { type CpuPlace, guessCpuModel, readCpuPlaces, readHostCpu, topologyOf } from "./hostcpu.ts";
import { type HostRoots, listDir, parseCpuList, readAttr, readInt, readMeminfo } from "./sysfs.ts";
import { hostUuid } from "./uuid.ts";

/** Options of {@link hostCapabilities}. */
export interface HostCapsOptions {
  /** The probed emulators whose guests to list (QEMU connections). */
  emulators?: QemuEmulator[];
  /** Extra guests (e.g. the LXC driver's `exe` guest). */
  guests?: CapsGuest[];
  /** Whether KVM is usable; default: `/dev/kvm` opens for reading and writing. */
  kvm?: boolean;
  /** The user and group guests run as, for the DAC base labels; default this process's. */
  uid?: number;
  gid?: number;
  /** Leave out `<migration_features>` (LXC has none). */
  noMigration?: boolean;
}

/** Whether `/dev/kvm` under `roots.dev` opens for reading and writing. */
export function kvmUsable(roots: HostRoots): boolean {
  try {
    Deno.openSync(`${roots.dev}/kvm`, { read: true, write: true }).close();
    return true;
  } catch {
    return false;
  }
}

/** Supported page sizes in KiB: the base page, then each huge page size, ascending. */
async function pageSizes(roots: HostRoots): Promise<number[]> {
  const huge = (await listDir(`${roots.sys}/kernel/mm/hugepages`))
    .map((e) => /^hugepages-(\d+)kB$/.exec(e.name))
    .filter((m) => m !== null)
    .map((m) => Number(m![1]));
  return [4, ...huge.sort((a, b) => a - b)];
}

/** Suspend targets the kernel offers (`/sys/power/state`, `/sys/power/disk`). */
async function powerManagement(roots: HostRoots): Promise<string[]> {
  const states = ((await readAttr(`${roots.sys}/power/state`)) ?? "").split(/\s+/);
  const disk = (await readAttr(`${roots.sys}/power/disk`)) ?? "";
  const out: string[] = [];
  if (states.includes("mem")) out.push("suspend_mem");
  if (states.includes("disk")) out.push("suspend_disk");
  if (states.includes("disk") && /\bsuspend\b/.test(disk)) out.push("suspend_hybrid");
  return out;
}

/**
 * NUMA cells from `/sys/devices/system/node`: memory, page counts,
 * distances and CPUs. A kernel without NUMA gets one cell holding all CPUs
 * and all memory, as libvirt does.
 */
export async function readNumaCells(
  roots: HostRoots,
  places: CpuPlace[],
  sizes: number[],
): Promise<CapsCell[]> {
  const base = `${roots.sys}/devices/system/node`;
  const nodes = (await listDir(base)).map((e) => /^node(\d+)$/.exec(e.name)).filter((m) =>
    m !== null
  )
    .map((m) => Number(m![1])).sort((a, b) => a - b);
  const cpuOf = (ids: number[]) =>
    ids.map((id) => places.find((p) => p.id === id)).filter((p): p is CpuPlace => p !== undefined)
      .map((p) => ({
        id: p.id,
        socketId: p.socketId,
        dieId: p.dieId,
        coreId: p.coreId,
        siblings: formatBitmap(p.siblings),
      }));
  if (!nodes.length) {
    const mem = (await readMeminfo(`${roots.proc}/meminfo`)).get("MemTotal") ?? 0;
    return [{
      id: 0,
      memory: mem,
      pages: [{ size: 4, count: Math.floor(mem / 4) }],
      cpus: cpuOf(places.map((p) => p.id)),
    }];
  }
  const cells: CapsCell[] = [];
  for (const n of nodes) {
    const dir = `${base}/node${n}`;
    const mem = (await readMeminfo(`${dir}/meminfo`)).get("MemTotal") ?? 0;
    const pages = [];
    for (const size of sizes) {
      const count = size === 4
        ? Math.floor(mem / 4)
        : await readInt(`${dir}/hugepages/hugepages-${size}kB/nr_hugepages`) ?? 0;
      pages.push({ size, count });
    }
    const dist = ((await readAttr(`${dir}/distance`)) ?? "").split(/\s+/).filter((d) => d).map(
      Number,
    );
    cells.push({
      id: n,
      memory: mem,
      pages,
      distances: dist.length === nodes.length
        ? dist.map((value, i) => ({ id: nodes[i], value }))
        : undefined,
      cpus: cpuOf(parseCpuList(await readAttr(`${dir}/cpulist`))),
    });
  }
  return cells;
}

/** The `<host>` half of the capabilities. */
export async function hostCapsHost(
  roots: HostRoots,
  opts: HostCapsOptions = {},
): Promise<CapsHost> {
  const cpu = await readHostCpu(roots);
  const places = await readCpuPlaces(roots);
  const sizes = await pageSizes(roots);
  const cells = await readNumaCells(roots, places, sizes);
  // libvirt's topology counts sockets per NUMA cell.
  const topo = topologyOf(places);
  const topology = { ...topo, sockets: Math.max(1, Math.round(topo.sockets / cells.length)) };
  const hwVirt = ["vmx", "svm"].filter((f) => cpu.flags.has(f));
  const label = `+${opts.uid ?? Deno.uid() ?? 0}:+${opts.gid ?? Deno.gid() ?? 0}`;
  const groups = await listDir(`${roots.sys}/kernel/iommu_groups`);
  return {
    uuid: await hostUuid(roots),
    cpu: {
      arch: cpu.arch,
      features: cpu.arch === "x86_64" || cpu.arch === "i686" ? hwVirt : [],
      pageSizes: sizes,
      model: guessCpuModel(cpu),
      vendor: cpu.vendor,
      microcode: cpu.microcode,
      signature: cpu.family !== undefined && cpu.family > 0 && cpu.model !== undefined &&
          cpu.stepping !== undefined
        ? { family: cpu.family, model: cpu.model, stepping: cpu.stepping }
        : undefined,
      topology,
      maxPhysAddrBits: cpu.physAddrBits,
    },
    powerManagement: await powerManagement(roots),
    iommu: groups.length > 0,
    migration: opts.noMigration ? undefined : { live: true, uriTransports: ["tcp", "rdma"] },
    cells,
    secModels: [
      { model: "none", doi: "0" },
      { model: "dac", doi: "0", baseLabels: [{ type: "kvm", label }, { type: "qemu", label }] },
    ],
  };
}

/** The whole capabilities of the host: `<host>` and a `<guest>` per emulator architecture. */
export async function hostCapabilities(
  roots: HostRoots,
  opts: HostCapsOptions = {},
): Promise<Capabilities> {
  const host = await hostCapsHost(roots, opts);
  const kvm = opts.kvm ?? kvmUsable(roots);
  const guests = (opts.emulators ?? []).map((e) => qemuGuest(e, { kvm, hostArch: host.cpu.arch }));
  return { host, guests: [...guests, ...(opts.guests ?? [])] };
}

/** The capabilities XML of the host (`virsh capabilities`). */
export async function hostCapabilitiesXml(
  roots: HostRoots,
  opts: HostCapsOptions = {},
): Promise<string> {
  return formatCapabilities(await hostCapabilities(roots, opts));
}
