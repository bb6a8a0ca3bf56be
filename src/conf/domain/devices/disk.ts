/**
 * `<disk>`: hard disks, CD-ROMs, floppies and SCSI LUNs, with their driver
 * settings, storage source and backing chain, guest target, I/O limits and
 * identification strings; plus the generic checks and defaults libvirt
 * applies to disks after parsing.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { DOMAIN_TYPE_FEATURES, type DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import {
  type DiskMirror, emptySource, formatBackingStore, formatDiskMirror, formatSourceElement, formatStorageAuth,
  formatStorageEncryption, isEmptySource, parseBackingStore, parseDiskMirror, parseMetadataCache, parseSourceElement,
  parseSourceIndex, parseStorageAuth, parseStorageEncryption, parseStorageType, STORAGE_FORMATS, type StorageFormat,
  type StorageSource, sourceLabel,
} from "./storage-source.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** What the guest sees (`device`). */
export const DISK_DEVICES = ["disk", "cdrom", "floppy", "lun"] as const;
/** Guest buses (`<target bus>`). */
export const DISK_BUSES = ["ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd"] as const;
/** Host cache modes. */
export const DISK_CACHE_MODES = ["default", "none", "writethrough", "writeback", "directsync", "unsafe"] as const;
/** What to do on a write (or read) error. */
export const DISK_ERROR_POLICIES = ["stop", "report", "ignore", "enospace"] as const;
/** Host I/O backends. */
export const DISK_IO_MODES = ["native", "threads", "io_uring"] as const;
/** Startup policies for a source that may be missing. */
export const STARTUP_POLICIES = ["mandatory", "requisite", "optional"] as const;
/** Snapshot handling (`snapshot`). */
export const DISK_SNAPSHOT_MODES = ["no", "internal", "external", "manual"] as const;

/** A guest disk bus. */
export type DiskBus = (typeof DISK_BUSES)[number];
/** A startup policy. */
export type StartupPolicy = (typeof STARTUP_POLICIES)[number];
type OnOff = "on" | "off";

/** `<driver>` of a disk (the image format lives in the source). */
export interface DiskDriver {
  name?: string;
  /** `cache`; `default` is accepted and not written back. */
  cache?: Exclude<(typeof DISK_CACHE_MODES)[number], "default">;
  errorPolicy?: (typeof DISK_ERROR_POLICIES)[number];
  rerrorPolicy?: Exclude<(typeof DISK_ERROR_POLICIES)[number], "enospace">;
  io?: (typeof DISK_IO_MODES)[number];
  ioeventfd?: OnOff;
  eventIdx?: OnOff;
  copyOnRead?: OnOff;
  discard?: "unmap" | "ignore";
  iothread?: number;
  detectZeroes?: "off" | "on" | "unmap";
  queues?: number;
  queueSize?: number;
  virtio?: VirtioOptions;
}

/** `<target>`: where the guest sees the disk. */
export interface DiskTarget {
  dev: string;
  bus: DiskBus;
  tray?: "open" | "closed";
  removable?: OnOff;
  rotationRate?: number;
}

/** The `<iotune>` limits, in libvirt's element order; zero means unset. */
export const IOTUNE_FIELDS = [
  "total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec", "write_iops_sec",
  "total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max",
  "write_iops_sec_max", "size_iops_sec",
] as const;
/** The `<iotune>` burst lengths, written after `group_name`. */
export const IOTUNE_LENGTH_FIELDS = [
  "total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length",
  "total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
] as const;

/** `<iotune>`: I/O throttling. */
export type DiskIotune =
  & { [K in (typeof IOTUNE_FIELDS)[number] | (typeof IOTUNE_LENGTH_FIELDS)[number]]?: number }
  & { group_name?: string };

/** A `<disk>` device. */
export interface DiskDef {
  device: (typeof DISK_DEVICES)[number];
  model?: "virtio" | "virtio-transitional" | "virtio-non-transitional";
  rawio?: "yes" | "no";
  sgio?: "filtered" | "unfiltered";
  snapshot?: (typeof DISK_SNAPSHOT_MODES)[number];
  driver: DiskDriver;
  /** The storage source, its image format and backing chain. */
  source: StorageSource;
  startupPolicy?: StartupPolicy;
  /** `<auth>` was given as a child of `<disk>` (and is written back there). */
  authOnDisk?: boolean;
  /** `<encryption>` was given as a child of `<disk>` (and is written back there). */
  encryptionOnDisk?: boolean;
  /** `<backenddomain name>` (Xen driver domain). */
  backendDomain?: string;
  geometry?: { cyls: number; heads: number; secs: number; trans?: "none" | "auto" | "lba" };
  blockio?: { logicalBlockSize?: number; physicalBlockSize?: number };
  /** A running block job's destination (live state only). */
  mirror?: DiskMirror;
  target: DiskTarget;
  iotune?: DiskIotune;
  readonly?: boolean;
  shareable?: boolean;
  /** `<transient>`: changes are discarded when the guest stops. */
  transient?: { shareBacking?: "yes" | "no" };
  serial?: string;
  wwn?: string;
  vendor?: string;
  product?: string;
  /** address, alias, boot order */
  info: DeviceInfo;
}

const DISK_NAME_PREFIXES = ["fd", "hd", "vd", "sd", "xvd", "ubd"];

/**
 * The index a disk target name stands for (`sda` 0, `hdc` 2, `vdaa` 26), or
 * -1 when the name has no known prefix or a bad suffix (libvirt's
 * `virDiskNameToIndex`).
 */
export function diskNameToIndex(name: string): number {
  const prefix = DISK_NAME_PREFIXES.find((p) => name.startsWith(p));
  if (prefix === undefined) return -1;
  const rest = name.slice(prefix.length);
  const m = /^([a-z]*)(\d*)$/.exec(rest);
  if (!m) return -1;
  let idx = 0;
  for (let i = 0; i < m[1].length; i++) idx = (idx + (i < 1 ? 0 : 1)) * 26 + (m[1].charCodeAt(i) - 97);
  return idx;
}

/** The bus a disk gets when `<target>` names none. */
function defaultBus(device: DiskDef["device"], dev: string): DiskBus {
  if (device === "floppy") return "fdc";
  if (dev.startsWith("hd")) return "ide";
  if (dev.startsWith("sd")) return "scsi";
  if (dev.startsWith("vd")) return "virtio";
  if (dev.startsWith("xvd")) return "xen";
  if (dev.startsWith("ubd")) return "uml";
  return "ide";
}

function parseDriver(d: XmlReader | undefined, source: StorageSource): DiskDriver {
  if (!d) return {};
  const sw = ["on", "off"] as const;
  const cache = d.enum("cache", DISK_CACHE_MODES);
  const rerror = d.enum("rerror_policy", DISK_ERROR_POLICIES);
  if (rerror === "enospace") throw d.error("invalid disk read error policy: 'enospace'");
  const iothread = d.uint("iothread");
  if (iothread === 0) throw d.error("invalid value '0' for attribute 'iothread', expected a positive integer");
  const type = d.attr("type");
  if (type !== undefined) {
    if (type === "aio") source.format = "raw";
    else if ((STORAGE_FORMATS as readonly string[]).includes(type)) source.format = type as StorageFormat;
    else throw d.error(`unknown driver format value '${type}', expected one of: ${STORAGE_FORMATS.join(", ")}`);
  }
  source.metadataCacheMaxSize = parseMetadataCache(d);
  return {
    name: d.attr("name"),
    cache: cache === "default" ? undefined : cache,
    errorPolicy: d.enum("error_policy", DISK_ERROR_POLICIES),
    rerrorPolicy: rerror,
    io: d.enum("io", DISK_IO_MODES),
    ioeventfd: d.enum("ioeventfd", sw),
    eventIdx: d.enum("event_idx", sw),
    copyOnRead: d.enum("copy_on_read", sw),
    discard: d.enum("discard", ["unmap", "ignore"]),
    iothread,
    detectZeroes: d.enum("detect_zeroes", ["off", "on", "unmap"]),
    queues: d.uint("queues") || undefined,
    queueSize: d.uint("queue_size") || undefined,
    virtio: parseVirtioOptions(d),
  };
}

function parseTarget(t: XmlReader | undefined, device: DiskDef["device"], source: StorageSource): DiskTarget {
  const dev = t?.attr("dev");
  if (!t || !dev) {
    const where = sourceLabel(source);
    const msg = `missing target information for disk${where ? ` with source '${where}'` : ""}`;
    throw t ? t.error(msg) : new VirtError("xml-detail", "domain", msg);
  }
  const name = dev.startsWith("ioemu:") ? dev.slice("ioemu:".length) : dev;
  const target: DiskTarget = {
    dev: name,
    bus: t.enum("bus", DISK_BUSES) ?? defaultBus(device, name),
    tray: t.enum("tray", ["open", "closed"]),
    removable: t.enum("removable", ["on", "off"]),
    rotationRate: t.uint("rotation_rate") || undefined,
  };
  if (target.tray !== undefined && device !== "cdrom" && device !== "floppy") {
    throw t.error("tray is only valid for cdrom and floppy");
  }
  return target;
}

function parseIotune(r: XmlReader): DiskIotune {
  const io: DiskIotune = {};
  for (const f of [...IOTUNE_FIELDS, ...IOTUNE_LENGTH_FIELDS]) {
    const c = r.child(f);
    if (!c) continue;
    const v = c.text().trim();
    if (!/^\+?\d+$/.test(v)) throw c.error(`disk iotune field '${f}' must be an integer`);
    if (Number(v)) io[f] = Number(v);
  }
  const group = r.childText("group_name");
  if (group) io.group_name = group;
  for (const kind of ["bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"] as const) {
    if (io[`total_${kind}`] && (io[`read_${kind}`] || io[`write_${kind}`])) {
      throw r.error(`total and read/write ${kind} cannot be set at the same time`);
    }
  }
  return io;
}

function parseGeometry(g: XmlReader): DiskDef["geometry"] {
  return {
    cyls: g.uint("cyls") ?? 0,
    heads: g.uint("heads") ?? 0,
    secs: g.uint("secs") ?? 0,
    trans: g.enum("trans", ["none", "auto", "lba"]),
  };
}

function parseWwn(r: XmlReader): string {
  const wwn = r.text().trim();
  const hex = wwn.startsWith("0x") ? wwn.slice(2) : wwn;
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw r.error(`malformed wwn: ${wwn}`);
  return wwn;
}

function parseIdString(r: XmlReader, what: string, max: number): string {
  const v = r.text();
  if (v.length > max) throw r.error(`disk ${what} is more than ${max} characters`);
  if (!/^[\x20-\x7e]*$/.test(v)) throw r.error(`disk ${what} is not printable string`);
  return v;
}

/**
 * Parses `<disk>`.
 *
 * @example
 * ```ts
 * // <disk type='file' device='cdrom'><target dev='hdc'/></disk>
 * parseDisk(r, ctx); // an empty IDE CD-ROM, read-only
 * ```
 */
export function parseDisk(r: XmlReader, ctx: ParseContext): DiskDef {
  const device = r.enum("device", DISK_DEVICES) ?? "disk";
  const srcEl = r.child("source");
  // A disk without <source> has no media and is always of type file.
  const type = parseStorageType(r);
  const source = emptySource(srcEl ? type : "file");
  let startupPolicy: StartupPolicy | undefined;
  if (srcEl) {
    parseSourceElement(srcEl, source, ctx);
    source.index = parseSourceIndex(srcEl, ctx);
    startupPolicy = srcEl.enum("startupPolicy", STARTUP_POLICIES);
  }
  const disk: DiskDef = {
    device,
    model: r.enum("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]),
    rawio: r.enum("rawio", ["yes", "no"]),
    sgio: r.enum("sgio", ["filtered", "unfiltered"]),
    snapshot: r.enum("snapshot", DISK_SNAPSHOT_MODES),
    driver: parseDriver(r.child("driver"), source),
    source,
    startupPolicy,
    target: parseTarget(r.child("target"), device, source),
    info: parseDeviceInfo(r, ctx, { boot: true }),
  };
  const auth = r.child("auth");
  if (auth) {
    if (source.auth) throw auth.error("an <auth> definition already found for disk source");
    source.auth = parseStorageAuth(auth);
    disk.authOnDisk = true;
  }
  const enc = r.child("encryption");
  if (enc) {
    if (source.encryption) throw enc.error("an <encryption> definition already found for disk source");
    source.encryption = parseStorageEncryption(enc);
    disk.encryptionOnDisk = true;
  }
  parseBackingStore(r, source, ctx);
  disk.backendDomain = r.child("backenddomain")?.attr("name");
  const geometry = r.child("geometry");
  if (geometry) disk.geometry = parseGeometry(geometry);
  const blockio = r.child("blockio");
  if (blockio) {
    disk.blockio = { logicalBlockSize: blockio.uint("logical_block_size"), physicalBlockSize: blockio.uint("physical_block_size") };
  }
  const mirror = r.child("mirror");
  if (mirror) {
    if (ctx.inactive) mirror.keepVerbatim();
    else disk.mirror = parseDiskMirror(mirror, ctx);
  }
  const iotune = r.child("iotune");
  if (iotune) disk.iotune = parseIotune(iotune);
  if (r.child("readonly") || device === "cdrom") disk.readonly = true;
  if (r.child("shareable")) disk.shareable = true;
  const transient = r.child("transient");
  if (transient) disk.transient = { shareBacking: transient.enum("shareBacking", ["yes", "no"]) };
  disk.serial = r.child("serial")?.text();
  const wwn = r.child("wwn");
  if (wwn) disk.wwn = parseWwn(wwn);
  const vendor = r.child("vendor");
  if (vendor) disk.vendor = parseIdString(vendor, "vendor", 8);
  const product = r.child("product");
  if (product) disk.product = parseIdString(product, "product", 16);
  return disk;
}

function formatDriver(w: XmlWriter, d: DiskDef): void {
  const drv = d.driver;
  const cacheMax = d.source.metadataCacheMaxSize;
  w.group("driver", [
    ["name", drv.name], ["type", d.source.format], ["cache", drv.cache], ["error_policy", drv.errorPolicy],
    ["rerror_policy", drv.rerrorPolicy], ["io", drv.io], ["ioeventfd", drv.ioeventfd], ["event_idx", drv.eventIdx],
    ["copy_on_read", drv.copyOnRead], ["discard", drv.discard], ["iothread", drv.iothread],
    ["detect_zeroes", drv.detectZeroes], ["queues", drv.queues], ["queue_size", drv.queueSize],
    ...virtioOptionsAttrs(drv.virtio),
  ], (w) => {
    if (cacheMax) w.elem("metadata_cache", null, (w) => w.text("max_size", cacheMax, [["unit", "bytes"]]));
  });
}

function formatTarget(w: XmlWriter, d: DiskDef): void {
  const t = d.target;
  const trayShown = (d.device === "cdrom" || d.device === "floppy") && t.tray === "open";
  w.elem("target", [
    ["dev", t.dev], ["bus", t.bus], ["tray", trayShown ? "open" : undefined],
    ["removable", t.bus === "usb" ? t.removable : undefined], ["rotation_rate", t.rotationRate],
  ]);
}

function formatIotune(w: XmlWriter, io: DiskIotune | undefined): void {
  if (!io) return;
  w.group("iotune", null, (w) => {
    for (const f of IOTUNE_FIELDS) if (io[f]) w.text(f, io[f]);
    w.text("group_name", io.group_name);
    for (const f of IOTUNE_LENGTH_FIELDS) if (io[f]) w.text(f, io[f]);
  });
}

/** Writes `<disk>`. */
export function formatDisk(w: XmlWriter, d: DiskDef, ctx: FormatContext): void {
  const src = d.source;
  const snapshot = d.snapshot === "no" && d.readonly ? undefined : d.snapshot;
  w.elem("disk", [
    ["type", src.type], ["device", d.device], ["model", d.model], ["rawio", d.rawio], ["sgio", d.sgio],
    ["snapshot", snapshot],
  ], (w) => {
    formatDriver(w, d);
    if (src.auth && d.authOnDisk) formatStorageAuth(w, src.auth);
    formatSourceElement(w, src, ctx, {
      startupPolicy: d.startupPolicy, withIndex: true, skipAuth: d.authOnDisk, skipEncryption: d.encryptionOnDisk,
    });
    formatBackingStore(w, src, ctx);
    if (d.backendDomain !== undefined) w.elem("backenddomain", [["name", d.backendDomain]]);
    const g = d.geometry;
    if (g && g.cyls > 0 && g.heads > 0 && g.secs > 0) {
      w.elem("geometry", [["cyls", g.cyls], ["heads", g.heads], ["secs", g.secs], ["trans", g.trans]]);
    }
    const b = d.blockio;
    if (b && (b.logicalBlockSize || b.physicalBlockSize)) {
      w.elem("blockio", [["logical_block_size", b.logicalBlockSize || undefined], ["physical_block_size", b.physicalBlockSize || undefined]]);
    }
    if (d.mirror) formatDiskMirror(w, d.mirror, ctx);
    formatTarget(w, d);
    formatIotune(w, d.iotune);
    if (d.readonly) w.elem("readonly");
    if (d.shareable) w.elem("shareable");
    if (d.transient) w.elem("transient", [["shareBacking", d.transient.shareBacking === "yes" ? "yes" : undefined]]);
    w.text("serial", d.serial);
    w.text("wwn", d.wwn);
    w.text("vendor", d.vendor);
    w.text("product", d.product);
    if (src.encryption && d.encryptionOnDisk) formatStorageEncryption(w, src.encryption);
    formatDeviceInfo(w, d.info, ctx, { boot: true });
  });
}

// ---------------------------------------------------------------- checks

function fail(message: string): never {
  throw new VirtError("xml-detail", "domain", message);
}

/**
 * Whether SCSI buses of the domain are wide (16 units, unit 7 being the
 * controller), as the VMware driver declares; other domains get narrow
 * buses of 7 units.
 */
export function wideScsi(def: DomainDef): boolean {
  return DOMAIN_TYPE_FEATURES[def.type]?.wideScsi ?? false;
}

/** An iSCSI source name without a LUN means LUN 0 (`iqn.../0`). */
export function iscsiNameWithLun(name: string): string {
  return name.includes("/") ? name : `${name}/0`;
}

/**
 * The disk defaults libvirt fills in after parsing: LUN 0 for iSCSI names
 * without one, managed NVMe controllers, no snapshots of vhost-user disks,
 * and the drive address a target name implies on IDE, SATA, floppy and SCSI
 * buses for disks without an address.
 */
export function diskDefaults(def: DomainDef): void {
  const wide = wideScsi(def);
  for (const d of def.devices.disks) {
    const s = d.source;
    if (s.type === "network" && s.network?.protocol === "iscsi" && s.network.name !== undefined) {
      s.network.name = iscsiNameWithLun(s.network.name);
    }
    if (s.type === "nvme" && s.nvme) s.nvme.managed ??= "yes";
    if (s.type === "vhostuser") d.snapshot ??= "no";
    if (d.info.address) continue;
    const bus = d.target.bus;
    if (bus !== "scsi" && bus !== "ide" && bus !== "sata" && bus !== "fdc") continue;
    const idx = diskNameToIndex(d.target.dev);
    if (idx < 0) fail(`unknown disk name '${d.target.dev}' and no address specified`);
    switch (bus) {
      case "scsi": {
        const perBus = wide ? 15 : 7;
        let unit = idx % perBus;
        if (wide && unit >= 7) unit++;
        d.info.address = { type: "drive", controller: Math.floor(idx / perBus), bus: 0, target: 0, unit };
        break;
      }
      case "ide":
        d.info.address = { type: "drive", controller: Math.floor(idx / 4), bus: Math.floor((idx % 4) / 2), target: 0, unit: idx % 2 };
        break;
      case "sata":
        d.info.address = { type: "drive", controller: Math.floor(idx / 6), bus: 0, target: 0, unit: idx % 6 };
        break;
      case "fdc":
        d.info.address = { type: "drive", controller: Math.floor(idx / 2), bus: 0, target: 0, unit: idx % 2 };
        break;
    }
  }
}

function checkSourceChain(d: DiskDef): void {
  for (let s: StorageSource | null | undefined = d.source; s; s = s.backingStore) {
    if (s.type === "network" && s.auth && s.network) {
      const usage = s.auth.secretType;
      if (!usage || !["none", "volume", "ceph", "iscsi", "tls", "vtpm"].includes(usage)) {
        fail(`unknown secret type '${usage ?? ""}' for disk '${d.target.dev}'`);
      }
      if ((s.network.protocol === "iscsi" && usage !== "iscsi") || (s.network.protocol === "rbd" && usage !== "ceph")) {
        fail(`invalid secret type '${usage}' for disk '${d.target.dev}'`);
      }
    }
    if (s.encryption?.format === "qcow" && s.encryption.cipher) {
      fail("supplying <cipher> for domain disk definition is unnecessary");
    }
    if (s.type !== "network" || s.network?.protocol !== "rbd") {
      if (s.type === "network" && s.network?.snapshot !== undefined) {
        fail("<snapshot> element is currently supported only with 'rbd' disks");
      }
      if (s.type === "network" && s.network?.config !== undefined) {
        fail("<config> element is currently supported only with 'rbd' disks");
      }
    }
  }
}

/** Address types a disk bus accepts (others are not decided generically). */
function addressFitsBus(d: DiskDef): boolean {
  const t = d.info.address?.type;
  if (t === undefined) return true;
  switch (d.target.bus) {
    case "ide":
    case "fdc":
    case "scsi":
    case "sata":
      return t === "drive";
    case "usb":
      return t === "usb";
    case "virtio":
      return t !== "drive";
    default:
      return true;
  }
}

function checkLun(d: DiskDef): void {
  const s = d.source;
  if (d.device === "lun") {
    if (!(s.type === "block" || s.type === "volume" || (s.type === "network" && s.network?.protocol === "iscsi"))) {
      fail(`disk '${d.target.dev}' improperly configured for a device='lun'`);
    }
    if (s.reservations && s.type === "network") fail("<reservations/> allowed only for block storage");
    if (d.wwn) fail("setting wwn is not supported for lun device");
    if (d.vendor !== undefined || d.product !== undefined) fail("setting vendor or product is not supported for lun device");
    return;
  }
  if (s.reservations) fail("<reservations/> allowed only for lun devices");
  if (d.rawio) fail("rawio can be used only with device='lun'");
  if (d.sgio) fail("sgio can be used only with device='lun'");
}

function checkVhostUser(d: DiskDef): void {
  if (d.source.type !== "vhostuser") return;
  if (d.target.bus !== "virtio") fail("vhostuser disk supports only virtio bus");
  if (d.snapshot !== "no") fail("only snapshot=no is supported with vhostuser disk");
  const drv = d.driver;
  const unsupported: [string, unknown][] = [
    ["cache", drv.cache], ["error_policy", drv.errorPolicy], ["rerror_policy", drv.rerrorPolicy], ["io", drv.io],
    ["ioeventfd", drv.ioeventfd], ["event_idx", drv.eventIdx], ["copy_on_read", drv.copyOnRead],
    ["discard", drv.discard], ["iothread", drv.iothread], ["detect_zeroes", drv.detectZeroes],
  ];
  for (const [name, value] of unsupported) {
    if (value !== undefined) fail(`${name} is not supported with vhostuser disk`);
  }
  if (d.iotune && Object.keys(d.iotune).length) fail("iotune is not supported with vhostuser disk");
}

function checkOneDisk(d: DiskDef): void {
  const dev = d.target.dev;
  if (d.device === "disk" && isEmptySource(d.source)) {
    fail(`disk '${dev}' has no source; only a cdrom or floppy may be empty`);
  }
  checkSourceChain(d);
  checkLun(d);
  if (!addressFitsBus(d)) {
    fail(`invalid address type '${d.info.address!.type}' for the disk '${dev}' with the bus type '${d.target.bus}'`);
  }
  if (d.driver.queues && d.target.bus !== "virtio") {
    fail("queues attribute in disk driver element is only supported by virtio-blk");
  }
  if (d.model && d.target.bus !== "virtio") fail(`disk model '${d.model}' not supported for bus '${d.target.bus}'`);
  if (d.target.bus !== "virtio") {
    if (d.driver.eventIdx) fail("disk event_idx mode supported only for virtio bus");
    if (d.driver.ioeventfd) fail("disk ioeventfd mode supported only for virtio bus");
  }
  if (d.wwn && d.target.bus !== "ide" && d.target.bus !== "scsi") fail("only ide and scsi disk support wwn");
  if ((d.vendor !== undefined || d.product !== undefined) && d.target.bus !== "scsi") {
    fail("only scsi disk supports vendor and product");
  }
  const g = d.geometry;
  if (g && g.cyls > 0 && g.heads > 0 && g.secs > 0) {
    if (d.target.bus === "usb" || d.target.bus === "sd") fail(`CHS geometry can not be set for '${d.target.bus}' bus`);
    if (g.trans && d.target.bus !== "ide") {
      fail(`CHS translation mode can only be set for 'ide' bus not '${d.target.bus}'`);
    }
  }
  if (d.startupPolicy) {
    if (d.source.type === "network") {
      fail("setting disk startupPolicy is allowed only for disk of type 'file', 'block' or 'volume'");
    }
    if (d.device !== "cdrom" && d.device !== "floppy" && d.startupPolicy === "requisite") {
      fail("setting disk 'requisite' is allowed only for cdrom or floppy");
    }
  }
  checkVhostUser(d);
}

function sameDrive(a: DeviceInfo, b: DeviceInfo): boolean {
  const x = a.address;
  const y = b.address;
  return x?.type === "drive" && y?.type === "drive" && (x.controller ?? 0) === (y.controller ?? 0) &&
    (x.bus ?? 0) === (y.bus ?? 0) && (x.target ?? 0) === (y.target ?? 0) && (x.unit ?? 0) === (y.unit ?? 0);
}

/**
 * The generic disk checks: each disk's own consistency, unique target names
 * and unique drive addresses among disks of one bus. VMware domains are
 * exempt from the target name rule: libvirt's VMX converter names SATA disks
 * independently of SCSI ones and so produces `sda` twice.
 */
export function checkDisks(def: DomainDef): void {
  const disks = def.devices.disks;
  const sharedTargets = DOMAIN_TYPE_FEATURES[def.type]?.sharedDiskTargets ?? false;
  for (const d of disks) checkOneDisk(d);
  for (let i = 0; i < disks.length; i++) {
    for (let j = i + 1; j < disks.length; j++) {
      const a = disks[i];
      const b = disks[j];
      if (a.target.dev === b.target.dev && !sharedTargets) {
        fail(`target '${a.target.dev}' duplicated for disk sources '${sourceLabel(a.source) ?? ""}' and '${sourceLabel(b.source) ?? ""}'`);
      }
      if (a.target.bus === b.target.bus && sameDrive(a.info, b.info)) {
        const x = a.info.address as { controller?: number; bus?: number; target?: number; unit?: number };
        fail(`found duplicate drive address for disk with target name '${a.target.dev}' controller='${x.controller ?? 0}' bus='${x.bus ?? 0}' target='${x.target ?? 0}' unit='${x.unit ?? 0}'`);
      }
    }
  }
}
