/**
 * The guest CPU: `<cpu>` with its mode, model, vendor, topology, cache,
 * physical address size and features. The guest NUMA topology nested in it
 * lives in {@link NumaDef} (`numa.ts`).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";
import { formatNuma, type NumaDef, parseNuma } from "./numa.ts";

/** How the guest CPU relates to the host CPU (`mode`). */
export const CPU_MODES = ["custom", "host-model", "host-passthrough", "maximum"] as const;
/** How strictly a custom model must be matched (`match`). */
export const CPU_MATCHES = ["exact", "minimum", "strict"] as const;
/** How the started CPU is checked against the definition (`check`; `default` means unset). */
export const CPU_CHECKS = ["default", "none", "partial", "full"] as const;
/** What a `<feature>` asks for (`policy`). */
export const CPU_FEATURE_POLICIES = ["force", "require", "optional", "disable", "forbid"] as const;
/** How the CPU cache is presented (`<cache mode>`). */
export const CPU_CACHE_MODES = ["emulate", "passthrough", "disable"] as const;
/** How the physical address size is presented (`<maxphysaddr mode>`). */
export const CPU_MAXPHYSADDR_MODES = ["emulate", "passthrough"] as const;

/** A CPU mode. */
export type CpuMode = (typeof CPU_MODES)[number];
/** A feature policy. */
export type CpuFeaturePolicy = (typeof CPU_FEATURE_POLICIES)[number];

/** Length a `vendor_id` must have. */
const VENDOR_ID_LENGTH = 12;

/** `<topology>`: every count is at least 1. */
export interface CpuTopology {
  sockets: number;
  /** Dies per socket (1 when not given). */
  dies: number;
  cores: number;
  threads: number;
}

/** One `<feature>`. */
export interface CpuFeature {
  name: string;
  policy: CpuFeaturePolicy;
}

/** The parsed `<cpu>` element. */
export interface CpuDef {
  mode: CpuMode;
  /** `match`; formatted for custom mode as `exact` when unset. */
  match?: (typeof CPU_MATCHES)[number];
  check?: Exclude<(typeof CPU_CHECKS)[number], "default">;
  /** `migratable`, only with host-passthrough and maximum. */
  migratable?: "on" | "off";
  /** `<model>` text. */
  model?: string;
  /** `<model fallback>`; `allow` when unset. */
  fallback?: "allow" | "forbid";
  /** `<model vendor_id>`, exactly 12 characters. */
  vendorId?: string;
  /** `<vendor>`. */
  vendor?: string;
  topology?: CpuTopology;
  /** `<cache>`; no level means every level. */
  cache?: { level?: 1 | 2 | 3; mode: (typeof CPU_CACHE_MODES)[number] };
  /** `<maxphysaddr>`. */
  maxPhysAddr?: { mode: (typeof CPU_MAXPHYSADDR_MODES)[number]; bits?: number };
  features: CpuFeature[];
  /** Guest NUMA topology (`<numa>`). */
  numa?: NumaDef;
}

/** Whether the mode takes the host CPU as it is (no model is formatted). */
function isPassthroughMode(mode: CpuMode): boolean {
  return mode === "host-passthrough" || mode === "maximum";
}

function positiveUint(r: XmlReader, name: string, required: boolean): number | undefined {
  const v = r.uint(name);
  if (v === undefined) {
    if (required) throw r.error(`missing attribute '${name}'`);
    return undefined;
  }
  if (v === 0) {
    throw r.error(`invalid value '0' for attribute '${name}', expected a positive integer`);
  }
  return v;
}

function parseTopology(t: XmlReader): CpuTopology {
  return {
    sockets: positiveUint(t, "sockets", true)!,
    dies: positiveUint(t, "dies", false) ?? 1,
    cores: positiveUint(t, "cores", true)!,
    threads: positiveUint(t, "threads", true)!,
  };
}

function parseFeatures(r: XmlReader, hasModel: boolean, mode: CpuMode): CpuFeature[] {
  const nodes = r.children("feature");
  if (nodes.length && !hasModel && mode === "custom") {
    throw r.error("CPU features given without a CPU <model>");
  }
  const out: CpuFeature[] = [];
  for (const f of nodes) {
    const policy = f.enum("policy", CPU_FEATURE_POLICIES) ?? "require";
    const name = f.attr("name");
    if (!name) throw f.error("missing or empty attribute 'name' of CPU feature");
    if (out.some((x) => x.name === name)) {
      throw f.error(`CPU feature '${name}' is given more than once`);
    }
    out.push({ name, policy });
  }
  return out;
}

function parseCache(r: XmlReader): CpuDef["cache"] {
  const nodes = r.children("cache");
  if (nodes.length > 1) throw nodes[1].error("at most one CPU <cache> element may be given");
  if (!nodes.length) return undefined;
  const c = nodes[0];
  const level = c.int("level");
  if (level !== undefined && (level < 1 || level > 3)) {
    throw c.error(`invalid CPU cache level '${level}', expected 1, 2 or 3`);
  }
  return { level: level as 1 | 2 | 3 | undefined, mode: c.reqEnum("mode", CPU_CACHE_MODES) };
}

function parseMaxPhysAddr(r: XmlReader): CpuDef["maxPhysAddr"] {
  const nodes = r.children("maxphysaddr");
  if (nodes.length > 1) throw nodes[1].error("at most one <maxphysaddr> element may be given");
  if (!nodes.length) return undefined;
  const m = nodes[0];
  return { mode: m.reqEnum("mode", CPU_MAXPHYSADDR_MODES), bits: m.uint("bits") };
}

/**
 * Parses `<cpu>` of a domain. As libvirt does, `fallback` and `vendor_id`
 * are ignored for host-passthrough and maximum CPUs.
 *
 * @throws VirtError for bad attributes, a vendor or features without a model,
 *   duplicate features, or more than one `<cache>`/`<maxphysaddr>`
 */
export function parseCpu(r: XmlReader, _ctx: ParseContext): CpuDef {
  const mode = r.enum("mode", CPU_MODES) ?? "custom";
  const migratable = r.enum("migratable", ["on", "off"]);
  if (migratable !== undefined && !isPassthroughMode(mode)) {
    throw r.error(
      "attribute 'migratable' is only allowed for CPU mode 'host-passthrough' or 'maximum'",
    );
  }
  const match = r.enum("match", CPU_MATCHES);
  const check = r.enum("check", CPU_CHECKS);
  const modelEl = r.child("model");
  const modelText = modelEl?.text();
  const model = modelText ? modelText : undefined;
  const def: CpuDef = {
    mode,
    match,
    check: check === "default" ? undefined : check,
    migratable,
    model,
    features: [],
  };
  if (modelEl) {
    const fallback = modelEl.enum("fallback", ["allow", "forbid"]);
    const vendorId = modelEl.attr("vendor_id");
    if (!isPassthroughMode(mode)) {
      def.fallback = fallback;
      if (vendorId !== undefined) {
        if (vendorId.length !== VENDOR_ID_LENGTH) {
          throw modelEl.error(`vendor_id must be exactly ${VENDOR_ID_LENGTH} characters long`);
        }
        if (vendorId.includes(",")) {
          throw modelEl.error(`invalid vendor_id '${vendorId}': it must not contain ','`);
        }
        def.vendorId = vendorId;
      }
    }
  }
  const vendor = r.child("vendor")?.text();
  if (vendor) {
    if (!model) throw r.error("CPU <vendor> given without a CPU <model>");
    def.vendor = vendor;
  }
  const topology = r.child("topology");
  if (topology) def.topology = parseTopology(topology);
  def.features = parseFeatures(r, model !== undefined, mode);
  def.cache = parseCache(r);
  def.maxPhysAddr = parseMaxPhysAddr(r);
  const numa = r.child("numa");
  if (numa) def.numa = parseNuma(numa);
  if (mode === "custom" && !model && def.check !== undefined) {
    throw r.error("attribute 'check' given for a CPU without a model");
  }
  return def;
}

function formatModel(w: XmlWriter, c: CpuDef): void {
  if (!c.model && !c.vendorId) return;
  const attrs: [string, string | undefined][] = [
    ["fallback", c.model ? (c.fallback ?? "allow") : undefined],
    ["vendor_id", c.vendorId],
  ];
  if (c.model) w.text("model", c.model, attrs);
  else w.elem("model", attrs);
}

/** Writes `<cpu>` (nothing when it would be empty). */
export function formatCpu(w: XmlWriter, c: CpuDef, _ctx: FormatContext): void {
  const attrs: [string, string | undefined][] | null = c.mode !== "custom" || c.model
    ? [
      ["mode", c.mode],
      ["match", c.mode === "custom" ? (c.match ?? "exact") : undefined],
      ["check", c.check],
      ["migratable", isPassthroughMode(c.mode) ? c.migratable : undefined],
    ]
    : null;
  w.group("cpu", attrs, (w) => {
    const withModel = c.mode === "custom" || c.mode === "host-model";
    if (withModel) {
      formatModel(w, c);
      w.text("vendor", c.vendor);
    }
    const t = c.topology;
    if (t) {
      w.elem("topology", [["sockets", t.sockets], ["dies", t.dies], ["cores", t.cores], [
        "threads",
        t.threads,
      ]]);
    }
    if (c.cache) w.elem("cache", [["level", c.cache.level], ["mode", c.cache.mode]]);
    if (c.maxPhysAddr) {
      w.elem("maxphysaddr", [["mode", c.maxPhysAddr.mode], ["bits", c.maxPhysAddr.bits]]);
    }
    for (const f of c.features) w.elem("feature", [["policy", f.policy], ["name", f.name]]);
    if (c.numa) formatNuma(w, c.numa);
  });
}

/** The vCPU count a topology describes (sockets × dies × cores × threads). */
export function topologyVcpus(t: CpuTopology): number {
  return t.sockets * t.dies * t.cores * t.threads;
}
