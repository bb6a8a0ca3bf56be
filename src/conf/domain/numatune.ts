/**
 * PLACEHOLDER: <numatune> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <numatune> element. */
export interface NumatuneDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <numatune>. */
export function parseNumatune(_r: XmlReader, _ctx: ParseContext): NumatuneDef {
  return {};
}

/** Writes <numatune>. */
export function formatNumatune(_w: XmlWriter, _v: NumatuneDef, _ctx: FormatContext): void {}
