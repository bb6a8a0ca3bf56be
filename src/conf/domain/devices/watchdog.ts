/**
 * PLACEHOLDER: <watchdog> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <watchdog> device. */
export interface WatchdogDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <watchdog>. */
export function parseWatchdog(_r: XmlReader, _ctx: ParseContext): WatchdogDef {
  return { info: {} };
}

/** Writes <watchdog>. */
export function formatWatchdog(_w: XmlWriter, _v: WatchdogDef, _ctx: FormatContext): void {}
