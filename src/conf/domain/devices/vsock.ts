/**
 * PLACEHOLDER: <vsock> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <vsock> device. */
export interface VsockDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <vsock>. */
export function parseVsock(_r: XmlReader, _ctx: ParseContext): VsockDef {
  return { info: {} };
}

/** Writes <vsock>. */
export function formatVsock(_w: XmlWriter, _v: VsockDef, _ctx: FormatContext): void {}
