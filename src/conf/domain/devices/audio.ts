/**
 * PLACEHOLDER: <audio> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <audio> device. */
export interface AudioDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <audio>. */
export function parseAudio(_r: XmlReader, _ctx: ParseContext): AudioDef {
  return { info: {} };
}

/** Writes <audio>. */
export function formatAudio(_w: XmlWriter, _v: AudioDef, _ctx: FormatContext): void {}
