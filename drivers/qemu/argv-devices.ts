/**
 * The other devices on the QEMU command line: network interfaces (`-netdev`
 * plus NIC), VNC, video adapters, input devices, random number generators,
 * the memory balloon, watchdogs and panic devices. Device families the
 * driver does not run are rejected, naming the element.
 * @module
 */
import type { GraphicsDef } from "../../src/conf/domain/devices/graphics.ts";
import type { InterfaceDef } from "../../src/conf/domain/devices/interface.ts";
import type { VideoDef } from "../../src/conf/domain/devices/video.ts";
import {
  addDevice,
  aliasOf,
  type ArgvContext,
  json,
  kv,
  noAddress,
  pciExtraProps,
  pciProps,
  reject,
  usbProps,
} from "./argv-context.ts";
import { chardevValue } from "./argv-chardev.ts";

const NIC_MODELS: Record<string, string> = {
  virtio: "virtio-net-pci",
  e1000: "e1000",
  e1000e: "e1000e",
  rtl8139: "rtl8139",
  vmxnet3: "vmxnet3",
};

function netElement(n: InterfaceDef): string {
  return `<interface type='${n.source.type}'> (mac '${n.mac}')`;
}

/** The `-netdev` properties of an interface (without `id`). */
function netdevProps(
  ctx: ArgvContext,
  n: InterfaceDef,
  index: number,
  el: string,
): Record<string, unknown> {
  const host = ctx.opts.interfaces?.[index];
  const s = n.source;
  switch (s.type) {
    case "user":
      if (s.dev) throw reject(el, "a passt backend is not supported");
      if (n.portForwards?.length) throw reject(el, "<portForward> is not supported");
      if (n.guestIp?.ips.length || n.guestIp?.routes.length) {
        throw reject(el, "<ip> on a user-mode interface is not supported");
      }
      return { type: "user" };
    case "ethernet":
    case "bridge":
    case "network":
    case "direct": {
      const props: Record<string, unknown> = { type: "tap" };
      if (host?.tapFd !== undefined) props.fd = String(host.tapFd);
      else if (host?.ifname ?? (s.type === "ethernet" ? n.targetDev : undefined)) {
        props.ifname = host?.ifname ?? n.targetDev;
        props.script = "no";
        props.downscript = "no";
      } else {
        throw reject(el, "the driver did not prepare a TAP device for this interface");
      }
      if (host?.vhostFd !== undefined) {
        props.vhost = true;
        props.vhostfd = String(host.vhostFd);
      } else if (n.driver?.name === "vhost") {
        props.vhost = true;
      }
      return props;
    }
    case "server":
      return { type: "socket", listen: `${s.address ?? ""}:${s.port}` };
    case "client":
      return { type: "socket", connect: `${s.address ?? "127.0.0.1"}:${s.port}` };
    case "mcast":
      return { type: "socket", mcast: `${s.address}:${s.port}` };
    case "udp":
      return {
        type: "socket",
        udp: `${s.address}:${s.port}`,
        localaddr: `${s.localAddress}:${s.localPort}`,
      };
    default:
      throw reject(el, `interface type '${s.type}' is not supported by the QEMU driver`);
  }
}

/** Adds each interface: `-netdev JSON` then the NIC `-device`. */
export function buildInterfaces(ctx: ArgvContext): void {
  ctx.def.devices.interfaces.forEach((n, i) => {
    const el = netElement(n);
    if (n.driver?.queues && n.driver.queues > 1) throw reject(el, "multiqueue is not supported");
    if (n.virtio && Object.values(n.virtio).some((v) => v !== undefined)) {
      throw reject(el, "virtio <driver> options are not supported");
    }
    if (n.backend?.type === "passt") throw reject(el, "the passt backend is not supported");
    const alias = aliasOf(ctx, n);
    const netdev = `host${alias}`;
    ctx.args.push("-netdev", json({ ...netdevProps(ctx, n, i, el), id: netdev }));
    const model = n.model ?? "rtl8139";
    const driver = NIC_MODELS[model];
    if (!driver) throw reject(el, `NIC model '${model}' is not supported by the QEMU driver`);
    const props: Record<string, unknown> = { driver, netdev, id: alias, mac: n.mac };
    if (n.mtu) {
      if (driver !== "virtio-net-pci") throw reject(el, "<mtu> is supported only by virtio NICs");
      props.host_mtu = n.mtu;
    }
    Object.assign(props, pciProps(ctx, n.info, el));
    if (n.info.bootOrder) props.bootindex = n.info.bootOrder;
    Object.assign(props, pciExtraProps(n.info));
    addDevice(ctx, el, props);
  });
}

function vncListen(
  ctx: ArgvContext,
  g: Extract<GraphicsDef, { type: "vnc" }>,
  index: number,
  el: string,
): string {
  const l = g.listens[0];
  if (l?.type === "socket") {
    if (!l.socket) throw reject(el, "a socket listen needs a path");
    return `unix:${kv(l.socket)}`;
  }
  if (l?.type === "none") return "none";
  if (l?.type === "network" && !l.address) {
    throw reject(el, "a network listen needs the network's address resolved by the driver");
  }
  const address = l?.address ?? "127.0.0.1";
  const port = g.autoport ? ctx.opts.graphics?.[index]?.port : g.port;
  if (port === undefined || port === 0) {
    throw reject(el, "no VNC port was allocated for autoport='yes'");
  }
  if (port < 5900 || port > 65535) {
    throw reject(el, `VNC port ${port} is out of range (5900-65535)`);
  }
  const host = address.includes(":") ? `[${address}]` : address;
  return `${host}:${port - 5900}`;
}

/**
 * Adds the graphics frontend (one VNC server), or `-display none` when there
 * is none (libvirt's choice; unlike `-nographic` it works with `-daemonize`).
 */
export function buildGraphics(ctx: ArgvContext): void {
  const list = ctx.def.devices.graphics;
  if (list.length === 0) {
    ctx.args.push("-display", "none");
    return;
  }
  if (list.length > 1) {
    throw reject(`<graphics type='${list[1].type}'>`, "only one graphics device is supported");
  }
  const g = list[0];
  const el = `<graphics type='${g.type}'>`;
  if (g.type !== "vnc") {
    throw reject(el, `graphics type '${g.type}' is not supported by the QEMU driver`);
  }
  if (g.listens.length > 1) throw reject(el, "only one <listen> is supported");
  const parts = [vncListen(ctx, g, 0, el)];
  if (g.websocket !== undefined) {
    const ws = g.websocket === -1 ? ctx.opts.graphics?.[0]?.websocket : g.websocket;
    if (ws === undefined || ws <= 0) {
      throw reject(el, "no websocket port was allocated for websocket='-1'");
    }
    parts.push(`websocket=${ws}`);
  }
  if (g.sharePolicy) parts.push(`share=${g.sharePolicy}`);
  if (g.auth.passwd !== undefined) parts.push("password=on");
  if (g.powerControl === "yes") parts.push("power-control=on");
  if (g.audioId !== undefined) throw reject(el, "audio for VNC is not supported");
  ctx.args.push("-vnc", parts.join(","));
  if (g.keymap) ctx.args.push("-k", g.keymap);
}

function videoDriver(ctx: ArgvContext, v: VideoDef, primary: boolean, el: string): string {
  switch (v.type) {
    case "default":
    case "vga":
      return "VGA";
    case "cirrus":
      return "cirrus-vga";
    case "vmvga":
      return "vmware-svga";
    case "qxl":
      return primary ? "qxl-vga" : "qxl";
    case "virtio":
      return primary && ctx.caps.deviceTypes.includes("virtio-vga")
        ? "virtio-vga"
        : "virtio-gpu-pci";
    case "bochs":
      return "bochs-display";
    case "ramfb":
      return "ramfb";
    default:
      throw reject(el, `video model '${v.type}' is not supported by the QEMU driver`);
  }
}

/** Adds the video adapters, primary first; `none` adds nothing. */
export function buildVideos(ctx: ArgvContext): void {
  ctx.def.devices.videos.forEach((v, i) => {
    const el = `<video><model type='${v.type}'>`;
    if (v.type === "none") return;
    if (v.accel?.accel3d === "yes") throw reject(el, "3D acceleration is not supported");
    if (v.backend === "vhostuser") throw reject(el, "a vhost-user video backend is not supported");
    const primary = i === 0;
    if (!primary && v.type !== "qxl" && v.type !== "virtio") {
      throw reject(el, "only 'qxl' and 'virtio' adapters can be secondary video devices");
    }
    const driver = videoDriver(ctx, v, primary, el);
    const props: Record<string, unknown> = { driver, id: aliasOf(ctx, v) };
    if (v.type === "qxl") {
      if (v.heads) props.max_outputs = v.heads;
      if (v.ram) props.ram_size = v.ram * 1024;
      if (v.vram) props.vram_size = v.vram * 1024;
      if (v.vram64) props.vram64_size_mb = Math.floor(v.vram64 / 1024);
      if (v.vgamem) props.vgamem_mb = Math.floor(v.vgamem / 1024);
    } else if (v.type === "virtio") {
      if (v.heads) props.max_outputs = v.heads;
    } else if ((driver === "VGA" || driver === "vmware-svga") && v.vram) {
      props.vgamem_mb = Math.floor(v.vram / 1024);
    }
    if (driver === "ramfb") noAddress(v.info, el);
    else Object.assign(props, pciProps(ctx, v.info, el), pciExtraProps(v.info));
    addDevice(ctx, el, props);
  });
}

const VIRTIO_INPUTS: Record<string, string> = {
  tablet: "virtio-tablet-pci",
  mouse: "virtio-mouse-pci",
  keyboard: "virtio-keyboard-pci",
};
const USB_INPUTS: Record<string, string> = {
  tablet: "usb-tablet",
  mouse: "usb-mouse",
  keyboard: "usb-kbd",
};

/** Adds USB and virtio input devices; PS/2 mouse and keyboard are built into x86 machines. */
export function buildInputs(ctx: ArgvContext): void {
  for (const input of ctx.def.devices.inputs) {
    const el = `<input type='${input.type}' bus='${input.bus ?? ""}'>`;
    if (input.model && input.model !== "virtio") {
      throw reject(el, `model '${input.model}' is not supported`);
    }
    switch (input.bus) {
      case "ps2":
        if (input.type === "tablet") throw reject(el, "a tablet cannot be on the PS/2 bus");
        noAddress(input.info, el);
        continue;
      case "usb": {
        const driver = USB_INPUTS[input.type];
        if (!driver) throw reject(el, `input type '${input.type}' is not supported on USB`);
        addDevice(ctx, el, { driver, id: aliasOf(ctx, input), ...usbProps(ctx, input.info, el) });
        continue;
      }
      case "virtio": {
        const driver = VIRTIO_INPUTS[input.type];
        if (!driver) {
          throw reject(el, `input type '${input.type}' is not supported by the QEMU driver`);
        }
        addDevice(ctx, el, { driver, id: aliasOf(ctx, input), ...pciProps(ctx, input.info, el) });
        continue;
      }
      default:
        throw reject(el, `input bus '${input.bus}' is not supported by the QEMU driver`);
    }
  }
}

/** Adds the watchdogs and the action QEMU takes when one fires. */
export function buildWatchdogs(ctx: ArgvContext): void {
  const list = ctx.def.devices.watchdogs;
  list.forEach((w) => {
    const el = `<watchdog model='${w.model}'>`;
    if (w.model === "i6300esb") {
      addDevice(ctx, el, { driver: "i6300esb", id: aliasOf(ctx, w), ...pciProps(ctx, w.info, el) });
    } else if (w.model === "ib700") {
      noAddress(w.info, el);
      addDevice(ctx, el, { driver: "ib700", id: aliasOf(ctx, w) });
    } else {
      throw reject(el, `watchdog model '${w.model}' is not supported by the QEMU driver`);
    }
  });
  if (list.length) {
    const actions = new Set(list.map((w) => w.action));
    if (actions.size > 1) {
      throw reject("<watchdog action>", "all watchdogs must have the same action");
    }
    const action = list[0].action;
    // QEMU cannot dump by itself: it pauses and the driver dumps (as libvirt does).
    ctx.args.push("-action", `watchdog=${action === "dump" ? "pause" : action}`);
  }
}

/** Adds the memory balloon (model `none` adds nothing). */
export function buildMemballoon(ctx: ArgvContext): void {
  const b = ctx.def.devices.memballoon;
  if (!b || b.model === "none") return;
  const el = `<memballoon model='${b.model}'>`;
  if (b.model !== "virtio") {
    throw reject(el, `memballoon model '${b.model}' is not supported by the QEMU driver`);
  }
  if (b.virtio && Object.values(b.virtio).some((v) => v !== undefined)) {
    throw reject(el, "virtio <driver> options are not supported");
  }
  const props: Record<string, unknown> = { driver: "virtio-balloon-pci", id: aliasOf(ctx, b) };
  if (b.autodeflate) props["deflate-on-oom"] = b.autodeflate === "on";
  if (b.freePageReporting) props["free-page-reporting"] = b.freePageReporting === "on";
  addDevice(ctx, el, { ...props, ...pciProps(ctx, b.info, el) });
}

/** Adds the random number generators, each an `-object` backend and a virtio-rng device. */
export function buildRngs(ctx: ArgvContext): void {
  for (const r of ctx.def.devices.rngs) {
    const el = `<rng model='${r.model}'>`;
    if (r.model !== "virtio") throw reject(el, `rng model '${r.model}' is not supported`);
    if (r.driver && Object.values(r.driver).some((v) => v !== undefined)) {
      throw reject(el, "virtio <driver> options are not supported");
    }
    const alias = aliasOf(ctx, r);
    const obj = `obj${alias}`;
    const b = r.backend;
    if (b.model === "random") {
      ctx.args.push("-object", json({ "qom-type": "rng-random", id: obj, filename: b.file }));
    } else if (b.model === "builtin") {
      ctx.args.push("-object", json({ "qom-type": "rng-builtin", id: obj }));
    } else {
      const chr = `char${alias}`;
      ctx.args.push("-chardev", chardevValue(chr, b.source, `${el}<backend model='egd'>`));
      ctx.args.push("-object", json({ "qom-type": "rng-egd", id: obj, chardev: chr }));
    }
    const props: Record<string, unknown> = { driver: "virtio-rng-pci", rng: obj, id: alias };
    if (r.rate) {
      props["max-bytes"] = r.rate.bytes;
      props.period = r.rate.period ?? 1000;
    }
    addDevice(ctx, el, { ...props, ...pciProps(ctx, r.info, el) });
  }
}

/** Adds panic notifiers (`pvpanic` on ISA). */
export function buildPanics(ctx: ArgvContext): void {
  for (const p of ctx.def.devices.panics) {
    const el = `<panic model='${p.model ?? "isa"}'>`;
    if ((p.model ?? "isa") !== "isa") {
      throw reject(el, `panic model '${p.model}' is not supported by the QEMU driver`);
    }
    noAddress(p.info, el, ["isa"]);
    const props: Record<string, unknown> = { driver: "pvpanic" };
    const a = p.info.address;
    if (a?.type === "isa" && a.iobase !== undefined) props.ioport = a.iobase;
    addDevice(ctx, el, props);
  }
}

/** Rejects every device family the QEMU driver does not run. */
export function rejectUnsupportedDevices(ctx: ArgvContext): void {
  const d = ctx.def.devices;
  const families: [string, number][] = [
    ["<filesystem>", d.filesystems.length],
    ["<hostdev>", d.hostdevs.length],
    ["<smartcard>", d.smartcards.length],
    ["<tpm>", d.tpms.length],
    ["<sound>", d.sounds.length],
    ["<audio>", d.audios.length],
    ["<redirdev>", d.redirdevs.length],
    ["<redirfilter>", d.redirfilter ? 1 : 0],
    ["<hub>", d.hubs.length],
    ["<shmem>", d.shmems.length],
    ["<memory> (device)", d.memories.length],
    ["<iommu>", d.iommu ? 1 : 0],
    ["<vsock>", d.vsock ? 1 : 0],
    ["<crypto>", d.cryptos.length],
    ["<lease>", d.leases.length],
    ["<nvram> (device)", d.nvram ? 1 : 0],
  ];
  for (const [el, n] of families) {
    if (n) throw reject(el, "this device is not supported by the QEMU driver");
  }
}
