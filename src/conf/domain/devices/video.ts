/**
 * PLACEHOLDER: <video> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <video> device. */
export interface VideoDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <video>. */
export function parseVideo(_r: XmlReader, _ctx: ParseContext): VideoDef {
  return { info: {} };
}

/** Writes <video>. */
export function formatVideo(_w: XmlWriter, _v: VideoDef, _ctx: FormatContext): void {}
