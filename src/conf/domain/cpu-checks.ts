/**
 * The generic post-parse checks and defaults of the CPU, tuning, NUMA and
 * security label sections: the parts that need more of the domain than one
 * element (the vCPU count, the I/O threads, the guest NUMA cells).
 * @module
 */
import { VirtError } from "../../errors.ts";
import { topologyVcpus } from "./cpu.ts";
import { resolveCputune } from "./cputune.ts";
import type { DomainDef } from "./def.ts";
import { numaMemoryKiB, validateNuma } from "./numa.ts";
import { checkMemnodes, resolveNumatuneMemory } from "./numatune.ts";
import { checkSeclabels } from "./seclabel.ts";

/** Largest vCPU count a topology may describe (an unsigned 32-bit count). */
const MAX_TOPOLOGY_VCPUS = 0xffffffff;

/**
 * Checks the guest NUMA topology against the vCPUs and, as libvirt does when
 * defining a domain, sets the domain memory to the sum of the NUMA cells.
 * Runs before the memory checks.
 *
 * @throws VirtError when the cells hold more vCPUs than the domain has, name
 *   a vCPU beyond the count, or describe inconsistent HMAT data
 */
export function applyCpuNuma(def: DomainDef): void {
  const numa = def.cpu?.numa;
  if (!numa) return;
  const cpus = numa.cells.flatMap((c) => c.cpus ?? []);
  if (cpus.length > def.vcpu.max) {
    throw new VirtError(
      "internal-error",
      "domain",
      "the number of CPUs in <numa> exceeds the <vcpu> count",
    );
  }
  if (cpus.some((c) => c >= def.vcpu.max)) {
    throw new VirtError("internal-error", "domain", "CPU ids in <numa> exceed the <vcpu> count");
  }
  validateNuma(numa);
  const kib = numaMemoryKiB(numa);
  if (kib) def.memory.total = kib;
}

/**
 * Settles `<cputune>` and `<numatune>` against the vCPUs, I/O threads and
 * NUMA cells, the topology size, and the security labels, as libvirt does
 * after parsing.
 *
 * @throws VirtError from the cputune, resctrl, numatune and seclabel checks
 */
export function resolveCpuTuning(def: DomainDef): void {
  const topology = def.cpu?.topology;
  if (topology && topologyVcpus(topology) > MAX_TOPOLOGY_VCPUS) {
    throw new VirtError(
      "config-unsupported",
      "domain",
      `cpu topology results in more than ${MAX_TOPOLOGY_VCPUS} cpus`,
    );
  }
  const tune = def.cputune;
  if (tune) resolveCputune(tune, def.vcpu.max, def.iothreads?.ids.map((t) => t.id) ?? []);

  const vcpuStatic = def.vcpu.placement === "static";
  if (def.numatune || !vcpuStatic) {
    def.numatune ??= { memnodes: [] };
    resolveNumatuneMemory(def.numatune, vcpuStatic);
    checkMemnodes(def.numatune, def.cpu?.numa?.cells.length ?? 0);
    const pinned = def.vcpu.cpuset !== undefined || !!tune?.vcpupins.length ||
      !!tune?.emulatorpin ||
      !!tune?.iothreadpins.length;
    if (def.numatune.memory?.placement === "auto" && !pinned) def.vcpu.placement = "auto";
  }
  checkSeclabels(def.seclabels);
}
