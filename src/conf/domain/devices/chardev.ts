/**
 * Character devices: `<serial>`, `<parallel>`, `<console>` and `<channel>`.
 * Each joins a host interface ({@link ChrSource}) to a guest interface
 * (`<target>`), and the domain-wide rules libvirt applies after parsing:
 * default ports, and the console that mirrors the first serial port of an
 * HVM guest.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { CHR_TYPES, type ChrSource, formatChrSource, parseChrSource } from "./chardev-source.ts";

/** Which element a character device was written as. */
export type ChrKind = "serial" | "parallel" | "console" | "channel";

/** Guest-side types of a serial port (`<target type>`). */
export const SERIAL_TARGET_TYPES = [
  "isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial", "system-serial", "sclp-serial", "isa-debug",
] as const;

/** Emulated serial hardware (`<target><model name>`). */
export const SERIAL_TARGET_MODELS = [
  "isa-serial", "usb-serial", "pci-serial", "spapr-vty", "pl011", "sclpconsole", "sclplmconsole", "16550a",
  "isa-debugcon",
] as const;

/** Guest-side types of a console (`<target type>`). */
export const CONSOLE_TARGET_TYPES = ["serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm"] as const;

/** Guest-side types of a channel (`<target type>`). */
export const CHANNEL_TARGET_TYPES = ["guestfwd", "virtio", "xen"] as const;

/** Serial targets for which an HVM guest gets a console mirroring the first serial port. */
const CONSOLE_STUB_SERIAL_TARGETS: readonly (SerialTarget["type"])[] = [
  undefined, "isa-serial", "spapr-vio-serial", "system-serial", "sclp-serial",
];

/** `<target>` of a serial port. `port` is assigned after parsing when absent. */
export interface SerialTarget {
  type?: (typeof SERIAL_TARGET_TYPES)[number];
  port?: number;
  model?: (typeof SERIAL_TARGET_MODELS)[number];
}

/** `<target>` of a parallel port. */
export interface ParallelTarget {
  port?: number;
}

/** `<target>` of a console; a console without a type becomes `serial` after parsing. */
export interface ConsoleTarget {
  type?: (typeof CONSOLE_TARGET_TYPES)[number];
  port?: number;
}

/** `<target>` of a channel. */
export type ChannelTarget =
  /** user-mode network forward of a guest IPv4 address and port */
  | { type: "guestfwd"; address: string; port: number }
  /** virtio-serial port; `state` is live state */
  | { type: "virtio"; name?: string; state?: "connected" | "disconnected" }
  | { type: "xen"; name?: string };

interface ChrCommon {
  /** host interface */
  source: ChrSource;
  /** address, alias and the like */
  info: DeviceInfo;
}

/** A `<serial>` port. */
export interface SerialDef extends ChrCommon {
  kind: "serial";
  target: SerialTarget;
}

/** A `<parallel>` port. */
export interface ParallelDef extends ChrCommon {
  kind: "parallel";
  target: ParallelTarget;
}

/** A `<console>`. */
export interface ConsoleDef extends ChrCommon {
  kind: "console";
  target: ConsoleTarget;
  /**
   * Set on the first console of an HVM guest when it is the first serial
   * port seen as a console: it is written as a copy of that serial port.
   */
  mirrors?: SerialDef;
}

/** A `<channel>`. */
export interface ChannelDef extends ChrCommon {
  kind: "channel";
  target: ChannelTarget;
}

/** A `<serial>`, `<parallel>`, `<console>` or `<channel>` device. */
export type ChrDef = SerialDef | ParallelDef | ConsoleDef | ChannelDef;

function parsePort(t: XmlReader | undefined): number | undefined {
  return t?.uint("port");
}

function parseGuestfwd(t: XmlReader): ChannelTarget {
  const address = t.attr("address");
  if (address === undefined) throw t.error("guestfwd channel needs a target 'address'");
  if (address.includes(":")) throw t.error(`guestfwd channel only supports IPv4 addresses, not '${address}'`);
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) {
    throw t.error(`invalid guestfwd target address '${address}', expected a dotted IPv4 address`);
  }
  return { type: "guestfwd", address, port: t.reqUint("port") };
}

function parseChannelTarget(r: XmlReader, t: XmlReader | undefined, ctx: ParseContext): ChannelTarget {
  const type = t?.enum("type", CHANNEL_TARGET_TYPES);
  if (!t || !type) throw (t ?? r).error("a channel needs a <target> with a 'type'");
  switch (type) {
    case "guestfwd":
      return parseGuestfwd(t);
    case "virtio":
      return { type, name: t.attr("name"), state: ctx.inactive ? undefined : t.enum("state", ["connected", "disconnected"]) };
    case "xen":
      return { type, name: t.attr("name") };
  }
}

/**
 * Parses a character device element; `kind` is the element name.
 *
 * @throws VirtError naming the field at fault
 * @example
 * ```ts
 * // <serial type='pty'><target port='0'/></serial>
 * parseChr(serial, ctx, "serial");
 * // { kind: "serial", source: { type: "pty" }, target: { port: 0 }, info: {} }
 * ```
 */
export function parseChr(r: XmlReader, ctx: ParseContext, kind: ChrKind): ChrDef {
  const type = r.enum("type", CHR_TYPES) ?? "pty";
  r.attr("tty"); // legacy console attribute, written for output only
  const t = r.child("target");
  // The target is read first: a virtio or xen channel may leave out its unix socket path.
  const source = (autoPath = false) => parseChrSource(r, type, ctx, { seclabels: true, autoPath });
  let def: ChrDef;
  switch (kind) {
    case "serial": {
      const target: SerialTarget = {
        type: t?.enum("type", SERIAL_TARGET_TYPES), port: parsePort(t), model: t?.child("model")?.enum("name", SERIAL_TARGET_MODELS),
      };
      def = { kind, source: source(), target, info: {} };
      break;
    }
    case "parallel":
      def = { kind, target: { port: parsePort(t) }, source: source(), info: {} };
      break;
    case "console":
      def = { kind, target: { type: t?.enum("type", CONSOLE_TARGET_TYPES), port: parsePort(t) }, source: source(), info: {} };
      break;
    case "channel": {
      const target = parseChannelTarget(r, t, ctx);
      def = { kind, target, source: source(target.type !== "guestfwd"), info: {} };
      break;
    }
  }
  if (type === "spicevmc" && !(def.kind === "channel" && def.target.type === "virtio")) {
    throw r.error("type 'spicevmc' is only supported by channels with a virtio target");
  }
  def.info = parseDeviceInfo(r, ctx);
  if (def.kind === "serial" && def.target.type === "usb-serial" && def.info.address && def.info.address.type !== "usb") {
    throw r.error("a usb-serial target needs an address of type 'usb'");
  }
  return def;
}

function formatTarget(w: XmlWriter, v: ChrDef, ctx: FormatContext): void {
  switch (v.kind) {
    case "channel": {
      const t = v.target;
      if (t.type === "guestfwd") w.elem("target", [["type", t.type], ["address", t.address], ["port", t.port]]);
      else if (t.type === "virtio") w.elem("target", [["type", t.type], ["name", t.name], ["state", ctx.inactive ? undefined : t.state]]);
      else w.elem("target", [["type", t.type], ["name", t.name]]);
      return;
    }
    case "console":
      w.elem("target", [["type", v.target.type], ["port", v.target.port]]);
      return;
    case "serial": {
      const model = v.target.model;
      w.elem("target", [["type", v.target.type], ["port", v.target.port]], model ? (w) => w.elem("model", [["name", model]]) : undefined);
      return;
    }
    case "parallel":
      w.elem("target", [["port", v.target.port]]);
  }
}

/** What a console shows: itself, or the serial port it mirrors. */
function shownAs(v: ChrDef): ChrDef {
  if (v.kind !== "console" || !v.mirrors) return v;
  const s = v.mirrors;
  return { kind: "console", source: s.source, target: { type: "serial", port: s.target.port }, info: s.info };
}

/** Writes a character device element in libvirt's canonical form. */
export function formatChr(w: XmlWriter, v: ChrDef, ctx: FormatContext): void {
  const shown = shownAs(v);
  const src = shown.source;
  // Compat with the legacy <console tty='...'/> syntax.
  const tty = shown.kind === "console" && shown.target.port === 0 && src.type === "pty" && !ctx.inactive ? src.path : undefined;
  w.block(shown.kind, [["type", src.type], ["tty", tty]], (w) => {
    formatChrSource(w, src, ctx);
    formatTarget(w, shown, ctx);
    formatDeviceInfo(w, shown.info, ctx);
  });
}

/** The devices of one kind in a list typed for every kind. */
function ofKind<K extends ChrKind>(list: readonly ChrDef[], kind: K): Extract<ChrDef, { kind: K }>[] {
  return list.filter((c): c is Extract<ChrDef, { kind: K }> => c.kind === kind);
}

/** Gives each port without a number the next one after the highest in `list`. */
function assignPorts(list: (SerialDef | ParallelDef | ConsoleDef)[]): void {
  for (const c of list) {
    if (c.target.port !== undefined) continue;
    c.target.port = list.reduce((max, o) => Math.max(max, o.target.port ?? -1), -1) + 1;
  }
}

function consoleMirroring(serial: SerialDef): ConsoleDef {
  return { kind: "console", source: serial.source, target: { type: "serial", port: serial.target.port }, info: {}, mirrors: serial };
}

/**
 * libvirt's console compatibility: the first console of an HVM guest with a
 * `serial` target is the first serial port (created from the console when the
 * guest has none), and a guest with a serial port but no such console gets one.
 */
function addConsoleCompat(def: DomainDef): void {
  const d = def.devices;
  const consoles = ofKind(d.consoles, "console");
  if (consoles.slice(1).some((c) => c.target.type === "serial")) {
    throw new VirtError("config-unsupported", "domain", "only the first <console> can have a target of type 'serial'");
  }
  if (def.os.type !== "hvm") return;
  const first = consoles[0];
  if (first?.target.type === "serial") {
    if (!d.serials.length) d.serials.push({ kind: "serial", source: first.source, target: { port: 0 }, info: first.info });
    d.consoles[0] = consoleMirroring(ofKind(d.serials, "serial")[0]);
    return;
  }
  const serial = ofKind(d.serials, "serial")[0];
  if (serial && CONSOLE_STUB_SERIAL_TARGETS.includes(serial.target.type)) d.consoles.unshift(consoleMirroring(serial));
}

/**
 * Post-parse rules for character devices (one of the domain checks): consoles
 * without a target type become `serial`, serial/parallel/console ports
 * without a number get the next free one, then the console compatibility
 * rules of HVM guests apply.
 */
export function checkChardevs(def: DomainDef): void {
  const d = def.devices;
  const consoles = ofKind(d.consoles, "console");
  for (const c of consoles) c.target.type ??= "serial";
  assignPorts(ofKind(d.serials, "serial"));
  assignPorts(ofKind(d.parallels, "parallel"));
  assignPorts(consoles);
  addConsoleCompat(def);
}
