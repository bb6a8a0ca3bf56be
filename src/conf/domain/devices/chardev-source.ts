/**
 * The host side of a character device: what a serial port, console, channel,
 * passthrough smartcard, USB redirector or EGD random number source is
 * connected to on the host (`type` plus the `<source>`, `<protocol>` and
 * `<log>` children), with libvirt's rules for each type.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceSeclabel, formatDeviceSeclabels, parseDeviceSeclabels } from "./device-seclabel.ts";

/** Host interface types of a character device (the `type` attribute). */
export const CHR_TYPES = [
  "null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
  "spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus",
] as const;

/** A host interface type. */
export type ChrType = (typeof CHR_TYPES)[number];

/** Wire protocols of a TCP character device (`<protocol type>`). */
export const TCP_PROTOCOLS = ["raw", "telnet", "telnets", "tls"] as const;

/** Whether a socket listens (`bind`) or connects out (`connect`). */
export type ChrSourceMode = "bind" | "connect";

/** `<log file append>`: a copy of the device output. */
export interface ChrLog {
  file: string;
  append?: "on" | "off";
}

/** `<reconnect enabled timeout>` of a client socket. */
export interface ChrReconnect {
  enabled: boolean;
  /** Seconds between attempts; given when enabled. */
  timeout?: number;
}

/** What every source type may carry. */
interface ChrSourceBase {
  /** `<log>` */
  log?: ChrLog;
  /**
   * `<seclabel>` overrides inside `<source>` (serial, parallel, console and
   * channel only); written back for pty, dev, file, pipe and unix sources.
   */
  seclabels?: DeviceSeclabel[];
}

/** A character device source, by host interface type. */
export type ChrSource = ChrSourceBase & (
  | { type: "null" | "vc" | "stdio" | "spicevmc" }
  /** `path` of a pty is the allocated terminal, known only while running. */
  | { type: "pty" | "dev" | "pipe"; path?: string }
  | { type: "file"; path?: string; append?: "on" | "off" }
  | { type: "udp"; bindHost?: string; bindService?: string; connectHost?: string; connectService?: string }
  | {
    type: "tcp";
    mode: ChrSourceMode;
    host?: string;
    service?: string;
    /** `tls` yes/no; absent uses the hypervisor default */
    tls?: boolean;
    protocol: (typeof TCP_PROTOCOLS)[number];
    reconnect?: ChrReconnect;
  }
  | { type: "unix"; mode: ChrSourceMode; path?: string; reconnect?: ChrReconnect }
  | { type: "spiceport" | "dbus"; channel?: string }
  | { type: "nmdm"; master?: string; slave?: string }
  | { type: "qemu-vdagent"; clipboard?: boolean; mouse?: "server" | "client" }
);

/** How {@link parseChrSource} treats the parts that depend on the device. */
export interface ChrSourceOptions {
  /** Read `<seclabel>` overrides (only the four character device elements have them). */
  seclabels?: boolean;
  /** A unix socket may leave out its path, to have one generated (virtio and xen channels). */
  autoPath?: boolean;
  /** Channel of a `dbus` source that names none. */
  dbusChannel?: string;
}

/** Characters allowed in a spiceport or dbus channel name. */
const CHANNEL_NAME = /^[A-Za-z0-9_.-]*$/;

/**
 * Reads the source of a character device of type `type` from the children of
 * `parent` (the device element, or `<backend>` for an RNG), and applies
 * libvirt's checks for that type.
 *
 * @throws VirtError naming the missing or bad field
 * @example
 * ```ts
 * // <serial type='tcp'><source host='h' service='7000'/></serial>
 * parseChrSource(serial, "tcp", ctx);
 * // { type: "tcp", mode: "connect", host: "h", service: "7000", protocol: "raw" }
 * ```
 */
export function parseChrSource(parent: XmlReader, type: ChrType, ctx: ParseContext, opts: ChrSourceOptions = {}): ChrSource {
  const sources = parent.children("source");
  if (sources.length > 1 && type !== "udp") throw sources[1].error("only one <source> is allowed for a character device");
  if (sources.length > 2) throw sources[2].error("at most two <source> elements (bind and connect) are allowed for a udp character device");
  const src = parseTyped(type, sources, ctx);
  if (opts.seclabels && sources.length) {
    const labels = parseDeviceSeclabels(sources[0], ctx);
    if (labels.length) src.seclabels = labels;
  }
  const log = single(parent, "log");
  if (log) src.log = { file: log.req("file"), append: log.enum("append", ["on", "off"]) };
  if (src.type === "dbus") src.channel ??= opts.dbusChannel;
  const protocol = single(parent, "protocol");
  if (protocol && src.type === "tcp") src.protocol = protocol.enum("type", TCP_PROTOCOLS) ?? "raw";
  else protocol?.attr("type"); // only tcp has a protocol
  checkSource(src, sources[0] ?? parent, opts);
  return src;
}

function single(parent: XmlReader, name: string): XmlReader | undefined {
  const list = parent.children(name);
  if (list.length > 1) throw list[1].error(`only one <${name}> is allowed for a character device`);
  return list[0];
}

function mode(s: XmlReader | undefined): ChrSourceMode {
  return s?.enum("mode", ["bind", "connect"]) ?? "connect";
}

function reconnect(s: XmlReader | undefined): ChrReconnect | undefined {
  const r = s?.child("reconnect");
  if (!r) return undefined;
  const enabled = r.yesNo("enabled");
  if (enabled === undefined) throw r.error("missing attribute 'enabled'");
  if (enabled) return { enabled, timeout: r.reqUint("timeout") };
  r.attr("timeout"); // ignored when disabled
  return { enabled };
}

function parseTyped(type: ChrType, sources: XmlReader[], ctx: ParseContext): ChrSource {
  const s = sources[0];
  switch (type) {
    case "null":
    case "vc":
    case "stdio":
    case "spicevmc":
      return { type };
    case "pty":
      // The terminal path is runtime state.
      return { type, path: ctx.inactive ? undefined : s?.attr("path") };
    case "dev":
    case "pipe":
      return { type, path: s?.attr("path") };
    case "file":
      return { type, path: s?.attr("path"), append: s?.enum("append", ["on", "off"]) };
    case "udp": {
      const udp: ChrSource & { type: "udp" } = { type };
      for (const one of sources) {
        const host = one.attr("host");
        const service = one.attr("service");
        // The first source of each mode wins.
        if (mode(one) === "connect") {
          if (udp.connectHost === undefined && udp.connectService === undefined) {
            udp.connectHost = host;
            udp.connectService = service;
          }
        } else if (udp.bindHost === undefined && udp.bindService === undefined) {
          udp.bindHost = host;
          udp.bindService = service;
        }
      }
      return udp;
    }
    case "tcp":
      return {
        type, mode: mode(s), host: s?.attr("host"), service: s?.attr("service"), tls: s?.yesNo("tls"),
        protocol: "raw", reconnect: reconnect(s),
      };
    case "unix":
      return { type, mode: mode(s), path: s?.attr("path"), reconnect: reconnect(s) };
    case "spiceport":
    case "dbus":
      return { type, channel: s?.attr("channel") };
    case "nmdm":
      return { type, master: s?.attr("master"), slave: s?.attr("slave") };
    case "qemu-vdagent": {
      const clipboard = s?.child("clipboard");
      const mouse = s?.child("mouse");
      const copypaste = clipboard?.yesNo("copypaste");
      if (clipboard && copypaste === undefined) throw clipboard.error("missing attribute 'copypaste'");
      return { type, clipboard: copypaste, mouse: mouse?.reqEnum("mode", ["server", "client"]) };
    }
  }
}

function checkSource(src: ChrSource, at: XmlReader, opts: ChrSourceOptions): void {
  const need = (value: string | undefined, attr: string) => {
    if (value === undefined) throw at.error(`missing source attribute '${attr}' for a ${src.type} character device`);
  };
  switch (src.type) {
    case "dev":
    case "file":
    case "pipe":
      need(src.path, "path");
      break;
    case "nmdm":
      need(src.master, "master");
      need(src.slave, "slave");
      break;
    case "tcp":
      need(src.host, "host");
      need(src.service, "service");
      if (src.mode === "bind" && src.reconnect) throw at.error("<reconnect> is only valid with mode 'connect'");
      break;
    case "udp":
      need(src.connectService, "service");
      break;
    case "unix":
      if (!opts.autoPath) need(src.path, "path");
      if (src.mode === "bind" && src.reconnect) throw at.error("<reconnect> is only valid with mode 'connect'");
      break;
    case "spiceport":
    case "dbus":
      need(src.channel, "channel");
      if (!CHANNEL_NAME.test(src.channel!)) {
        throw at.error(`invalid source channel '${src.channel}': only letters, digits, '_', '-' and '.' are allowed`);
      }
      break;
  }
}

function formatReconnect(w: XmlWriter, r: ChrReconnect | undefined): void {
  if (r) w.elem("reconnect", [["enabled", r.enabled ? "yes" : "no"], ["timeout", r.enabled ? r.timeout ?? 0 : undefined]]);
}

/**
 * Writes the `<source>` element(s), `<protocol>` and `<log>` of a character
 * device in libvirt's canonical form (the caller writes the `type` attribute).
 */
export function formatChrSource(w: XmlWriter, src: ChrSource, ctx: FormatContext): void {
  switch (src.type) {
    case "qemu-vdagent":
      w.group("source", null, (w) => {
        if (src.clipboard !== undefined) w.elem("clipboard", [["copypaste", src.clipboard ? "yes" : "no"]]);
        if (src.mouse) w.elem("mouse", [["mode", src.mouse]]);
      });
      break;
    case "pty":
    case "dev":
    case "file":
    case "pipe":
      if (src.type !== "pty" || (src.path !== undefined && !ctx.inactive)) {
        const append = src.type === "file" ? src.append : undefined;
        w.group("source", [["path", src.path], ["append", append]], (w) => formatDeviceSeclabels(w, src.seclabels, ctx));
      }
      break;
    case "nmdm":
      w.elem("source", [["master", src.master], ["slave", src.slave]]);
      break;
    case "udp":
      if (src.bindHost !== undefined || src.bindService !== undefined) {
        w.elem("source", [["mode", "bind"], ["host", src.bindHost], ["service", src.bindService]]);
      }
      if (src.connectHost !== undefined || src.connectService !== undefined) {
        w.elem("source", [["mode", "connect"], ["host", src.connectHost], ["service", src.connectService]]);
      }
      break;
    case "tcp": {
      const tls = src.tls === undefined ? undefined : src.tls ? "yes" : "no";
      w.elem("source", [["mode", src.mode], ["host", src.host], ["service", src.service], ["tls", tls]], (w) => formatReconnect(w, src.reconnect));
      w.elem("protocol", [["type", src.protocol]]);
      break;
    }
    case "unix":
      if (src.path !== undefined) {
        w.elem("source", [["mode", src.mode], ["path", src.path]], (w) => {
          formatDeviceSeclabels(w, src.seclabels, ctx);
          formatReconnect(w, src.reconnect);
        });
      }
      break;
    case "spiceport":
    case "dbus":
      w.elem("source", [["channel", src.channel]]);
      break;
  }
  if (src.log) w.elem("log", [["file", src.log.file], ["append", src.log.append]]);
}
