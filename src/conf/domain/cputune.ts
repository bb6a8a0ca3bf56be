/**
 * PLACEHOLDER: <cputune> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <cputune> element. */
export interface CputuneDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <cputune>. */
export function parseCputune(_r: XmlReader, _ctx: ParseContext): CputuneDef {
  return {};
}

/** Writes <cputune>. */
export function formatCputune(_w: XmlWriter, _v: CputuneDef, _ctx: FormatContext): void {}
