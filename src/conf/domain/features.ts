/**
 * Hypervisor features: `<features>` with its toggles (acpi, apic, pae, ...),
 * the Hyper-V, KVM and Xen enlightenments, container process capabilities,
 * and the machine tweaks of x86, ARM and POWER guests. Features are written
 * in libvirt's fixed order whatever the input order.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";
import { prettySize, scaledBytes } from "./scaled.ts";

/** A feature state. */
export type OnOff = "on" | "off";

/** Hyper-V enlightenments, in libvirt's order. */
export const HYPERV_FEATURES = [
  "relaxed",
  "vapic",
  "spinlocks",
  "vpindex",
  "runtime",
  "synic",
  "stimer",
  "reset",
  "vendor_id",
  "frequencies",
  "reenlightenment",
  "tlbflush",
  "ipi",
  "evmcs",
  "avic",
] as const;
/** KVM features, in libvirt's order. */
export const KVM_FEATURES = [
  "hidden",
  "hint-dedicated",
  "poll-control",
  "pv-ipi",
  "dirty-ring",
] as const;
/** Xen features, in libvirt's order. */
export const XEN_FEATURES = ["e820_host", "passthrough"] as const;
/** Linux process capabilities a container may be given or denied, in libvirt's order. */
export const PROCESS_CAPABILITIES = [
  "audit_control",
  "audit_write",
  "block_suspend",
  "chown",
  "dac_override",
  "dac_read_search",
  "fowner",
  "fsetid",
  "ipc_lock",
  "ipc_owner",
  "kill",
  "lease",
  "linux_immutable",
  "mac_admin",
  "mac_override",
  "mknod",
  "net_admin",
  "net_bind_service",
  "net_broadcast",
  "net_raw",
  "setgid",
  "setfcap",
  "setpcap",
  "setuid",
  "sys_admin",
  "sys_boot",
  "sys_chroot",
  "sys_module",
  "sys_nice",
  "sys_pacct",
  "sys_ptrace",
  "sys_rawio",
  "sys_resource",
  "sys_time",
  "sys_tty_config",
  "syslog",
  "wake_alarm",
] as const;
/** Every feature element, in the order libvirt writes them. */
export const FEATURE_NAMES = [
  "acpi",
  "apic",
  "pae",
  "hap",
  "viridian",
  "privnet",
  "hyperv",
  "kvm",
  "pvspinlock",
  "capabilities",
  "pmu",
  "vmport",
  "gic",
  "smm",
  "ioapic",
  "hpt",
  "vmcoreinfo",
  "htm",
  "nested-hv",
  "msrs",
  "ccf-assist",
  "xen",
  "cfpc",
  "sbbc",
  "ibs",
  "tcg",
] as const;

/** A Hyper-V enlightenment name. */
export type HypervFeature = (typeof HYPERV_FEATURES)[number];
/** A KVM feature name. */
export type KvmFeature = (typeof KVM_FEATURES)[number];
/** A Xen feature name. */
export type XenFeature = (typeof XEN_FEATURES)[number];
/** A process capability name. */
export type ProcessCapability = (typeof PROCESS_CAPABILITIES)[number];

/** Mitigation states of the POWER `cfpc` and `sbbc` features. */
const SPECTRE_VALUES = ["broken", "workaround", "fixed"] as const;
/** Mitigation states of the POWER `ibs` feature. */
const IBS_VALUES = ["broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"] as const;
/** Smallest Hyper-V spinlock retry count. */
const MIN_SPINLOCK_RETRIES = 4095;
/** Longest Hyper-V vendor id. */
const MAX_HYPERV_VENDOR_ID = 12;
/** Bounds of the KVM dirty ring size (a power of two). */
const DIRTY_RING_RANGE = [1024, 65536] as const;

/** `<hyperv>`. */
export interface HypervDef {
  mode: "custom" | "passthrough";
  features: Partial<Record<HypervFeature, OnOff>>;
  /** `<spinlocks retries>`, when spinlocks are on. */
  spinlockRetries?: number;
  /** `<stimer><direct state>`, when stimer is on. */
  stimerDirect?: OnOff;
  /** `<vendor_id value>`, when vendor_id is on. */
  vendorId?: string;
}

/** `<kvm>`. */
export interface KvmFeaturesDef {
  features: Partial<Record<KvmFeature, OnOff>>;
  /** `<dirty-ring size>`, when the dirty ring is on. */
  dirtyRingSize?: number;
}

/** `<xen>`. */
export interface XenFeaturesDef {
  features: Partial<Record<XenFeature, OnOff>>;
  /** `<passthrough mode>`, when passthrough is on. */
  passthroughMode?: "sync_pt" | "share_pt";
}

/** `<capabilities>` of a container. */
export interface CapabilitiesDef {
  policy: "default" | "allow" | "deny";
  caps: Partial<Record<ProcessCapability, OnOff>>;
}

/** The parsed `<features>` element; absent members are features not given. */
export interface FeaturesDef {
  acpi?: boolean;
  apic?: { eoi?: OnOff };
  pae?: boolean;
  hap?: OnOff;
  viridian?: boolean;
  privnet?: boolean;
  hyperv?: HypervDef;
  kvm?: KvmFeaturesDef;
  pvspinlock?: OnOff;
  capabilities?: CapabilitiesDef;
  pmu?: OnOff;
  vmport?: OnOff;
  gic?: { version?: "host" | "2" | "3" };
  /** `<smm>`; `tsegBytes` is the extended TSEG size, when given and SMM is on. */
  smm?: { state: OnOff; tsegBytes?: number };
  ioapic?: "qemu" | "kvm";
  /** `<hpt>`; the page size limit is in KiB. */
  hpt?: { resizing?: "enabled" | "disabled" | "required"; maxPageSizeKiB?: number };
  vmcoreinfo?: OnOff;
  htm?: OnOff;
  nestedHv?: OnOff;
  msrs?: { unknown: "ignore" | "fault" };
  ccfAssist?: OnOff;
  xen?: XenFeaturesDef;
  cfpc?: (typeof SPECTRE_VALUES)[number];
  sbbc?: (typeof SPECTRE_VALUES)[number];
  ibs?: (typeof IBS_VALUES)[number];
  /** `<tcg><tb-cache>` in KiB. */
  tcg?: { tbCacheKiB: number };
}

function state(r: XmlReader, required: boolean): OnOff {
  const s = r.enum("state", ["on", "off"]);
  if (s === undefined && required) throw r.error("missing attribute 'state'");
  return s ?? "on";
}

function childName<const T extends string>(c: XmlReader, names: readonly T[], what: string): T {
  if (!(names as readonly string[]).includes(c.name)) {
    throw c.error(`unsupported ${what} feature <${c.name}>, expected one of: ${names.join(", ")}`);
  }
  return c.name as T;
}

function parseHyperv(r: XmlReader): HypervDef {
  const def: HypervDef = {
    mode: r.enum("mode", ["custom", "passthrough"]) ?? "custom",
    features: {},
  };
  for (const c of r.elements()) {
    const name = childName(c, HYPERV_FEATURES, "Hyper-V");
    const value = state(c, true);
    def.features[name] = value;
    if (name === "spinlocks") {
      const retries = c.uint("retries", { hex: true });
      if (value !== "on") continue;
      if (retries === undefined) throw c.error("missing attribute 'retries' of Hyper-V spinlocks");
      if (retries < MIN_SPINLOCK_RETRIES) {
        throw c.error(`Hyper-V spinlock retries must be at least ${MIN_SPINLOCK_RETRIES}`);
      }
      def.spinlockRetries = retries;
    } else if (name === "stimer") {
      for (const d of c.elements()) {
        if (d.name !== "direct") {
          throw d.error(`unsupported Hyper-V stimer feature <${d.name}>, expected: direct`);
        }
        const direct = state(d, true);
        if (value === "on") def.stimerDirect = direct;
      }
    } else if (name === "vendor_id") {
      const id = c.attr("value");
      if (value !== "on") continue;
      if (id === undefined) throw c.error("missing attribute 'value' of Hyper-V vendor_id");
      if (id.length > MAX_HYPERV_VENDOR_ID) {
        throw c.error(
          `Hyper-V vendor_id value must not be longer than ${MAX_HYPERV_VENDOR_ID} characters`,
        );
      }
      if (id.includes(",")) {
        throw c.error(`invalid Hyper-V vendor_id '${id}': it must not contain ','`);
      }
      def.vendorId = id;
    }
  }
  return def;
}

function parseKvm(r: XmlReader): KvmFeaturesDef {
  const def: KvmFeaturesDef = { features: {} };
  for (const c of r.elements()) {
    const name = childName(c, KVM_FEATURES, "KVM");
    const value = state(c, true);
    def.features[name] = value;
    if (name !== "dirty-ring") continue;
    const size = c.uint("size", { hex: true });
    if (value !== "on") continue;
    if (size === undefined) throw c.error("missing attribute 'size' of the KVM dirty ring");
    if (size < DIRTY_RING_RANGE[0] || size > DIRTY_RING_RANGE[1] || (size & (size - 1)) !== 0) {
      const [min, max] = DIRTY_RING_RANGE;
      throw c.error(`KVM dirty ring size must be a power of 2 in [${min}, ${max}]`);
    }
    def.dirtyRingSize = size;
  }
  return def;
}

function parseXen(r: XmlReader): XenFeaturesDef {
  const def: XenFeaturesDef = { features: {} };
  for (const c of r.elements()) {
    const name = childName(c, XEN_FEATURES, "Xen");
    const value = state(c, true);
    def.features[name] = value;
    if (name === "passthrough") {
      const mode = c.enum("mode", ["sync_pt", "share_pt"]);
      if (value === "on") def.passthroughMode = mode;
    }
  }
  return def;
}

function parseCapabilities(r: XmlReader): CapabilitiesDef {
  const def: CapabilitiesDef = {
    policy: r.enum("policy", ["default", "allow", "deny"]) ?? "default",
    caps: {},
  };
  for (const c of r.elements()) {
    def.caps[childName(c, PROCESS_CAPABILITIES, "capability")] = state(c, false);
  }
  return def;
}

function parseSmm(r: XmlReader): FeaturesDef["smm"] {
  const smm: NonNullable<FeaturesDef["smm"]> = { state: state(r, false) };
  const tseg = r.child("tseg");
  if (tseg) {
    const text = tseg.text().trim();
    const unit = tseg.attr("unit");
    const bytes = text === ""
      ? undefined
      : scaledBytes(tseg, text, unit, 1024 * 1024, "SMM TSEG size");
    if (smm.state === "on") smm.tsegBytes = bytes;
  }
  return smm;
}

function parseHpt(r: XmlReader): FeaturesDef["hpt"] {
  const resizing = r.enum("resizing", ["enabled", "disabled", "required"]);
  const mp = r.child("maxpagesize");
  const text = mp?.text().trim();
  const unit = mp?.attr("unit");
  const kib = mp && text
    ? Math.ceil(scaledBytes(mp, text, unit, 1024, "HPT maxpagesize") / 1024)
    : 0;
  if (!resizing && !kib) return undefined;
  return { resizing, maxPageSizeKiB: kib || undefined };
}

function parseTcg(r: XmlReader): FeaturesDef["tcg"] {
  const tb = r.child("tb-cache");
  const text = tb?.text().trim();
  const unit = tb?.attr("unit");
  if (!tb || !text) return undefined;
  const kib = Math.ceil(scaledBytes(tb, text, unit, 1024, "TCG tb-cache size") / 1024);
  return kib ? { tbCacheKiB: kib } : undefined;
}

/**
 * Parses `<features>`. A feature given twice keeps its last value.
 *
 * @throws VirtError for unknown features or sub-features and bad values
 */
export function parseFeatures(r: XmlReader, _ctx: ParseContext): FeaturesDef {
  const f: FeaturesDef = {};
  for (const c of r.elements()) {
    switch (childName(c, FEATURE_NAMES, "hypervisor")) {
      case "acpi":
        f.acpi = true;
        break;
      case "pae":
        f.pae = true;
        break;
      case "viridian":
        f.viridian = true;
        break;
      case "privnet":
        f.privnet = true;
        break;
      case "apic":
        f.apic = { eoi: c.enum("eoi", ["on", "off"]) };
        break;
      case "hap":
        f.hap = state(c, false);
        break;
      case "pmu":
        f.pmu = state(c, false);
        break;
      case "pvspinlock":
        f.pvspinlock = state(c, false);
        break;
      case "vmport":
        f.vmport = state(c, false);
        break;
      case "vmcoreinfo":
        f.vmcoreinfo = state(c, false);
        break;
      case "htm":
        f.htm = state(c, true);
        break;
      case "nested-hv":
        f.nestedHv = state(c, true);
        break;
      case "ccf-assist":
        f.ccfAssist = state(c, true);
        break;
      case "hyperv":
        f.hyperv = parseHyperv(c);
        break;
      case "kvm":
        f.kvm = parseKvm(c);
        break;
      case "xen":
        f.xen = parseXen(c);
        break;
      case "capabilities":
        f.capabilities = parseCapabilities(c);
        break;
      case "gic":
        f.gic = { version: c.enum("version", ["host", "2", "3"]) };
        break;
      case "smm":
        f.smm = parseSmm(c);
        break;
      case "ioapic":
        f.ioapic = c.enum("driver", ["qemu", "kvm"]);
        break;
      case "hpt":
        f.hpt = parseHpt(c);
        break;
      case "msrs":
        f.msrs = { unknown: c.reqEnum("unknown", ["ignore", "fault"]) };
        break;
      case "cfpc":
        f.cfpc = c.enum("value", SPECTRE_VALUES);
        break;
      case "sbbc":
        f.sbbc = c.enum("value", SPECTRE_VALUES);
        break;
      case "ibs":
        f.ibs = c.enum("value", IBS_VALUES);
        break;
      case "tcg":
        f.tcg = parseTcg(c);
        break;
    }
  }
  return f;
}

function formatHyperv(w: XmlWriter, h: HypervDef): void {
  w.block("hyperv", [["mode", h.mode]], (w) => {
    for (const name of HYPERV_FEATURES) {
      const v = h.features[name];
      if (!v) continue;
      const on = v === "on";
      if (name === "spinlocks") {
        w.elem(name, [["state", v], ["retries", on ? h.spinlockRetries : undefined]]);
      } else if (name === "vendor_id") {
        w.elem(name, [["state", v], ["value", on ? h.vendorId : undefined]]);
      } else if (name === "stimer" && on && h.stimerDirect === "on") {
        w.elem(name, [["state", v]], (w) => w.elem("direct", [["state", "on"]]));
      } else w.elem(name, [["state", v]]);
    }
  });
}

function formatKvm(w: XmlWriter, k: KvmFeaturesDef): void {
  w.block("kvm", null, (w) => {
    for (const name of KVM_FEATURES) {
      const v = k.features[name];
      if (!v) continue;
      w.elem(name, [["state", v], [
        "size",
        name === "dirty-ring" && k.dirtyRingSize ? k.dirtyRingSize : undefined,
      ]]);
    }
  });
}

function formatXen(w: XmlWriter, x: XenFeaturesDef): void {
  w.block("xen", null, (w) => {
    for (const name of XEN_FEATURES) {
      const v = x.features[name];
      if (!v) continue;
      w.elem(name, [["state", v], [
        "mode",
        name === "passthrough" && v === "on" ? x.passthroughMode : undefined,
      ]]);
    }
  });
}

function formatCapabilities(w: XmlWriter, c: CapabilitiesDef): void {
  const given = PROCESS_CAPABILITIES.filter((n) => c.caps[n]);
  w.group("capabilities", [[
    "policy",
    c.policy !== "default" || given.length ? c.policy : undefined,
  ]], (w) => {
    for (const n of given) w.elem(n, [["state", c.caps[n]]]);
  });
}

function formatOne(w: XmlWriter, f: FeaturesDef, name: (typeof FEATURE_NAMES)[number]): void {
  const toggle = (on: boolean | undefined) => {
    if (on) w.elem(name);
  };
  const stateOf = (v: OnOff | undefined) => {
    if (v) w.elem(name, [["state", v]]);
  };
  switch (name) {
    case "acpi":
      return toggle(f.acpi);
    case "pae":
      return toggle(f.pae);
    case "viridian":
      return toggle(f.viridian);
    case "privnet":
      return toggle(f.privnet);
    case "apic":
      if (f.apic) w.elem(name, [["eoi", f.apic.eoi]]);
      return;
    case "hap":
      return stateOf(f.hap);
    case "pmu":
      return stateOf(f.pmu);
    case "pvspinlock":
      return stateOf(f.pvspinlock);
    case "vmport":
      return stateOf(f.vmport);
    case "vmcoreinfo":
      return stateOf(f.vmcoreinfo);
    case "htm":
      return stateOf(f.htm);
    case "nested-hv":
      return stateOf(f.nestedHv);
    case "ccf-assist":
      return stateOf(f.ccfAssist);
    case "hyperv":
      if (f.hyperv) formatHyperv(w, f.hyperv);
      return;
    case "kvm":
      if (f.kvm) formatKvm(w, f.kvm);
      return;
    case "xen":
      if (f.xen) formatXen(w, f.xen);
      return;
    case "capabilities":
      if (f.capabilities) formatCapabilities(w, f.capabilities);
      return;
    case "gic":
      if (f.gic) w.elem(name, [["version", f.gic.version]]);
      return;
    case "smm": {
      const smm = f.smm;
      if (!smm) return;
      const tseg = smm.state === "on" && smm.tsegBytes !== undefined
        ? prettySize(smm.tsegBytes)
        : undefined;
      w.elem(
        name,
        [["state", smm.state]],
        tseg ? (w) => w.text("tseg", tseg.value, [["unit", tseg.unit]]) : undefined,
      );
      return;
    }
    case "ioapic":
      if (f.ioapic) w.elem(name, [["driver", f.ioapic]]);
      return;
    case "hpt": {
      const hpt = f.hpt;
      if (!hpt) return;
      w.elem(name, [["resizing", hpt.resizing]], (w) => {
        if (hpt.maxPageSizeKiB) w.text("maxpagesize", hpt.maxPageSizeKiB, [["unit", "KiB"]]);
      });
      return;
    }
    case "msrs":
      if (f.msrs) w.elem(name, [["unknown", f.msrs.unknown]]);
      return;
    case "cfpc":
      if (f.cfpc) w.elem(name, [["value", f.cfpc]]);
      return;
    case "sbbc":
      if (f.sbbc) w.elem(name, [["value", f.sbbc]]);
      return;
    case "ibs":
      if (f.ibs) w.elem(name, [["value", f.ibs]]);
      return;
    case "tcg":
      if (f.tcg) {
        w.elem(name, null, (w) => w.text("tb-cache", f.tcg!.tbCacheKiB, [["unit", "KiB"]]));
      }
      return;
  }
}

/** Writes `<features>` in libvirt's order (nothing when no feature is set). */
export function formatFeatures(w: XmlWriter, f: FeaturesDef, _ctx: FormatContext): void {
  w.group("features", null, (w) => {
    for (const name of FEATURE_NAMES) formatOne(w, f, name);
  });
}
