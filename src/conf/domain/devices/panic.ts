/**
 * `<panic>`: a device through which the guest reports a kernel panic.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** Panic device models (the hypervisor picks one when absent). */
export const PANIC_MODELS = ["isa", "pseries", "hyperv", "s390"] as const;

/** A `<panic>` device. */
export interface PanicDef {
  model?: (typeof PANIC_MODELS)[number];
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<panic>`.
 *
 * @example
 * ```ts
 * // <panic model='isa'><address type='isa' iobase='0x505'/></panic>
 * parsePanic(r, ctx); // { model: "isa", info: { address: { type: "isa", iobase: 1285 } } }
 * ```
 */
export function parsePanic(r: XmlReader, ctx: ParseContext): PanicDef {
  return { model: r.enum("model", PANIC_MODELS), info: parseDeviceInfo(r, ctx) };
}

/** Writes `<panic>`; its alias is written even in the inactive form, as libvirt does. */
export function formatPanic(w: XmlWriter, p: PanicDef, ctx: FormatContext): void {
  w.elem("panic", [["model", p.model]], (w) => formatDeviceInfo(w, p.info, { ...ctx, inactive: false }));
}

/** No two panic devices may have the same model. */
export function checkPanics(def: DomainDef): void {
  const seen = new Set<string>();
  for (const p of def.devices.panics) {
    const model = p.model ?? "default";
    if (seen.has(model)) throw new VirtError("xml-detail", "domain", `multiple panic devices with model '${model}'`);
    seen.add(model);
  }
}
