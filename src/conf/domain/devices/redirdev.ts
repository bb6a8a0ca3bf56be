/**
 * PLACEHOLDER: <redirdev> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";

/** A <redirdev> device. */
export interface RedirdevDef {
  /** address, alias and the like */
  info: DeviceInfo;
}

/** Parses <redirdev>. */
export function parseRedirdev(_r: XmlReader, _ctx: ParseContext): RedirdevDef {
  return { info: {} };
}

/** Writes <redirdev>. */
export function formatRedirdev(_w: XmlWriter, _v: RedirdevDef, _ctx: FormatContext): void {}
