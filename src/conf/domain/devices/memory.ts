/**
 * PLACEHOLDER: <memory> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <memory> device. */
export interface MemoryDeviceDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <memory>. */
export function parseMemoryDevice(_r: XmlReader, _ctx: ParseContext): MemoryDeviceDef {
  return { info: {} };
}

/** Writes <memory>. */
export function formatMemoryDevice(_w: XmlWriter, _v: MemoryDeviceDef, _ctx: FormatContext): void {}
