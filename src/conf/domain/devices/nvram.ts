/**
 * PLACEHOLDER: <nvram> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <nvram> device. */
export interface NvramDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <nvram>. */
export function parseNvram(_r: XmlReader, _ctx: ParseContext): NvramDef {
  return { info: {} };
}

/** Writes <nvram>. */
export function formatNvram(_w: XmlWriter, _v: NvramDef, _ctx: FormatContext): void {}
