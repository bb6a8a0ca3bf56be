/**
 * `<filesystem>`: a host directory, image, block device, template, RAM
 * filesystem or storage volume shared with the guest (9p, virtiofs, or a
 * container mount), with its driver, virtiofsd `<binary>` settings and
 * space limits.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { UNIT_NAMES, unitScale } from "../../units.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseScaledBytes, parseVolumeSource, STORAGE_FORMATS, type StorageFormat, type VolumeSource } from "./storage-source.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Filesystem types (`type`; mount when absent). */
export const FS_TYPES = ["mount", "block", "file", "template", "ram", "bind", "volume"] as const;
/** Filesystem driver types (`<driver type>`). */
export const FS_DRIVER_TYPES = ["path", "handle", "loop", "nbd", "ploop", "virtiofs"] as const;
/** Guest access modes (`accessmode`). */
export const FS_ACCESS_MODES = ["passthrough", "mapped", "squash"] as const;

type OnOff = "on" | "off";

/** `<driver>` of a filesystem. */
export interface FsDriver {
  type?: (typeof FS_DRIVER_TYPES)[number];
  format?: StorageFormat;
  wrpolicy?: "immediate";
  /** virtiofs queue size (`queue`). */
  queue?: number;
  virtio?: VirtioOptions;
}

/** `<binary>`: how virtiofsd runs. */
export interface FsBinary {
  path?: string;
  xattr?: OnOff;
  cache?: "none" | "always";
  sandbox?: "namespace" | "chroot";
  lockPosix?: OnOff;
  lockFlock?: OnOff;
  threadPoolSize?: number;
}

/** `<source>` of a filesystem; which field is used depends on the type. */
export interface FsSource {
  /** `dir` (mount, bind), `dev` (block), `file` (file) or `name` (template). */
  path?: string;
  /** `socket` of an externally started virtiofsd (mount). */
  socket?: string;
  /** RAM filesystem size in bytes (`usage` scaled by `units`, KiB by default). */
  usage?: number;
  /** Storage volume (volume). */
  volume?: VolumeSource;
}

/** A `<filesystem>` device. */
export interface FilesystemDef {
  type: (typeof FS_TYPES)[number];
  accessmode: (typeof FS_ACCESS_MODES)[number];
  model?: "virtio" | "virtio-transitional" | "virtio-non-transitional";
  multidevs?: "remap" | "forbid" | "warn";
  /** Octal permission bits for new files and directories. */
  fmode?: number;
  dmode?: number;
  driver: FsDriver;
  binary?: FsBinary;
  source: FsSource;
  /** Guest mount tag or path (`<target dir>`). */
  target: string;
  readonly?: boolean;
  /** Space limits in bytes. */
  spaceHardLimit?: number;
  spaceSoftLimit?: number;
  /** address, alias, boot order */
  info: DeviceInfo;
}

function parseMode(r: XmlReader, name: string): number | undefined {
  const v = r.attr(name);
  if (v === undefined) return undefined;
  if (!/^[0-7]+$/.test(v.trim()) || parseInt(v, 8) > 0o777) throw r.error(`invalid ${name}: '${v}'`);
  return parseInt(v, 8) || undefined;
}

function parseDriver(d: XmlReader | undefined): FsDriver {
  if (!d) return {};
  const format = d.attr("format");
  if (format !== undefined && !(STORAGE_FORMATS as readonly string[]).includes(format)) {
    throw d.error(`unknown driver format value '${format}', expected one of: ${STORAGE_FORMATS.join(", ")}`);
  }
  const queue = d.uint("queue");
  return {
    type: d.enum("type", FS_DRIVER_TYPES),
    format: format as StorageFormat | undefined,
    wrpolicy: d.enum("wrpolicy", ["immediate"]),
    queue: queue || undefined,
    virtio: parseVirtioOptions(d),
  };
}

function parseBinary(b: XmlReader): FsBinary {
  const sw = ["on", "off"] as const;
  const lock = b.child("lock");
  const pool = b.child("thread_pool")?.int("size");
  return {
    path: b.attr("path")?.replace(/\/+/g, "/").replace(/(.)\/$/, "$1"),
    xattr: b.enum("xattr", sw),
    cache: b.child("cache")?.enum("mode", ["none", "always"]),
    sandbox: b.child("sandbox")?.enum("mode", ["namespace", "chroot"]),
    lockPosix: lock?.enum("posix", sw),
    lockFlock: lock?.enum("flock", sw),
    threadPoolSize: pool !== undefined && pool >= 0 ? pool : undefined,
  };
}

function parseSource(s: XmlReader | undefined, type: FilesystemDef["type"]): FsSource {
  if (!s) return {};
  switch (type) {
    case "mount":
    case "bind":
      return { path: s.attr("dir"), socket: s.attr("socket") };
    case "block":
      return { path: s.attr("dev") };
    case "file":
      return { path: s.attr("file") };
    case "template":
      return { path: s.attr("name") };
    case "ram": {
      const usage = s.attr("usage");
      if (usage === undefined) throw s.error("missing 'usage' attribute for RAM filesystem");
      if (!/^\s*\+?\d+\s*$/.test(usage)) throw s.error(`cannot parse usage '${usage}' for RAM filesystem`);
      const units = s.attr("units");
      const scale = unitScale(units, 1024);
      if (scale === undefined) throw s.error(`unknown unit '${units}', expected one of: ${UNIT_NAMES}`);
      return { usage: Number(usage) * scale };
    }
    case "volume":
      return { volume: parseVolumeSource(s) };
  }
}

/**
 * Parses `<filesystem>`.
 *
 * @example
 * ```ts
 * // <filesystem type='mount'><source dir='/srv'/><target dir='/mnt'/></filesystem>
 * parseFilesystem(r, ctx).source; // { path: "/srv", socket: undefined }
 * ```
 */
export function parseFilesystem(r: XmlReader, ctx: ParseContext): FilesystemDef {
  const type = r.enum("type", FS_TYPES) ?? "mount";
  const multidevs = r.enum("multidevs", ["default", "remap", "forbid", "warn"]);
  const source = parseSource(r.child("source"), type);
  const target = r.child("target")?.attr("dir");
  if (source.path === undefined && source.socket === undefined && type !== "ram" && type !== "volume") {
    throw r.error(`missing source information for filesystem${target ? ` '${target}'` : ""}`);
  }
  if (target === undefined) {
    throw r.error(`missing target information for filesystem${source.path ? ` with source '${source.path}'` : ""}`);
  }
  const hard = r.child("space_hard_limit");
  const soft = r.child("space_soft_limit");
  const binary = r.child("binary");
  return {
    type,
    accessmode: r.enum("accessmode", FS_ACCESS_MODES) ?? "passthrough",
    model: r.enum("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]),
    multidevs: multidevs === "default" ? undefined : multidevs,
    fmode: parseMode(r, "fmode"),
    dmode: parseMode(r, "dmode"),
    driver: parseDriver(r.child("driver")),
    binary: binary ? parseBinary(binary) : undefined,
    source,
    target,
    readonly: r.child("readonly") ? true : undefined,
    spaceHardLimit: hard ? parseScaledBytes(hard) || undefined : undefined,
    spaceSoftLimit: soft ? parseScaledBytes(soft) || undefined : undefined,
    info: parseDeviceInfo(r, ctx, { boot: true }),
  };
}

function formatSource(w: XmlWriter, f: FilesystemDef): void {
  const s = f.source;
  switch (f.type) {
    case "mount":
    case "bind":
      if (s.socket !== undefined) w.elem("source", [["socket", s.socket]]);
      else if (s.path !== undefined) w.elem("source", [["dir", s.path]]);
      return;
    case "block":
      if (s.path !== undefined) w.elem("source", [["dev", s.path]]);
      return;
    case "file":
      if (s.path !== undefined) w.elem("source", [["file", s.path]]);
      return;
    case "template":
      if (s.path !== undefined) w.elem("source", [["name", s.path]]);
      return;
    case "ram":
      w.elem("source", [["usage", Math.floor((s.usage ?? 0) / 1024)], ["units", "KiB"]]);
      return;
    case "volume":
      w.elem("source", [["pool", s.volume?.pool], ["volume", s.volume?.volume]]);
      return;
  }
}

const octal = (n: number | undefined) => (n ? n.toString(8).padStart(4, "0") : undefined);

/** Writes `<filesystem>`. */
export function formatFilesystem(w: XmlWriter, f: FilesystemDef, ctx: FormatContext): void {
  w.block("filesystem", [
    ["type", f.type], ["accessmode", f.accessmode], ["model", f.model], ["multidevs", f.multidevs],
    ["fmode", octal(f.fmode)], ["dmode", octal(f.dmode)],
  ], (w) => {
    const d = f.driver;
    const typed = d.type !== undefined;
    w.group("driver", [
      ["type", d.type], ["format", typed ? d.format : undefined], ["wrpolicy", typed ? d.wrpolicy : undefined],
      ["queue", typed ? d.queue : undefined], ...virtioOptionsAttrs(d.virtio),
    ], () => {});
    const b = f.binary;
    if (d.type === "virtiofs" && b) {
      w.group("binary", [["path", b.path], ["xattr", b.xattr]], (w) => {
        if (b.cache) w.elem("cache", [["mode", b.cache]]);
        if (b.sandbox) w.elem("sandbox", [["mode", b.sandbox]]);
        w.group("lock", [["posix", b.lockPosix], ["flock", b.lockFlock]], () => {});
        if (b.threadPoolSize !== undefined) w.elem("thread_pool", [["size", b.threadPoolSize]]);
      });
    }
    formatSource(w, f);
    w.elem("target", [["dir", f.target]]);
    if (f.readonly) w.elem("readonly");
    formatDeviceInfo(w, f.info, ctx, { boot: true });
    if (f.spaceHardLimit) w.text("space_hard_limit", f.spaceHardLimit, [["unit", "bytes"]]);
    if (f.spaceSoftLimit) w.text("space_soft_limit", f.spaceSoftLimit, [["unit", "bytes"]]);
  });
}
