/**
 * PLACEHOLDER: <features> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <features> element. */
export interface FeaturesDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <features>. */
export function parseFeatures(_r: XmlReader, _ctx: ParseContext): FeaturesDef {
  return {};
}

/** Writes <features>. */
export function formatFeatures(_w: XmlWriter, _v: FeaturesDef, _ctx: FormatContext): void {}
