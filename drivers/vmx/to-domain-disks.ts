/**
 * VMX to domain XML, disks: `scsiN:M.*`, `sataN:M.*`, `ideB:U.*` and
 * `floppyU.*` entries become `<disk>` elements, and the controllers they sit
 * on become `<controller>` elements, in libvirt's order.
 * @module
 */
import type { XmlWriter } from "../../src/xml/mod.ts";
import type { VmxReadContext } from "./context.ts";
import {
  type DiskSlot,
  ideDiskName,
  indexToDiskName,
  sataDiskName,
  scsiDiskName,
} from "./disk-names.ts";
import type { VmxFile } from "./vmx-file.ts";

/** A disk read from the VMX file. */
export interface VmxDisk {
  type: "file" | "block";
  device: "disk" | "cdrom" | "lun" | "floppy";
  bus: "scsi" | "sata" | "ide" | "fdc";
  dst: string;
  source?: string;
  startupPolicy?: "optional";
  writeThrough: boolean;
  transient: boolean;
  address: DiskSlot;
}

/** A controller implied by the disks. */
export interface VmxController {
  type: "scsi" | "sata" | "fdc" | "ide";
  index: number;
  model?: string;
}

/** SCSI `virtualDev` values and the controller models they stand for. */
const SCSI_MODELS: Record<string, string> = {
  buslogic: "buslogic",
  lsilogic: "lsilogic",
  lsisas1068: "lsisas1068",
  pvscsi: "vmpvscsi",
};

function endsWithCI(s: string | undefined, suffix: string): boolean {
  return s !== undefined && s.toLowerCase().endsWith(suffix);
}

function eqCI(s: string | undefined, value: string): boolean {
  return s !== undefined && s.toLowerCase() === value.toLowerCase();
}

/** Reads one slot as a hard disk or CD-ROM (`device`), or returns undefined when it is not one. */
function readDisk(
  vmx: VmxFile,
  ctx: VmxReadContext,
  prefix: string,
  device: "disk" | "cdrom" | "floppy",
  bus: VmxDisk["bus"],
  dst: string,
  address: DiskSlot,
): VmxDisk | undefined {
  const key = (name: string) => `${prefix}.${name}`;
  if (!vmx.bool(key("present"), false)) return undefined;
  vmx.bool(key("startConnected"), true);
  const deviceType = vmx.string(key("deviceType"));
  const mode = vmx.string(key("mode"));
  if (vmx.bool(key("clientDevice"), false)) return undefined;
  const fileType = vmx.string(key("fileType"));
  const fileName = vmx.string(key("fileName"));
  const writeThrough = vmx.bool(key("writeThrough"), false);
  const disk: VmxDisk = {
    type: "file",
    device,
    bus,
    dst,
    writeThrough: false,
    transient: false,
    address,
  };
  const unhandled = () =>
    vmx.error(
      key("fileName"),
      `invalid or not yet handled value '${fileName ?? ""}' for device type '${
        deviceType ?? "unknown"
      }'`,
    );
  const expectImage = () => {
    if (deviceType !== undefined && !eqCI(deviceType, "cdrom-image")) {
      throw vmx.error(key("deviceType"), `expecting 'cdrom-image' but found '${deviceType}'`);
    }
  };

  if (device === "disk") {
    if (
      fileName === undefined || endsWithCI(fileName, ".iso") || fileName === "emptyBackingString" ||
      ["atapi-cdrom", "cdrom-raw", "cdrom-image"].some((t) => eqCI(deviceType, t)) ||
      (eqCI(deviceType, "scsi-passthru") && fileName.startsWith("/vmfs/devices/cdrom/"))
    ) {
      return undefined; // a CD-ROM: the CD-ROM pass reads it
    }
    if (!endsWithCI(fileName, ".vmdk")) throw unhandled();
    const wanted = bus === "scsi" ? "scsi-hardDisk" : bus === "ide" ? "ata-hardDisk" : undefined;
    if (
      wanted && deviceType !== undefined && !eqCI(deviceType, wanted) && !eqCI(deviceType, "disk")
    ) {
      throw vmx.error(
        key("deviceType"),
        `expecting '${wanted}' or 'disk' but found '${deviceType}'`,
      );
    }
    disk.source = ctx.parseFileName(fileName, false) ?? undefined;
    if (disk.source === undefined) {
      throw vmx.error(key("fileName"), `file '${fileName}' does not exist`);
    }
    disk.writeThrough = writeThrough;
    disk.transient = eqCI(mode, "independent-nonpersistent");
  } else if (device === "cdrom") {
    if (endsWithCI(fileName, ".vmdk")) return undefined; // a hard disk: the disk pass reads it
    if (endsWithCI(fileName, ".iso")) {
      expectImage();
      disk.source = ctx.parseFileName(fileName!, true) ?? undefined;
    } else if (eqCI(deviceType, "atapi-cdrom") || eqCI(deviceType, "cdrom-raw")) {
      disk.type = "block";
      if (eqCI(deviceType, "cdrom-raw")) disk.device = "lun";
      if (eqCI(fileName, "auto detect")) disk.startupPolicy = "optional";
      else disk.source = fileName;
    } else if (bus === "scsi" && eqCI(deviceType, "scsi-passthru")) {
      if (!fileName?.startsWith("/vmfs/devices/cdrom/")) return undefined;
      disk.type = "block";
      disk.device = "lun";
      disk.source = fileName;
    } else if (fileName === "emptyBackingString") {
      expectImage();
    } else {
      throw unhandled();
    }
  } else {
    if (eqCI(fileType, "device")) {
      disk.type = "block";
      disk.source = fileName;
    } else if (eqCI(fileType, "file")) {
      if (fileName !== undefined) disk.source = ctx.parseFileName(fileName, true) ?? undefined;
    } else {
      throw unhandled();
    }
  }
  return disk;
}

function readSlot(
  vmx: VmxFile,
  ctx: VmxReadContext,
  prefix: string,
  bus: VmxDisk["bus"],
  dst: string,
  address: DiskSlot,
): VmxDisk | undefined {
  return readDisk(vmx, ctx, prefix, "disk", bus, dst, address) ??
    readDisk(vmx, ctx, prefix, "cdrom", bus, dst, address);
}

/**
 * Reads every disk, in libvirt's order (SCSI, SATA, IDE, floppy), and the
 * controllers they need: each SCSI and SATA controller up to the last one in
 * use, then the floppy and IDE controllers.
 */
export function readDisks(vmx: VmxFile, ctx: VmxReadContext, virtualHWVersion: number): {
  disks: VmxDisk[];
  controllers: VmxController[];
} {
  const disks: VmxDisk[] = [];
  const controllers: VmxController[] = [];
  const scsiUnits = virtualHWVersion >= 13 ? 64 : 16;
  const scsiModels: (string | undefined)[] = [];
  for (let c = 0; c < 4; c++) {
    if (!vmx.bool(`scsi${c}.present`, false)) continue;
    const dev = vmx.string(`scsi${c}.virtualDev`);
    if (dev !== undefined) {
      scsiModels[c] = SCSI_MODELS[dev.toLowerCase()];
      if (!scsiModels[c]) {
        throw vmx.error(
          `scsi${c}.virtualDev`,
          `expecting 'buslogic', 'lsilogic', 'lsisas1068' or 'pvscsi' but found '${dev}'`,
        );
      }
    }
    for (let u = 0; u < scsiUnits; u++) {
      if (u === 7) continue; // the controller itself
      const d = readSlot(vmx, ctx, `scsi${c}:${u}`, "scsi", scsiDiskName(c, u), {
        controller: c,
        bus: 0,
        unit: u,
      });
      if (d) disks.push(d);
    }
  }
  const lastScsi = disks.length ? disks[disks.length - 1].address.controller : -1;
  for (let c = 0; c <= lastScsi; c++) {
    controllers.push({ type: "scsi", index: c, model: scsiModels[c] });
  }

  const firstSata = disks.length;
  for (let c = 0; c < 4; c++) {
    if (!vmx.bool(`sata${c}.present`, false)) continue;
    for (let u = 0; u < 30; u++) {
      const d = readSlot(vmx, ctx, `sata${c}:${u}`, "sata", sataDiskName(c, u), {
        controller: c,
        bus: 0,
        unit: u,
      });
      if (d) disks.push(d);
    }
  }
  const lastSata = disks.length > firstSata ? disks[disks.length - 1].address.controller : -1;
  for (let c = 0; c <= lastSata; c++) controllers.push({ type: "sata", index: c });

  for (let b = 0; b < 2; b++) {
    for (let u = 0; u < 2; u++) {
      const d = readSlot(vmx, ctx, `ide${b}:${u}`, "ide", ideDiskName(b, u), {
        controller: 0,
        bus: b,
        unit: u,
      });
      if (d) disks.push(d);
    }
  }
  for (let u = 0; u < 2; u++) {
    const d = readDisk(vmx, ctx, `floppy${u}`, "floppy", "fdc", indexToDiskName(u, "fd"), {
      controller: 0,
      bus: 0,
      unit: u,
    });
    if (d) disks.push(d);
  }
  if (disks.some((d) => d.bus === "fdc")) controllers.push({ type: "fdc", index: 0 });
  if (disks.some((d) => d.bus === "ide")) controllers.push({ type: "ide", index: 0 });
  return { disks, controllers };
}

/** Writes one `<disk>`. */
export function writeDisk(w: XmlWriter, d: VmxDisk): void {
  w.elem("disk", [["type", d.type], ["device", d.device]], (w) => {
    if (d.writeThrough) w.elem("driver", [["cache", "writethrough"]]);
    if (d.source !== undefined || d.startupPolicy) {
      w.elem("source", [[d.type === "file" ? "file" : "dev", d.source], [
        "startupPolicy",
        d.startupPolicy,
      ]]);
    }
    w.elem("target", [["dev", d.dst], ["bus", d.bus]]);
    if (d.device === "cdrom" || d.device === "lun") w.elem("readonly");
    if (d.transient) w.elem("transient");
    const a = d.address;
    w.elem("address", [["type", "drive"], ["controller", a.controller], ["bus", a.bus], [
      "target",
      0,
    ], ["unit", a.unit]]);
  });
}

/** Writes one `<controller>`. */
export function writeController(w: XmlWriter, c: VmxController): void {
  w.elem("controller", [["type", c.type], ["index", c.index], ["model", c.model]]);
}
