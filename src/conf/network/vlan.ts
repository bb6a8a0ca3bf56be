/**
 * `<vlan>`: the VLAN tags of a network, portgroup or guest interface.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";

/** How the native VLAN's frames travel. */
export type NativeVlanMode = "tagged" | "untagged";

/** `<vlan>`: one tag, or a trunk of several. */
export interface VlanDef {
  /** Tag ids (0-4095), in order. */
  tags: number[];
  /** Trunk mode (forced when there is more than one tag). */
  trunk: boolean;
  /** Mode of the native VLAN, set with `nativeTag`. */
  nativeMode?: NativeVlanMode;
  /** Which tag is the native VLAN. */
  nativeTag?: number;
}

/** Parses `<vlan>`. */
export function parseVlan(r: XmlReader): VlanDef {
  const tagEls = r.children("tag");
  if (tagEls.length === 0) throw r.error("<vlan> needs at least one <tag id='N'/>");
  const def: VlanDef = { tags: [], trunk: tagEls.length > 1 };
  for (const t of tagEls) {
    const id = t.reqUint("id");
    if (id > 4095) throw t.error(`vlan tag id ${id} is too large (the maximum is 4095)`);
    const mode = t.enum("nativeMode", ["tagged", "untagged"]);
    if (mode) {
      if (def.nativeMode) throw t.error("only one <tag> may set 'nativeMode'");
      def.nativeMode = mode;
      def.nativeTag = id;
    }
    def.tags.push(id);
  }
  const trunk = r.attr("trunk");
  if (trunk !== undefined) {
    def.trunk = trunk.toLowerCase() === "yes";
    if (!def.trunk) {
      if (def.tags.length > 1) throw r.error(`invalid trunk='${trunk}': trunk='yes' is required for more than one tag`);
      if (def.nativeMode) throw r.error("trunk='no' is not allowed with a native vlan");
      if (trunk.toLowerCase() !== "no") throw r.error(`invalid value '${trunk}' for attribute 'trunk', expected one of: yes, no`);
    }
  }
  return def;
}

/** Writes `<vlan>` when it has tags. */
export function formatVlan(w: XmlWriter, v: VlanDef | undefined): void {
  if (!v || v.tags.length === 0) return;
  w.block("vlan", [["trunk", v.trunk ? "yes" : undefined]], (w) => {
    for (const id of v.tags) {
      w.elem("tag", [["id", id], ["nativeMode", v.nativeMode && v.nativeTag === id ? v.nativeMode : undefined]]);
    }
  });
}
