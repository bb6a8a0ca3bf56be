/**
 * PLACEHOLDER: <cpu> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <cpu> element. */
export interface CpuDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <cpu>. */
export function parseCpu(_r: XmlReader, _ctx: ParseContext): CpuDef {
  return {};
}

/** Writes <cpu>. */
export function formatCpu(_w: XmlWriter, _v: CpuDef, _ctx: FormatContext): void {}
