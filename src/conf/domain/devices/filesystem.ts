/**
 * PLACEHOLDER: <filesystem> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <filesystem> device. */
export interface FilesystemDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <filesystem>. */
export function parseFilesystem(_r: XmlReader, _ctx: ParseContext): FilesystemDef {
  return { info: {} };
}

/** Writes <filesystem>. */
export function formatFilesystem(_w: XmlWriter, _v: FilesystemDef, _ctx: FormatContext): void {}
