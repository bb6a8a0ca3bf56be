/**
 * Disk target names (`sda`, `hdc`, `fdb`) and the VMX slots they stand for:
 * `scsiN:M` (15 usable units per controller, unit 7 is the controller),
 * `sataN:M` (30 units), `ideB:U` (2 buses of 2) and `floppyU`.
 * @module
 */
import { vmxError } from "./vmx-file.ts";

/** `idx` as the letters of a disk name: 0 → `a`, 25 → `z`, 26 → `aa`. */
export function indexToDiskName(idx: number, prefix: string): string {
  let letters = "";
  for (let n = idx; n >= 0; n = Math.floor(n / 26) - 1) {
    letters = String.fromCharCode(97 + (n % 26)) + letters;
  }
  return prefix + letters;
}

/** The index encoded in a disk name (`sdb` → 1), or undefined when it is not one. */
export function diskNameToIndex(name: string): number | undefined {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)\d*$/.exec(name);
  if (!m) return undefined;
  let idx = 0;
  for (let i = 0; i < m[1].length; i++) {
    idx = (idx + (i === 0 ? 0 : 1)) * 26 + (m[1].charCodeAt(i) - 97);
  }
  return idx;
}

/** A disk's place: controller (or IDE bus owner), bus and unit. */
export interface DiskSlot {
  controller: number;
  bus: number;
  unit: number;
}

/** The target name of SCSI controller `controller`, unit `unit`. */
export function scsiDiskName(controller: number, unit: number): string {
  return indexToDiskName(controller * 15 + (unit < 7 ? unit : unit - 1), "sd");
}

/** The target name of SATA controller `controller`, unit `unit`. */
export function sataDiskName(controller: number, unit: number): string {
  return indexToDiskName(controller * 30 + unit, "sd");
}

/** The target name of IDE bus `bus`, unit `unit`. */
export function ideDiskName(bus: number, unit: number): string {
  return indexToDiskName(bus * 2 + unit, "hd");
}

function index(dst: string, prefix: string, limit: number, what: string): number {
  if (!dst.startsWith(prefix)) {
    throw vmxError(
      `expecting domain XML attribute 'dev' of entry 'devices/disk/target' to start with '${prefix}' but found '${dst}'`,
    );
  }
  const idx = diskNameToIndex(dst);
  if (idx === undefined) throw vmxError(`could not parse a valid disk index from '${dst}'`);
  if (idx >= limit) throw vmxError(`${what} disk index (parsed from '${dst}') is too large`);
  return idx;
}

/** The VMX slot of a SCSI target name (4 controllers of 15 disks, unit 7 skipped). */
export function scsiSlot(dst: string): DiskSlot {
  const idx = index(dst, "sd", 4 * 15, "SCSI");
  const unit = idx % 15;
  return { controller: Math.floor(idx / 15), bus: 0, unit: unit >= 7 ? unit + 1 : unit };
}

/** The VMX slot of a SATA target name (4 controllers of 30 disks). */
export function sataSlot(dst: string): DiskSlot {
  const idx = index(dst, "sd", 4 * 30, "SATA");
  return { controller: Math.floor(idx / 30), bus: 0, unit: idx % 30 };
}

/** The VMX slot of an IDE target name (one controller, 2 buses of 2 units). */
export function ideSlot(dst: string): DiskSlot {
  const idx = index(dst, "hd", 4, "IDE");
  return { controller: 0, bus: Math.floor(idx / 2), unit: idx % 2 };
}

/** The VMX slot of a floppy target name (2 units). */
export function floppySlot(dst: string): DiskSlot {
  const idx = index(dst, "fd", 2, "Floppy");
  return { controller: 0, bus: 0, unit: idx };
}
