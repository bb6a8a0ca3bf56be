/**
 * `<crypto>`: a virtio crypto accelerator backed by QEMU's builtin
 * implementation or the host kernel's crypto API.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** A `<crypto>` device. */
export interface CryptoDef {
  model: "virtio";
  type: "qemu";
  backend: "builtin" | "lkcf";
  /** Backend queue count; 0 is not written. */
  queues?: number;
  virtio?: VirtioOptions;
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<crypto>`.
 *
 * @example
 * ```ts
 * // <crypto model='virtio' type='qemu'><backend model='builtin' queues='1'/></crypto>
 * parseCrypto(r, ctx); // { model: "virtio", type: "qemu", backend: "builtin", queues: 1, info: {} }
 * ```
 */
export function parseCrypto(r: XmlReader, ctx: ParseContext): CryptoDef {
  const model = r.reqEnum("model", ["virtio"]);
  const type = r.reqEnum("type", ["qemu"]);
  const backends = r.children("backend");
  if (backends.length !== 1) throw r.error("only one crypto backend is supported");
  return {
    model,
    type,
    backend: backends[0].reqEnum("model", ["builtin", "lkcf"]),
    queues: backends[0].uint("queues") || undefined,
    info: parseDeviceInfo(r, ctx),
    virtio: parseVirtioOptions(r.child("driver")),
  };
}

/** Writes `<crypto>`. */
export function formatCrypto(w: XmlWriter, c: CryptoDef, ctx: FormatContext): void {
  w.elem("crypto", [["model", c.model], ["type", c.type]], (w) => {
    w.elem("backend", [["model", c.backend], ["queues", c.queues]]);
    w.group("driver", virtioOptionsAttrs(c.virtio), () => {});
    formatDeviceInfo(w, c.info, ctx);
  });
}
