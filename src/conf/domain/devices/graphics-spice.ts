/**
 * The SPICE-only parts of `<graphics type='spice'>`: channel security
 * modes, compression, streaming, mouse, clipboard, file transfer and GL.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";

/** SPICE channels, in libvirt's output order. */
export const SPICE_CHANNELS = [
  "main",
  "display",
  "inputs",
  "cursor",
  "playback",
  "record",
  "smartcard",
  "usbredir",
] as const;
/** Channel security modes. */
export const SPICE_CHANNEL_MODES = ["any", "secure", "insecure"] as const;

/** A channel security mode. */
export type SpiceChannelMode = (typeof SPICE_CHANNEL_MODES)[number];

/** SPICE feature settings; absent fields are left to the hypervisor. */
export interface SpiceFeatures {
  /** Per-channel modes (channels left at `any` are not listed). */
  channels: Partial<Record<(typeof SPICE_CHANNELS)[number], SpiceChannelMode>>;
  image?: "auto_glz" | "auto_lz" | "quic" | "glz" | "lz" | "off";
  jpeg?: "auto" | "never" | "always";
  zlib?: "auto" | "never" | "always";
  playback?: "on" | "off";
  streaming?: "filter" | "all" | "off";
  mouse?: "server" | "client";
  copypaste?: "yes" | "no";
  filetransfer?: "yes" | "no";
  gl?: { enable: "yes" | "no"; rendernode?: string };
}

function one<const T extends string>(
  r: XmlReader,
  child: string,
  attr: string,
  values: readonly T[],
): T | undefined {
  const c = r.child(child);
  return c ? c.reqEnum(attr, values) : undefined;
}

/** Reads the SPICE child elements of `<graphics>`. */
export function parseSpiceFeatures(r: XmlReader): SpiceFeatures {
  const f: SpiceFeatures = { channels: {} };
  for (const c of r.children("channel")) {
    const name = c.reqEnum("name", SPICE_CHANNELS);
    const mode = c.reqEnum("mode", SPICE_CHANNEL_MODES);
    if (mode === "any") delete f.channels[name];
    else f.channels[name] = mode;
  }
  f.image = one(r, "image", "compression", ["auto_glz", "auto_lz", "quic", "glz", "lz", "off"]);
  f.jpeg = one(r, "jpeg", "compression", ["auto", "never", "always"]);
  f.zlib = one(r, "zlib", "compression", ["auto", "never", "always"]);
  f.playback = one(r, "playback", "compression", ["on", "off"]);
  f.streaming = one(r, "streaming", "mode", ["filter", "all", "off"]);
  f.copypaste = one(r, "clipboard", "copypaste", ["yes", "no"]);
  f.filetransfer = one(r, "filetransfer", "enable", ["yes", "no"]);
  const gl = r.child("gl");
  if (gl) f.gl = { enable: gl.reqEnum("enable", ["yes", "no"]), rendernode: gl.attr("rendernode") };
  f.mouse = one(r, "mouse", "mode", ["server", "client"]);
  return f;
}

/** Writes the SPICE child elements in libvirt's order. */
export function formatSpiceFeatures(w: XmlWriter, f: SpiceFeatures): void {
  for (const name of SPICE_CHANNELS) {
    const mode = f.channels[name];
    if (mode) w.elem("channel", [["name", name], ["mode", mode]]);
  }
  if (f.image) w.elem("image", [["compression", f.image]]);
  if (f.jpeg) w.elem("jpeg", [["compression", f.jpeg]]);
  if (f.zlib) w.elem("zlib", [["compression", f.zlib]]);
  if (f.playback) w.elem("playback", [["compression", f.playback]]);
  if (f.streaming) w.elem("streaming", [["mode", f.streaming]]);
  if (f.mouse) w.elem("mouse", [["mode", f.mouse]]);
  if (f.copypaste) w.elem("clipboard", [["copypaste", f.copypaste]]);
  if (f.filetransfer) w.elem("filetransfer", [["enable", f.filetransfer]]);
  if (f.gl) w.elem("gl", [["enable", f.gl.enable], ["rendernode", f.gl.rendernode]]);
}
