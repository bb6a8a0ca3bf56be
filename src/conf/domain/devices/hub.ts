/**
 * `<hub>`: a USB hub adding ports to a USB bus.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** A `<hub>` device. */
export interface HubDef {
  /** The only hub type is `usb`. */
  type: "usb";
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<hub>`.
 *
 * @example
 * ```ts
 * // <hub type='usb'/>
 * parseHub(r, ctx); // { type: "usb", info: {} }
 * ```
 */
export function parseHub(r: XmlReader, ctx: ParseContext): HubDef {
  return { type: r.reqEnum("type", ["usb"]), info: parseDeviceInfo(r, ctx) };
}

/** Writes `<hub>`. */
export function formatHub(w: XmlWriter, h: HubDef, ctx: FormatContext): void {
  w.elem("hub", [["type", h.type]], (w) => formatDeviceInfo(w, h.info, ctx));
}
