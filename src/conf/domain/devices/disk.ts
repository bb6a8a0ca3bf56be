/**
 * PLACEHOLDER: <disk> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <disk> device. */
export interface DiskDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <disk>. */
export function parseDisk(_r: XmlReader, _ctx: ParseContext): DiskDef {
  return { info: {} };
}

/** Writes <disk>. */
export function formatDisk(_w: XmlWriter, _v: DiskDef, _ctx: FormatContext): void {}
