/**
 * `<input>`: mice, tablets, keyboards, virtio passthrough of a host event
 * device and evdev grabbing, with libvirt's default bus per guest.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseVirtioOptions, type VirtioOptions, virtioOptionsAttrs } from "./virtio-options.ts";

/** Input device kinds. */
export const INPUT_TYPES = ["mouse", "tablet", "keyboard", "passthrough", "evdev"] as const;
/** Input buses; `none` is written as no `bus` attribute. */
export const INPUT_BUSES = ["ps2", "usb", "xen", "parallels", "virtio", "none"] as const;
/** virtio input models. */
export const INPUT_MODELS = ["virtio", "virtio-transitional", "virtio-non-transitional"] as const;
/** Hot keys that toggle an evdev grab. */
export const GRAB_TOGGLES = [
  "ctrl-ctrl",
  "alt-alt",
  "shift-shift",
  "meta-meta",
  "scrolllock",
  "ctrl-scrolllock",
] as const;

/** The host event device of a passthrough or evdev input. */
export interface InputSourceDef {
  /** Path of the host `/dev/input/...` node. */
  evdev: string;
  grab?: "all";
  grabToggle?: (typeof GRAB_TOGGLES)[number];
  repeat?: "on" | "off";
}

/** An input device. */
export interface InputDef {
  type: (typeof INPUT_TYPES)[number];
  /** Bus; chosen from the guest type in post-parse when not given. */
  bus?: (typeof INPUT_BUSES)[number];
  model?: (typeof INPUT_MODELS)[number];
  source?: InputSourceDef;
  virtio?: VirtioOptions;
  info: DeviceInfo;
}

/** Parses `<input>`. */
export function parseInput(r: XmlReader, ctx: ParseContext): InputDef {
  const def: InputDef = {
    type: r.reqEnum("type", INPUT_TYPES),
    bus: r.enum("bus", INPUT_BUSES),
    model: r.enum("model", INPUT_MODELS),
    info: {},
  };
  def.info = parseDeviceInfo(r, ctx);
  if (def.type === "passthrough" || def.type === "evdev") {
    const attr = def.type === "passthrough" ? "evdev" : "dev";
    const src = r.child("source");
    const evdev = src?.attr(attr);
    if (!src || !evdev) {
      throw (src ?? r).error(`missing evdev path for input device (<source ${attr}='...'>)`);
    }
    def.source = { evdev };
    if (def.type === "evdev") {
      def.source.grab = src.enum("grab", ["all"]);
      def.source.grabToggle = src.enum("grabToggle", GRAB_TOGGLES);
      def.source.repeat = src.enum("repeat", ["on", "off"]);
    }
  }
  def.virtio = parseVirtioOptions(r.child("driver"));
  return def;
}

/** Writes `<input>`. */
export function formatInput(w: XmlWriter, def: InputDef, ctx: FormatContext): void {
  const bus = def.bus === "none" ? undefined : def.bus;
  w.elem("input", [["type", def.type], ["bus", bus], ["model", def.model]], (w) => {
    w.group("driver", virtioOptionsAttrs(def.virtio), () => {});
    const s = def.source;
    if (s) {
      const path = def.type === "evdev" ? "dev" : "evdev";
      w.elem("source", [[path, s.evdev], ["grab", s.grab], ["grabToggle", s.grabToggle], [
        "repeat",
        s.repeat,
      ]]);
    }
    formatDeviceInfo(w, def.info, ctx);
  });
}

function isX86OrUnset(arch: string | undefined): boolean {
  return arch === undefined || arch === "i686" || arch === "x86_64";
}

/** The bus libvirt picks for an input device that names none. */
export function defaultInputBus(def: DomainDef, input: InputDef): InputDef["bus"] {
  const os = def.os;
  if (os.type === "hvm") {
    if ((input.type === "mouse" || input.type === "keyboard") && isX86OrUnset(os.arch)) {
      return "ps2";
    }
    if (os.arch?.startsWith("s390") || input.type === "passthrough") return "virtio";
    if (input.type === "evdev") return "none";
    return "usb";
  }
  if (os.type === "xen" || os.type === "xenpvh" || os.type === "linux") return "xen";
  if (def.type === "vz" || def.type === "parallels") return "parallels";
  return "ps2";
}

function inputError(message: string): VirtError {
  return new VirtError("xml-error", "domain", message);
}

/** Fills in each input's default bus and applies libvirt's input checks. */
export function postParseInputs(def: DomainDef): void {
  for (const input of def.devices.inputs) {
    input.bus ??= defaultInputBus(def, input);
    const addr = input.info.address?.type;
    if (input.bus === "usb" && addr !== undefined && addr !== "usb") {
      throw inputError("Invalid address for a USB device");
    }
    if (input.type === "passthrough" && input.bus !== "virtio") {
      throw inputError("only bus 'virtio' is supported for 'passthrough' input devices");
    }
    if (input.type === "evdev") {
      if (input.bus !== "none") throw inputError("input evdev doesn't support bus element");
      if (input.model) throw inputError("input evdev doesn't support model element");
    }
  }
}
