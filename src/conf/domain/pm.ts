/**
 * Power management: `<pm>`, whether the guest firmware advertises the S3
 * (suspend-to-mem) and S4 (suspend-to-disk) sleep states.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed `<pm>` element; an unset state is left to the hypervisor. */
export interface PmDef {
  suspendToMem?: "yes" | "no";
  suspendToDisk?: "yes" | "no";
}

/**
 * Parses `<pm>`.
 *
 * @throws VirtError for an `enabled` other than yes or no
 */
export function parsePm(r: XmlReader, _ctx: ParseContext): PmDef {
  return {
    suspendToMem: r.child("suspend-to-mem")?.enum("enabled", ["yes", "no"]),
    suspendToDisk: r.child("suspend-to-disk")?.enum("enabled", ["yes", "no"]),
  };
}

/** Writes `<pm>` (nothing when neither state is set). */
export function formatPm(w: XmlWriter, v: PmDef, _ctx: FormatContext): void {
  w.group("pm", null, (w) => {
    if (v.suspendToMem) w.elem("suspend-to-mem", [["enabled", v.suspendToMem]]);
    if (v.suspendToDisk) w.elem("suspend-to-disk", [["enabled", v.suspendToDisk]]);
  });
}
