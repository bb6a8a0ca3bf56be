/**
 * The post-parse steps for disks, controllers, host devices and the small
 * devices (panic, watchdog, IOMMU, memory devices, TPM), in the order
 * libvirt runs them without a hypervisor driver: controller order and
 * indexes, device defaults (addresses), duplicate checks, device boot
 * order, implicit controllers, then validation.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import type { DomainDef } from "../def.ts";
import type { DeviceInfo } from "../device-info.ts";
import type { DomainCheck } from "../postparse.ts";
import { addImplicitControllers, checkControllers, orderControllers } from "./controller.ts";
import { assignDiskAddresses, checkDisks } from "./disk.ts";
import { checkHostdevs } from "./hostdev.ts";
import { checkIommu } from "./iommu.ts";
import { checkMemoryDevices } from "./memory.ts";
import { checkPanics } from "./panic.ts";
import { checkTpms } from "./tpm.ts";
import { checkWatchdogs } from "./watchdog.ts";

function deviceInfos(def: DomainDef): DeviceInfo[] {
  const out: DeviceInfo[] = [];
  const add = (x: unknown) => {
    const info = x && typeof x === "object" && "info" in x ? (x as { info?: DeviceInfo }).info : undefined;
    if (info) out.push(info);
  };
  for (const v of Object.values(def.devices)) {
    if (Array.isArray(v)) v.forEach(add);
    else add(v);
  }
  return out;
}

/**
 * Device boot orders are unique and exclude `<os><boot dev>`; an HVM guest
 * with neither boots from its first hard disk (`<boot dev='hd'/>`). The
 * VMware driver opts out of all this (libvirt's `NO_BOOT_ORDER` feature).
 */
export function checkBootOrder(def: DomainDef): void {
  if (def.os.type !== "hvm" || def.type === "vmware") return;
  const seen = new Set<number>();
  for (const info of deviceInfos(def)) {
    if (!info.bootOrder) continue;
    if (seen.has(info.bootOrder)) {
      throw new VirtError("xml-detail", "domain", `boot order '${info.bootOrder}' used for more than one device`);
    }
    seen.add(info.bootOrder);
  }
  if (seen.size > 0 && def.os.bootDevices.length > 0) {
    throw new VirtError("xml-detail", "domain", "per-device boot elements cannot be used together with os/boot elements");
  }
  if (seen.size === 0 && def.os.bootDevices.length === 0) def.os.bootDevices.push("hd");
}

/** The checks of this module's device families, in libvirt's order. */
export const FAMILY_A_CHECKS: DomainCheck[] = [
  orderControllers,
  assignDiskAddresses,
  checkHostdevs,
  checkControllers,
  checkPanics,
  checkBootOrder,
  addImplicitControllers,
  checkDisks,
  checkWatchdogs,
  checkIommu,
  checkMemoryDevices,
  checkTpms,
];
