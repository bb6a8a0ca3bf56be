/**
 * The virtio transport options every virtio device accepts on its `<driver>`
 * element: `iommu`, `ats`, `packed` and `page_per_vq`.
 * @module
 */
import type { Attr, XmlReader } from "../../../xml/mod.ts";

/** An `on`/`off` switch; absent means the hypervisor default. */
export type OnOff = "on" | "off";

/** `<driver iommu= ats= packed= page_per_vq=>`. */
export interface VirtioOptions {
  iommu?: OnOff;
  ats?: OnOff;
  packed?: OnOff;
  pagePerVq?: OnOff;
}

/** Reads the virtio options from a `<driver>` element (none when it is absent). */
export function parseVirtioOptions(driver: XmlReader | undefined): VirtioOptions | undefined {
  if (!driver) return undefined;
  const sw = ["on", "off"] as const;
  const v: VirtioOptions = {
    iommu: driver.enum("iommu", sw),
    ats: driver.enum("ats", sw),
    packed: driver.enum("packed", sw),
    pagePerVq: driver.enum("page_per_vq", sw),
  };
  return v.iommu || v.ats || v.packed || v.pagePerVq ? v : undefined;
}

/** The attributes to append to a `<driver>` element, in libvirt's order. */
export function virtioOptionsAttrs(v: VirtioOptions | undefined): Attr[] {
  if (!v) return [];
  return [["iommu", v.iommu], ["ats", v.ats], ["packed", v.packed], ["page_per_vq", v.pagePerVq]];
}
