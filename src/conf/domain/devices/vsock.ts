/**
 * `<vsock>`: a virtio socket device giving the guest a context ID (CID)
 * for host-guest sockets.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** The `<vsock>` device. */
export interface VsockDef {
  model?: "virtio" | "virtio-transitional" | "virtio-non-transitional";
  /** `<cid auto>`: let the host pick a free CID. */
  autoCid?: "yes" | "no";
  /** `<cid address>`; 0 (unset) is not written, 1 and 2 are reserved. */
  cid?: number;
  virtio?: VirtioOptions;
  /** address, alias */
  info: DeviceInfo;
}

/**
 * Parses `<vsock>`.
 *
 * @example
 * ```ts
 * // <vsock model='virtio'><cid auto='no' address='3'/></vsock>
 * parseVsock(r, ctx); // { model: "virtio", autoCid: "no", cid: 3, info: {} }
 * ```
 */
export function parseVsock(r: XmlReader, ctx: ParseContext): VsockDef {
  const model = r.enum("model", ["default", "virtio", "virtio-transitional", "virtio-non-transitional"]);
  const c = r.child("cid");
  const cid = c?.uint("address");
  if (cid === 0) throw c!.error("invalid value '0' for attribute 'address', expected a positive integer");
  if (cid !== undefined && cid < 3) throw c!.error(`guest CID ${cid} is reserved, use 3 or more`);
  return {
    model: model === "default" ? undefined : model,
    autoCid: c?.enum("auto", ["yes", "no"]),
    cid,
    info: parseDeviceInfo(r, ctx),
    virtio: parseVirtioOptions(r.child("driver")),
  };
}

/** Writes `<vsock>`; its alias is written even in the inactive form, as libvirt does. */
export function formatVsock(w: XmlWriter, v: VsockDef, ctx: FormatContext): void {
  w.elem("vsock", [["model", v.model]], (w) => {
    w.group("cid", [["auto", v.autoCid], ["address", v.cid]], () => {});
    formatDeviceInfo(w, v.info, { ...ctx, inactive: false });
    w.group("driver", virtioOptionsAttrs(v.virtio), () => {});
  });
}
