/**
 * PLACEHOLDER: <hostdev> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <hostdev> device. */
export interface HostdevDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <hostdev>. */
export function parseHostdev(_r: XmlReader, _ctx: ParseContext): HostdevDef {
  return { info: {} };
}

/** Writes <hostdev>. */
export function formatHostdev(_w: XmlWriter, _v: HostdevDef, _ctx: FormatContext): void {}
