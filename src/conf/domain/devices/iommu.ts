/**
 * PLACEHOLDER: <iommu> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <iommu> device. */
export interface IommuDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <iommu>. */
export function parseIommu(_r: XmlReader, _ctx: ParseContext): IommuDef {
  return { info: {} };
}

/** Writes <iommu>. */
export function formatIommu(_w: XmlWriter, _v: IommuDef, _ctx: FormatContext): void {}
