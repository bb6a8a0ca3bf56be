/**
 * PLACEHOLDER: <shmem> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <shmem> device. */
export interface ShmemDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <shmem>. */
export function parseShmem(_r: XmlReader, _ctx: ParseContext): ShmemDef {
  return { info: {} };
}

/** Writes <shmem>. */
export function formatShmem(_w: XmlWriter, _v: ShmemDef, _ctx: FormatContext): void {}
