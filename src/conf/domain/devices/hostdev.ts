/**
 * `<hostdev>`: host devices handed to the guest. Subsystem mode passes a
 * PCI, USB, SCSI (local adapter or iSCSI), vhost-scsi or mediated device;
 * capabilities mode (containers) passes a block device, a character device
 * or a network interface with its addresses and routes.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import { parseUuid } from "../../ids.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { formatInterfaceIpInfo, type InterfaceIpInfo, parseInterfaceIpInfo } from "./interface-ip.ts";
import { formatPciHostAddress, parsePciHostAddress, type PciHostAddress } from "./pci-host-address.ts";
import {
  formatInitiator, formatStorageAuth, type NetHost, parseInitiator, parseNetHosts, parseStorageAuth, type StorageAuth,
} from "./storage-source.ts";
import { iscsiNameWithLun, STARTUP_POLICIES, type StartupPolicy, wideScsi } from "./disk.ts";

type OnOff = "on" | "off";

/** A PCI device of the host (`type='pci'`). */
export interface HostdevPci {
  type: "pci";
  /** `<driver name>`: the assignment backend. */
  backend?: "kvm" | "vfio" | "xen";
  writeFiltering?: "yes" | "no";
  address: PciHostAddress;
}

/** A USB device of the host, by vendor/product and/or bus/device (`type='usb'`). */
export interface HostdevUsb {
  type: "usb";
  startupPolicy?: StartupPolicy;
  guestReset?: "off" | "uninitialized" | "on";
  vendor?: number;
  product?: number;
  bus?: number;
  device?: number;
}

/** A SCSI LUN behind a local adapter. */
export interface ScsiAdapterSource {
  protocol: "adapter";
  adapter: string;
  bus: number;
  target: number;
  unit: number;
}

/** A SCSI LUN on an iSCSI target. */
export interface ScsiIscsiSource {
  protocol: "iscsi";
  /** Target IQN and LUN (`name`). */
  name: string;
  host: NetHost;
  auth?: StorageAuth;
  initiatorIqn?: string;
}

/** A SCSI device of the host (`type='scsi'`). */
export interface HostdevScsi {
  type: "scsi";
  sgio?: "filtered" | "unfiltered";
  rawio?: "yes" | "no";
  source: ScsiAdapterSource | ScsiIscsiSource;
}

/** A vhost-scsi target (`type='scsi_host'`). */
export interface HostdevScsiHost {
  type: "scsi_host";
  model?: "virtio" | "virtio-transitional" | "virtio-non-transitional";
  /** `naa.` followed by 16 hex digits. */
  wwpn: string;
}

/** A mediated device (`type='mdev'`). */
export interface HostdevMdev {
  type: "mdev";
  model: "vfio-pci" | "vfio-ccw" | "vfio-ap";
  display?: OnOff;
  ramfb?: OnOff;
  uuid: string;
}

/** What a subsystem-mode host device passes. */
export type HostdevSubsys = HostdevPci | HostdevUsb | HostdevScsi | HostdevScsiHost | HostdevMdev;

/** What a capabilities-mode host device passes. */
export type HostdevCaps =
  | { type: "storage"; block: string }
  | { type: "misc"; char: string }
  | { type: "net"; interface: string; ip: InterfaceIpInfo };

/** `<teaming>`: a failover pair with a virtio interface. */
export interface Teaming {
  type: "persistent" | "transient";
  /** Alias of the persistent partner (transient only). */
  persistent?: string;
}

interface HostdevCommon {
  readonly?: boolean;
  shareable?: boolean;
  /** address, alias, boot order, ROM */
  info: DeviceInfo;
}

/** A `<hostdev>` device. */
export type HostdevDef = HostdevCommon & (
  | { mode: "subsystem"; managed: boolean; source: HostdevSubsys; teaming?: Teaming }
  | { mode: "capabilities"; source: HostdevCaps }
);

function parseUsbSource(src: XmlReader, h: XmlReader): HostdevUsb {
  const usb: HostdevUsb = {
    type: "usb",
    startupPolicy: src.enum("startupPolicy", STARTUP_POLICIES),
    guestReset: src.enum("guestReset", ["off", "uninitialized", "on"]),
  };
  // autoAddress is migration state; accepted and dropped.
  src.attr("autoAddress");
  const vendor = src.child("vendor");
  const product = src.child("product");
  if (vendor) {
    usb.vendor = vendor.uint("id", { hex: true });
    if (!usb.vendor) throw vendor.error("missing or zero usb vendor id");
    if (!product) throw h.error("missing usb product");
  }
  if (product) {
    if (!vendor) throw h.error("usb product needs vendor");
    usb.product = product.uint("id", { hex: true });
    if (usb.product === undefined) throw product.error("missing attribute 'id'");
  }
  const addr = src.child("address");
  if (addr) {
    usb.bus = addr.reqUint("bus", { hex: true });
    usb.device = addr.reqUint("device", { hex: true });
  }
  return usb;
}

function parseScsiSource(src: XmlReader, h: XmlReader): HostdevScsi["source"] {
  const protocol = src.enum("protocol", ["adapter", "iscsi"]) ?? "adapter";
  if (protocol === "iscsi") {
    const name = src.attr("name");
    if (!name) throw src.error("missing iSCSI hostdev source path name");
    const hosts = parseNetHosts(src);
    if (hosts.length < 1) throw src.error("missing the host address for the iSCSI hostdev");
    if (hosts.length > 1) throw src.error("only one source host address may be specified for the iSCSI hostdev");
    const authEl = src.child("auth");
    const auth = authEl ? parseStorageAuth(authEl) : undefined;
    if (auth && auth.secretType !== "iscsi") throw authEl!.error(`hostdev invalid secret type '${auth.secretType ?? ""}'`);
    return { protocol, name, host: hosts[0], auth, initiatorIqn: parseInitiator(src) };
  }
  const addr = src.child("address");
  if (!addr) throw h.error("'address' must be specified for scsi hostdev source");
  const adapter = src.child("adapter")?.attr("name");
  if (!adapter) throw h.error("'adapter' name must be specified for scsi hostdev source");
  return {
    protocol,
    adapter,
    bus: addr.reqUint("bus", { hex: true }),
    target: addr.reqUint("target", { hex: true }),
    unit: addr.reqUint("unit", { hex: true }),
  };
}

function parseTeaming(t: XmlReader): Teaming {
  const type = t.reqEnum("type", ["persistent", "transient"]);
  const persistent = t.attr("persistent");
  if (type === "transient" && !persistent) {
    throw t.error("teaming persistent attribute must be set if teaming type is 'transient'");
  }
  if (type === "persistent" && persistent !== undefined) {
    throw t.error("teaming persistent attribute not allowed if teaming type is 'persistent'");
  }
  return { type, persistent };
}

/**
 * Parses the subsystem part of a host device (the `type`, `managed`,
 * `model`, `sgio`, `rawio` attributes and `<source>`). Exported for
 * `<interface type='hostdev'>`, whose source is a PCI host device.
 */
export function parseHostdevSubsys(h: XmlReader, type: string | undefined): HostdevSubsys {
  const kinds = ["pci", "usb", "scsi", "scsi_host", "mdev"] as const;
  if (type === undefined) throw h.error("missing source address type");
  if (!(kinds as readonly string[]).includes(type)) {
    throw h.error(`unknown host device source address type '${type}', expected one of: ${kinds.join(", ")}`);
  }
  const src = h.child("source");
  if (!src) throw h.error("missing <source> element in hostdev device");
  if (type !== "usb" && src.has("startupPolicy")) throw h.error("setting startupPolicy is only allowed for USB devices");
  const sgio = h.enum("sgio", ["filtered", "unfiltered"]);
  if (sgio && type !== "scsi") throw h.error("sgio is only supported for scsi host device");
  const rawio = h.enum("rawio", ["yes", "no"]);
  if (rawio && type !== "scsi") throw h.error("rawio is only supported for scsi host device");
  const model = h.attr("model");
  if (model !== undefined && type !== "mdev" && type !== "scsi_host") {
    throw h.error(`'model' attribute in <hostdev> is only supported when type='mdev' or 'scsi_host', not '${type}'`);
  }
  switch (type as (typeof kinds)[number]) {
    case "pci": {
      const addr = src.child("address");
      return {
        type: "pci",
        backend: h.child("driver")?.enum("name", ["kvm", "vfio", "xen"]),
        writeFiltering: src.enum("writeFiltering", ["yes", "no"]),
        address: addr ? parsePciHostAddress(addr) : { domain: 0, bus: 0, slot: 0, function: 0 },
      };
    }
    case "usb":
      return parseUsbSource(src, h);
    case "scsi":
      return { type: "scsi", sgio, rawio, source: parseScsiSource(src, h) };
    case "scsi_host": {
      const models = ["virtio", "virtio-transitional", "virtio-non-transitional"] as const;
      const m = h.enum("model", models);
      const protocol = src.attr("protocol");
      if (protocol === undefined) throw src.error("missing scsi_host subsystem protocol");
      if (protocol !== "vhost") throw src.error(`unknown scsi_host subsystem protocol '${protocol}', expected: vhost`);
      const wwpn = src.attr("wwpn");
      if (wwpn === undefined) throw src.error("missing vhost-scsi hostdev source wwpn");
      if (!/^naa\.(0x)?[0-9a-fA-F]{16}$/.test(wwpn)) throw src.error(`malformed 'wwpn' value '${wwpn}'`);
      return { type: "scsi_host", model: m, wwpn };
    }
    case "mdev": {
      if (model === undefined) throw h.error("missing 'model' attribute in mediated device's <hostdev> element");
      const m = h.reqEnum("model", ["vfio-pci", "vfio-ccw", "vfio-ap"]);
      const addr = src.child("address");
      const text = addr?.attr("uuid");
      const uuid = text === undefined ? undefined : parseUuid(text);
      if (!uuid) throw (addr ?? src).error(`invalid or missing mediated device uuid '${text ?? ""}'`);
      return { type: "mdev", model: m, display: h.enum("display", ["on", "off"]), ramfb: h.enum("ramfb", ["on", "off"]), uuid };
    }
  }
}

function requiredText(src: XmlReader, name: string, what: string): string {
  const v = src.child(name)?.text();
  if (!v) throw src.error(`missing <${name}> element in hostdev ${what} device`);
  return v;
}

function parseCaps(h: XmlReader, type: string | undefined): HostdevCaps {
  const kinds = ["storage", "misc", "net"] as const;
  if (type === undefined) throw h.error("missing source address type");
  if (!(kinds as readonly string[]).includes(type)) {
    throw h.error(`unknown host device source address type '${type}', expected one of: ${kinds.join(", ")}`);
  }
  const src = h.child("source");
  if (!src) throw h.error("missing <source> element in hostdev device");
  switch (type as (typeof kinds)[number]) {
    case "storage":
      return { type: "storage", block: requiredText(src, "block", "storage") };
    case "misc":
      return { type: "misc", char: requiredText(src, "char", "character") };
    case "net":
      return { type: "net", interface: requiredText(src, "interface", "net"), ip: parseInterfaceIpInfo(h) };
  }
}

/**
 * Parses `<hostdev>`.
 *
 * @example
 * ```ts
 * // <hostdev mode='subsystem' type='usb'><source><address bus='1' device='3'/></source></hostdev>
 * parseHostdev(r, ctx); // { mode: "subsystem", managed: false, source: { type: "usb", bus: 1, device: 3 }, info: {} }
 * ```
 */
export function parseHostdev(r: XmlReader, ctx: ParseContext): HostdevDef {
  const mode = r.enum("mode", ["subsystem", "capabilities"]) ?? "subsystem";
  const type = r.attr("type");
  let dev: HostdevDef;
  if (mode === "subsystem") {
    const managed = r.enum("managed", ["yes", "no"]) === "yes";
    const source = parseHostdevSubsys(r, type);
    const t = r.child("teaming");
    dev = { mode, managed, source, teaming: t ? parseTeaming(t) : undefined, info: {} };
    if (source.type === "scsi") {
      if (r.child("readonly")) dev.readonly = true;
      if (r.child("shareable")) dev.shareable = true;
    }
  } else {
    dev = { mode, source: parseCaps(r, type), info: {} };
  }
  dev.info = parseDeviceInfo(r, ctx, { boot: true, rom: true });
  return dev;
}

const hex4 = (n: number) => "0x" + n.toString(16).padStart(4, "0");

/**
 * Writes the `<driver>` (PCI) and `<source>` of a subsystem host device.
 * `withAddressType` adds `type=` to source addresses, as `<interface>` needs.
 */
export function formatHostdevSubsys(w: XmlWriter, s: HostdevSubsys, withAddressType = false): void {
  switch (s.type) {
    case "pci":
      if (s.backend) w.elem("driver", [["name", s.backend]]);
      w.elem("source", [["writeFiltering", s.writeFiltering]], (w) => formatPciHostAddress(w, s.address, withAddressType));
      return;
    case "usb":
      w.group("source", [["startupPolicy", s.startupPolicy], ["guestReset", s.guestReset]], (w) => {
        if (s.vendor) {
          w.elem("vendor", [["id", hex4(s.vendor)]]);
          w.elem("product", [["id", hex4(s.product ?? 0)]]);
        }
        if (s.bus || s.device) {
          w.elem("address", [["type", withAddressType ? "usb" : undefined], ["bus", s.bus ?? 0], ["device", s.device ?? 0]]);
        }
      });
      return;
    case "scsi": {
      const src = s.source;
      if (src.protocol === "iscsi") {
        w.elem("source", [["protocol", "iscsi"], ["name", src.name]], (w) => {
          w.elem("host", [["name", src.host.name], ["port", src.host.port]]);
          if (src.auth) formatStorageAuth(w, src.auth);
          formatInitiator(w, src.initiatorIqn);
        });
      } else {
        w.elem("source", null, (w) => {
          w.elem("adapter", [["name", src.adapter]]);
          w.elem("address", [
            ["type", withAddressType ? "scsi" : undefined], ["bus", src.bus], ["target", src.target], ["unit", src.unit],
          ]);
        });
      }
      return;
    }
    case "scsi_host":
      w.elem("source", [["protocol", "vhost"], ["wwpn", s.wwpn]]);
      return;
    case "mdev":
      w.elem("source", null, (w) => w.elem("address", [["uuid", s.uuid]]));
      return;
  }
}

function subsysAttrs(s: HostdevSubsys): [string, string | undefined][] {
  switch (s.type) {
    case "scsi":
      return [["sgio", s.sgio], ["rawio", s.rawio]];
    case "scsi_host":
      return [["model", s.model]];
    case "mdev":
      return [["model", s.model], ["display", s.display], ["ramfb", s.ramfb]];
    default:
      return [];
  }
}

/** Writes `<hostdev>`. */
export function formatHostdev(w: XmlWriter, h: HostdevDef, ctx: FormatContext): void {
  const attrs: [string, string | undefined][] = [["mode", h.mode], ["type", h.source.type]];
  if (h.mode === "subsystem") attrs.push(["managed", h.managed ? "yes" : "no"], ...subsysAttrs(h.source));
  w.block("hostdev", attrs, (w) => {
    if (h.mode === "subsystem") {
      formatHostdevSubsys(w, h.source);
      if (h.teaming) w.elem("teaming", [["type", h.teaming.type], ["persistent", h.teaming.persistent]]);
    } else {
      const c = h.source;
      w.elem("source", null, (w) => {
        if (c.type === "storage") w.text("block", c.block);
        else if (c.type === "misc") w.text("char", c.char);
        else w.text("interface", c.interface);
      });
      if (c.type === "net") formatInterfaceIpInfo(w, c.ip);
    }
    if (h.readonly) w.elem("readonly");
    if (h.shareable) w.elem("shareable");
    formatDeviceInfo(w, h.info, ctx, { boot: true, rom: true });
  });
}

// ---------------------------------------------------------------- post-parse

function fail(message: string): never {
  throw new VirtError("xml-detail", "domain", message);
}

function driveUsed(def: DomainDef, controller: number, unit: number): boolean {
  const infos = [...def.devices.disks.map((d) => d.info), ...def.devices.hostdevs.map((h) => h.info)];
  return infos.some((i) => {
    const a = i.address;
    return a?.type === "drive" && (a.controller ?? 0) === controller && (a.bus ?? 0) === 0 && (a.target ?? 0) === 0 &&
      (a.unit ?? 0) === unit;
  });
}

/**
 * Gives SCSI host devices without an address the first free unit of a SCSI
 * controller (and iSCSI names without a LUN LUN 0), and checks the address
 * types host devices use.
 */
export function checkHostdevs(def: DomainDef): void {
  for (const h of def.devices.hostdevs) {
    if (h.mode !== "subsystem") continue;
    const t = h.info.address?.type;
    switch (h.source.type) {
      case "scsi":
        if (h.source.source.protocol === "iscsi") h.source.source.name = iscsiNameWithLun(h.source.source.name);
        if (!h.info.address) {
          const units = wideScsi(def) ? 16 : 7;
          const taken = (controller: number, unit: number) => (units > 7 && unit === 7) || driveUsed(def, controller, unit);
          for (let controller = 0;; controller++) {
            let unit = 0;
            while (unit < units && taken(controller, unit)) unit++;
            if (unit < units) {
              h.info.address = { type: "drive", controller, bus: 0, target: 0, unit };
              break;
            }
          }
        } else if (t !== "drive") fail("SCSI host device must use 'drive' address type");
        break;
      case "pci":
        if (t !== undefined && t !== "pci" && t !== "unassigned") {
          fail("PCI host devices must use 'pci' or 'unassigned' address type");
        }
        break;
      case "scsi_host":
        if (t !== undefined && t !== "pci" && t !== "ccw") fail("SCSI_host host device must use 'pci' or 'ccw' address type");
        break;
      case "mdev": {
        const m = h.source.model;
        if (t !== undefined && ((m === "vfio-pci" && t !== "pci") || (m === "vfio-ccw" && t !== "ccw"))) {
          fail(`unsupported address type '${t}' with mediated device model '${m}'`);
        }
        if (h.source.ramfb === "on" && h.source.display !== "on") {
          fail("'ramfb' attribute can be used only with the 'display' attribute set to 'on'");
        }
        break;
      }
    }
  }
}
