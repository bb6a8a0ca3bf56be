/**
 * `<graphics>`: the guest's display frontend — a local SDL or desktop
 * window, a VNC, SPICE or RDP server, headless EGL or a D-Bus display —
 * with ports, listens, passwords and type-specific settings.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import {
  formatListens,
  type GraphicsListenDef,
  listenAttr,
  parseListens,
} from "./graphics-listen.ts";
import {
  formatSpiceFeatures,
  parseSpiceFeatures,
  SPICE_CHANNEL_MODES,
  type SpiceFeatures,
} from "./graphics-spice.ts";
import { parseAudioRef } from "./sound.ts";

export { type GraphicsListenDef, LISTEN_TYPES } from "./graphics-listen.ts";

/** Graphics types. */
export const GRAPHICS_TYPES = [
  "sdl",
  "vnc",
  "rdp",
  "desktop",
  "spice",
  "egl-headless",
  "dbus",
] as const;

/** A remote display's password settings. */
export interface GraphicsAuthDef {
  /** Written only into secure XML. */
  passwd?: string;
  /** Password expiry, seconds since the epoch (UTC). */
  validTo?: number;
  /** What happens to connected clients when the password changes. */
  connected?: "fail" | "disconnect" | "keep";
}

/** `<gl>` of SDL, SPICE and D-Bus displays. */
export interface GraphicsGlDef {
  enable: "yes" | "no";
  rendernode?: string;
}

/** A VNC server. */
export interface VncGraphicsDef {
  type: "vnc";
  listens: GraphicsListenDef[];
  /** Port; 0 when unset or to be allocated. */
  port: number;
  autoport: boolean;
  /** WebSocket port (-1 asks for one to be allocated). */
  websocket?: number;
  sharePolicy?: "allow-exclusive" | "force-shared" | "ignore";
  powerControl?: "yes" | "no";
  keymap?: string;
  auth: GraphicsAuthDef;
  audioId?: number;
}

/** A SPICE server. */
export interface SpiceGraphicsDef {
  type: "spice";
  listens: GraphicsListenDef[];
  port: number;
  tlsPort: number;
  autoport: boolean;
  defaultMode?: "secure" | "insecure";
  keymap?: string;
  auth: GraphicsAuthDef;
  features: SpiceFeatures;
}

/** An RDP server. */
export interface RdpGraphicsDef {
  type: "rdp";
  listens: GraphicsListenDef[];
  port: number;
  autoport: boolean;
  replaceUser: boolean;
  multiUser: boolean;
}

/** A local SDL window. */
export interface SdlGraphicsDef {
  type: "sdl";
  display?: string;
  xauth?: string;
  fullscreen: boolean;
  gl?: "yes" | "no";
}

/** A window on the host desktop (VirtualBox). */
export interface DesktopGraphicsDef {
  type: "desktop";
  display?: string;
  fullscreen: boolean;
}

/** Headless OpenGL rendering. */
export interface EglHeadlessGraphicsDef {
  type: "egl-headless";
  rendernode?: string;
}

/** A D-Bus display. */
export interface DbusGraphicsDef {
  type: "dbus";
  address?: string;
  p2p: boolean;
  gl?: GraphicsGlDef;
  audioId?: number;
}

/** A graphics device, by type. */
export type GraphicsDef =
  | VncGraphicsDef
  | SpiceGraphicsDef
  | RdpGraphicsDef
  | SdlGraphicsDef
  | DesktopGraphicsDef
  | EglHeadlessGraphicsDef
  | DbusGraphicsDef;

function intAttr(r: XmlReader, name: string, what: string): number | undefined {
  const v = r.attr(name);
  if (v === undefined) return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(v)) throw r.error(`cannot parse ${what} '${v}'`);
  return Number(v);
}

const VALID_TO = /^([-+]?\d+)-([-+]?\d+)-([-+]?\d+)T([-+]?\d+):([-+]?\d+):([-+]?\d+)$/;

function parseAuth(r: XmlReader, type: "vnc" | "spice"): GraphicsAuthDef {
  const passwd = r.attr("passwd");
  if (passwd === undefined) return {};
  const auth: GraphicsAuthDef = { passwd };
  const validTo = r.attr("passwdValidTo");
  if (validTo !== undefined) {
    const m = VALID_TO.exec(validTo);
    if (!m) {
      throw r.error(`cannot parse password validity time '${validTo}', expect YYYY-MM-DDTHH:MM:SS`);
    }
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    auth.validTo = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  }
  const allowed = type === "vnc" ? ["keep"] as const : ["fail", "disconnect", "keep"] as const;
  auth.connected = r.enum("connected", allowed);
  return auth;
}

function formatValidTo(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${
    p(d.getUTCHours())
  }:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function authAttrs(a: GraphicsAuthDef, ctx: FormatContext): Attr[] {
  if (a.passwd === undefined) return [];
  return [
    ["passwd", ctx.secure ? a.passwd : undefined],
    ["passwdValidTo", a.validTo === undefined ? undefined : formatValidTo(a.validTo)],
    ["connected", a.connected],
  ];
}

function yesNoBool(r: XmlReader, name: string): boolean {
  return r.enum(name, ["yes", "no"]) === "yes";
}

function parseVnc(r: XmlReader, ctx: ParseContext): VncGraphicsDef {
  const listens = parseListens(r, ctx);
  let port = intAttr(r, "port", "vnc port");
  let autoport = false;
  if (port === undefined) {
    port = 0;
    autoport = true;
  } else if (port === -1) {
    if (ctx.inactive) port = 0;
    autoport = true;
  }
  const ap = r.enum("autoport", ["yes", "no"]);
  if (ap) {
    autoport = ap === "yes";
    if (autoport && ctx.inactive) port = 0;
  }
  return {
    type: "vnc",
    listens,
    port,
    autoport,
    websocket: intAttr(r, "websocket", "vnc WebSocket port"),
    sharePolicy: r.enum("sharePolicy", ["allow-exclusive", "force-shared", "ignore"]),
    powerControl: r.enum("powerControl", ["yes", "no"]),
    keymap: r.attr("keymap"),
    auth: parseAuth(r, "vnc"),
    audioId: parseAudioRef(r.child("audio")),
  };
}

function parseSpice(r: XmlReader, ctx: ParseContext): SpiceGraphicsDef {
  const listens = parseListens(r, ctx);
  let port = intAttr(r, "port", "spice port") ?? 0;
  let tlsPort = intAttr(r, "tlsPort", "spice tlsPort") ?? 0;
  let autoport = yesNoBool(r, "autoport");
  const mode = r.enum("defaultMode", SPICE_CHANNEL_MODES);
  if (port === -1 && tlsPort === -1) autoport = true;
  if (autoport && ctx.inactive) port = tlsPort = 0;
  // Without ports and with autoport='no', SPICE listens nowhere: libvirt
  // records that as a listen of type 'none'.
  if (listens[0].type === "address" && port === 0 && tlsPort === 0 && !autoport) {
    listens[0] = { type: "none" };
  }
  return {
    type: "spice",
    listens,
    port,
    tlsPort,
    autoport,
    defaultMode: mode === "any" ? undefined : mode,
    keymap: r.attr("keymap"),
    auth: parseAuth(r, "spice"),
    features: parseSpiceFeatures(r),
  };
}

function parseRdp(r: XmlReader, ctx: ParseContext): RdpGraphicsDef {
  const listens = parseListens(r, ctx);
  let port = intAttr(r, "port", "rdp port");
  let autoport = false;
  if (port === undefined) {
    port = 0;
    autoport = true;
  } else if (port === -1) {
    autoport = true;
  }
  if (r.enum("autoport", ["yes", "no"]) === "yes") autoport = true;
  if (autoport && ctx.inactive) port = 0;
  return {
    type: "rdp",
    listens,
    port,
    autoport,
    replaceUser: yesNoBool(r, "replaceUser"),
    multiUser: yesNoBool(r, "multiUser"),
  };
}

function parseGl(r: XmlReader | undefined): GraphicsGlDef | undefined {
  return r
    ? { enable: r.reqEnum("enable", ["yes", "no"]), rendernode: r.attr("rendernode") }
    : undefined;
}

/** Parses `<graphics>`. */
export function parseGraphics(r: XmlReader, ctx: ParseContext): GraphicsDef {
  const type = r.reqEnum("type", GRAPHICS_TYPES);
  switch (type) {
    case "vnc":
      return parseVnc(r, ctx);
    case "spice":
      return parseSpice(r, ctx);
    case "rdp":
      return parseRdp(r, ctx);
    case "sdl":
      return {
        type,
        display: r.attr("display"),
        xauth: r.attr("xauth"),
        fullscreen: yesNoBool(r, "fullscreen"),
        gl: r.child("gl")?.reqEnum("enable", ["yes", "no"]),
      };
    case "desktop":
      return { type, display: r.attr("display"), fullscreen: yesNoBool(r, "fullscreen") };
    case "egl-headless":
      return { type, rendernode: r.child("gl")?.attr("rendernode") };
    case "dbus":
      return {
        type,
        p2p: yesNoBool(r, "p2p"),
        address: r.attr("address"),
        gl: parseGl(r.child("gl")),
        audioId: parseAudioRef(r.child("audio")),
      };
  }
}

function vncAttrs(g: VncGraphicsDef, ctx: FormatContext): Attr[] {
  const first = g.listens[0];
  const attrs: Attr[] = [];
  if (first?.type === "socket") {
    attrs.push(["socket", first.socket]);
  } else if (first?.type === "address" || first?.type === "network") {
    const port = g.port && (!g.autoport || !ctx.inactive) ? g.port : g.autoport ? -1 : undefined;
    attrs.push(["port", port], ["autoport", g.autoport ? "yes" : "no"], [
      "websocket",
      g.websocket || undefined,
    ]);
    attrs.push(listenAttr(first, ctx));
  }
  attrs.push(["keymap", g.keymap], ["sharePolicy", g.sharePolicy], [
    "powerControl",
    g.powerControl,
  ]);
  return [...attrs, ...authAttrs(g.auth, ctx)];
}

function spiceAttrs(g: SpiceGraphicsDef, ctx: FormatContext): Attr[] {
  const first = g.listens[0];
  const attrs: Attr[] = [];
  if (first?.type === "address" || first?.type === "network") {
    attrs.push(["port", g.port || undefined], ["tlsPort", g.tlsPort || undefined], [
      "autoport",
      g.autoport ? "yes" : "no",
    ]);
    attrs.push(listenAttr(first, ctx));
  }
  attrs.push(["keymap", g.keymap], ["defaultMode", g.defaultMode]);
  return [...attrs, ...authAttrs(g.auth, ctx)];
}

function rdpAttrs(g: RdpGraphicsDef, ctx: FormatContext): Attr[] {
  return [
    ["port", g.port ? g.port : g.autoport ? 0 : undefined],
    ["autoport", g.autoport ? "yes" : undefined],
    ["replaceUser", g.replaceUser ? "yes" : undefined],
    ["multiUser", g.multiUser ? "yes" : undefined],
    listenAttr(g.listens[0], ctx),
  ];
}

function attrsOf(g: GraphicsDef, ctx: FormatContext): Attr[] {
  switch (g.type) {
    case "vnc":
      return vncAttrs(g, ctx);
    case "spice":
      return spiceAttrs(g, ctx);
    case "rdp":
      return rdpAttrs(g, ctx);
    case "sdl":
      return [["display", g.display], ["xauth", g.xauth], [
        "fullscreen",
        g.fullscreen ? "yes" : undefined,
      ]];
    case "desktop":
      return [["display", g.display], ["fullscreen", g.fullscreen ? "yes" : undefined]];
    case "dbus":
      return [["p2p", g.p2p ? "yes" : undefined], ["address", g.address]];
    default:
      return [];
  }
}

function formatChildren(w: XmlWriter, g: GraphicsDef, ctx: FormatContext): void {
  switch (g.type) {
    case "vnc":
      formatListens(w, g.listens, ctx);
      if (g.audioId) w.elem("audio", [["id", g.audioId]]);
      return;
    case "spice":
      formatListens(w, g.listens, ctx);
      formatSpiceFeatures(w, g.features);
      return;
    case "rdp":
      formatListens(w, g.listens, ctx);
      return;
    case "sdl":
      if (g.gl) w.elem("gl", [["enable", g.gl]]);
      return;
    case "egl-headless":
      if (g.rendernode !== undefined) w.elem("gl", [["rendernode", g.rendernode]]);
      return;
    case "dbus":
      if (g.gl) w.elem("gl", [["enable", g.gl.enable], ["rendernode", g.gl.rendernode]]);
      if (g.audioId) w.elem("audio", [["id", g.audioId]]);
      return;
  }
}

/** Writes `<graphics>`; the password only when `ctx.secure`. */
export function formatGraphics(w: XmlWriter, g: GraphicsDef, ctx: FormatContext): void {
  w.elem("graphics", [["type", g.type], ...attrsOf(g, ctx)], (w) => formatChildren(w, g, ctx));
}
