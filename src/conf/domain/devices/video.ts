/**
 * `<video>`: a guest display adapter (model, video memory sizes, heads,
 * acceleration, resolution, driver backend), and libvirt's generic video
 * defaults: an implicit adapter for graphics, the primary adapter first,
 * default and power-of-two rounded video memory.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { DOMAIN_TYPE_FEATURES, type DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Video models; `default` means "let the hypervisor driver choose". */
export const VIDEO_TYPES = [
  "default",
  "vga",
  "cirrus",
  "vmvga",
  "xen",
  "vbox",
  "qxl",
  "parallels",
  "virtio",
  "gop",
  "none",
  "bochs",
  "ramfb",
] as const;

/** A video model. */
export type VideoType = (typeof VIDEO_TYPES)[number];

/** `<acceleration>` of a video model. */
export interface VideoAccelDef {
  accel3d?: "yes" | "no";
  accel2d?: "yes" | "no";
  rendernode?: string;
}

/** A guest display adapter; sizes in KiB, 0 or absent means unset. */
export interface VideoDef {
  type: VideoType;
  /** qxl RAM bar. */
  ram?: number;
  vram?: number;
  /** qxl 64-bit VRAM bar. */
  vram64?: number;
  /** qxl VGA memory. */
  vgamem?: number;
  heads?: number;
  /** The boot display (always the first adapter after post-parse). */
  primary: boolean;
  accel?: VideoAccelDef;
  resolution?: { x: number; y: number };
  /** `<driver name>`. */
  backend?: "qemu" | "vhostuser";
  /** `<driver vgaconf>` (Xen). */
  vgaconf?: "io" | "on" | "off";
  virtio?: VirtioOptions;
  info: DeviceInfo;
}

function parseAccel(r: XmlReader): VideoAccelDef {
  const a: VideoAccelDef = {
    accel3d: r.enum("accel3d", ["yes", "no"]),
    accel2d: r.enum("accel2d", ["yes", "no"]),
    rendernode: r.attr("rendernode"),
  };
  if (!a.accel3d && !a.accel2d && a.rendernode === undefined) {
    throw r.error("missing values for acceleration");
  }
  return a;
}

/** Parses `<video>`. */
export function parseVideo(r: XmlReader, ctx: ParseContext): VideoDef {
  const v: VideoDef = { type: "default", primary: false, info: {} };
  const m = r.child("model");
  if (m) {
    v.type = m.enum("type", VIDEO_TYPES) ?? "default";
    v.ram = m.uint("ram");
    v.vram = m.uint("vram");
    v.vram64 = m.uint("vram64");
    v.vgamem = m.uint("vgamem");
    v.heads = m.uint("heads");
    v.primary = m.enum("primary", ["yes", "no"]) === "yes";
    const accel = m.child("acceleration");
    if (accel) v.accel = parseAccel(accel);
    const res = m.child("resolution");
    if (res) v.resolution = { x: res.reqUint("x"), y: res.reqUint("y") };
  }
  const driver = r.child("driver");
  if (driver) {
    v.backend = driver.enum("name", ["qemu", "vhostuser"]);
    v.vgaconf = driver.enum("vgaconf", ["io", "on", "off"]);
    v.virtio = parseVirtioOptions(driver);
  }
  v.info = parseDeviceInfo(r, ctx);
  return v;
}

/** Writes `<video>`. */
export function formatVideo(w: XmlWriter, v: VideoDef, ctx: FormatContext): void {
  w.elem("video", null, (w) => {
    // libvirt stores vgaconf 'io' as its zero value, so it is never written.
    const vgaconf = v.vgaconf === "io" ? undefined : v.vgaconf;
    w.group(
      "driver",
      [...virtioOptionsAttrs(v.virtio), ["vgaconf", vgaconf], ["name", v.backend]],
      () => {},
    );
    const attrs: [string, string | number | undefined][] = [
      ["type", v.type],
      ["ram", v.ram || undefined],
      ["vram", v.vram || undefined],
      ["vram64", v.vram64 || undefined],
      ["vgamem", v.vgamem || undefined],
      ["heads", v.heads || undefined],
      ["primary", v.primary ? "yes" : undefined],
    ];
    const accel = v.accel;
    const res = v.resolution;
    w.elem(
      "model",
      attrs,
      accel || res
        ? (w) => {
          if (accel) {
            w.elem("acceleration", [["accel3d", accel.accel3d], ["accel2d", accel.accel2d], [
              "rendernode",
              accel.rendernode,
            ]]);
          }
          if (res) w.elem("resolution", res.x && res.y ? [["x", res.x], ["y", res.y]] : null);
        }
        : undefined,
    );
    formatDeviceInfo(w, v.info, ctx);
  });
}

/** The video memory (KiB) libvirt gives a model whose size is not set. */
export function defaultVideoRam(def: DomainDef, type: VideoType): number {
  switch (type) {
    case "vga":
    case "cirrus":
    case "vmvga":
      return def.type === "vbox" ? 8 * 1024 : def.type === "vmware" ? 4 * 1024 : 16 * 1024;
    case "bochs":
      return 16 * 1024;
    case "xen":
      return 4 * 1024;
    case "qxl":
      return 64 * 1024;
    default:
      return 0;
  }
}

/** The smallest power of two not below `n` (0 stays 0). */
function roundUpPowerOfTwo(n: number | undefined): number | undefined {
  if (!n) return n;
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function videoError(message: string): VirtError {
  return new VirtError("xml-error", "domain", message);
}

/**
 * libvirt's generic video handling: a `default` adapter is added when there
 * are graphics but no video; the primary adapter moves first (only one may
 * be primary) and the first adapter becomes primary; unset video memory gets
 * the model's default and every size is rounded up to a power of two; a
 * `none` adapter keeps nothing but its alias and must be alone.
 */
export function postParseVideos(def: DomainDef): void {
  const videos = def.devices.videos;
  if (videos.length === 0 && def.devices.graphics.length > 0) {
    videos.push({ type: "default", primary: false, info: {} });
  }
  const primaries = videos.filter((v) => v.primary);
  if (primaries.length > 1) throw videoError("Only one primary video device is supported");
  if (primaries.length === 1 && videos[0] !== primaries[0]) {
    videos.splice(videos.indexOf(primaries[0]), 1);
    videos.unshift(primaries[0]);
  }
  const defaultHeads = DOMAIN_TYPE_FEATURES[def.type]?.noVideoHeads ? undefined : 1;
  for (const v of videos) {
    if (v.type !== "none") v.heads ??= defaultHeads;
    if (!v.ram && v.type === "qxl") v.ram = defaultVideoRam(def, v.type);
    if (!v.vram) v.vram = defaultVideoRam(def, v.type);
    v.ram = roundUpPowerOfTwo(v.ram);
    v.vram = roundUpPowerOfTwo(v.vram);
  }
  if (videos.length === 0) return;
  if (videos[0].type === "none") {
    videos[0] = {
      type: "none",
      primary: false,
      info: videos[0].info.alias ? { alias: videos[0].info.alias } : {},
    };
  } else {
    videos[0].primary = true;
  }
  validateVideos(videos);
}

function validateVideos(videos: VideoDef[]): void {
  for (const v of videos) {
    if (v.type === "none" && videos.length > 1) {
      throw videoError("a 'none' video type must be the only video device defined for the domain");
    }
    if (v.resolution && (v.resolution.x === 0 || v.resolution.y === 0)) {
      throw videoError("video resolution values must be greater than 0");
    }
    if (v.type !== "qxl") {
      if (v.ram) throw videoError("ram attribute only supported for video type qxl");
      if (v.vram64) throw videoError("vram64 attribute only supported for video type qxl");
      if (v.vgamem) throw videoError("vgamem attribute only supported for video type qxl");
    }
    if (v.backend === "vhostuser" && v.type !== "virtio") {
      throw videoError("'vhostuser' driver is only supported with 'virtio' device");
    }
    if (v.accel?.rendernode !== undefined && v.backend !== "vhostuser") {
      throw videoError("unsupported rendernode accel attribute without 'vhostuser'");
    }
  }
}
