/**
 * PLACEHOLDER: <graphics> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <graphics> device. */
export interface GraphicsDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <graphics>. */
export function parseGraphics(_r: XmlReader, _ctx: ParseContext): GraphicsDef {
  return { info: {} };
}

/** Writes <graphics>. */
export function formatGraphics(_w: XmlWriter, _v: GraphicsDef, _ctx: FormatContext): void {}
