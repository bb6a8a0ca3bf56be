/**
 * PLACEHOLDER: <controller> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <controller> device. */
export interface ControllerDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <controller>. */
export function parseController(_r: XmlReader, _ctx: ParseContext): ControllerDef {
  return { info: {} };
}

/** Writes <controller>. */
export function formatController(_w: XmlWriter, _v: ControllerDef, _ctx: FormatContext): void {}
