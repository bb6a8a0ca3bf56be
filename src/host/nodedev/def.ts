/**
 * The node device model: one host device (the `computer` root, a PCI
 * function, a USB device or interface, a network interface, a disk, a SCSI
 * host/target/device, a DRM node, a mediated device) and its capabilities,
 * as libvirt's node device XML describes them (`formatnode.rst`).
 * @module
 */

/** A PCI address. */
export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

/** A PCI Express link: its capability (`cap`) or negotiated status (`sta`). */
export interface PcieLink {
  /** Port number; only the capability has one. */
  port?: number;
  /** Speed in GT/s as libvirt writes it (`2.5`, `5`, `8`, `16`, `32`, `64`), when known. */
  speed?: string;
  width: number;
}

/** One mediated device type a parent offers. */
export interface MdevType {
  id: string;
  name?: string;
  deviceAPI: "vfio-pci" | "vfio-ccw" | "vfio-ap";
  availableInstances: number;
}

/** A PCI device's Vital Product Data. */
export interface PciVpd {
  name: string;
  readOnly?: {
    changeLevel?: string;
    manufactureId?: string;
    partNumber?: string;
    serialNumber?: string;
    vendorFields: { index: string; value: string }[];
  };
  readWrite?: {
    assetTag?: string;
    vendorFields: { index: string; value: string }[];
    systemFields: { index: string; value: string }[];
  };
}

/** `<capability type='system'>`: the host itself. */
export interface SystemCap {
  type: "system";
  product?: string;
  hardware: { vendor?: string; version?: string; serial?: string; uuid: string };
  firmware: { vendor?: string; version?: string; releaseDate?: string };
}

/** `<capability type='pci'>`. */
export interface PciCap {
  type: "pci";
  /** The 24-bit class code. */
  class?: number;
  address: PciAddress;
  product: { id: number; name?: string };
  vendor: { id: number; name?: string };
  /** An SR-IOV virtual function's physical function. */
  physFunction?: PciAddress;
  /** An SR-IOV physical function's virtual functions and how many it can have. */
  virtFunctions?: { maxCount?: number; addresses: PciAddress[] };
  mdevTypes?: MdevType[];
  vpd?: PciVpd;
  iommuGroup?: { number: number; addresses: PciAddress[] };
  numaNode?: number;
  /** Present for PCI Express devices; links when the device has one. */
  pciExpress?: { cap?: PcieLink; sta?: PcieLink };
}

/** `<capability type='usb_device'>`. */
export interface UsbDeviceCap {
  type: "usb_device";
  bus: number;
  device: number;
  product: { id: number; name?: string };
  vendor: { id: number; name?: string };
}

/** `<capability type='usb'>`: a USB interface. */
export interface UsbInterfaceCap {
  type: "usb";
  number: number;
  class: number;
  subclass: number;
  protocol: number;
  description?: string;
}

/** Operational states of a network link, as the kernel reports them. */
export type LinkState =
  | "unknown"
  | "notpresent"
  | "down"
  | "lowerlayerdown"
  | "testing"
  | "dormant"
  | "up";

/** `<capability type='net'>`. */
export interface NetCap {
  type: "net";
  interface: string;
  address?: string;
  link: { speed?: number; state?: LinkState };
  features: string[];
  /** `80203` for wired, `80211` for wireless. */
  subtype: "80203" | "80211";
}

/** `<capability type='storage'>`: a disk, CD or other block device. */
export interface StorageCap {
  type: "storage";
  block: string;
  bus?: string;
  driveType?: string;
  model?: string;
  vendor?: string;
  serial?: string;
  /** Set for removable media (CD, floppy, SD). */
  removable?: { mediaAvailable: boolean; mediaSize: number; mediaLabel?: string };
  /** Size in bytes (fixed media). */
  size: number;
  logicalBlockSize: number;
  numBlocks: number;
  hotpluggable: boolean;
}

/** `<capability type='scsi_host'>`. */
export interface ScsiHostCap {
  type: "scsi_host";
  host: number;
  uniqueId?: number;
  fcHost?: { wwnn: string; wwpn: string; fabricWwn?: string };
  vports?: { max: number; inUse: number };
}

/** `<capability type='scsi_target'>`. */
export interface ScsiTargetCap {
  type: "scsi_target";
  target: string;
}

/** `<capability type='scsi'>`: a SCSI device (LUN). */
export interface ScsiCap {
  type: "scsi";
  host: number;
  bus: number;
  target: number;
  lun: number;
  scsiType?: string;
}

/** `<capability type='scsi_generic'>`. */
export interface ScsiGenericCap {
  type: "scsi_generic";
  char: string;
}

/** `<capability type='drm'>`. */
export interface DrmCap {
  type: "drm";
  drmType: "primary" | "control" | "render";
}

/** `<capability type='mdev'>`: a mediated device. */
export interface MdevCap {
  type: "mdev";
  mdevType: string;
  uuid?: string;
  parentAddr?: string;
  iommuGroup?: number;
  attrs: { name: string; value: string }[];
}

/** Any capability of a node device. */
export type NodeDevCap =
  | SystemCap
  | PciCap
  | UsbDeviceCap
  | UsbInterfaceCap
  | NetCap
  | StorageCap
  | ScsiHostCap
  | ScsiTargetCap
  | ScsiCap
  | ScsiGenericCap
  | DrmCap
  | MdevCap;

/** A node device. */
export interface NodeDeviceDef {
  /** libvirt's name: `computer`, `pci_0000_00_1f_2`, `net_eth0_52_54_00_12_34_56` ... */
  name: string;
  /** Its sysfs folder, shown under `/sys`. */
  path?: string;
  /** Its device node (`/dev/sda`). */
  devnode?: string;
  /** Other names of the device node (udev's symlinks). */
  devlinks: string[];
  /** The parent device's name; only `computer` has none. */
  parent?: string;
  /** The kernel driver bound to it. */
  driver?: string;
  caps: NodeDevCap[];
  /** Whether the device exists now (an mdev defined with mdevctl may not). */
  active: boolean;
  /** Whether it has a persistent definition (mdevctl-defined mdevs). */
  persistent: boolean;
  /** Whether it is started with the host (mdevctl `auto`). */
  autostart: boolean;
}

/**
 * The capability names a device answers to in `nodedev-list --cap`: its own
 * capability types and the nested ones (`fc_host`, `vports`, `mdev_types`,
 * `vpd`).
 */
export function capNames(def: NodeDeviceDef): string[] {
  const out: string[] = [];
  for (const c of def.caps) {
    out.push(c.type);
    if (c.type === "scsi_host") {
      if (c.fcHost) out.push("fc_host");
      if (c.vports) out.push("vports");
    }
    if (c.type === "pci") {
      if (c.mdevTypes?.length) out.push("mdev_types");
      if (c.vpd) out.push("vpd");
    }
  }
  return out;
}

/**
 * Every capability name `--cap` accepts, in `virNodeDevCapType` order (the
 * `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bit of a name is `1 << index`).
 */
export const NODEDEV_CAP_NAMES = [
  "system",
  "pci",
  "usb_device",
  "usb",
  "net",
  "scsi_host",
  "scsi_target",
  "scsi",
  "storage",
  "fc_host",
  "vports",
  "scsi_generic",
  "drm",
  "mdev_types",
  "mdev",
  "ccw",
  "css",
  "vdpa",
  "ap_card",
  "ap_queue",
  "ap_matrix",
  "vpd",
] as const;
