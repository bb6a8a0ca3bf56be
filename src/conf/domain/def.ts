/**
 * The typed model of a libvirt domain definition (`<domain>`).
 * Sizes are in KiB; lists keep document order.
 * @module
 */
import type { XmlElement } from "../../xml/mod.ts";
import type { ClockDef } from "./clock.ts";
import type { CpuDef } from "./cpu.ts";
import type { CputuneDef } from "./cputune.ts";
import type { DomainDevices } from "./devices/index.ts";
import type { FeaturesDef } from "./features.ts";
import type { KeywrapDef } from "./keywrap.ts";
import type { LaunchSecurityDef } from "./launch-security.ts";
import type { BlkiotuneDef, MemoryBackingDef, MemtuneDef } from "./memory.ts";
import type { NamespaceData } from "./namespaces.ts";
import type { NumatuneDef } from "./numatune.ts";
import type { IdMapDef, OsDef, SysinfoDef } from "./os.ts";
import type { PerfDef } from "./perf.ts";
import type { PmDef } from "./pm.ts";
import type { SeclabelDef } from "./seclabel.ts";
import type { IothreadsDef, VcpuDef } from "./vcpu.ts";

/** Hypervisor types a `<domain type>` may name. */
export const DOMAIN_TYPES = [
  "none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware",
  "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz", "ch",
] as const;

/** A hypervisor type. */
export type DomainType = (typeof DOMAIN_TYPES)[number];

/** Where a hypervisor type departs from the generic defaults. */
export interface DomainTypeFeatures {
  /** The name may contain `/`. */
  nameSlash?: boolean;
  /** No boot device is defaulted. */
  noBootOrder?: boolean;
  /** A video model without `heads` keeps it unset instead of 1. */
  noVideoHeads?: boolean;
  /** SCSI buses are wide: 16 units, unit 7 being the controller (else 7 units). */
  wideScsi?: boolean;
  /** Two disks may share a target name (VMX names SCSI and SATA disks alike). */
  sharedDiskTargets?: boolean;
  /** Architecture for a full-virt guest that names none (else the host's). */
  defaultArch?: string;
}

/**
 * Per-type departures from the generic checks and defaults, as libvirt's
 * per-driver parser features: VMware guests come from VMX files, which know
 * no boot order and no video heads, may name a SCSI and a SATA disk alike,
 * and whose display names may hold a slash; VMware's guest capabilities list
 * i686 first.
 */
export const DOMAIN_TYPE_FEATURES: Partial<Record<DomainType, DomainTypeFeatures>> = {
  vmware: {
    nameSlash: true,
    noBootOrder: true,
    noVideoHeads: true,
    wideScsi: true,
    sharedDiskTargets: true,
    defaultArch: "i686",
  },
};

/** What happens when the guest powers off, reboots or crashes. */
export const LIFECYCLE_ACTIONS = ["destroy", "restart", "rename-restart", "preserve"] as const;
/** Crash actions add core dumps. */
export const CRASH_ACTIONS = [...LIFECYCLE_ACTIONS, "coredump-destroy", "coredump-restart"] as const;
/** Actions when a lock manager loses a lock. */
export const LOCKFAILURE_ACTIONS = ["poweroff", "restart", "pause", "ignore"] as const;

/** `<memory>`, `<currentMemory>` and `<maxMemory>`, in KiB. */
export interface MemoryDef {
  /** Total memory at boot (`<memory>`), including memory devices. */
  total: number;
  /** Balloon target (`<currentMemory>`); defaults to `total`. */
  current: number;
  /** Maximum with hot-plug (`<maxMemory>`). */
  max?: number;
  /** Hot-plug slots. */
  slots?: number;
  /** `dumpCore` attribute. */
  dumpCore?: "on" | "off";
}

/** `<resource>`. */
export interface ResourceDef {
  partition?: string;
  fibrechannelAppid?: string;
}

/** A whole domain definition. */
export interface DomainDef {
  type: DomainType;
  /** Runtime id (live definitions only). */
  id?: number;
  name: string;
  uuid: string;
  /** VM generation id (`<genid>`). */
  genid?: string;
  title?: string;
  description?: string;
  /** `<metadata>` children, kept verbatim. */
  metadata?: XmlElement[];
  memory: MemoryDef;
  blkiotune?: BlkiotuneDef;
  memtune?: MemtuneDef;
  memoryBacking?: MemoryBackingDef;
  vcpu: VcpuDef;
  iothreads?: IothreadsDef;
  cputune?: CputuneDef;
  numatune?: NumatuneDef;
  resource?: ResourceDef;
  sysinfo: SysinfoDef[];
  bootloader?: string;
  bootloaderArgs?: string;
  os: OsDef;
  idmap?: IdMapDef;
  features?: FeaturesDef;
  cpu?: CpuDef;
  clock?: ClockDef;
  onPoweroff: (typeof LIFECYCLE_ACTIONS)[number];
  onReboot: (typeof LIFECYCLE_ACTIONS)[number];
  onCrash: (typeof CRASH_ACTIONS)[number];
  onLockfailure?: (typeof LOCKFAILURE_ACTIONS)[number];
  pm?: PmDef;
  perf?: PerfDef;
  devices: DomainDevices;
  seclabels: SeclabelDef[];
  keywrap?: KeywrapDef;
  launchSecurity?: LaunchSecurityDef;
  /** Hypervisor-specific namespace extensions. */
  namespaces?: NamespaceData;
}
