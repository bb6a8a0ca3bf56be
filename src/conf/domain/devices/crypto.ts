/**
 * PLACEHOLDER: <crypto> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <crypto> device. */
export interface CryptoDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <crypto>. */
export function parseCrypto(_r: XmlReader, _ctx: ParseContext): CryptoDef {
  return { info: {} };
}

/** Writes <crypto>. */
export function formatCrypto(_w: XmlWriter, _v: CryptoDef, _ctx: FormatContext): void {}
