/**
 * PLACEHOLDER: <seclabel> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <seclabel> element. */
export interface SeclabelDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <seclabel>. */
export function parseSeclabel(_r: XmlReader, _ctx: ParseContext): SeclabelDef {
  return {};
}

/** Writes <seclabel>. */
export function formatSeclabel(_w: XmlWriter, _v: SeclabelDef, _ctx: FormatContext): void {}
