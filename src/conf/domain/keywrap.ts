/**
 * S390 cryptographic key wrapping: `<keywrap>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed `<keywrap>` element: the state of each wrapping key. */
export interface KeywrapDef {
  aes?: "on" | "off";
  dea?: "on" | "off";
}

/**
 * Parses `<keywrap>`.
 *
 * @throws VirtError for an unknown cipher, a missing state, or a cipher given twice
 */
export function parseKeywrap(r: XmlReader, _ctx: ParseContext): KeywrapDef {
  const def: KeywrapDef = {};
  for (const c of r.children("cipher")) {
    const name = c.reqEnum("name", ["aes", "dea"]);
    const state = c.reqEnum("state", ["on", "off"]);
    if (def[name]) throw c.error(`more than one <cipher> with name '${name}'`);
    def[name] = state;
  }
  return def;
}

/** Writes `<keywrap>` (nothing when no cipher is set). */
export function formatKeywrap(w: XmlWriter, v: KeywrapDef, _ctx: FormatContext): void {
  w.group("keywrap", null, (w) => {
    if (v.aes) w.elem("cipher", [["name", "aes"], ["state", v.aes]]);
    if (v.dea) w.elem("cipher", [["name", "dea"], ["state", v.dea]]);
  });
}
