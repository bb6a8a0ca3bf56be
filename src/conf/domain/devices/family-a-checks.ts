/**
 * The post-parse steps for disks, controllers, host devices and the small
 * devices (panic, watchdog, IOMMU, memory devices, TPM), in the order
 * libvirt runs them without a hypervisor driver: controller order and
 * indexes, device defaults (addresses), duplicate checks, unique device
 * boot orders, implicit controllers, then validation.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import { DOMAIN_TYPE_FEATURES, type DomainDef } from "../def.ts";
import type { DomainCheck } from "../postparse.ts";
import { addImplicitControllers, checkControllers, orderControllers } from "./controller.ts";
import { checkDisks, diskDefaults } from "./disk.ts";
import { checkHostdevs } from "./hostdev.ts";
import { bootableDeviceInfos } from "./index.ts";
import { checkIommu } from "./iommu.ts";
import { checkMemoryDevices } from "./memory.ts";
import { checkPanics } from "./panic.ts";
import { checkTpms } from "./tpm.ts";
import { checkWatchdogs } from "./watchdog.ts";

/**
 * No two devices share a boot order (whether device boot orders may be used
 * at all, and the default boot device, are decided with `<os>`).
 */
export function checkBootOrderUnique(def: DomainDef): void {
  if (def.os.type !== "hvm" || DOMAIN_TYPE_FEATURES[def.type]?.noBootOrder) return;
  const seen = new Set<number>();
  for (const info of bootableDeviceInfos(def.devices)) {
    if (!info.bootOrder) continue;
    if (seen.has(info.bootOrder)) {
      throw new VirtError("xml-detail", "domain", `boot order '${info.bootOrder}' used for more than one device`);
    }
    seen.add(info.bootOrder);
  }
}

/** The checks of this module's device families, in libvirt's order. */
export const FAMILY_A_CHECKS: DomainCheck[] = [
  orderControllers,
  diskDefaults,
  checkHostdevs,
  checkControllers,
  checkPanics,
  checkBootOrderUnique,
  addImplicitControllers,
  checkDisks,
  checkWatchdogs,
  checkIommu,
  checkMemoryDevices,
  checkTpms,
];
