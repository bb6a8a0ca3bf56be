/**
 * `<interface>`: a guest network interface of any type (virtual network,
 * bridge, macvtap, tap, user mode, vhost-user, sockets, host device, vDPA,
 * VMware distributed switch...), with its MAC address, host and guest side
 * settings, QoS, VLANs, virtual port profile, filters and tuning.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { generateMac, generateUuid, isMulticastMac } from "../../ids.ts";
import { type BandwidthDef, formatBandwidth, parseBandwidth } from "../../network/bandwidth.ts";
import {
  formatVirtualPort,
  parseVirtualPort,
  type VirtualPortDef,
} from "../../network/virtualport.ts";
import { formatVlan, parseVlan, type VlanDef } from "../../network/vlan.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import {
  type FilterRefDef,
  formatCoalesce,
  formatFilterRef,
  formatNetBackend,
  formatNetOffloads,
  formatTeaming,
  type NetBackendDef,
  netDriverAttrs,
  type NetDriverDef,
  parseCoalesce,
  parseFilterRef,
  parseNetBackend,
  parseNetDriver,
  parseTeaming,
  type TeamingDef,
} from "./interface-driver.ts";
import {
  formatInterfaceIpInfo,
  formatPortForward,
  hasIpInfo,
  type InterfaceIpInfo,
  parseInterfaceIpInfo,
  parsePortForward,
  type PortForwardDef,
} from "./interface-ip.ts";
import {
  formatHostdevSource,
  formatInterfaceSourceChildren,
  INTERFACE_TYPES,
  type InterfaceSource,
  interfaceSourceAttrs,
  type InterfaceType,
  parseInterfaceSource,
} from "./interface-source.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

export { INTERFACE_TYPES, type InterfaceSource, type InterfaceType } from "./interface-source.ts";

/** NIC models libvirt knows by name; others are kept as written. Matched case-insensitively. */
export const NET_MODELS = [
  "netfront",
  "rtl8139",
  "virtio",
  "e1000",
  "e1000e",
  "virtio-transitional",
  "virtio-non-transitional",
  "usb-net",
  "spapr-vlan",
  "lan9118",
  "scm91c111",
  "vlance",
  "vmxnet",
  "vmxnet2",
  "vmxnet3",
  "Am79C970A",
  "Am79C973",
  "82540EM",
  "82545EM",
  "82543GC",
] as const;

const VIRTIO_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"];

/** Prefixes of target device names libvirt generates (dropped from inactive XML). */
const GENERATED_IFNAME_PREFIXES = ["vnet", "macvtap", "macvlan"];

/** A guest network interface. */
export interface InterfaceDef {
  /** Type-specific source; `source.type` is the interface type. */
  source: InterfaceSource;
  trustGuestRxFilters?: "yes" | "no";
  /** Canonical MAC address (generated under 52:54:00 when absent). */
  mac: string;
  /** Whether the MAC was generated or given (`<mac type>`). */
  macType?: "generated" | "static";
  /** `<mac check>`. */
  macCheck?: "yes" | "no";
  /** Host-side addresses and routes (inside `<source>`). */
  hostIp?: InterfaceIpInfo;
  vlan?: VlanDef;
  virtualPort?: VirtualPortDef;
  bandwidth?: BandwidthDef;
  /** `<port isolated>`. */
  portIsolated?: "yes" | "no";
  /** Guest-side addresses and routes. */
  guestIp?: InterfaceIpInfo;
  portForwards?: PortForwardDef[];
  script?: string;
  downscript?: string;
  /** `<backenddomain name>` (Xen driver domain). */
  backendDomain?: string;
  /** Host-side device name (`<target dev>`). */
  targetDev?: string;
  /** `<target managed>`: whether libvirt creates the tap device. */
  targetManaged?: "yes" | "no";
  /** `<guest dev actual>`. */
  guest?: { dev?: string; actual?: string };
  /** NIC model, canonical case for known models. */
  model?: string;
  /** virtio-net `<driver>` settings (written for virtio models only). */
  driver?: NetDriverDef;
  /** `<driver>` virtio switches. */
  virtio?: VirtioOptions;
  backend?: NetBackendDef;
  filterref?: FilterRefDef;
  /** `<tune><sndbuf>`. */
  sndbuf?: number;
  teaming?: TeamingDef;
  linkState?: "up" | "down";
  mtu?: number;
  /** `<coalesce><rx><frames max>`. */
  coalesceRxFrames?: number;
  info: DeviceInfo;
}

/** Whether the interface uses one of the virtio models. */
export function isVirtioNet(net: InterfaceDef): boolean {
  return net.model !== undefined && VIRTIO_MODELS.includes(net.model);
}

function parseMacAddress(m: XmlReader): string | undefined {
  const text = m.attr("address");
  if (text === undefined) return undefined;
  // Like libvirt, anything after a whitespace or control character is ignored.
  let end = 0;
  while (end < text.length && text.charCodeAt(end) > 0x20) end++;
  const head = text.slice(0, end);
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(head)) {
    throw m.error(`unable to parse mac address '${text}'`);
  }
  const mac = head.split(":").map((p) => p.toLowerCase().padStart(2, "0")).join(":");
  if (isMulticastMac(mac)) throw m.error(`expected unicast mac address, found multicast '${text}'`);
  return mac === "00:00:00:00:00:00" ? undefined : mac;
}

function canonicalModel(r: XmlReader, model: string): string {
  const known = NET_MODELS.find((m) => m.toLowerCase() === model.toLowerCase());
  if (known) return known;
  if (!/^[a-zA-Z0-9_-]+$/.test(model)) {
    throw r.error(`model name '${model}' contains invalid characters`);
  }
  return model;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === "" ? undefined : v;
}

function isGeneratedIfname(dev: string): boolean {
  return GENERATED_IFNAME_PREFIXES.some((p) => dev.startsWith(p));
}

const VPORT_REQUIRED: Record<string, (keyof VirtualPortDef)[]> = {
  "802.1Qbg": ["managerId", "typeId", "typeIdVersion", "instanceId"],
  "802.1Qbh": ["profileId"],
  openvswitch: ["interfaceId"],
  midonet: ["interfaceId"],
};

/**
 * Reads `<virtualport>` the way each interface type allows it: a network
 * merges an untyped profile with its own; bridge, direct and hostdev
 * interfaces need a complete, typed one. Missing instance and interface ids
 * are generated.
 */
function parseInterfaceVirtualPort(r: XmlReader, type: InterfaceType): VirtualPortDef | undefined {
  const vp = r.child("virtualport");
  if (!vp) return undefined;
  const strict = type === "bridge" || type === "direct" || type === "hostdev";
  if (!strict && type !== "network") {
    throw vp.error(`<virtualport> element unsupported for <interface type='${type}'>`);
  }
  const def = parseVirtualPort(vp, { requireType: strict });
  if (def.instanceId === undefined && (!def.type || def.type === "802.1Qbg")) {
    def.instanceId = generateUuid();
  }
  if (def.interfaceId === undefined && (!def.type || def.type === "openvswitch")) {
    def.interfaceId = generateUuid();
  }
  if (strict && def.type) {
    const missing = VPORT_REQUIRED[def.type].find((k) => def[k] === undefined || def[k] === "");
    if (missing) {
      throw vp.error(`missing ${missing.toLowerCase()} in <virtualport type='${def.type}'>`);
    }
  }
  return def;
}

function parseSndbuf(r: XmlReader): number | undefined {
  const s = r.child("tune")?.child("sndbuf");
  if (!s) return undefined;
  const v = s.text().trim();
  if (!/^\d+$/.test(v)) throw s.error("sndbuf must be a positive integer");
  return Number(v);
}

function parseMtu(r: XmlReader): number | undefined {
  const m = r.child("mtu");
  const v = m?.attr("size");
  if (m === undefined || v === undefined || v === "") return undefined;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) > 0xffffffff) throw m.error(`malformed mtu size '${v}'`);
  return Number(v);
}

/** Rejects combinations libvirt's validation refuses. */
function validate(r: XmlReader, net: InterfaceDef): void {
  const type = net.source.type;
  if (net.hostIp && type !== "ethernet") {
    throw r.error(
      `host-side IP addresses and routes are only supported on interfaces of type 'ethernet', not '${type}'`,
    );
  }
  if (net.targetManaged === "no" && type !== "ethernet") {
    throw r.error(`unmanaged target dev is not supported on interfaces of type '${type}'`);
  }
  if (net.teaming?.type === "transient" && !net.teaming.persistent) {
    throw r.error("teaming persistent attribute must be set if teaming type is 'transient'");
  }
  if (net.teaming?.type === "persistent" && net.teaming.persistent !== undefined) {
    throw r.error("teaming persistent attribute not allowed if teaming type is 'persistent'");
  }
  if (type === "vhostuser" && !isVirtioNet(net)) {
    throw r.error(
      "<interface type='vhostuser'> requires a virtio <model> (virtio, virtio-transitional or virtio-non-transitional)",
    );
  }
  if (net.backend?.type === "passt" && type !== "user") {
    throw r.error("the 'passt' backend can only be used with interface type='user'");
  }
  if (net.portForwards && net.backend?.type !== "passt") {
    throw r.error(
      "the <portForward> element can only be used with the 'passt' backend of interface type='user'",
    );
  }
}

/** Parses `<interface>`. */
export function parseInterface(r: XmlReader, ctx: ParseContext): InterfaceDef {
  const type = r.enum("type", INTERFACE_TYPES) ?? "user";
  const modelText = r.child("model")?.attr("type");
  const model = modelText === undefined ? undefined : canonicalModel(r.child("model")!, modelText);
  const srcEl = r.child("source");
  const net: InterfaceDef = {
    source: parseInterfaceSource(r, type, srcEl, ctx),
    trustGuestRxFilters: r.enum("trustGuestRxFilters", ["yes", "no"]),
    mac: "",
    hostIp: ipInfo(srcEl),
    model,
    info: {},
  };
  net.virtualPort = parseInterfaceVirtualPort(r, type);
  const target = r.child("target");
  if (target) {
    net.targetDev = target.attr("dev");
    net.targetManaged = target.enum("managed", ["yes", "no"]);
  }
  const guest = r.child("guest");
  if (guest) {
    const g = { dev: nonEmpty(guest.attr("dev")), actual: nonEmpty(guest.attr("actual")) };
    if (g.dev !== undefined || g.actual !== undefined) net.guest = g;
  }
  net.script = nonEmpty(r.child("script")?.attr("path"));
  net.downscript = nonEmpty(r.child("downscript")?.attr("path"));
  net.backendDomain = nonEmpty(r.child("backenddomain")?.attr("name"));
  const f = r.child("filterref");
  if (f && (type === "network" || type === "bridge" || type === "ethernet")) {
    net.filterref = parseFilterRef(f);
  } else f?.keepVerbatim(); // valid for any type, but libvirt ignores it on the others
  const bw = r.child("bandwidth");
  if (bw) net.bandwidth = parseBandwidth(bw, { allowFloor: type === "network" });
  const vlan = r.child("vlan");
  if (vlan) net.vlan = parseVlan(vlan);
  const macEl = r.child("mac");
  if (macEl) {
    const mac = parseMacAddress(macEl);
    if (mac) net.mac = mac;
    net.macType = macEl.enum("type", ["generated", "static"]);
    net.macCheck = macEl.enum("check", ["yes", "no"]);
  }
  if (!net.mac) net.mac = generateMac();
  net.info = parseDeviceInfo(r, ctx, { boot: true, rom: true });
  net.guestIp = ipInfo(r);
  const forwards = r.children("portForward").map(parsePortForward);
  if (forwards.length) net.portForwards = forwards;
  if (
    net.targetDev !== undefined && ctx.inactive && net.targetManaged !== "no" &&
    isGeneratedIfname(net.targetDev)
  ) {
    net.targetDev = undefined;
  }
  const driver = r.child("driver");
  if (driver) {
    net.virtio = parseVirtioOptions(driver);
    if (type !== "hostdev" && isVirtioNet(net)) net.driver = parseNetDriver(driver);
    else driver.keepVerbatim(); // virtio-net settings are ignored for other models
  }
  const backend = r.child("backend");
  if (backend) net.backend = parseNetBackend(backend, type !== "hostdev" && isVirtioNet(net));
  if (net.backend?.type === "passt" && net.source.type === "user") {
    net.source.dev = srcEl?.attr("dev");
  }
  net.linkState = r.child("link")?.enum("state", ["up", "down"]);
  const teaming = r.child("teaming");
  if (teaming) net.teaming = parseTeaming(teaming);
  net.sndbuf = parseSndbuf(r);
  net.mtu = parseMtu(r);
  const coalesce = r.child("coalesce");
  if (coalesce) net.coalesceRxFrames = parseCoalesce(coalesce);
  net.portIsolated = r.child("port")?.enum("isolated", ["yes", "no"]);
  validate(r, net);
  return net;
}

/** The `<ip>`/`<route>` children of `r`, or undefined when there are none. */
function ipInfo(r: XmlReader | undefined): InterfaceIpInfo | undefined {
  const info = r ? parseInterfaceIpInfo(r) : undefined;
  return info && hasIpInfo(info) ? info : undefined;
}

function showTargetDev(net: InterfaceDef, ctx: FormatContext): string | undefined {
  const dev = net.targetDev;
  if (dev === undefined) return undefined;
  return net.targetManaged === "no" || !(ctx.inactive && isGeneratedIfname(dev)) ? dev : undefined;
}

/** Writes `<interface>` in libvirt's element order. */
export function formatInterface(w: XmlWriter, net: InterfaceDef, ctx: FormatContext): void {
  const src = net.source;
  const attrs: [string, string | undefined][] = [
    ["type", src.type],
    ["managed", src.type === "hostdev" && src.hostdev.managed ? "yes" : undefined],
    ["trustGuestRxFilters", net.trustGuestRxFilters],
  ];
  w.elem("interface", attrs, (w) => {
    w.elem("mac", [["address", net.mac], ["type", net.macType], ["check", net.macCheck]]);
    if (src.type === "hostdev") {
      formatHostdevSource(w, src.hostdev);
    } else {
      w.group("source", interfaceSourceAttrs(src, ctx.inactive), (w) => {
        formatInterfaceSourceChildren(w, src);
        if (net.hostIp) formatInterfaceIpInfo(w, net.hostIp);
      });
    }
    formatVlan(w, net.vlan);
    formatVirtualPort(w, net.virtualPort);
    formatBandwidth(w, net.bandwidth);
    if (net.portIsolated) w.elem("port", [["isolated", net.portIsolated]]);
    if (net.guestIp) formatInterfaceIpInfo(w, net.guestIp);
    for (const pf of net.portForwards ?? []) formatPortForward(w, pf);
    if (net.script !== undefined) w.elem("script", [["path", net.script]]);
    if (net.downscript !== undefined) w.elem("downscript", [["path", net.downscript]]);
    if (net.backendDomain !== undefined) w.elem("backenddomain", [["name", net.backendDomain]]);
    w.group("target", [["dev", showTargetDev(net, ctx)], ["managed", net.targetManaged]], () => {});
    if (net.guest) w.elem("guest", [["dev", net.guest.dev], ["actual", net.guest.actual]]);
    if (net.model !== undefined) {
      w.elem("model", [["type", net.model]]);
      if (isVirtioNet(net)) {
        w.group(
          "driver",
          [...netDriverAttrs(net.driver), ...virtioOptionsAttrs(net.virtio)],
          (w) => formatNetOffloads(w, net.driver),
        );
      }
    }
    formatNetBackend(w, net.backend);
    formatFilterRef(w, net.filterref);
    if (net.sndbuf !== undefined) w.elem("tune", null, (w) => w.text("sndbuf", net.sndbuf));
    formatTeaming(w, net.teaming);
    if (net.linkState) w.elem("link", [["state", net.linkState]]);
    if (net.mtu) w.elem("mtu", [["size", net.mtu]]);
    formatCoalesce(w, net.coalesceRxFrames);
    formatDeviceInfo(w, net.info, ctx, { boot: true, rom: true });
  });
}
