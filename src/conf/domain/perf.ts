/**
 * PLACEHOLDER: <perf> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <perf> element. */
export interface PerfDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <perf>. */
export function parsePerf(_r: XmlReader, _ctx: ParseContext): PerfDef {
  return {};
}

/** Writes <perf>. */
export function formatPerf(_w: XmlWriter, _v: PerfDef, _ctx: FormatContext): void {}
