/**
 * PLACEHOLDER: <interface> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <interface> device. */
export interface InterfaceDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <interface>. */
export function parseInterface(_r: XmlReader, _ctx: ParseContext): InterfaceDef {
  return { info: {} };
}

/** Writes <interface>. */
export function formatInterface(_w: XmlWriter, _v: InterfaceDef, _ctx: FormatContext): void {}
