/**
 * PLACEHOLDER: <hub> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <hub> device. */
export interface HubDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <hub>. */
export function parseHub(_r: XmlReader, _ctx: ParseContext): HubDef {
  return { info: {} };
}

/** Writes <hub>. */
export function formatHub(_w: XmlWriter, _v: HubDef, _ctx: FormatContext): void {}
