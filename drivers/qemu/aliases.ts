/**
 * Device aliases of a QEMU domain, named the way libvirt names them
 * (`virtio-disk0`, `sata0-0-1`, `net0`, `serial0`, `channel0`, `pci.1`,
 * `usb`, ...). They are QEMU's device ids and appear in live XML as
 * `<alias name>`; chardev ids are `char` + alias.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { DeviceInfo } from "../../src/conf/domain/device-info.ts";
import type { ControllerDef } from "../../src/conf/domain/devices/controller.ts";
import { type DiskDef, diskNameToIndex } from "../../src/conf/domain/devices/disk.ts";
import { isQ35 } from "./caps.ts";

/** The alias of a controller: `pci.N`/`pcie.0`, `ide`, `usb`, or TYPE + index. */
export function controllerAlias(c: ControllerDef, machine: string | undefined): string {
  const idx = c.index ?? 0;
  switch (c.type) {
    case "pci":
      return idx === 0 && c.model === "pcie-root" ? "pcie.0" : `pci.${idx}`;
    case "ide":
      return idx === 0 ? "ide" : `ide${idx}`;
    case "sata":
      return idx === 0 && isQ35(machine) ? "ide" : `sata${idx}`;
    case "usb":
      return idx === 0 ? "usb" : `usb${idx}`;
    default:
      return `${c.type}${idx}`;
  }
}

/** A disk's drive address (`<address type='drive'>`), each missing part 0. */
export function driveAddress(
  d: DiskDef,
): { controller: number; bus: number; target: number; unit: number } {
  const a = d.info.address;
  if (a?.type === "drive") {
    return {
      controller: a.controller ?? 0,
      bus: a.bus ?? 0,
      target: a.target ?? 0,
      unit: a.unit ?? 0,
    };
  }
  return { controller: 0, bus: 0, target: 0, unit: 0 };
}

/** The alias of a disk, from its bus and drive address or target name. */
export function diskAlias(d: DiskDef): string {
  const a = driveAddress(d);
  switch (d.target.bus) {
    case "ide":
      return `ide${a.controller}-${a.bus}-${a.unit}`;
    case "sata":
      return `sata${a.controller}-${a.bus}-${a.unit}`;
    case "scsi":
      return `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`;
    case "fdc":
      return `fdc${a.controller}-${a.bus}-${a.unit}`;
    case "virtio":
      return `virtio-disk${Math.max(0, diskNameToIndex(d.target.dev))}`;
    default:
      return `${d.target.bus}-disk${Math.max(0, diskNameToIndex(d.target.dev))}`;
  }
}

/**
 * Every device's alias: its own `<alias>` when it has one, otherwise the
 * name libvirt would give it. Consoles that mirror a serial port share
 * nothing (they are not separate QEMU devices) and get `console0`.
 */
export function deviceAliases(def: DomainDef): Map<object, string> {
  const m = new Map<object, string>();
  const d = def.devices;
  const put = (dev: { info: DeviceInfo }, alias: string) => m.set(dev, dev.info.alias ?? alias);
  const each = <T extends { info: DeviceInfo }>(list: T[], prefix: string) =>
    list.forEach((x, i) => put(x, `${prefix}${i}`));
  d.disks.forEach((x) => put(x, diskAlias(x)));
  d.controllers.forEach((c) => put(c, controllerAlias(c, def.os.machine)));
  each(d.interfaces, "net");
  each(d.serials, "serial");
  each(d.parallels, "parallel");
  each(d.consoles, "console");
  each(d.channels, "channel");
  each(d.inputs, "input");
  each(d.videos, "video");
  each(d.watchdogs, "watchdog");
  each(d.rngs, "rng");
  each(d.panics, "panic");
  if (d.memballoon) put(d.memballoon, "balloon0");
  return m;
}

/** Writes the alias of every device that has none into the definition (for live XML). */
export function assignQemuAliases(def: DomainDef): void {
  for (const [dev, alias] of deviceAliases(def)) (dev as { info: DeviceInfo }).info.alias ??= alias;
}
