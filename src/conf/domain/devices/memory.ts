/**
 * `<memory>` devices: hot-pluggable DIMMs, NVDIMMs, virtio-pmem and
 * virtio-mem regions and SGX enclave page caches. Sizes are held in KiB.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import { formatBitmap, parseBitmap } from "../../bitmap.ts";
import { parseUuid } from "../../ids.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseSizeKiB } from "../memory.ts";

/** Memory device models. */
export const MEMORY_DEVICE_MODELS = ["dimm", "nvdimm", "virtio-pmem", "virtio-mem", "sgx-epc"] as const;

/** `<source>` of a memory device; which fields apply depends on the model. */
export interface MemoryDeviceSource {
  /** Host huge page size (dimm, virtio-mem). */
  pagesize?: number;
  /** Host NUMA nodes to allocate from (dimm, virtio-mem, sgx-epc). */
  nodemask?: number[];
  /** Backing file (nvdimm, virtio-pmem). */
  path?: string;
  /** Alignment (nvdimm). */
  alignsize?: number;
  /** The backing file is real persistent memory (nvdimm). */
  pmem?: boolean;
}

/** `<target>` of a memory device. */
export interface MemoryDeviceTarget {
  size: number;
  /** Guest NUMA node. */
  node?: number;
  /** NVDIMM label area size. */
  labelSize?: number;
  /** NVDIMM is read-only for the guest. */
  readonly?: boolean;
  /** virtio-mem block size, requested size and (live) current size. */
  block?: number;
  requested?: number;
  current?: number;
}

/** A `<memory>` device. */
export interface MemoryDeviceDef {
  model: (typeof MEMORY_DEVICE_MODELS)[number];
  access?: "shared" | "private";
  discard?: "yes" | "no";
  /** NVDIMM UUID. */
  uuid?: string;
  source: MemoryDeviceSource;
  target: MemoryDeviceTarget;
  /** address, alias */
  info: DeviceInfo;
}

function sizeOf(r: XmlReader, name: string): number | undefined {
  const c = r.child(name);
  return c ? parseSizeKiB(c) : undefined;
}

function parseNodemask(r: XmlReader): number[] | undefined {
  const text = r.childText("nodemask");
  if (text === undefined) return undefined;
  const set = parseBitmap(text);
  if (!set || set.length === 0) throw r.error(`invalid value of 'nodemask': ${text}`);
  return set;
}

function parseSource(s: XmlReader | undefined, model: MemoryDeviceDef["model"]): MemoryDeviceSource {
  if (!s) return {};
  switch (model) {
    case "dimm":
    case "virtio-mem":
      return { pagesize: sizeOf(s, "pagesize") || undefined, nodemask: parseNodemask(s) };
    case "nvdimm":
      return { path: s.childText("path") || undefined, alignsize: sizeOf(s, "alignsize") || undefined, pmem: s.child("pmem") ? true : undefined };
    case "virtio-pmem":
      return { path: s.childText("path") || undefined };
    case "sgx-epc":
      return { nodemask: parseNodemask(s) };
  }
}

function parseTarget(t: XmlReader, model: MemoryDeviceDef["model"]): MemoryDeviceTarget {
  const nodeText = t.childText("node");
  if (nodeText !== undefined && !/^\+?\d+$/.test(nodeText)) throw t.error("invalid value of memory device node");
  const size = sizeOf(t, "size");
  if (size === undefined) throw t.error("missing <size> of memory device target");
  const target: MemoryDeviceTarget = { size, node: nodeText === undefined ? undefined : Number(nodeText) };
  if (model === "nvdimm") {
    const label = t.child("label");
    const labelSize = label ? sizeOf(label, "size") : undefined;
    if (labelSize) {
      if (labelSize < 128) throw t.error("nvdimm label must be at least 128KiB");
      if (labelSize >= size) throw t.error("label size must be smaller than NVDIMM size");
      target.labelSize = labelSize;
    }
    if (t.child("readonly")) target.readonly = true;
  }
  if (model === "virtio-mem") {
    target.block = sizeOf(t, "block") || undefined;
    target.requested = sizeOf(t, "requested");
    target.current = sizeOf(t, "current");
  }
  return target;
}

/**
 * Parses a `<memory>` device.
 *
 * @example
 * ```ts
 * // <memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target></memory>
 * parseMemoryDevice(r, ctx).target; // { size: 524288, node: 0 }
 * ```
 */
export function parseMemoryDevice(r: XmlReader, ctx: ParseContext): MemoryDeviceDef {
  const model = r.reqEnum("model", MEMORY_DEVICE_MODELS);
  const dev: MemoryDeviceDef = {
    model,
    access: r.enum("access", ["shared", "private"]),
    discard: r.enum("discard", ["yes", "no"]),
    source: parseSource(r.child("source"), model),
    target: { size: 0 },
    info: {},
  };
  const uuid = model === "nvdimm" ? r.childText("uuid") : undefined;
  if (uuid !== undefined) {
    dev.uuid = parseUuid(uuid);
    if (!dev.uuid) throw r.error("malformed uuid element");
  }
  const t = r.child("target");
  if (!t) throw r.error("missing <target> element for <memory> device");
  dev.target = parseTarget(t, model);
  dev.info = parseDeviceInfo(r, ctx);
  return dev;
}

/** Writes a `<memory>` device. */
export function formatMemoryDevice(w: XmlWriter, m: MemoryDeviceDef, ctx: FormatContext): void {
  w.block("memory", [["model", m.model], ["access", m.access], ["discard", m.discard]], (w) => {
    if (m.uuid) w.text("uuid", m.uuid);
    const s = m.source;
    w.group("source", null, (w) => {
      if (m.model === "nvdimm" || m.model === "virtio-pmem") w.text("path", s.path);
      if (s.nodemask) w.text("nodemask", formatBitmap(s.nodemask));
      if (s.pagesize) w.text("pagesize", s.pagesize, [["unit", "KiB"]]);
      if (s.alignsize) w.text("alignsize", s.alignsize, [["unit", "KiB"]]);
      if (s.pmem) w.elem("pmem");
    });
    const t = m.target;
    w.elem("target", null, (w) => {
      w.text("size", t.size, [["unit", "KiB"]]);
      w.text("node", t.node);
      if (t.labelSize) w.elem("label", null, (w) => w.text("size", t.labelSize, [["unit", "KiB"]]));
      if (t.readonly) w.elem("readonly");
      if (t.block) {
        w.text("block", t.block, [["unit", "KiB"]]);
        w.text("requested", t.requested ?? 0, [["unit", "KiB"]]);
        if (!ctx.inactive) w.text("current", t.current ?? 0, [["unit", "KiB"]]);
      }
    });
    formatDeviceInfo(w, m.info, ctx);
  });
}

/** The generic memory device checks libvirt makes without a hypervisor. */
export function checkMemoryDevices(def: DomainDef): void {
  const fail = (msg: string): never => {
    throw new VirtError("xml-detail", "domain", msg);
  };
  for (const m of def.devices.memories) {
    switch (m.model) {
      case "nvdimm":
        if (!m.source.path) fail("path is required for model 'nvdimm'");
        if (m.discard === "yes") fail("discard is not supported for nvdimms");
        break;
      case "virtio-pmem":
        if (!m.source.path) fail("path is required for model 'virtio-pmem'");
        if (m.discard === "yes") fail("discard is not supported for model 'virtio-pmem'");
        if (m.access !== "shared") fail("shared access mode required for virtio-pmem device");
        if (m.target.node !== undefined) fail("virtio-pmem does not support NUMA nodes");
        break;
      case "virtio-mem": {
        const t = m.target;
        const block = t.block ?? 0;
        if ((t.requested ?? 0) > t.size) fail("requested size must be smaller than or equal to @size");
        if (!Number.isInteger(Math.log2(block))) fail("block size must be a power of two");
        if ((t.requested ?? 0) % block !== 0) fail("requested size must be an integer multiple of block size");
        break;
      }
    }
  }
}
