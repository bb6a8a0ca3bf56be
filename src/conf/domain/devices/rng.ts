/**
 * PLACEHOLDER: <rng> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <rng> device. */
export interface RngDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <rng>. */
export function parseRng(_r: XmlReader, _ctx: ParseContext): RngDef {
  return { info: {} };
}

/** Writes <rng>. */
export function formatRng(_w: XmlWriter, _v: RngDef, _ctx: FormatContext): void {}
