/**
 * `<redirdev>`: a USB device of the client or of another host, redirected to
 * the guest over a character device (usbredir).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { CHR_TYPES, type ChrSource, formatChrSource, parseChrSource } from "./chardev-source.ts";

/** The D-Bus channel a `dbus` redirector uses when none is given. */
const DEFAULT_DBUS_CHANNEL = "org.qemu.usbredir";

/** A `<redirdev>` device. */
export interface RedirdevDef {
  /** guest bus; only USB exists */
  bus: "usb";
  /** where the redirected device comes from */
  source: ChrSource;
  /** boot order, address (of type `usb`), alias and the like */
  info: DeviceInfo;
}

/**
 * Parses `<redirdev>`.
 *
 * @throws VirtError naming the field at fault
 * @example
 * ```ts
 * // <redirdev bus='usb' type='spicevmc'/>
 * parseRedirdev(r, ctx); // { bus: "usb", source: { type: "spicevmc" }, info: {} }
 * ```
 */
export function parseRedirdev(r: XmlReader, ctx: ParseContext): RedirdevDef {
  const bus = r.enum("bus", ["usb"]) ?? "usb";
  const type = r.enum("type", CHR_TYPES);
  if (!type) throw r.error("missing attribute 'type' (the character device of the redirection)");
  const source = parseChrSource(r, type, ctx, { dbusChannel: DEFAULT_DBUS_CHANNEL });
  const info = parseDeviceInfo(r, ctx, { boot: true });
  if (info.address && info.address.type !== "usb") throw r.error(`a USB redirector needs an address of type 'usb', not '${info.address.type}'`);
  return { bus, source, info };
}

/** Writes `<redirdev>`. */
export function formatRedirdev(w: XmlWriter, v: RedirdevDef, ctx: FormatContext): void {
  w.block("redirdev", [["bus", v.bus], ["type", v.source.type]], (w) => {
    formatChrSource(w, v.source, ctx);
    formatDeviceInfo(w, v.info, ctx, { boot: true });
  });
}
