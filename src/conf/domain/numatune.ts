/**
 * Host NUMA policy for guest memory: `<numatune>` with its `<memory>` and
 * per-guest-cell `<memnode>` elements.
 * @module
 */
import { VirtError } from "../../errors.ts";
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** Memory allocation policies. */
export const NUMATUNE_MODES = ["strict", "preferred", "interleave", "restrictive"] as const;
/** Where `<memory>` takes its host nodes from (`default` follows `<vcpu placement>`). */
export const NUMATUNE_PLACEMENTS = ["default", "static", "auto"] as const;

/** A memory allocation policy. */
export type NumatuneMode = (typeof NUMATUNE_MODES)[number];

/**
 * `<numatune><memory>`. As parsed, `mode` and `placement` are what the XML
 * says; {@link resolveNumatuneMemory} settles them the way libvirt does
 * (mode `strict`, placement from the nodeset or the vCPU placement).
 */
export interface NumatuneMemoryDef {
  mode?: NumatuneMode;
  placement?: (typeof NUMATUNE_PLACEMENTS)[number];
  /** Host nodes, for static placement. */
  nodeset?: number[];
}

/** `<memnode>`: the policy for one guest NUMA cell. */
export interface NumatuneMemnodeDef {
  cellid: number;
  mode: NumatuneMode;
  nodeset: number[];
}

/** The parsed `<numatune>` element. */
export interface NumatuneDef {
  memory?: NumatuneMemoryDef;
  memnodes: NumatuneMemnodeDef[];
}

function nodesetAttr(r: XmlReader, required: boolean): number[] | undefined {
  const text = r.attr("nodeset");
  if (text === undefined) {
    if (required) throw r.error("missing attribute 'nodeset'");
    return undefined;
  }
  const bits = parseBitmap(text);
  if (!bits) throw r.error(`invalid nodeset '${text}'`);
  if (!bits.length) throw r.error(`invalid nodeset '${text}': it selects no node`);
  return bits;
}

/**
 * Parses `<numatune>`. Checks that need the guest NUMA cells or the vCPU
 * placement run later, in the domain checks.
 *
 * @throws VirtError for bad modes, placements or nodesets
 */
export function parseNumatune(r: XmlReader, _ctx: ParseContext): NumatuneDef {
  const def: NumatuneDef = { memnodes: [] };
  const m = r.child("memory");
  if (m) {
    def.memory = {
      mode: m.enum("mode", NUMATUNE_MODES),
      placement: m.enum("placement", NUMATUNE_PLACEMENTS),
      nodeset: nodesetAttr(m, false),
    };
  }
  for (const n of r.children("memnode")) {
    const cellid = n.reqUint("cellid");
    if (def.memnodes.some((x) => x.cellid === cellid)) {
      throw n.error(`more than one <memnode> for cell ${cellid}`);
    }
    const mode = n.enum("mode", NUMATUNE_MODES) ?? "strict";
    if (def.memory?.mode === "restrictive" && mode !== "restrictive") {
      throw n.error("<memnode> mode must be 'restrictive' when the <memory> mode is 'restrictive'");
    }
    def.memnodes.push({ cellid, mode, nodeset: nodesetAttr(n, true)! });
  }
  return def;
}

/**
 * Settles `<memory>` as libvirt does once the vCPU placement is known:
 * the mode defaults to `strict`; a nodeset implies static placement;
 * otherwise the placement follows `vcpuStatic`. With automatic vCPU
 * placement and no `<memory>`, one is created with automatic placement.
 *
 * @throws VirtError when the placement is static without a nodeset
 */
export function resolveNumatuneMemory(def: NumatuneDef, vcpuStatic: boolean): void {
  const m = def.memory;
  if (!m) {
    if (!vcpuStatic) def.memory = { mode: "strict", placement: "auto" };
    return;
  }
  m.mode ??= "strict";
  if (m.nodeset && m.placement === undefined) m.placement = "static";
  if (m.placement === undefined || m.placement === "default") {
    m.placement = m.nodeset || vcpuStatic ? "static" : "auto";
  }
  if (m.placement === "static" && !m.nodeset) {
    throw new VirtError(
      "config-unsupported",
      "domain",
      "numatune <memory> needs a nodeset when its placement is 'static'",
    );
  }
  if (m.placement === "auto") delete m.nodeset;
}

/**
 * Checks the `<memnode>` elements against the guest NUMA cells.
 *
 * @throws VirtError when memnodes are combined with automatic placement or
 *   name a cell that does not exist
 */
export function checkMemnodes(def: NumatuneDef, cellCount: number): void {
  if (!def.memnodes.length) return;
  if (def.memory?.placement === "auto") {
    throw new VirtError(
      "config-unsupported",
      "domain",
      "per-node <memnode> binding is not compatible with automatic NUMA placement",
    );
  }
  if (!cellCount) {
    throw new VirtError("xml-error", "domain", "<memnode> is invalid without any guest NUMA cells");
  }
  const bad = def.memnodes.find((n) => n.cellid >= cellCount);
  if (bad) {
    throw new VirtError(
      "xml-error",
      "domain",
      `<memnode> cellid ${bad.cellid} does not name a guest NUMA cell`,
    );
  }
  def.memnodes.sort((a, b) => a.cellid - b.cellid);
}

/** Writes `<numatune>` (nothing when neither memory nor memnodes are set). */
export function formatNumatune(w: XmlWriter, v: NumatuneDef, _ctx: FormatContext): void {
  w.group("numatune", null, (w) => {
    const m = v.memory;
    if (m) {
      const placement = m.placement === "static" || m.placement === "auto"
        ? m.placement
        : m.nodeset
        ? "static"
        : "auto";
      w.elem("memory", [
        ["mode", m.mode ?? "strict"],
        ["nodeset", placement === "static" && m.nodeset ? formatBitmap(m.nodeset) : undefined],
        ["placement", placement === "static" ? undefined : placement],
      ]);
    }
    for (const n of v.memnodes) {
      w.elem("memnode", [["cellid", n.cellid], ["mode", n.mode], [
        "nodeset",
        formatBitmap(n.nodeset),
      ]]);
    }
  });
}
