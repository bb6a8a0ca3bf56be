/**
 * PLACEHOLDER: <pm> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <pm> element. */
export interface PmDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <pm>. */
export function parsePm(_r: XmlReader, _ctx: ParseContext): PmDef {
  return {};
}

/** Writes <pm>. */
export function formatPm(_w: XmlWriter, _v: PmDef, _ctx: FormatContext): void {}
