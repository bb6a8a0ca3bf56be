/**
 * PLACEHOLDER: <sound> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <sound> device. */
export interface SoundDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <sound>. */
export function parseSound(_r: XmlReader, _ctx: ParseContext): SoundDef {
  return { info: {} };
}

/** Writes <sound>. */
export function formatSound(_w: XmlWriter, _v: SoundDef, _ctx: FormatContext): void {}
