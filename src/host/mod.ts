/**
 * The real host: capabilities, domain capabilities, node information and
 * statistics, node devices, and host validation. Every function reads the
 * kernel through a {@link HostRoots} (`hostRoots()` for the real `/sys`,
 * `/proc`, `/dev`). See `docs/host.md`.
 * @module
 */
export { type HostRoots, hostRoots } from "./sysfs.ts";
export { hostUuid } from "./uuid.ts";
export {
  hostCapabilities,
  hostCapabilitiesXml,
  hostCapsHost,
  type HostCapsOptions,
  kvmUsable,
} from "./host-caps.ts";
export { findQemuBinaries, probeInstalledQemu, type QemuEmulator, qemuGuest } from "./guests.ts";
export {
  type CapsEnum,
  type CapsFamily,
  type DomainCaps,
  formatDomainCaps,
  qemuDomainCaps,
  type QemuDomainCapsOptions,
} from "./domcaps.ts";
export {
  hostNodeInfo,
  type NodeCpuStats,
  nodeCpuStats,
  type NodeMemoryStats,
  nodeMemoryStats,
} from "./stats.ts";
export {
  formatHostValidate,
  formatValidateLine,
  hostValidate,
  VALIDATE_HYPERVISORS,
  validateFailed,
  type ValidateLevel,
  type ValidateResult,
} from "./validate.ts";
export {
  detachPciDevice,
  formatDeviceTree,
  formatNodeDeviceXml,
  listNodeDevices,
  type ListNodeDevicesOptions,
  lookupNodeDevice,
  mdevDefine,
  mdevList,
  mdevSetAutostart,
  mdevStart,
  mdevStop,
  mdevUndefine,
  NODEDEV_CAP_NAMES,
  type NodeDevCap,
  type NodeDeviceDef,
  nodeDeviceXml,
  reattachPciDevice,
} from "./nodedev/mod.ts";
