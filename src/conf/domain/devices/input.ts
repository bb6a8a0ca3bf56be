/**
 * PLACEHOLDER: <input> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <input> device. */
export interface InputDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <input>. */
export function parseInput(_r: XmlReader, _ctx: ParseContext): InputDef {
  return { info: {} };
}

/** Writes <input>. */
export function formatInput(_w: XmlWriter, _v: InputDef, _ctx: FormatContext): void {}
