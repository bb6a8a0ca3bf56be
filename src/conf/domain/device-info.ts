/**
 * What every device may carry besides its own settings: a guest bus address,
 * an alias, a boot order, ROM settings and an ACPI index.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** Guest bus address types. */
export const ADDRESS_TYPES = [
  "pci", "drive", "virtio-serial", "ccid", "usb", "spapr-vio", "virtio-s390",
  "ccw", "virtio-mmio", "isa", "dimm", "unassigned",
] as const;

/** A device's address on a guest bus. Numeric fields are kept as numbers. */
export type DeviceAddress =
  | { type: "pci"; domain?: number; bus?: number; slot?: number; function?: number; multifunction?: "on" | "off"; zpci?: { uid?: number; fid?: number } }
  | { type: "drive"; controller?: number; bus?: number; target?: number; unit?: number }
  | { type: "virtio-serial"; controller?: number; bus?: number; port?: number }
  | { type: "ccid"; controller?: number; slot?: number }
  | { type: "usb"; bus?: number; port?: string }
  | { type: "spapr-vio"; reg?: number }
  | { type: "ccw"; cssid?: number; ssid?: number; devno?: number }
  | { type: "isa"; iobase?: number; irq?: number }
  | { type: "dimm"; slot?: number; base?: number }
  | { type: "virtio-s390" | "virtio-mmio" | "unassigned" };

/** Settings common to every device. */
export interface DeviceInfo {
  /** Guest address. */
  address?: DeviceAddress;
  /** Device alias (runtime name, or a user alias starting with `ua-`). */
  alias?: string;
  /** `<boot order>` for bootable devices. */
  bootOrder?: number;
  /** `loadparm` of `<boot>` (s390). */
  loadParm?: string;
  /** `<master startport>` of USB companion controllers. */
  masterStartPort?: number;
  /** `<rom>` settings of PCI devices. */
  rom?: { enabled?: "yes" | "no"; bar?: "on" | "off"; file?: string };
  /** `<acpi index>`. */
  acpiIndex?: number;
}

/** Which optional parts of {@link DeviceInfo} a device family accepts. */
export interface DeviceInfoFlags {
  /** accepts `<boot order>` */
  boot?: boolean;
  /** accepts `<rom>` */
  rom?: boolean;
}

function isUserAlias(alias: string): boolean {
  return alias.startsWith("ua-");
}

/** Reads `<address>`, `<alias>`, `<boot>`, `<rom>`, `<master>` and `<acpi>` from a device element. */
export function parseDeviceInfo(r: XmlReader, ctx: ParseContext, flags: DeviceInfoFlags = {}): DeviceInfo {
  const info: DeviceInfo = {};
  const alias = r.child("alias")?.attr("name");
  if (alias !== undefined && (!ctx.inactive || isUserAlias(alias))) info.alias = alias;
  if (flags.boot) {
    const boot = r.child("boot");
    if (boot) {
      info.bootOrder = boot.reqUint("order");
      if (info.bootOrder === 0) throw boot.error("boot order must be greater than 0");
      info.loadParm = boot.attr("loadparm");
    }
  }
  const master = r.child("master");
  if (master) info.masterStartPort = master.uint("startport");
  if (flags.rom) {
    const rom = r.child("rom");
    if (rom) {
      info.rom = { enabled: rom.enum("enabled", ["yes", "no"]), bar: rom.enum("bar", ["on", "off"]), file: rom.attr("file") };
    }
  }
  const acpi = r.child("acpi");
  if (acpi) info.acpiIndex = acpi.uint("index");
  const addr = r.child("address");
  if (addr) info.address = parseAddress(addr);
  return info;
}

/** Parses one `<address>` element. */
export function parseAddress(a: XmlReader): DeviceAddress {
  const type = a.reqEnum("type", ADDRESS_TYPES);
  const hex = { hex: true };
  switch (type) {
    case "pci": {
      const pci: DeviceAddress = {
        type, domain: a.uint("domain", hex), bus: a.uint("bus", hex), slot: a.uint("slot", hex),
        function: a.uint("function", hex), multifunction: a.enum("multifunction", ["on", "off"]),
      };
      const z = a.child("zpci");
      if (z) pci.zpci = { uid: z.uint("uid", hex), fid: z.uint("fid", hex) };
      return pci;
    }
    case "drive":
      return { type, controller: a.uint("controller"), bus: a.uint("bus"), target: a.uint("target"), unit: a.uint("unit") };
    case "virtio-serial":
      return { type, controller: a.uint("controller"), bus: a.uint("bus"), port: a.uint("port") };
    case "ccid":
      return { type, controller: a.uint("controller"), slot: a.uint("slot") };
    case "usb": {
      const port = a.attr("port");
      if (port !== undefined && !/^\d+(\.\d+){0,4}$/.test(port)) throw a.error(`invalid usb port '${port}'`);
      return { type, bus: a.uint("bus"), port };
    }
    case "spapr-vio":
      return { type, reg: a.uint("reg", hex) };
    case "ccw":
      return { type, cssid: a.uint("cssid", hex), ssid: a.uint("ssid", hex), devno: a.uint("devno", hex) };
    case "isa":
      return { type, iobase: a.uint("iobase", hex), irq: a.uint("irq", hex) };
    case "dimm":
      return { type, slot: a.uint("slot"), base: a.uint("base", hex) };
    default:
      return { type };
  }
}

const hx = (n: number | undefined, width = 0) =>
  n === undefined ? undefined : "0x" + n.toString(16).padStart(width, "0");

/** Writes one `<address>` element. */
export function formatAddress(w: XmlWriter, a: DeviceAddress): void {
  switch (a.type) {
    case "pci":
      w.elem("address", [
        ["type", "pci"], ["domain", hx(a.domain ?? 0, 4)], ["bus", hx(a.bus ?? 0, 2)],
        ["slot", hx(a.slot ?? 0, 2)], ["function", hx(a.function ?? 0)], ["multifunction", a.multifunction],
      ], a.zpci ? (w) => w.elem("zpci", [["uid", hx(a.zpci!.uid, 4)], ["fid", hx(a.zpci!.fid, 8)]]) : undefined);
      return;
    case "drive":
      w.elem("address", [["type", "drive"], ["controller", a.controller ?? 0], ["bus", a.bus ?? 0], ["target", a.target ?? 0], ["unit", a.unit ?? 0]]);
      return;
    case "virtio-serial":
      w.elem("address", [["type", a.type], ["controller", a.controller ?? 0], ["bus", a.bus ?? 0], ["port", a.port ?? 0]]);
      return;
    case "ccid":
      w.elem("address", [["type", a.type], ["controller", a.controller ?? 0], ["slot", a.slot ?? 0]]);
      return;
    case "usb":
      w.elem("address", [["type", a.type], ["bus", a.bus ?? 0], ["port", a.port]]);
      return;
    case "spapr-vio":
      w.elem("address", [["type", a.type], ["reg", hx(a.reg, 8)]]);
      return;
    case "ccw":
      w.elem("address", [["type", a.type], ["cssid", hx(a.cssid)], ["ssid", hx(a.ssid)], ["devno", hx(a.devno, 4)]]);
      return;
    case "isa":
      w.elem("address", [["type", a.type], ["iobase", hx(a.iobase)], ["irq", hx(a.irq)]]);
      return;
    case "dimm":
      w.elem("address", [["type", a.type], ["slot", a.slot], ["base", hx(a.base)]]);
      return;
    default:
      w.elem("address", [["type", a.type]]);
  }
}

/** Writes the parts of {@link DeviceInfo} in libvirt's order: boot, alias, master, rom, acpi, address. */
export function formatDeviceInfo(w: XmlWriter, info: DeviceInfo, ctx: FormatContext, flags: DeviceInfoFlags = {}): void {
  if (flags.boot && info.bootOrder) w.elem("boot", [["order", info.bootOrder], ["loadparm", info.loadParm]]);
  if (info.alias && (!ctx.inactive || isUserAlias(info.alias))) w.elem("alias", [["name", info.alias]]);
  if (info.masterStartPort !== undefined) w.elem("master", [["startport", info.masterStartPort]]);
  if (flags.rom && info.rom) w.elem("rom", [["enabled", info.rom.enabled], ["bar", info.rom.bar], ["file", info.rom.file]]);
  if (info.acpiIndex) w.elem("acpi", [["index", info.acpiIndex]]);
  if (info.address) formatAddress(w, info.address);
}
