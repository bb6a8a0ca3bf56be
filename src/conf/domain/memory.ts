/**
 * Memory sizing and tuning: `<maxMemory>`, `<memory>`, `<currentMemory>`,
 * `<memtune>`, `<blkiotune>` and `<memoryBacking>`. Every size is held in KiB,
 * as libvirt normalises it.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { UNIT_NAMES, unitScale } from "../units.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";

/** Largest memory limit; larger values mean "unlimited" (libvirt's `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`). */
export const MEMORY_UNLIMITED_KIB = 9007199254740991;

/**
 * Reads an element whose text is a size and whose `unit` attribute scales it
 * (`defaultUnit` when absent), returned in KiB rounded up.
 */
export function parseSizeKiB(r: XmlReader, defaultUnit = "KiB", unitAttr = "unit"): number {
  return scaledKiB(r, r.text().trim(), r.attr(unitAttr) ?? defaultUnit);
}

/** Scales a number with a unit to KiB, rounding up; errors name the element. */
export function scaledKiB(r: XmlReader, value: string, unit: string): number {
  const scale = unitScale(unit);
  if (scale === undefined) throw r.error(`unknown unit '${unit}', expected one of: ${UNIT_NAMES}`);
  if (!/^\d+$/.test(value)) throw r.error(`invalid size '${value}', expected a non-negative integer`);
  return Math.ceil((Number(value) * scale) / 1024);
}

/** `<memtune>` limits in KiB; absent fields are unset. */
export interface MemtuneDef {
  hardLimit?: number;
  softLimit?: number;
  minGuarantee?: number;
  swapHardLimit?: number;
}

/** Parses `<memtune>`. */
export function parseMemtune(r: XmlReader): MemtuneDef {
  const limit = (name: string) => {
    const c = r.child(name);
    if (!c) return undefined;
    return Math.min(parseSizeKiB(c), MEMORY_UNLIMITED_KIB);
  };
  return {
    hardLimit: limit("hard_limit"),
    softLimit: limit("soft_limit"),
    minGuarantee: limit("min_guarantee"),
    swapHardLimit: limit("swap_hard_limit"),
  };
}

/** Writes `<memtune>` when any limit is set. */
export function formatMemtune(w: XmlWriter, m: MemtuneDef | undefined): void {
  if (!m) return;
  const isSet = (v: number | undefined) => v !== undefined && v < MEMORY_UNLIMITED_KIB;
  w.group("memtune", null, (w) => {
    if (isSet(m.hardLimit)) w.text("hard_limit", m.hardLimit, [["unit", "KiB"]]);
    if (isSet(m.softLimit)) w.text("soft_limit", m.softLimit, [["unit", "KiB"]]);
    if (m.minGuarantee) w.text("min_guarantee", m.minGuarantee, [["unit", "KiB"]]);
    if (isSet(m.swapHardLimit)) w.text("swap_hard_limit", m.swapHardLimit, [["unit", "KiB"]]);
  });
}

/** One `<device>` of `<blkiotune>`. */
export interface BlkioDeviceDef {
  path: string;
  weight?: number;
  readIopsSec?: number;
  writeIopsSec?: number;
  readBytesSec?: number;
  writeBytesSec?: number;
}

/** `<blkiotune>`. */
export interface BlkiotuneDef {
  weight?: number;
  devices: BlkioDeviceDef[];
}

/** Parses `<blkiotune>`. */
export function parseBlkiotune(r: XmlReader): BlkiotuneDef {
  const devices: BlkioDeviceDef[] = [];
  for (const d of r.children("device")) {
    const path = d.childText("path");
    if (!path) throw d.error("missing <path> in blkiotune <device>");
    if (devices.some((x) => x.path === path)) throw d.error(`duplicate blkio device path '${path}'`);
    devices.push({
      path,
      weight: d.childUint("weight"),
      readIopsSec: d.childUint("read_iops_sec"),
      writeIopsSec: d.childUint("write_iops_sec"),
      readBytesSec: d.childUint("read_bytes_sec"),
      writeBytesSec: d.childUint("write_bytes_sec"),
    });
  }
  return { weight: r.childUint("weight"), devices };
}

/** Writes `<blkiotune>` when anything is set. */
export function formatBlkiotune(w: XmlWriter, b: BlkiotuneDef | undefined): void {
  if (!b) return;
  w.group("blkiotune", null, (w) => {
    if (b.weight) w.text("weight", b.weight);
    for (const d of b.devices) {
      if (!d.weight && !d.readIopsSec && !d.writeIopsSec && !d.readBytesSec && !d.writeBytesSec) continue;
      w.elem("device", null, (w) => {
        w.text("path", d.path);
        if (d.weight) w.text("weight", d.weight);
        if (d.readIopsSec) w.text("read_iops_sec", d.readIopsSec);
        if (d.writeIopsSec) w.text("write_iops_sec", d.writeIopsSec);
        if (d.readBytesSec) w.text("read_bytes_sec", d.readBytesSec);
        if (d.writeBytesSec) w.text("write_bytes_sec", d.writeBytesSec);
      });
    }
  });
}

/** `<memoryBacking>`. */
export interface MemoryBackingDef {
  /** Huge pages: size in KiB (0 for the default size) and the guest NUMA nodes they back. */
  hugepages?: { sizeKiB: number; nodeset?: number[] }[];
  nosharepages?: boolean;
  locked?: boolean;
  source?: "file" | "anonymous" | "memfd";
  access?: "shared" | "private";
  allocation?: { mode?: "immediate" | "ondemand"; threads?: number };
  discard?: boolean;
}

/** Parses `<memoryBacking>`. */
export function parseMemoryBacking(r: XmlReader): MemoryBackingDef {
  const m: MemoryBackingDef = {};
  const hp = r.child("hugepages");
  if (hp) {
    m.hugepages = [];
    for (const p of hp.children("page")) {
      const size = p.attr("size");
      if (size === undefined) throw p.error("missing attribute 'size'");
      const nodes = p.attr("nodeset");
      const nodeset = nodes === undefined ? undefined : parseBitmap(nodes);
      if (nodes !== undefined && !nodeset) throw p.error(`invalid nodeset '${nodes}'`);
      m.hugepages.push({ sizeKiB: scaledKiB(p, size, p.attr("unit") ?? "KiB"), nodeset });
    }
    if (m.hugepages.length === 0) m.hugepages.push({ sizeKiB: 0 });
  }
  if (r.child("nosharepages")) m.nosharepages = true;
  if (r.child("locked")) m.locked = true;
  const src = r.child("source");
  if (src) m.source = src.reqEnum("type", ["file", "anonymous", "memfd"]);
  const acc = r.child("access");
  if (acc) m.access = acc.reqEnum("mode", ["shared", "private"]);
  const alloc = r.child("allocation");
  if (alloc) m.allocation = { mode: alloc.enum("mode", ["immediate", "ondemand"]), threads: alloc.uint("threads") };
  if (r.child("discard")) m.discard = true;
  return m;
}

/** Writes `<memoryBacking>` when anything is set. */
export function formatMemoryBacking(w: XmlWriter, m: MemoryBackingDef | undefined): void {
  if (!m) return;
  w.group("memoryBacking", null, (w) => {
    if (m.hugepages?.length) {
      if (m.hugepages.length === 1 && m.hugepages[0].sizeKiB === 0) w.elem("hugepages");
      else {
        w.elem("hugepages", null, (w) => {
          for (const p of m.hugepages!) {
            w.elem("page", [
              ["size", p.sizeKiB || undefined],
              ["unit", p.sizeKiB ? "KiB" : undefined],
              ["nodeset", p.nodeset ? formatBitmap(p.nodeset) : undefined],
            ]);
          }
        });
      }
    }
    if (m.nosharepages) w.elem("nosharepages");
    if (m.locked) w.elem("locked");
    if (m.source) w.elem("source", [["type", m.source]]);
    if (m.access) w.elem("access", [["mode", m.access]]);
    if (m.allocation) w.elem("allocation", [["mode", m.allocation.mode], ["threads", m.allocation.threads]]);
    if (m.discard) w.elem("discard");
  });
}
