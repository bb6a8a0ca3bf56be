/**
 * PLACEHOLDER: <memballoon> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <memballoon> device. */
export interface MemballoonDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <memballoon>. */
export function parseMemballoon(_r: XmlReader, _ctx: ParseContext): MemballoonDef {
  return { info: {} };
}

/** Writes <memballoon>. */
export function formatMemballoon(_w: XmlWriter, _v: MemballoonDef, _ctx: FormatContext): void {}
