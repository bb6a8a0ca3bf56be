/**
 * Resource control of host caches and memory bandwidth (Intel RDT, Linux
 * resctrl): `<cachetune>` and `<memorytune>` inside `<cputune>`.
 *
 * Each element is first read as written ({@link CachetuneDef},
 * {@link MemorytuneDef}); {@link resolveResctrls} then groups them the way
 * libvirt does once the vCPU count is known: vCPU sets are cut to existing
 * vCPUs, empty groups vanish, a `<memorytune>` with the same vCPUs as an
 * earlier group joins it, and overlapping groups are rejected.
 * @module
 */
import { VirtError } from "../../errors.ts";
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";
import type { FormatContext, ParseContext } from "./context.ts";
import { prettySize, scaledBytes } from "./scaled.ts";

/** What part of a cache an allocation covers. */
export const CACHE_TYPES = ["both", "code", "data"] as const;

/** The only cache level monitors exist for. */
const MONITOR_CACHE_LEVEL = 3;
/** Memory bandwidth is a percentage. */
const MAX_BANDWIDTH = 100;

/** A cache allocation (`<cachetune><cache>`). */
export interface CacheAllocDef {
  /** Host cache id. */
  id: number;
  level: number;
  type: (typeof CACHE_TYPES)[number];
  /** Size in bytes. */
  size: number;
}

/** A memory bandwidth allocation (`<memorytune><node>`), in percent. */
export interface BandwidthAllocDef {
  node: number;
  bandwidth: number;
}

/** `<cachetune>` as written. */
export interface CachetuneDef {
  vcpus: number[];
  /** Allocation id (live definitions only). */
  id?: string;
  caches: CacheAllocDef[];
  /** vCPU sets of the cache `<monitor>`s. */
  monitors: number[][];
}

/** `<memorytune>` as written. */
export interface MemorytuneDef {
  vcpus: number[];
  /** Allocation id (live definitions only). */
  id?: string;
  nodes: BandwidthAllocDef[];
  /** vCPU sets of the memory bandwidth `<monitor>`s. */
  monitors: number[][];
}

/** A monitor of a resolved group; `cache` monitors are the `<cachetune>` ones. */
export interface ResctrlMonitorDef {
  kind: "cache" | "membw";
  vcpus: number[];
}

/** A resolved allocation group: the vCPUs sharing one resctrl group. */
export interface ResctrlDef {
  vcpus: number[];
  /** Allocation id: as given, else `vcpus_<set>`. */
  id: string;
  caches: CacheAllocDef[];
  bandwidths: BandwidthAllocDef[];
  monitors: ResctrlMonitorDef[];
}

const fail = (msg: string) => new VirtError("xml-error", "domain", msg);

function vcpusAttr(r: XmlReader): number[] {
  const text = r.attr("vcpus");
  if (text === undefined) throw r.error("missing attribute 'vcpus'");
  const bits = parseBitmap(text);
  if (!bits) throw r.error(`invalid vcpus '${text}'`);
  return bits;
}

function cacheCollides(list: CacheAllocDef[], c: CacheAllocDef): boolean {
  return list.some((x) =>
    x.level === c.level && x.id === c.id &&
    (x.type === "both" || c.type === "both" || x.type === c.type)
  );
}

/**
 * Parses `<cachetune>`.
 *
 * @throws VirtError for bad attributes, colliding cache allocations or a
 *   monitor level other than 3
 */
export function parseCachetune(r: XmlReader, ctx: ParseContext): CachetuneDef {
  const vcpus = vcpusAttr(r);
  const id = r.attr("id");
  const caches: CacheAllocDef[] = [];
  for (const c of r.children("cache")) {
    const size = c.attr("size");
    if (size === undefined) throw c.error("missing attribute 'size'");
    const alloc: CacheAllocDef = {
      id: c.reqUint("id"),
      level: c.reqUint("level"),
      type: c.reqEnum("type", CACHE_TYPES),
      size: scaledBytes(c, size, c.attr("unit"), 1024, "cache size"),
    };
    if (cacheCollides(caches, alloc)) {
      throw c.error(
        `colliding cache allocations for cache level ${alloc.level} id ${alloc.id}, type ${alloc.type}`,
      );
    }
    caches.push(alloc);
  }
  const monitors = r.children("monitor").map((m) => {
    const level = m.reqUint("level");
    if (level !== MONITOR_CACHE_LEVEL) {
      throw m.error(`invalid monitor cache level '${level}', expected ${MONITOR_CACHE_LEVEL}`);
    }
    return vcpusAttr(m);
  });
  return { vcpus, id: ctx.inactive ? undefined : id, caches, monitors };
}

/**
 * Parses `<memorytune>`.
 *
 * @throws VirtError for bad attributes, a bandwidth above 100 or a node given twice
 */
export function parseMemorytune(r: XmlReader, ctx: ParseContext): MemorytuneDef {
  const vcpus = vcpusAttr(r);
  const id = r.attr("id");
  const nodes: BandwidthAllocDef[] = [];
  for (const n of r.children("node")) {
    const node = n.reqUint("id");
    const bandwidth = n.reqUint("bandwidth");
    if (bandwidth > MAX_BANDWIDTH) {
      throw n.error(`memory bandwidth ${bandwidth} is above ${MAX_BANDWIDTH}`);
    }
    if (nodes.some((x) => x.node === node)) {
      throw n.error(`memory bandwidth for node ${node} is already given`);
    }
    nodes.push({ node, bandwidth });
  }
  const monitors = r.children("monitor").map(vcpusAttr);
  return { vcpus, id: ctx.inactive ? undefined : id, nodes, monitors };
}

const equal = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const overlaps = (a: number[], b: number[]) => a.some((x) => b.includes(x));

function addMonitor(g: ResctrlDef, kind: ResctrlMonitorDef["kind"], vcpus: number[]): void {
  if (!vcpus.length) throw fail(`a ${kind} monitor of the resctrl group ${g.id} has no vCPUs`);
  const mon = formatBitmap(vcpus);
  if (!vcpus.every((v) => g.vcpus.includes(v))) {
    throw fail(`monitor vCPUs ${mon} are not all in the allocation vCPUs ${formatBitmap(g.vcpus)}`);
  }
  const sameAsGroup = equal(vcpus, g.vcpus);
  const emptyAlloc = !g.caches.length && !g.bandwidths.length;
  let overlapAny = false;
  let overlapOther = false;
  for (const m of g.monitors) {
    if (equal(vcpus, m.vcpus)) {
      if (m.kind === kind) {
        throw fail(`two ${kind} monitors have the same vCPUs ${mon}`);
      }
      continue;
    }
    const o = overlaps(vcpus, m.vcpus);
    if (o) overlapAny = true;
    if (!sameAsGroup && !equal(m.vcpus, g.vcpus) && o) overlapOther = true;
  }
  if (overlapOther || (emptyAlloc && overlapAny)) {
    throw fail(`monitor vCPUs ${mon} overlap another monitor of the same resctrl group`);
  }
  g.monitors.push({ kind, vcpus });
}

/** The group with exactly these vCPUs, or undefined; overlapping groups are an error. */
function findGroup(groups: ResctrlDef[], vcpus: number[], element: string): ResctrlDef | undefined {
  for (const g of groups) {
    if (equal(g.vcpus, vcpus)) return g;
    if (overlaps(g.vcpus, vcpus)) {
      const [mine, theirs] = [formatBitmap(vcpus), formatBitmap(g.vcpus)];
      throw fail(`<${element}> vCPUs ${mine} overlap the vCPUs ${theirs} of another allocation`);
    }
  }
  return undefined;
}

/**
 * Groups the `<cachetune>` and `<memorytune>` elements into resctrl groups
 * for a domain with `maxVcpus` vCPUs, as libvirt does.
 *
 * @throws VirtError for overlapping or identical cachetunes, colliding
 *   memory bandwidth, or monitors outside or overlapping their group
 */
export function resolveResctrls(
  cachetunes: CachetuneDef[],
  memorytunes: MemorytuneDef[],
  maxVcpus: number,
): ResctrlDef[] {
  const cut = (v: number[]) => v.filter((x) => x < maxVcpus);
  const groups: ResctrlDef[] = [];
  for (const ct of cachetunes) {
    const vcpus = cut(ct.vcpus);
    if (!vcpus.length) continue;
    if (findGroup(groups, vcpus, "cachetune")) {
      throw fail(`two <cachetune> elements have the same vCPUs ${formatBitmap(vcpus)}`);
    }
    const g: ResctrlDef = {
      vcpus,
      id: ct.id ?? `vcpus_${formatBitmap(vcpus)}`,
      caches: [...ct.caches],
      bandwidths: [],
      monitors: [],
    };
    for (const m of ct.monitors) addMonitor(g, "cache", cut(m));
    if (g.monitors.length || g.caches.length) groups.push(g);
  }
  for (const mt of memorytunes) {
    const vcpus = cut(mt.vcpus);
    if (!vcpus.length) continue;
    const existing = findGroup(groups, vcpus, "memorytune");
    const g = existing ??
      {
        vcpus,
        id: mt.id ?? `vcpus_${formatBitmap(vcpus)}`,
        caches: [],
        bandwidths: [],
        monitors: [],
      };
    for (const n of mt.nodes) {
      if (g.bandwidths.some((b) => b.node === n.node)) {
        throw fail(`memory bandwidth for node ${n.node} is already given`);
      }
      g.bandwidths.push(n);
    }
    for (const m of mt.monitors) addMonitor(g, "membw", cut(m));
    if (!existing && (mt.nodes.length || mt.monitors.length)) groups.push(g);
  }
  return groups;
}

const CACHE_TYPE_ORDER = (t: CacheAllocDef["type"]) => CACHE_TYPES.indexOf(t);

/** Writes the `<cachetune>` elements, then the `<memorytune>` elements, of resolved groups. */
export function formatResctrls(w: XmlWriter, groups: ResctrlDef[], ctx: FormatContext): void {
  const attrs = (g: ResctrlDef) =>
    [["vcpus", formatBitmap(g.vcpus)], ["id", ctx.inactive ? undefined : g.id]] as const;
  for (const g of groups) {
    const caches = [...g.caches].sort((a, b) =>
      a.level - b.level || CACHE_TYPE_ORDER(a.type) - CACHE_TYPE_ORDER(b.type) || a.id - b.id
    );
    const monitors = g.monitors.filter((m) => m.kind === "cache");
    if (!caches.length && !monitors.length) continue;
    w.elem("cachetune", attrs(g), (w) => {
      for (const c of caches) {
        const size = prettySize(c.size);
        w.elem("cache", [["id", c.id], ["level", c.level], ["type", c.type], ["size", size.value], [
          "unit",
          size.unit,
        ]]);
      }
      for (const m of monitors) {
        w.elem("monitor", [["level", MONITOR_CACHE_LEVEL], ["vcpus", formatBitmap(m.vcpus)]]);
      }
    });
  }
  for (const g of groups) {
    const bandwidths = [...g.bandwidths].sort((a, b) => a.node - b.node);
    const monitors = g.monitors.filter((m) => m.kind === "membw");
    if (!bandwidths.length && !monitors.length) continue;
    w.elem("memorytune", attrs(g), (w) => {
      for (const b of bandwidths) w.elem("node", [["id", b.node], ["bandwidth", b.bandwidth]]);
      for (const m of monitors) w.elem("monitor", [["vcpus", formatBitmap(m.vcpus)]]);
    });
  }
}
