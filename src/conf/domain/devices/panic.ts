/**
 * PLACEHOLDER: <panic> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <panic> device. */
export interface PanicDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <panic>. */
export function parsePanic(_r: XmlReader, _ctx: ParseContext): PanicDef {
  return { info: {} };
}

/** Writes <panic>. */
export function formatPanic(_w: XmlWriter, _v: PanicDef, _ctx: FormatContext): void {}
