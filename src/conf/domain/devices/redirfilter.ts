/**
 * PLACEHOLDER: <redirfilter> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <redirfilter> device. */
export interface RedirfilterDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <redirfilter>. */
export function parseRedirfilter(_r: XmlReader, _ctx: ParseContext): RedirfilterDef {
  return { info: {} };
}

/** Writes <redirfilter>. */
export function formatRedirfilter(_w: XmlWriter, _v: RedirfilterDef, _ctx: FormatContext): void {}
