/**
 * Character devices on the QEMU command line: a `-chardev` backend for each
 * host side (pty, file, unix or TCP socket, UDP, null, host device, pipe,
 * stdio, with an optional `<log file>`), then the guest device: ISA/PCI/USB
 * serial ports, parallel ports, virtio consoles and virtio-serial channels
 * such as the guest agent's `org.qemu.guest_agent.0`.
 * @module
 */
import type { ChrDef } from "../../src/conf/domain/devices/chardev.ts";
import type { ChrSource } from "../../src/conf/domain/devices/chardev-source.ts";
import type { DeviceInfo } from "../../src/conf/domain/device-info.ts";
import {
  addDevice,
  aliasOf,
  type ArgvContext,
  kv,
  noAddress,
  pciExtraProps,
  pciProps,
  reject,
  usbProps,
} from "./argv-context.ts";

/**
 * The `-chardev` value for a host side: `TYPE,id=ID,...`. `autoPath` is the
 * socket path to use when a unix source names none.
 */
export function chardevValue(id: string, src: ChrSource, el: string, autoPath?: string): string {
  const parts: string[] = [];
  const add = (k: string, v: string | number | undefined) => {
    if (v !== undefined) parts.push(`${k}=${kv(v)}`);
  };
  switch (src.type) {
    case "null":
    case "pty":
    case "vc":
    case "stdio":
      parts.push(src.type, `id=${kv(id)}`);
      break;
    case "file":
      if (!src.path) throw reject(el, "a file character device needs a <source path>");
      parts.push("file", `id=${kv(id)}`);
      add("path", src.path);
      if (src.append) add("append", src.append);
      break;
    case "dev":
    case "pipe":
      if (!src.path) throw reject(el, `a ${src.type} character device needs a <source path>`);
      parts.push(src.type === "dev" ? "tty" : "pipe", `id=${kv(id)}`);
      add("path", src.path);
      break;
    case "unix": {
      const path = src.path ?? autoPath;
      if (!path) throw reject(el, "a unix character device needs a <source path>");
      parts.push("socket", `id=${kv(id)}`);
      add("path", path);
      if (src.mode === "bind") parts.push("server=on", "wait=off");
      else if (src.reconnect?.enabled) add("reconnect", src.reconnect.timeout ?? 1);
      break;
    }
    case "tcp": {
      if (src.tls) throw reject(el, "TLS character devices are not supported");
      if (!src.service) throw reject(el, "a tcp character device needs a <source service>");
      parts.push("socket", `id=${kv(id)}`);
      add("host", src.host ?? (src.mode === "bind" ? "0.0.0.0" : "localhost"));
      add("port", src.service);
      if (src.protocol === "telnet") parts.push("telnet=on");
      else if (src.protocol !== "raw") {
        throw reject(el, `protocol '${src.protocol}' is not supported`);
      }
      if (src.mode === "bind") parts.push("server=on", "wait=off");
      else if (src.reconnect?.enabled) add("reconnect", src.reconnect.timeout ?? 1);
      break;
    }
    case "udp":
      if (!src.connectService) {
        throw reject(el, "a udp character device needs a connect <source service>");
      }
      parts.push("udp", `id=${kv(id)}`);
      add("host", src.connectHost ?? "localhost");
      add("port", src.connectService);
      add("localaddr", src.bindHost);
      add("localport", src.bindService);
      break;
    default:
      throw reject(el, `character device type '${src.type}' is not supported by the QEMU driver`);
  }
  if (src.log) {
    add("logfile", src.log.file);
    add("logappend", src.log.append ?? "off");
  }
  return parts.join(",");
}

function chrElement(c: ChrDef): string {
  const target = "type" in c.target && c.target.type ? ` target type='${c.target.type}'` : "";
  return `<${c.kind} type='${c.source.type}'>${target ? ` (${target.trim()})` : ""}`;
}

function addChardev(ctx: ArgvContext, c: ChrDef, el: string, autoPath?: string): string {
  const id = `char${aliasOf(ctx, c)}`;
  ctx.args.push("-chardev", chardevValue(id, c.source, el, autoPath));
  return id;
}

/** `bus`/`nr` of a virtio-serial port: from its address, else controller 0 and QEMU's choice of port. */
function virtioSerialProps(
  ctx: ArgvContext,
  info: DeviceInfo,
  el: string,
): Record<string, unknown> {
  const a = info.address;
  if (a && a.type !== "virtio-serial") {
    throw reject(el, `address type '${a.type}' is not supported here`);
  }
  const ctrl = a?.controller ?? 0;
  const c = ctx.def.devices.controllers.find((c) =>
    c.type === "virtio-serial" && (c.index ?? 0) === ctrl
  );
  if (!c) throw reject(el, `no <controller type='virtio-serial' index='${ctrl}'>`);
  const props: Record<string, unknown> = { bus: `${aliasOf(ctx, c)}.${a?.bus ?? 0}` };
  if (a?.port) props.nr = a.port;
  return props;
}

/** Adds serial ports, parallel ports, consoles and channels. */
export function buildChardevs(ctx: ArgvContext): void {
  const d = ctx.def.devices;
  for (const s of d.serials) if (s.kind === "serial") buildSerial(ctx, s);
  for (const p of d.parallels) {
    if (p.kind !== "parallel") continue;
    const el = chrElement(p);
    noAddress(p.info, el, ["isa"]);
    const chardev = addChardev(ctx, p, el);
    addDevice(ctx, el, {
      driver: "isa-parallel",
      chardev,
      id: aliasOf(ctx, p),
      index: p.target.port ?? 0,
    });
  }
  for (const c of d.channels) if (c.kind === "channel") buildChannel(ctx, c);
  for (const c of d.consoles) {
    if (c.kind !== "console" || c.mirrors) continue;
    const el = chrElement(c);
    if (c.target.type !== "virtio") {
      throw reject(
        el,
        `console target type '${c.target.type}' is not supported by the QEMU driver`,
      );
    }
    const chardev = addChardev(ctx, c, el);
    addDevice(ctx, el, {
      driver: "virtconsole",
      ...virtioSerialProps(ctx, c.info, el),
      chardev,
      id: aliasOf(ctx, c),
    });
  }
}

function buildSerial(ctx: ArgvContext, s: Extract<ChrDef, { kind: "serial" }>): void {
  const el = chrElement(s);
  const type = s.target.type ?? "isa-serial";
  const model = s.target.model;
  let props: Record<string, unknown>;
  switch (type) {
    case "isa-serial":
      if (model && model !== "isa-serial") {
        throw reject(el, `model '${model}' does not fit target type '${type}'`);
      }
      noAddress(s.info, el, ["isa"]);
      props = { driver: "isa-serial", index: s.target.port ?? 0 };
      break;
    case "pci-serial":
      props = { driver: "pci-serial", ...pciProps(ctx, s.info, el), ...pciExtraProps(s.info) };
      break;
    case "usb-serial":
      props = { driver: "usb-serial", ...usbProps(ctx, s.info, el) };
      break;
    default:
      throw reject(el, `serial target type '${type}' is not supported by the QEMU driver`);
  }
  const chardev = addChardev(ctx, s, el);
  const { driver, ...rest } = props;
  addDevice(ctx, el, { driver, chardev, id: aliasOf(ctx, s), ...rest });
}

function buildChannel(ctx: ArgvContext, c: Extract<ChrDef, { kind: "channel" }>): void {
  const el = chrElement(c);
  const t = c.target;
  if (t.type !== "virtio") {
    throw reject(el, `channel target type '${t.type}' is not supported by the QEMU driver`);
  }
  let autoPath: string | undefined;
  if (c.source.type === "unix" && !c.source.path) {
    if (!t.name) throw reject(el, "a unix channel without a <source path> needs a target name");
    if (!ctx.opts.paths.channelDir) {
      throw reject(el, "no channel folder was given for a socket without a <source path>");
    }
    autoPath = `${ctx.opts.paths.channelDir}/${t.name}`;
  }
  const chardev = addChardev(ctx, c, el, autoPath);
  const props: Record<string, unknown> = {
    driver: "virtserialport",
    ...virtioSerialProps(ctx, c.info, el),
    chardev,
    id: aliasOf(ctx, c),
  };
  if (t.name) props.name = t.name;
  addDevice(ctx, el, props);
}
