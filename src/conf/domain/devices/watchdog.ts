/**
 * `<watchdog>`: a virtual hardware watchdog and what happens when it fires.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** Watchdog models. */
export const WATCHDOG_MODELS = ["i6300esb", "ib700", "diag288"] as const;
/** Actions when the watchdog fires (`reset` when absent). */
export const WATCHDOG_ACTIONS = ["reset", "shutdown", "poweroff", "pause", "dump", "none", "inject-nmi"] as const;

/** A `<watchdog>` device. */
export interface WatchdogDef {
  model: (typeof WATCHDOG_MODELS)[number];
  action: (typeof WATCHDOG_ACTIONS)[number];
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<watchdog>`.
 *
 * @example
 * ```ts
 * // <watchdog model='i6300esb'/>
 * parseWatchdog(r, ctx); // { model: "i6300esb", action: "reset", info: {} }
 * ```
 */
export function parseWatchdog(r: XmlReader, ctx: ParseContext): WatchdogDef {
  return {
    model: r.reqEnum("model", WATCHDOG_MODELS),
    action: r.enum("action", WATCHDOG_ACTIONS) ?? "reset",
    info: parseDeviceInfo(r, ctx),
  };
}

/** Writes `<watchdog>`. */
export function formatWatchdog(w: XmlWriter, d: WatchdogDef, ctx: FormatContext): void {
  w.elem("watchdog", [["model", d.model], ["action", d.action]], (w) => formatDeviceInfo(w, d.info, ctx));
}

/** libvirt 9.0 supports a single watchdog device. */
export function checkWatchdogs(def: DomainDef): void {
  if (def.devices.watchdogs.length > 1) {
    throw new VirtError("xml-detail", "domain", "only a single watchdog device is supported");
  }
}
