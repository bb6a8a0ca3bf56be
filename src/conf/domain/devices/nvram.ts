/**
 * `<nvram>`: the pSeries NVRAM device (its `spapr-vio` address is all it has).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** The `<nvram>` device. */
export interface NvramDef {
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<nvram>`.
 *
 * @example
 * ```ts
 * // <nvram><address type='spapr-vio' reg='0x3000'/></nvram>
 * parseNvram(r, ctx); // { info: { address: { type: "spapr-vio", reg: 12288 } } }
 * ```
 */
export function parseNvram(r: XmlReader, ctx: ParseContext): NvramDef {
  return { info: parseDeviceInfo(r, ctx) };
}

/** Writes `<nvram>` (always with an open and a close tag). */
export function formatNvram(w: XmlWriter, n: NvramDef, ctx: FormatContext): void {
  w.block("nvram", null, (w) => formatDeviceInfo(w, n.info, ctx));
}
