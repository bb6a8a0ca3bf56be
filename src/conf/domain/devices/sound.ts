/**
 * `<sound>`: an emulated sound card, its HDA codecs and the `<audio>`
 * backend it plays through.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** Sound card models. */
export const SOUND_MODELS = [
  "sb16",
  "es1370",
  "pcspk",
  "ac97",
  "ich6",
  "ich9",
  "usb",
  "ich7",
] as const;
/** HDA codec kinds. */
export const SOUND_CODECS = ["duplex", "micro", "output"] as const;

/** Models that take `<codec>` children (Intel HDA controllers). */
const HDA_MODELS: readonly string[] = ["ich6", "ich7", "ich9"];

/** A sound card. */
export interface SoundDef {
  model: (typeof SOUND_MODELS)[number];
  /** HDA codecs, in order (HDA models only). */
  codecs: (typeof SOUND_CODECS)[number][];
  /** Id of the `<audio>` backend (`<audio id>`). */
  audioId?: number;
  info: DeviceInfo;
}

/** Reads the `id` of an `<audio id='N'/>` reference (a positive integer). */
export function parseAudioRef(r: XmlReader | undefined): number | undefined {
  if (!r) return undefined;
  const id = r.reqUint("id");
  if (id === 0) throw r.error("invalid value '0' for attribute 'id', expected a positive integer");
  return id;
}

/** Parses `<sound>`. */
export function parseSound(r: XmlReader, ctx: ParseContext): SoundDef {
  const model = r.reqEnum("model", SOUND_MODELS);
  const codecs = r.children("codec");
  // Other models accept codecs in the schema, but libvirt ignores them.
  if (!HDA_MODELS.includes(model)) codecs.forEach((c) => c.keepVerbatim());
  return {
    model,
    codecs: HDA_MODELS.includes(model) ? codecs.map((c) => c.reqEnum("type", SOUND_CODECS)) : [],
    audioId: parseAudioRef(r.child("audio")),
    info: parseDeviceInfo(r, ctx),
  };
}

/** Writes `<sound>`. */
export function formatSound(w: XmlWriter, def: SoundDef, ctx: FormatContext): void {
  w.elem("sound", [["model", def.model]], (w) => {
    for (const c of def.codecs) w.elem("codec", [["type", c]]);
    if (def.audioId) w.elem("audio", [["id", def.audioId]]);
    formatDeviceInfo(w, def.info, ctx);
  });
}
