/**
 * PLACEHOLDER: <clock> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <clock> element. */
export interface ClockDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <clock>. */
export function parseClock(_r: XmlReader, _ctx: ParseContext): ClockDef {
  return {};
}

/** Writes <clock>. */
export function formatClock(_w: XmlWriter, _v: ClockDef, _ctx: FormatContext): void {}
