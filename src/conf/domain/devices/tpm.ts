/**
 * PLACEHOLDER: <tpm> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <tpm> device. */
export interface TpmDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <tpm>. */
export function parseTpm(_r: XmlReader, _ctx: ParseContext): TpmDef {
  return { info: {} };
}

/** Writes <tpm>. */
export function formatTpm(_w: XmlWriter, _v: TpmDef, _ctx: FormatContext): void {}
