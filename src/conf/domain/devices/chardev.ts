/**
 * PLACEHOLDER: character devices are not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** Which element a character device was written as. */
export type ChrKind = "serial" | "parallel" | "console" | "channel";

/** A <serial>, <parallel>, <console> or <channel> device. */
export interface ChrDef {
  /** which element */
  kind: ChrKind;
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses a character device element. */
export function parseChr(_r: XmlReader, _ctx: ParseContext, kind: ChrKind): ChrDef {
  return { kind, info: {} };
}

/** Writes a character device element. */
export function formatChr(_w: XmlWriter, _v: ChrDef, _ctx: FormatContext): void {}
