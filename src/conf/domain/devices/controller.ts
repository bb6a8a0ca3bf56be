/**
 * `<controller>`: the guest buses other devices hang off (IDE, SCSI, SATA,
 * floppy, USB, PCI, virtio-serial, CCID, xenbus, ISA), and the generic
 * post-parse work libvirt does on them: list order, index assignment,
 * duplicate detection, implicit controllers and PCI option checks.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseScaledBytes } from "./storage-source.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Controller types (`type`; IDE when absent). */
export const CONTROLLER_TYPES = ["ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus", "isa"] as const;
/** A controller type. */
export type ControllerType = (typeof CONTROLLER_TYPES)[number];

/** The models each controller type accepts (`model`). */
export const CONTROLLER_MODELS: Record<ControllerType, readonly string[]> = {
  ide: ["piix3", "piix4", "ich6"],
  fdc: [],
  scsi: [
    "auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi", "lsisas1078",
    "virtio-transitional", "virtio-non-transitional", "ncr53c90", "dc390", "am53c974",
  ],
  sata: [],
  "virtio-serial": ["virtio", "virtio-transitional", "virtio-non-transitional"],
  ccid: [],
  usb: [
    "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci",
    "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci", "none",
  ],
  pci: [
    "pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge", "pcie-root-port",
    "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus", "pcie-expander-bus",
  ],
  xenbus: [],
  isa: [],
};

/** Device names that implement a PCI controller model (`<model name>`). */
export const PCI_MODEL_NAMES = [
  "pci-bridge", "i82801b11-bridge", "ioh3420", "x3130-upstream", "xio3130-downstream", "pxb", "pxb-pcie",
  "pcie-root-port", "spapr-pci-host-bridge", "pcie-pci-bridge",
] as const;

/** PCI controller options (`<model name>`, `<target>`, `<pcihole64>`). */
export interface PciControllerOptions {
  modelName?: (typeof PCI_MODEL_NAMES)[number];
  chassisNr?: number;
  chassis?: number;
  port?: number;
  busNr?: number;
  /** `<target index>` (PHB index on pSeries). */
  targetIndex?: number;
  hotplug?: "on" | "off";
  /** `memReserve` in KiB. */
  memReserve?: number;
  /** `<target><node>`: guest NUMA node of an expander bus. */
  numaNode?: number;
  /** `<pcihole64>` in KiB (root controllers only). */
  pcihole64?: number;
}

/** `<driver>` of a controller. */
export interface ControllerDriver {
  queues?: number;
  cmdPerLun?: number;
  maxSectors?: number;
  ioeventfd?: "on" | "off";
  iothread?: number;
  virtio?: VirtioOptions;
}

/** A `<controller>`. */
export interface ControllerDef {
  type: ControllerType;
  /** Index among controllers of this type; assigned after parsing when absent. */
  index?: number;
  /** One of {@link CONTROLLER_MODELS} for the type. */
  model?: string;
  /** virtio-serial and USB: number of ports. */
  ports?: number;
  /** virtio-serial: MSI vectors. */
  vectors?: number;
  /** xenbus limits. */
  maxGrantFrames?: number;
  maxEventChannels?: number;
  /** PCI controllers only. */
  pci?: PciControllerOptions;
  driver: ControllerDriver;
  /** address, alias and, for USB companions, `<master>` */
  info: DeviceInfo;
}

function nonNegative(r: XmlReader, name: string): number | undefined {
  const v = r.int(name);
  if (v !== undefined && v < 0) throw r.error(`invalid ${name}: ${v}`);
  return v;
}

function parsePciOptions(r: XmlReader, c: ControllerDef): PciControllerOptions {
  const models = r.children("model");
  if (models.length > 1) throw r.error("multiple <model> elements in controller definition not allowed");
  const opts: PciControllerOptions = { modelName: models[0]?.enum("name", PCI_MODEL_NAMES) };
  const t = r.child("target");
  if (t) {
    const hex = { hex: true };
    opts.chassisNr = t.uint("chassisNr", hex);
    opts.chassis = t.uint("chassis", hex);
    opts.port = t.uint("port", hex);
    opts.busNr = t.uint("busNr", hex);
    opts.targetIndex = t.uint("index", hex);
    opts.hotplug = t.enum("hotplug", ["on", "off"]);
    opts.memReserve = t.uint("memReserve") || undefined;
    const node = t.child("node");
    if (node) {
      const v = node.text().trim();
      if (!/^\+?\d+$/.test(v)) throw node.error("invalid NUMA node in target");
      opts.numaNode = Number(v);
    }
  }
  if (c.model === "pci-root" || c.model === "pcie-root") {
    if (c.index !== undefined && c.index > 0) throw r.error("pci-root and pcie-root controllers should have index 0");
    const hole = r.child("pcihole64");
    if (hole) opts.pcihole64 = Math.ceil(parseScaledBytes(hole, 1024) / 1024);
  }
  return opts;
}

/**
 * Parses `<controller>`.
 *
 * @example
 * ```ts
 * // <controller type='scsi' index='0' model='virtio-scsi'/>
 * parseController(r, ctx); // { type: "scsi", index: 0, model: "virtio-scsi", driver: {}, info: {} }
 * ```
 */
export function parseController(r: XmlReader, ctx: ParseContext): ControllerDef {
  const type = r.enum("type", CONTROLLER_TYPES) ?? "ide";
  const idx = r.attr("index");
  let index: number | undefined;
  if (idx !== undefined) {
    if (!/^\s*\+?\d+\s*$/.test(idx) || Number(idx) > 2147483647) throw r.error(`cannot parse controller index '${idx}'`);
    index = Number(idx);
  }
  const c: ControllerDef = { type, index, driver: {}, info: {} };
  const model = r.attr("model");
  if (model !== undefined) {
    const allowed = CONTROLLER_MODELS[type];
    if (!allowed.includes(model)) {
      throw r.error(allowed.length
        ? `unknown model type '${model}' for a ${type} controller, expected one of: ${allowed.join(", ")}`
        : `a ${type} controller takes no model, got '${model}'`);
    }
    c.model = model;
  }
  const d = r.child("driver");
  if (d) {
    const iothread = d.uint("iothread");
    if (iothread === 0) throw d.error("invalid value '0' for attribute 'iothread', expected a positive integer");
    c.driver = {
      queues: d.uint("queues") || undefined,
      cmdPerLun: d.uint("cmd_per_lun") || undefined,
      maxSectors: d.uint("max_sectors") || undefined,
      ioeventfd: d.enum("ioeventfd", ["on", "off"]),
      iothread,
      virtio: parseVirtioOptions(d),
    };
  }
  switch (type) {
    case "virtio-serial":
      c.ports = nonNegative(r, "ports");
      c.vectors = nonNegative(r, "vectors");
      break;
    case "usb":
      c.ports = nonNegative(r, "ports");
      break;
    case "xenbus":
      c.maxGrantFrames = nonNegative(r, "maxGrantFrames");
      c.maxEventChannels = nonNegative(r, "maxEventChannels");
      break;
    case "pci":
      c.pci = parsePciOptions(r, c);
      break;
  }
  c.info = parseDeviceInfo(r, ctx);
  return c;
}

/** Writes `<controller>`. */
export function formatController(w: XmlWriter, c: ControllerDef, ctx: FormatContext): void {
  w.elem("controller", [
    ["type", c.type], ["index", c.index ?? 0], ["model", c.model], ["ports", c.ports], ["vectors", c.vectors],
    ["maxGrantFrames", c.maxGrantFrames], ["maxEventChannels", c.maxEventChannels],
  ], (w) => {
    const p = c.pci;
    if (p) {
      if (p.modelName) w.elem("model", [["name", p.modelName]]);
      w.group("target", [
        ["chassisNr", p.chassisNr], ["chassis", p.chassis],
        ["port", p.port === undefined ? undefined : "0x" + p.port.toString(16)], ["busNr", p.busNr],
        ["index", p.targetIndex], ["hotplug", p.hotplug], ["memReserve", p.memReserve],
      ], (w) => w.text("node", p.numaNode));
    }
    const d = c.driver;
    w.group("driver", [
      ["queues", d.queues], ["cmd_per_lun", d.cmdPerLun], ["max_sectors", d.maxSectors], ["ioeventfd", d.ioeventfd],
      ["iothread", d.iothread], ...virtioOptionsAttrs(d.virtio),
    ], () => {});
    formatDeviceInfo(w, c.info, ctx);
    if (p?.pcihole64 !== undefined) w.text("pcihole64", p.pcihole64, [["unit", "KiB"]]);
  });
}

// ---------------------------------------------------------------- post-parse

function fail(message: string): never {
  throw new VirtError("xml-detail", "domain", message);
}

const USB2_MODELS = ["ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3"];

function isUsb2(c: ControllerDef): boolean {
  return c.type === "usb" && c.model !== undefined && USB2_MODELS.includes(c.model);
}

/**
 * Inserts `c` into `list` where libvirt would: after the last controller of
 * its type when it has no index yet, else before the first of its type with
 * a higher index (a USB master before its companions at the same index).
 */
export function insertController(list: ControllerDef[], c: ControllerDef): void {
  let at = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i];
    if (cur.type !== c.type) continue;
    if (c.index === undefined) {
      at = i + 1;
      break;
    }
    if (cur.index !== undefined && cur.index > c.index) at = i;
    else if (c.info.masterStartPort === undefined && cur.info.masterStartPort !== undefined && cur.index === c.index) at = i;
    else if (at === -1) at = i + 1;
  }
  if (at === -1) list.push(c);
  else list.splice(at, 0, c);
}

function findController(list: readonly ControllerDef[], type: ControllerType, index: number): boolean {
  return list.some((c) => c.type === type && c.index === index);
}

function unusedIndex(list: readonly ControllerDef[], type: ControllerType): number {
  let i = 0;
  while (findController(list, type, i)) i++;
  return i;
}

/** Puts the controllers in libvirt's order and gives an index to those without one. */
export function orderControllers(def: DomainDef): void {
  const parsed = def.devices.controllers;
  const list: ControllerDef[] = [];
  for (const c of parsed) insertController(list, c);
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.index !== undefined) continue;
    let prev: ControllerDef | undefined;
    if (i > 0 && isUsb2(c)) {
      // A USB2 companion joins the group of the USB2 controller just before it.
      for (let j = i - 1; j >= 0; j--) {
        if (list[j].type === "usb") {
          prev = list[j];
          break;
        }
      }
      if (prev && !isUsb2(prev)) prev = undefined;
      if (prev && list.some((o) => o.type === "usb" && o.index === prev!.index && o.model === c.model)) prev = undefined;
    }
    c.index = prev?.index ?? unusedIndex(list, c.type);
  }
  def.devices.controllers = list;
}

/** Adds a controller of `type` at `index` unless one exists. */
function maybeAddController(def: DomainDef, type: ControllerType, index: number): void {
  if (findController(def.devices.controllers, type, index)) return;
  insertController(def.devices.controllers, { type, index, driver: {}, info: {} });
}

function addControllersFor(def: DomainDef, type: ControllerType, infos: DeviceInfo[]): void {
  let max = -1;
  for (const info of infos) {
    if (info.address?.type === "drive") max = Math.max(max, info.address.controller ?? 0);
  }
  for (let i = 0; i <= max; i++) maybeAddController(def, type, i);
}

/**
 * Adds the controllers other devices imply: disk and SCSI host device drive
 * addresses, virtio channels and consoles, and smartcards.
 */
export function addImplicitControllers(def: DomainDef): void {
  const d = def.devices;
  const busToType: [string, ControllerType][] = [["scsi", "scsi"], ["fdc", "fdc"], ["ide", "ide"], ["sata", "sata"]];
  for (const [bus, type] of busToType) {
    addControllersFor(def, type, d.disks.filter((x) => x.target.bus === bus).map((x) => x.info));
  }
  for (const c of [...d.channels, ...d.consoles]) {
    if (c.kind !== "channel" && c.kind !== "console") continue;
    if (c.target.type !== "virtio") continue;
    const a = c.info.address;
    maybeAddController(def, "virtio-serial", a?.type === "virtio-serial" ? a.controller ?? 0 : 0);
  }
  for (const s of d.smartcards) {
    const a = s.info.address;
    maybeAddController(def, "ccid", a?.type === "ccid" ? a.controller ?? 0 : 0);
  }
  addControllersFor(def, "scsi", d.hostdevs.filter((h) => h.mode === "subsystem" && h.source.type === "scsi").map((h) => h.info));
}

function checkPciController(c: ControllerDef): void {
  const p = c.pci ?? {};
  const idx = c.index ?? 0;
  if ((c.model === "pci-root" || c.model === "pcie-root") && idx !== 0) {
    fail("pci-root and pcie-root controllers should have index 0");
  }
  if ((c.model === "pci-expander-bus" || c.model === "pcie-expander-bus") && idx === 0) {
    fail("pci-expander-bus and pcie-expander-bus controllers cannot have index 0");
  }
  if (p.targetIndex !== undefined) {
    if (p.targetIndex > 30) fail(`PCI controller target index '${p.targetIndex}' out of range - must be 0-30`);
    if ((idx === 0) !== (p.targetIndex === 0)) {
      fail("only the PCI controller with index 0 can have target index 0, and vice versa");
    }
  }
  if (p.chassisNr !== undefined && (p.chassisNr < 1 || p.chassisNr > 255)) {
    fail(`PCI controller chassisNr '${p.chassisNr}' out of range - must be 1-255`);
  }
  if (p.chassis !== undefined && p.chassis > 255) fail(`PCI controller chassis '${p.chassis}' out of range - must be 0-255`);
  if (p.port !== undefined && p.port > 255) fail(`PCI controller port '${p.port}' out of range - must be 0-255`);
  if (p.busNr !== undefined && (p.busNr < 1 || p.busNr > 254)) {
    fail(`PCI controller busNr '${p.busNr}' out of range - must be 1-254`);
  }
  if (p.numaNode !== undefined && idx === 0) fail("the PCI controller with index=0 can't be associated with a NUMA node");
}

/**
 * The generic controller checks: a USB controller of model `none` excludes
 * every other USB controller, no two controllers of one type (other than
 * USB) share an index, and PCI options are in range.
 */
export function checkControllers(def: DomainDef): void {
  const list = def.devices.controllers;
  const usb = list.filter((c) => c.type === "usb");
  if (usb.some((c) => c.model === "none") && usb.length > 1) {
    fail("can't add another USB controller: USB is disabled for this domain");
  }
  const seen = new Set<string>();
  for (const c of list) {
    if (c.type === "usb") continue;
    const key = `${c.type}/${c.index}`;
    if (seen.has(key)) fail(`multiple '${c.type}' controllers with index '${c.index}'`);
    seen.add(key);
  }
  for (const c of list) if (c.type === "pci") checkPciController(c);
}
