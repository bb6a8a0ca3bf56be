/**
 * What the QEMU command-line builders share: the options the driver passes
 * in, the state of one build (argument list, device aliases, machine facts),
 * and the helpers every device uses (`-device` JSON, PCI placement, keyval
 * escaping, rejecting an element).
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { DeviceInfo } from "../../src/conf/domain/device-info.ts";
import type { QemuCaps } from "./caps.ts";

/** Host paths of the running domain, chosen by the driver. */
export interface QemuPaths {
  /** The QMP monitor socket QEMU listens on. */
  monitor: string;
  /** Folder for virtio channel sockets whose `<source>` names no path (`DIR/TARGET-NAME`). */
  channelDir?: string;
  /** `-pidfile`, when the driver wants one. */
  pidfile?: string;
  /** Private folder of the domain: `HOME` and the XDG folders of the QEMU process point into it. */
  home?: string;
}

/** What the driver set up on the host for one `<interface>`. */
export interface QemuNetHost {
  /** An open TAP (or macvtap) file descriptor QEMU inherits (`-netdev tap,fd=N`). */
  tapFd?: number;
  /** An open `/dev/vhost-net` descriptor for this interface. */
  vhostFd?: number;
  /** A TAP device QEMU opens by name (`-netdev tap,ifname=NAME,script=no,downscript=no`). */
  ifname?: string;
}

/** Options of `buildQemuArgv`. */
export interface QemuArgvOptions {
  /** Capabilities of the emulator that will run the domain. */
  caps: QemuCaps;
  paths: QemuPaths;
  /** Per `<graphics>` (same index): the VNC port the driver allocated for `autoport='yes'`, and the websocket port for `websocket='-1'`. */
  graphics?: { port?: number; websocket?: number }[];
  /** Per `<interface>` (same index): the TAP device the driver prepared. */
  interfaces?: QemuNetHost[];
  /** The time a `<clock offset='variable'>` counts from, in ms since the epoch (default: now). */
  now?: number;
}

/** The state of one command-line build. */
export interface ArgvContext {
  def: DomainDef;
  opts: QemuArgvOptions;
  caps: QemuCaps;
  /** The machine type passed to `-machine`. */
  machine: string;
  /** Whether the machine is a Q35 (PCIe root, built-in AHCI, no IDE). */
  q35: boolean;
  /** Device aliases, by device object. */
  aliases: Map<object, string>;
  /** The arguments built so far. */
  args: string[];
}

/** A definition the QEMU driver cannot run: the message starts with the element at fault. */
export function reject(element: string, why: string): VirtError {
  return new VirtError("config-unsupported", "qemu", `${element}: ${why}`);
}

/** The alias of a device (its own, or the one the build assigned). */
export function aliasOf(ctx: ArgvContext, dev: { info: DeviceInfo }): string {
  const a = dev.info.alias ?? ctx.aliases.get(dev);
  if (!a) throw new VirtError("internal-error", "qemu", "device without an alias");
  return a;
}

/** Escapes a value inside a `-chardev`/`-machine` style `key=value,...` list (commas are doubled). */
export function kv(value: string | number): string {
  return String(value).replaceAll(",", ",,");
}

/**
 * Appends `-device JSON`, after checking that the emulator has the device
 * type. `element` names the XML element for the error.
 */
export function addDevice(ctx: ArgvContext, element: string, props: Record<string, unknown>): void {
  const driver = String(props.driver);
  if (ctx.caps.deviceTypes.length && !ctx.caps.deviceTypes.includes(driver)) {
    throw reject(element, `emulator '${ctx.caps.binary}' has no '${driver}' device`);
  }
  ctx.args.push("-device", json(props));
}

/** JSON text of an object, leaving out undefined members. */
export function json(props: Record<string, unknown>): string {
  return JSON.stringify(props);
}

/** The QEMU bus id of PCI bus `bus` (0 is the root bus). */
export function pciBusId(ctx: ArgvContext, bus: number, element: string): string {
  if (bus === 0) return ctx.q35 ? "pcie.0" : "pci.0";
  const c = ctx.def.devices.controllers.find((c) => c.type === "pci" && (c.index ?? 0) === bus);
  if (!c) throw reject(element, `PCI bus ${bus} has no <controller type='pci' index='${bus}'>`);
  return aliasOf(ctx, c);
}

/**
 * The `bus`/`addr` properties of a PCI device: from its `<address type='pci'>`,
 * or none (QEMU places it on the root bus). Any other address type is rejected.
 */
export function pciProps(
  ctx: ArgvContext,
  info: DeviceInfo,
  element: string,
): Record<string, unknown> {
  const a = info.address;
  if (!a) return {};
  if (a.type !== "pci") {
    throw reject(element, `address type '${a.type}' is not supported for this device`);
  }
  if ((a.domain ?? 0) !== 0) throw reject(element, "only PCI domain 0 is supported");
  const props: Record<string, unknown> = {
    bus: pciBusId(ctx, a.bus ?? 0, element),
    addr: `0x${(a.slot ?? 0).toString(16)}${a.function ? `.0x${a.function.toString(16)}` : ""}`,
  };
  if (a.multifunction === "on") props.multifunction = true;
  return props;
}

/** The ROM and ACPI properties of a PCI device (`<rom bar file enabled>`, `<acpi index>`). */
export function pciExtraProps(info: DeviceInfo): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  const rom = info.rom;
  if (rom?.enabled === "no") props.romfile = "";
  else {
    if (rom?.bar) props.rombar = rom.bar === "on" ? 1 : 0;
    if (rom?.file) props.romfile = rom.file;
  }
  if (info.acpiIndex) props["acpi-index"] = info.acpiIndex;
  return props;
}

/** Rejects an `<address>` on a device that QEMU places itself (ISA and the like). */
export function noAddress(info: DeviceInfo, element: string, allowed: string[] = []): void {
  const t = info.address?.type;
  if (t !== undefined && !allowed.includes(t)) {
    throw reject(element, `address type '${t}' is not supported for this device`);
  }
}

/** The USB `bus`/`port` properties of a USB device. */
export function usbProps(
  ctx: ArgvContext,
  info: DeviceInfo,
  element: string,
): Record<string, unknown> {
  const usb = ctx.def.devices.controllers.find((c) => c.type === "usb" && c.model !== "none");
  if (!usb && !implicitUsb(ctx)) throw reject(element, "the domain has no USB controller");
  const a = info.address;
  if (a && a.type !== "usb") {
    throw reject(element, `address type '${a.type}' is not supported for a USB device`);
  }
  const bus = a?.bus ?? 0;
  const c = ctx.def.devices.controllers.find((c) => c.type === "usb" && (c.index ?? 0) === bus);
  const busId = c ? aliasOf(ctx, c) : "usb";
  const props: Record<string, unknown> = { bus: `${busId}.0` };
  if (a?.port) props.port = a.port;
  return props;
}

/** Whether the build adds a USB controller the definition leaves out (a USB device needs one). */
export function implicitUsb(ctx: ArgvContext): boolean {
  const d = ctx.def.devices;
  if (d.controllers.some((c) => c.type === "usb")) return false;
  return d.inputs.some((i) => i.bus === "usb") ||
    d.serials.some((s) => s.kind === "serial" && s.target.type === "usb-serial");
}
