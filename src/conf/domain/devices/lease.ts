/**
 * PLACEHOLDER: <lease> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <lease> device. */
export interface LeaseDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <lease>. */
export function parseLease(_r: XmlReader, _ctx: ParseContext): LeaseDef {
  return { info: {} };
}

/** Writes <lease>. */
export function formatLease(_w: XmlWriter, _v: LeaseDef, _ctx: FormatContext): void {}
