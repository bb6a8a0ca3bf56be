/**
 * `<memballoon>`: the balloon device through which the host reclaims guest
 * memory and reads memory statistics.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Balloon models; `none` disables the balloon. */
export const MEMBALLOON_MODELS = ["virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional"] as const;

/** The `<memballoon>` device. */
export interface MemballoonDef {
  model: (typeof MEMBALLOON_MODELS)[number];
  autodeflate?: "on" | "off";
  freePageReporting?: "on" | "off";
  /** Statistics polling period in seconds (`<stats period>`); 0 is not written. */
  period?: number;
  virtio?: VirtioOptions;
  /** address, alias (ignored for model `none`) */
  info: DeviceInfo;
}

/**
 * Parses `<memballoon>`.
 *
 * @example
 * ```ts
 * // <memballoon model='virtio'><stats period='10'/></memballoon>
 * parseMemballoon(r, ctx); // { model: "virtio", period: 10, info: {} }
 * ```
 */
export function parseMemballoon(r: XmlReader, ctx: ParseContext): MemballoonDef {
  const model = r.reqEnum("model", MEMBALLOON_MODELS);
  const period = r.child("stats")?.int("period");
  const info = parseDeviceInfo(r, ctx);
  return {
    model,
    autodeflate: r.enum("autodeflate", ["on", "off"]),
    freePageReporting: r.enum("freePageReporting", ["on", "off"]),
    period: period && period > 0 ? period : undefined,
    virtio: parseVirtioOptions(r.child("driver")),
    // A disabled balloon has no address or alias.
    info: model === "none" ? {} : info,
  };
}

/** Writes `<memballoon>`. */
export function formatMemballoon(w: XmlWriter, m: MemballoonDef, ctx: FormatContext): void {
  w.elem("memballoon", [["model", m.model], ["autodeflate", m.autodeflate], ["freePageReporting", m.freePageReporting]], (w) => {
    if (m.period) w.elem("stats", [["period", m.period]]);
    formatDeviceInfo(w, m.info, ctx);
    w.group("driver", virtioOptionsAttrs(m.virtio), () => {});
  });
}
