/**
 * Controllers and disks on the QEMU command line: `-device` for each
 * controller, and for each disk a `-blockdev` pair per image (protocol node
 * then format node, libvirt's `libvirt-N-storage`/`libvirt-N-format`)
 * followed by the guest device (virtio-blk, IDE/SATA, SCSI, CD-ROM).
 * @module
 */
import type { ControllerDef } from "../../src/conf/domain/devices/controller.ts";
import type { DiskDef } from "../../src/conf/domain/devices/disk.ts";
import type { StorageSource } from "../../src/conf/domain/devices/storage-source.ts";
import {
  addDevice,
  aliasOf,
  type ArgvContext,
  implicitUsb,
  json,
  noAddress,
  pciExtraProps,
  pciProps,
  reject,
} from "./argv-context.ts";
import { driveAddress } from "./aliases.ts";

const USB_MODELS: Record<string, string> = {
  "piix3-uhci": "piix3-usb-uhci",
  "piix4-uhci": "piix4-usb-uhci",
  ehci: "usb-ehci",
  "ich9-ehci1": "ich9-usb-ehci1",
  "ich9-uhci1": "ich9-usb-uhci1",
  "ich9-uhci2": "ich9-usb-uhci2",
  "ich9-uhci3": "ich9-usb-uhci3",
  "vt82c686b-uhci": "vt82c686b-usb-uhci",
  "pci-ohci": "pci-ohci",
  "nec-xhci": "nec-usb-xhci",
  "qemu-xhci": "qemu-xhci",
};

const SCSI_MODELS: Record<string, string> = {
  auto: "lsi53c895a",
  lsilogic: "lsi53c895a",
  "virtio-scsi": "virtio-scsi-pci",
  lsisas1068: "mptsas1068",
  lsisas1078: "megasas-gen2",
  vmpvscsi: "pvscsi",
};

const PCI_MODELS: Record<string, string> = {
  "pci-bridge": "pci-bridge",
  "dmi-to-pci-bridge": "i82801b11-bridge",
  "pcie-to-pci-bridge": "pcie-pci-bridge",
  "pcie-root-port": "pcie-root-port",
};

function controllerElement(c: ControllerDef): string {
  return `<controller type='${c.type}' index='${c.index ?? 0}'${
    c.model ? ` model='${c.model}'` : ""
  }>`;
}

/** Adds the controllers; built-in ones (PCI root, i440fx IDE, Q35 AHCI) add nothing. */
export function buildControllers(ctx: ArgvContext): void {
  const list = [...ctx.def.devices.controllers];
  // PCI bridges first, so that devices placed behind them find their bus.
  list.sort((a, b) => Number(b.type === "pci") - Number(a.type === "pci"));
  for (const c of list) buildController(ctx, c);
  if (implicitUsb(ctx)) {
    addDevice(ctx, "<controller type='usb'>", {
      driver: ctx.q35 ? "qemu-xhci" : "piix3-usb-uhci",
      id: "usb",
    });
  }
}

function buildController(ctx: ArgvContext, c: ControllerDef): void {
  const el = controllerElement(c);
  const idx = c.index ?? 0;
  const id = aliasOf(ctx, c);
  const pci = () => ({ ...pciProps(ctx, c.info, el), ...pciExtraProps(c.info) });
  const virtio = c.driver.virtio;
  if (virtio && Object.values(virtio).some((v) => v !== undefined)) {
    throw reject(el, "virtio <driver> options are not supported");
  }
  switch (c.type) {
    case "pci": {
      if (
        c.model === "pci-root" || c.model === "pcie-root" || (c.model === undefined && idx === 0)
      ) {
        if ((c.model === "pcie-root") !== ctx.q35) {
          throw reject(el, `machine '${ctx.machine}' has no ${c.model} bus`);
        }
        return;
      }
      const driver = c.pci?.modelName ?? (c.model ? PCI_MODELS[c.model] : undefined);
      if (!driver || !c.model || !PCI_MODELS[c.model]) {
        throw reject(el, "this PCI controller model is not supported");
      }
      const props: Record<string, unknown> = { driver };
      if (c.model === "pci-bridge" || c.model === "pcie-to-pci-bridge") {
        props.chassis_nr = c.pci?.chassisNr ?? idx;
      }
      if (c.model === "pcie-root-port") {
        props.port = c.pci?.port ?? idx + 0x7;
        props.chassis = c.pci?.chassis ?? idx;
      }
      props.id = id;
      addDevice(ctx, el, { ...props, ...pci() });
      return;
    }
    case "usb": {
      if (c.model === "none") return;
      const driver = c.model ? USB_MODELS[c.model] : ctx.q35 ? "qemu-xhci" : "piix3-usb-uhci";
      if (!driver) throw reject(el, "this USB controller model is not supported");
      const props: Record<string, unknown> = { driver, id };
      if (c.info.masterStartPort !== undefined) {
        props.masterbus = "usb.0";
        props.firstport = c.info.masterStartPort;
      }
      if (c.ports !== undefined) {
        if (!driver.endsWith("xhci")) {
          throw reject(el, "'ports' is supported only by xHCI controllers");
        }
        props.p2 = c.ports;
        props.p3 = c.ports;
      }
      addDevice(ctx, el, { ...props, ...pci() });
      return;
    }
    case "ide":
      if (ctx.q35) {
        throw reject(el, `machine '${ctx.machine}' has no IDE controller (use bus='sata')`);
      }
      if (idx !== 0) throw reject(el, "only the built-in IDE controller (index 0) is supported");
      noAddress(c.info, el, ["pci"]);
      return;
    case "sata":
      if (ctx.q35 && idx === 0) return;
      addDevice(ctx, el, { driver: "ich9-ahci", id, ...pci() });
      return;
    case "scsi": {
      const driver = SCSI_MODELS[c.model ?? "auto"];
      if (!driver) throw reject(el, "this SCSI controller model is not supported");
      const props: Record<string, unknown> = { driver, id };
      if (c.driver.queues) {
        if (driver !== "virtio-scsi-pci") {
          throw reject(el, "queues are supported only by virtio-scsi");
        }
        props.num_queues = c.driver.queues;
      }
      if (c.driver.iothread) {
        if (driver !== "virtio-scsi-pci") {
          throw reject(el, "iothread is supported only by virtio-scsi");
        }
        props.iothread = `iothread${c.driver.iothread}`;
      }
      addDevice(ctx, el, { ...props, ...pci() });
      return;
    }
    case "virtio-serial": {
      if (c.model && c.model !== "virtio") {
        throw reject(el, "this virtio-serial model is not supported");
      }
      const props: Record<string, unknown> = { driver: "virtio-serial-pci", id };
      if (c.ports !== undefined) props.max_ports = c.ports;
      if (c.vectors !== undefined) props.vectors = c.vectors;
      addDevice(ctx, el, { ...props, ...pci() });
      return;
    }
    default:
      throw reject(el, `controller type '${c.type}' is not supported by the QEMU driver`);
  }
}

/** Node-name counter: libvirt numbers image nodes so the first disk's top image has the highest number. */
function countSources(disks: DiskDef[]): number {
  let n = 0;
  for (const d of disks) {
    for (let s: StorageSource | null | undefined = d.source; s && hasMedia(s); s = s.backingStore) {
      n++;
    }
  }
  return n;
}

function hasMedia(s: StorageSource): boolean {
  return (s.type === "file" || s.type === "block") && !!s.path;
}

function diskElement(d: DiskDef): string {
  return `<disk type='${d.source.type}' device='${d.device}'> (target '${d.target.dev}')`;
}

const CACHE_FLAGS: Record<string, { writeback: boolean; direct: boolean; noFlush: boolean }> = {
  writeback: { writeback: true, direct: false, noFlush: false },
  writethrough: { writeback: false, direct: false, noFlush: false },
  none: { writeback: true, direct: true, noFlush: false },
  directsync: { writeback: false, direct: true, noFlush: false },
  unsafe: { writeback: true, direct: false, noFlush: true },
};

const SUPPORTED_FORMATS = [
  "raw",
  "qcow2",
  "qcow",
  "qed",
  "vmdk",
  "vdi",
  "vpc",
  "vhd",
  "bochs",
  "cloop",
  "dmg",
];

/** Rejects disk settings the driver does not turn into arguments. */
function checkDisk(d: DiskDef, el: string): void {
  const unsupported: [string, unknown][] = [
    ["<iotune>", d.iotune && Object.values(d.iotune).some((v) => v !== undefined)],
    ["<transient>", d.transient],
    ["<wwn>", d.wwn],
    ["<encryption>", d.source.encryption],
    ["<auth>", d.source.auth],
    ["<reservations>", d.source.reservations],
    ["<slices>", d.source.slice],
    ["<driver copy_on_read>", d.driver.copyOnRead],
    ["<driver><metadata_cache>", d.source.metadataCacheMaxSize],
    ["rawio", d.rawio],
    ["sgio", d.sgio],
    [
      "virtio <driver> options",
      d.driver.virtio && Object.values(d.driver.virtio).some((v) => v !== undefined),
    ],
  ];
  for (const [what, set] of unsupported) {
    if (set) throw reject(el, `${what} is not supported by the QEMU driver`);
  }
  if (d.model && d.model !== "virtio") throw reject(el, `model '${d.model}' is not supported`);
  if (d.device === "lun" || d.device === "floppy") {
    throw reject(el, `device '${d.device}' is not supported by the QEMU driver`);
  }
  for (let s: StorageSource | null | undefined = d.source; s; s = s.backingStore) {
    if (s.type !== "file" && s.type !== "block") {
      throw reject(
        el,
        `disk type '${s.type}' is not supported by the QEMU driver (only 'file' and 'block')`,
      );
    }
    const fmt = s.format ?? "raw";
    if (!SUPPORTED_FORMATS.includes(fmt)) {
      throw reject(el, `image format '${fmt}' is not supported`);
    }
  }
}

/** Adds every disk: its images as `-blockdev` nodes, then its guest device. */
export function buildDisks(ctx: ArgvContext): void {
  let next = countSources(ctx.def.devices.disks);
  for (const d of ctx.def.devices.disks) {
    const el = diskElement(d);
    checkDisk(d, el);
    let top: string | undefined;
    const chain: StorageSource[] = [];
    for (let s: StorageSource | null | undefined = d.source; s && hasMedia(s); s = s.backingStore) {
      chain.push(s);
    }
    const names = chain.map(() => next--);
    // Backing images first, so each format node can name its backing node.
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i];
      const n = names[i];
      const backing = i + 1 < chain.length
        ? `libvirt-${names[i + 1]}-format`
        : s.backingStore === null
        ? null
        : undefined;
      blockdevPair(ctx, d, s, n, i === 0, backing);
    }
    if (chain.length) top = `libvirt-${names[0]}-format`;
    diskDevice(ctx, d, el, top);
  }
}

function blockdevPair(
  ctx: ArgvContext,
  d: DiskDef,
  s: StorageSource,
  n: number,
  isTop: boolean,
  backing: string | null | undefined,
): void {
  const path = (s as { path?: string }).path!;
  const cache = d.driver.cache ? CACHE_FLAGS[d.driver.cache] : undefined;
  const cacheProps = cache ? { cache: { direct: cache.direct, "no-flush": cache.noFlush } } : {};
  const storageDriver = s.type === "block"
    ? (d.device === "cdrom" ? "host_cdrom" : "host_device")
    : "file";
  const storage: Record<string, unknown> = {
    driver: storageDriver,
    filename: path,
    "node-name": `libvirt-${n}-storage`,
  };
  if (d.driver.io) storage.aio = d.driver.io;
  Object.assign(storage, cacheProps, { "auto-read-only": true, discard: "unmap" });
  ctx.args.push("-blockdev", json(storage));
  const readOnly = !isTop || d.readonly === true || d.device === "cdrom";
  const format: Record<string, unknown> = {
    "node-name": `libvirt-${n}-format`,
    "read-only": readOnly,
  };
  if (isTop && d.driver.discard) format.discard = d.driver.discard;
  Object.assign(format, cacheProps);
  const fmt = s.format ?? "raw";
  format.driver = fmt === "vhd" ? "vpc" : fmt;
  format.file = `libvirt-${n}-storage`;
  if (backing !== undefined) format.backing = backing;
  if (isTop && d.driver.detectZeroes) {
    format["detect-zeroes"] = d.driver.detectZeroes === "on" ? "on" : d.driver.detectZeroes;
  }
  ctx.args.push("-blockdev", json(format));
}

function findController(
  ctx: ArgvContext,
  type: ControllerDef["type"],
  index: number,
): ControllerDef | undefined {
  return ctx.def.devices.controllers.find((c) => c.type === type && (c.index ?? 0) === index);
}

function errorPolicy(p: string | undefined): string | undefined {
  return p === "enospace" ? "enospc" : p;
}

function diskDevice(ctx: ArgvContext, d: DiskDef, el: string, drive: string | undefined): void {
  const cd = d.device === "cdrom";
  const props: Record<string, unknown> = {};
  const a = driveAddress(d);
  switch (d.target.bus) {
    case "virtio": {
      if (cd) throw reject(el, "a CD-ROM cannot be on the virtio bus");
      props.driver = "virtio-blk-pci";
      if (d.driver.queues) props["num-queues"] = d.driver.queues;
      if (d.driver.queueSize) props["queue-size"] = d.driver.queueSize;
      if (d.driver.ioeventfd) props.ioeventfd = d.driver.ioeventfd === "on";
      if (d.driver.eventIdx) props.event_idx = d.driver.eventIdx === "on";
      if (d.driver.iothread) props.iothread = `iothread${d.driver.iothread}`;
      Object.assign(props, pciProps(ctx, d.info, el), pciExtraProps(d.info));
      break;
    }
    case "ide": {
      if (ctx.q35) throw reject(el, `machine '${ctx.machine}' has no IDE bus (use bus='sata')`);
      if (a.controller !== 0) throw reject(el, "only the built-in IDE controller is supported");
      props.driver = cd ? "ide-cd" : "ide-hd";
      props.bus = `ide.${a.bus}`;
      props.unit = a.unit;
      break;
    }
    case "sata": {
      const c = findController(ctx, "sata", a.controller);
      if (!c) throw reject(el, `no <controller type='sata' index='${a.controller}'>`);
      props.driver = cd ? "ide-cd" : "ide-hd";
      props.bus = `${aliasOf(ctx, c)}.${a.unit}`;
      break;
    }
    case "scsi": {
      const c = findController(ctx, "scsi", a.controller);
      if (!c) throw reject(el, `no <controller type='scsi' index='${a.controller}'>`);
      props.driver = cd ? "scsi-cd" : "scsi-hd";
      props.bus = `${aliasOf(ctx, c)}.0`;
      if (c.model === "virtio-scsi") {
        props.channel = a.bus;
        props["scsi-id"] = a.target;
        props.lun = a.unit;
      } else {
        if (a.target !== 0 || a.bus !== 0) {
          throw reject(el, "this SCSI controller supports only bus 0 and target 0");
        }
        props["scsi-id"] = a.unit;
      }
      break;
    }
    default:
      throw reject(el, `disk bus '${d.target.bus}' is not supported by the QEMU driver`);
  }
  if (drive) props.drive = drive;
  props.id = aliasOf(ctx, d);
  if (d.info.bootOrder) props.bootindex = d.info.bootOrder;
  const cache = d.driver.cache ? CACHE_FLAGS[d.driver.cache] : undefined;
  if (cache && !cd) props["write-cache"] = cache.writeback ? "on" : "off";
  if (d.serial) props.serial = d.serial;
  if (d.shareable) props["share-rw"] = true;
  if (d.driver.errorPolicy) props.werror = errorPolicy(d.driver.errorPolicy);
  const rerror = d.driver.rerrorPolicy ??
    (d.driver.errorPolicy === "enospace" ? undefined : d.driver.errorPolicy);
  if (rerror) props.rerror = rerror;
  if (d.blockio?.logicalBlockSize) props.logical_block_size = d.blockio.logicalBlockSize;
  if (d.blockio?.physicalBlockSize) props.physical_block_size = d.blockio.physicalBlockSize;
  const g = d.geometry;
  if (g) {
    Object.assign(props, { cyls: g.cyls, heads: g.heads, secs: g.secs });
    if (g.trans) props["bios-chs-trans"] = g.trans;
  }
  if (d.target.rotationRate) props.rotation_rate = d.target.rotationRate;
  if (d.target.removable) {
    if (d.target.bus !== "scsi" || cd) {
      throw reject(el, "removable is supported only for SCSI hard disks");
    }
    props.removable = d.target.removable === "on";
  }
  if (d.vendor) props.vendor = d.vendor;
  if (d.product) props.product = d.product;
  if (d.target.tray === "open" && cd) {
    throw reject(el, "an open tray is set with the monitor, not at start");
  }
  addDevice(ctx, el, props);
}
