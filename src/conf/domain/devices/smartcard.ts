/**
 * PLACEHOLDER: <smartcard> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <smartcard> device. */
export interface SmartcardDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <smartcard>. */
export function parseSmartcard(_r: XmlReader, _ctx: ParseContext): SmartcardDef {
  return { info: {} };
}

/** Writes <smartcard>. */
export function formatSmartcard(_w: XmlWriter, _v: SmartcardDef, _ctx: FormatContext): void {}
