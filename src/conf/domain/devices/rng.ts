/**
 * `<rng>`: a virtio random number generator, fed by a host file, by an EGD
 * daemon over a character device, or by the hypervisor's built-in source.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { CHR_TYPES, type ChrSource, formatChrSource, parseChrSource } from "./chardev-source.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Guest device models. */
export const RNG_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"] as const;

/** Host file a `random` backend reads when none is given. */
const DEFAULT_RANDOM_FILE = "/dev/random";

/** `<backend>`: where the entropy comes from. */
export type RngBackend =
  | { model: "random"; file: string }
  | { model: "egd"; source: ChrSource }
  | { model: "builtin" };

/** A `<rng>` device. */
export interface RngDef {
  model: (typeof RNG_MODELS)[number];
  /** `<rate>`: at most `bytes` per `period` milliseconds */
  rate?: { bytes: number; period?: number };
  backend: RngBackend;
  /** `<driver>` virtio options */
  driver?: VirtioOptions;
  /** address, alias and the like */
  info: DeviceInfo;
}

function parseBackend(b: XmlReader, ctx: ParseContext): RngBackend {
  const model = b.reqEnum("model", ["random", "egd", "builtin"]);
  switch (model) {
    case "random":
      return { model, file: b.text() || DEFAULT_RANDOM_FILE };
    case "egd": {
      const type = b.enum("type", CHR_TYPES);
      if (!type) throw b.error("an egd backend needs a character device 'type'");
      return { model, source: parseChrSource(b, type, ctx) };
    }
    case "builtin":
      return { model };
  }
}

/**
 * Parses `<rng>`.
 *
 * @throws VirtError naming the field at fault
 * @example
 * ```ts
 * // <rng model='virtio'><backend model='random'/></rng>
 * parseRng(r, ctx); // { model: "virtio", backend: { model: "random", file: "/dev/random" }, info: {} }
 * ```
 */
export function parseRng(r: XmlReader, ctx: ParseContext): RngDef {
  const def: RngDef = { model: r.reqEnum("model", RNG_MODELS), backend: { model: "builtin" }, info: {} };
  const rate = r.child("rate");
  const bytes = rate?.uint("bytes");
  if (rate && bytes) def.rate = { bytes, period: rate.uint("period") || undefined };
  const backends = r.children("backend");
  if (backends.length !== 1) throw (backends[1] ?? r).error("an RNG needs exactly one <backend>");
  def.backend = parseBackend(backends[0], ctx);
  def.info = parseDeviceInfo(r, ctx);
  def.driver = parseVirtioOptions(r.child("driver"));
  return def;
}

/** Writes `<rng>`. */
export function formatRng(w: XmlWriter, v: RngDef, ctx: FormatContext): void {
  w.block("rng", [["model", v.model]], (w) => {
    if (v.rate) w.elem("rate", [["bytes", v.rate.bytes], ["period", v.rate.period]]);
    const b = v.backend;
    if (b.model === "random") {
      w.text("backend", b.file, [["model", b.model]]);
    } else if (b.model === "egd") {
      w.block("backend", [["model", b.model], ["type", b.source.type]], (w) => formatChrSource(w, b.source, ctx));
    } else {
      w.elem("backend", [["model", b.model]]);
    }
    w.group("driver", virtioOptionsAttrs(v.driver), () => {});
    formatDeviceInfo(w, v.info, ctx);
  });
}
