/**
 * `<audio>`: a host audio backend (ALSA, PulseAudio, OSS, JACK, SDL, SPICE,
 * a WAV file...) with its input and output stream settings, which sound
 * cards and graphics refer to by id.
 * @module
 */
import { VirtError } from "../../../errors.ts";
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";

/** Audio backend types. */
export const AUDIO_TYPES = [
  "none",
  "alsa",
  "coreaudio",
  "jack",
  "oss",
  "pulseaudio",
  "sdl",
  "spice",
  "file",
  "dbus",
] as const;
/** Sample formats of `<settings format>`. */
export const AUDIO_FORMATS = ["s8", "u8", "s16", "u16", "s32", "u32", "f32"] as const;
/** SDL audio drivers. */
export const SDL_AUDIO_DRIVERS = ["esd", "alsa", "arts", "pulseaudio"] as const;

/** An audio backend type. */
export type AudioType = (typeof AUDIO_TYPES)[number];

type YesNo = "yes" | "no";

/** One direction (`<input>` or `<output>`) of an audio backend. */
export interface AudioIoDef {
  mixingEngine?: YesNo;
  fixedSettings?: YesNo;
  voices?: number;
  bufferLength?: number;
  /** `<settings>` (only with `fixedSettings='yes'`). */
  frequency?: number;
  channels?: number;
  format?: (typeof AUDIO_FORMATS)[number];
  /** ALSA or OSS device. */
  dev?: string;
  /** CoreAudio, OSS or SDL buffer count. */
  bufferCount?: number;
  /** JACK settings. */
  serverName?: string;
  clientName?: string;
  connectPorts?: string;
  exactName?: YesNo;
  /** OSS polling. */
  tryPoll?: YesNo;
  /** PulseAudio source/sink settings. */
  name?: string;
  streamName?: string;
  latency?: number;
}

/** An `<audio>` backend. */
export interface AudioDef {
  /** Positive id, unique in the domain. */
  id: number;
  type: AudioType;
  timerPeriod?: number;
  /** OSS backend settings. */
  tryMMap?: YesNo;
  exclusive?: YesNo;
  dspPolicy?: number;
  /** PulseAudio server. */
  serverName?: string;
  /** SDL driver. */
  driver?: (typeof SDL_AUDIO_DRIVERS)[number];
  /** Output file of the `file` backend. */
  path?: string;
  input?: AudioIoDef;
  output?: AudioIoDef;
}

function positive(r: XmlReader, name: string): number | undefined {
  const v = r.uint(name);
  if (v === 0) {
    throw r.error(`invalid value '0' for attribute '${name}', expected a positive integer`);
  }
  return v;
}

function parseIo(r: XmlReader, type: AudioType): AudioIoDef {
  const io: AudioIoDef = {
    mixingEngine: r.enum("mixingEngine", ["yes", "no"]),
    fixedSettings: r.enum("fixedSettings", ["yes", "no"]),
    voices: positive(r, "voices"),
    bufferLength: positive(r, "bufferLength"),
  };
  if (io.fixedSettings === "yes" && io.mixingEngine !== "yes") {
    throw r.error("fixed audio settings requires mixing engine");
  }
  const settings = r.child("settings");
  if (settings) {
    if (io.fixedSettings !== "yes") {
      throw settings.error("audio settings specified without fixed settings flag");
    }
    io.frequency = positive(settings, "frequency");
    io.channels = positive(settings, "channels");
    io.format = settings.enum("format", AUDIO_FORMATS);
  }
  switch (type) {
    case "alsa":
      io.dev = r.attr("dev");
      break;
    case "coreaudio":
    case "sdl":
      io.bufferCount = r.uint("bufferCount");
      break;
    case "jack":
      io.serverName = r.attr("serverName");
      io.clientName = r.attr("clientName");
      io.connectPorts = r.attr("connectPorts");
      io.exactName = r.enum("exactName", ["yes", "no"]);
      break;
    case "oss":
      io.dev = r.attr("dev");
      io.tryPoll = r.enum("tryPoll", ["yes", "no"]);
      io.bufferCount = r.uint("bufferCount");
      break;
    case "pulseaudio":
      io.name = r.attr("name");
      io.streamName = r.attr("streamName");
      io.latency = r.uint("latency");
      break;
  }
  return io;
}

/** Parses `<audio>`. */
export function parseAudio(r: XmlReader, _ctx: ParseContext): AudioDef {
  const type = r.reqEnum("type", AUDIO_TYPES);
  const id = positive(r, "id");
  if (id === undefined) throw r.error("missing attribute 'id'");
  const def: AudioDef = { id, type, timerPeriod: positive(r, "timerPeriod") };
  const input = r.child("input");
  const output = r.child("output");
  if (input) def.input = parseIo(input, type);
  if (output) def.output = parseIo(output, type);
  switch (type) {
    case "oss": {
      def.tryMMap = r.enum("tryMMap", ["yes", "no"]);
      def.exclusive = r.enum("exclusive", ["yes", "no"]);
      def.dspPolicy = r.int("dspPolicy");
      if (def.dspPolicy !== undefined && def.dspPolicy < 0) {
        throw r.error(`cannot parse 'dspPolicy' value '${def.dspPolicy}'`);
      }
      break;
    }
    case "pulseaudio":
      def.serverName = r.attr("serverName");
      break;
    case "sdl":
      def.driver = r.enum("driver", SDL_AUDIO_DRIVERS);
      break;
    case "file":
      def.path = r.attr("path");
      break;
  }
  return def;
}

function backendIoAttrs(type: AudioType, io: AudioIoDef): Attr[] {
  switch (type) {
    case "alsa":
      return [["dev", io.dev]];
    case "coreaudio":
    case "sdl":
      return [["bufferCount", io.bufferCount || undefined]];
    case "jack":
      return [["serverName", io.serverName], ["clientName", io.clientName], [
        "connectPorts",
        io.connectPorts,
      ], ["exactName", io.exactName]];
    case "oss":
      return [["dev", io.dev], ["bufferCount", io.bufferCount || undefined], [
        "tryPoll",
        io.tryPoll,
      ]];
    case "pulseaudio":
      return [["name", io.name], ["streamName", io.streamName], [
        "latency",
        io.latency || undefined,
      ]];
    default:
      return [];
  }
}

function formatIo(w: XmlWriter, name: string, type: AudioType, io: AudioIoDef | undefined): void {
  if (!io) return;
  const attrs: Attr[] = [
    ["mixingEngine", io.mixingEngine],
    ["fixedSettings", io.fixedSettings],
    ["voices", io.voices || undefined],
    ["bufferLength", io.bufferLength || undefined],
    ...backendIoAttrs(type, io),
  ];
  if (!attrs.some(([, v]) => v !== undefined)) return;
  w.elem(
    name,
    attrs,
    io.fixedSettings === "yes"
      ? (w) =>
        w.elem("settings", [["frequency", io.frequency || undefined], [
          "channels",
          io.channels || undefined,
        ], ["format", io.format]])
      : undefined,
  );
}

/** Writes `<audio>`. */
export function formatAudio(w: XmlWriter, def: AudioDef, _ctx: FormatContext): void {
  const attrs: Attr[] = [
    ["id", def.id],
    ["type", def.type],
    ["timerPeriod", def.timerPeriod || undefined],
    ["tryMMap", def.tryMMap],
    ["exclusive", def.exclusive],
    ["dspPolicy", def.dspPolicy],
    ["serverName", def.serverName],
    ["driver", def.driver],
    ["path", def.path],
  ];
  w.elem("audio", attrs, (w) => {
    formatIo(w, "input", def.type, def.input);
    formatIo(w, "output", def.type, def.output);
  });
}

function audioError(message: string): VirtError {
  return new VirtError("xml-error", "domain", message);
}

/**
 * Checks that audio ids are unique and that every sound card and graphics
 * device refers to an existing `<audio>` backend.
 */
export function checkAudioRefs(def: DomainDef): void {
  const ids = new Set<number>();
  for (const a of def.devices.audios) {
    if (ids.has(a.id)) throw audioError(`audio ID ${a.id} is used multiple times`);
    ids.add(a.id);
  }
  const refs = [
    ...def.devices.sounds.map((s) => s.audioId),
    ...def.devices.graphics.map((g) => ("audioId" in g ? g.audioId : undefined)),
  ];
  for (const id of refs) {
    if (id && !ids.has(id)) throw audioError(`no audio device with ID ${id}`);
  }
}
