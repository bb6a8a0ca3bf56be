/**
 * `<iommu>`: an emulated IOMMU (Intel VT-d, Arm SMMUv3 or virtio-iommu).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** IOMMU models. */
export const IOMMU_MODELS = ["intel", "smmuv3", "virtio"] as const;

type OnOff = "on" | "off";

/** The `<iommu>` device. */
export interface IommuDef {
  model: (typeof IOMMU_MODELS)[number];
  /** `<driver>` switches (Intel only). */
  intremap?: OnOff;
  cachingMode?: OnOff;
  eim?: OnOff;
  iotlb?: OnOff;
  /** Address width in bits; 0 is not written. */
  awBits?: number;
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<iommu>`.
 *
 * @example
 * ```ts
 * // <iommu model='intel'><driver intremap='on' aw_bits='48'/></iommu>
 * parseIommu(r, ctx); // { model: "intel", intremap: "on", awBits: 48, info: {} }
 * ```
 */
export function parseIommu(r: XmlReader, ctx: ParseContext): IommuDef {
  const sw = ["on", "off"] as const;
  const d = r.child("driver");
  const awBits = d?.uint("aw_bits");
  if (awBits !== undefined && awBits > 255) throw d!.error(`invalid value '${awBits}' for attribute 'aw_bits', expected 0-255`);
  return {
    model: r.reqEnum("model", IOMMU_MODELS),
    intremap: d?.enum("intremap", sw),
    cachingMode: d?.enum("caching_mode", sw),
    eim: d?.enum("eim", sw),
    iotlb: d?.enum("iotlb", sw),
    awBits: awBits || undefined,
    info: parseDeviceInfo(r, ctx),
  };
}

/** Writes `<iommu>`; its alias is written even in the inactive form, as libvirt does. */
export function formatIommu(w: XmlWriter, i: IommuDef, ctx: FormatContext): void {
  w.elem("iommu", [["model", i.model]], (w) => {
    w.group("driver", [
      ["intremap", i.intremap], ["caching_mode", i.cachingMode], ["eim", i.eim], ["iotlb", i.iotlb], ["aw_bits", i.awBits],
    ], () => {});
    formatDeviceInfo(w, i.info, { ...ctx, inactive: false });
  });
}

/** Only the Intel IOMMU takes driver options, and it cannot have an address. */
export function checkIommu(def: DomainDef): void {
  const i = def.devices.iommu;
  if (!i) return;
  if (i.model === "intel") {
    if (i.info.address) throw new VirtError("xml-detail", "domain", `iommu model '${i.model}' can't have address`);
  } else if (i.intremap || i.cachingMode || i.eim || i.iotlb || i.awBits) {
    throw new VirtError("xml-detail", "domain", `iommu model '${i.model}' doesn't support additional attributes`);
  }
}
