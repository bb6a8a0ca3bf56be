/**
 * cgroups for the QEMU and LXC drivers, in libvirt's non-systemd layout:
 * guests live in `/machine/NAME.libvirt-DRIVER` (or under a custom
 * `<resource><partition>`), on cgroup v1, v2 and hybrid hosts. See
 * `docs/cgroups.md`.
 *
 * @example
 * ```ts
 * const layout = await detectCgroups();
 * const cg = await createMachineGroup(layout, { name: machineName("lxc", pid, "web"), driver: "lxc" });
 * await cg.addProcess(pid);
 * await cg.setMemory({ hardLimitKiB: 524288 });
 * // ... at shutdown
 * await cg.killAll();
 * await cg.remove();
 * ```
 * @module
 */
export {
  CGROUP_CONTROLLERS,
  type CgroupController,
  cgroupControllerAvailable,
  type CgroupHierarchy,
  type CgroupLayout,
  controllerHierarchy,
  detectCgroups,
  type DetectCgroupsOptions,
  hostCgroupLayout,
  readCgroupLayout,
} from "./cgroups/layout.ts";
export { type CgroupKernel, realKernel } from "./cgroups/files.ts";
export {
  type CgroupDriver,
  escapeGroupName,
  machineGroupName,
  machineName,
  type MachineNameOptions,
  partitionPath,
} from "./cgroups/naming.ts";
export {
  type BlkioDevice,
  type BlkioTunables,
  type CpuTunables,
  createMachineGroup,
  MachineCgroup,
  type MachineGroupDir,
  type MachineGroupOptions,
  type MemoryLimits,
  openMachineGroup,
} from "./cgroups/machine.ts";
export { type DeviceRef, type DeviceRule, UNLIMITED_KIB } from "./cgroups/tunables.ts";
