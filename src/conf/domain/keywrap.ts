/**
 * PLACEHOLDER: <keywrap> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <keywrap> element. */
export interface KeywrapDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <keywrap>. */
export function parseKeywrap(_r: XmlReader, _ctx: ParseContext): KeywrapDef {
  return {};
}

/** Writes <keywrap>. */
export function formatKeywrap(_w: XmlWriter, _v: KeywrapDef, _ctx: FormatContext): void {}
