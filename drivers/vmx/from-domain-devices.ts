/**
 * Domain XML to VMX, the devices other than disks: the VNC display, shared
 * folders, network cards, the SVGA adapter, serial and parallel ports.
 * @module
 */
import { parseMac, parseUuid } from "../../src/conf/ids.ts";
import type { XmlReader } from "../../src/xml/mod.ts";
import type { VmxWriteContext } from "./context.ts";
import { vmxError, type VmxWriter } from "./vmx-file.ts";

function devices(dom: XmlReader, name: string): XmlReader[] {
  return dom.child("devices")?.children(name) ?? [];
}

/** Writes `RemoteDisplay.vnc.*` for a VNC display; other displays are an error. */
export function writeGraphics(out: VmxWriter, dom: XmlReader): void {
  for (const g of devices(dom, "graphics")) {
    const type = g.attr("type");
    if (type !== "vnc") throw vmxError(`unsupported graphics type '${type}'`);
    out.set("RemoteDisplay.vnc.enabled", "true");
    const port = g.int("port");
    const autoport = g.attr("autoport") === "yes" || port === -1;
    if (!autoport && port !== undefined) out.set("RemoteDisplay.vnc.port", port);
    const listen = g.children("listen").find((l) =>
      (l.attr("type") ?? "address") === "address"
    )?.attr("address") ?? g.attr("listen");
    if (listen !== undefined) {
      out.set("RemoteDisplay.vnc.ip", listen);
    }
    const keymap = g.attr("keymap");
    if (keymap !== undefined) {
      out.set("RemoteDisplay.vnc.keymap", keymap);
    }
    const passwd = g.attr("passwd");
    if (passwd !== undefined) {
      out.set("RemoteDisplay.vnc.password", passwd);
    }
  }
}

/** Writes `sharedFolderN.*` for each `<filesystem type='mount'>`. */
export function writeSharedFolders(out: VmxWriter, dom: XmlReader): void {
  const fss = devices(dom, "filesystem");
  if (!fss.length) return;
  out.set("isolation.tools.hgfs.disable", "false");
  out.set("sharedFolder.maxNum", fss.length);
  fss.forEach((fs, n) => {
    if ((fs.attr("type") ?? "mount") !== "mount") {
      throw vmxError("only 'mount' filesystem type is supported");
    }
    const p = `sharedFolder${n}`;
    out.set(`${p}.present`, "true");
    out.set(`${p}.enabled`, "true");
    out.set(`${p}.readAccess`, "true");
    out.set(`${p}.writeAccess`, fs.hasChild("readonly") ? "false" : "true");
    out.set(`${p}.hostPath`, fs.child("source")?.attr("dir") ?? "");
    out.set(`${p}.guestName`, fs.child("target")?.attr("dir") ?? "");
  });
}

const NIC_MODELS = ["vlance", "vmxnet", "vmxnet2", "vmxnet3", "e1000", "e1000e"];

/** A UUID in VMX form: `xx xx xx xx xx xx xx xx-xx xx xx xx xx xx xx xx`. */
export function vmxUuid(uuid: string): string {
  const pairs = uuid.replace(/-/g, "").match(/../g)!;
  return `${pairs.slice(0, 8).join(" ")}-${pairs.slice(8).join(" ")}`;
}

function writeEthernet(out: VmxWriter, nic: XmlReader, n: number, virtualHWVersion: number): void {
  const limit = virtualHWVersion >= 7 ? 9 : 3;
  if (n > limit) throw vmxError(`ethernet controller index ${n} out of [0..${limit}] range`);
  const p = `ethernet${n}`;
  out.set(`${p}.present`, "true");

  const model = nic.child("model")?.attr("type");
  if (model !== undefined) {
    const m = model.toLowerCase();
    if (!NIC_MODELS.includes(m)) {
      throw vmxError(
        `expecting domain XML entry 'devices/interface/model' to be one of ${
          NIC_MODELS.join(", ")
        } but found '${model}'`,
      );
    }
    if (m === "vmxnet2") {
      out.set(`${p}.virtualDev`, "vmxnet");
      out.set(`${p}.features`, "15");
    } else {
      out.set(`${p}.virtualDev`, m);
    }
  }

  const type = nic.attr("type");
  const source = nic.child("source");
  if (type === "bridge") {
    out.set(`${p}.networkName`, source?.attr("bridge") ?? "");
    const ifname = nic.child("target")?.attr("dev");
    if (ifname !== undefined) {
      out.set(`${p}.connectionType`, "custom");
      out.set(`${p}.vnet`, ifname);
    } else {
      out.set(`${p}.connectionType`, "bridged");
    }
  } else if (type === "user") {
    out.set(`${p}.connectionType`, "nat");
  } else if (type === "vds") {
    const uuid = parseUuid(source?.attr("switchid") ?? "");
    if (!uuid) throw vmxError(`interface ${n} has no valid 'switchid'`);
    out.set(`${p}.dvs.switchId`, vmxUuid(uuid));
    out.set(`${p}.dvs.portId`, source?.attr("portid") ?? "0");
    out.set(`${p}.dvs.portgroupId`, source?.attr("portgroupid") ?? "");
    out.set(`${p}.dvs.connectionId`, source?.attr("connectionid") ?? "0");
  } else if (type !== "null") {
    throw vmxError(`unsupported net type '${type}'`);
  }

  const macEl = nic.child("mac");
  const mac = parseMac(macEl?.attr("address") ?? "");
  if (!mac) throw vmxError(`interface ${n} has no valid MAC address`);
  const prefix = mac.slice(0, 8);
  const suffix = parseInt(mac.slice(9).replace(/:/g, ""), 16);
  // Without an explicit type the address range tells: VMware's generated
  // prefix, its static range, its vCenter range, or a foreign address.
  let macType: string;
  let check: string | undefined;
  let vpx = false;
  if (prefix === "00:0c:29") {
    macType = "generated";
  } else if (prefix === "00:50:56" && suffix <= 0x3fffff) {
    macType = "static";
  } else if (prefix === "00:50:56" && suffix >= 0x800000 && suffix <= 0xbfffff) {
    macType = "generated";
    vpx = true;
  } else {
    macType = "static";
    check = "no";
  }
  const explicitType = macEl?.attr("type");
  if (explicitType === "generated" || explicitType === "static") {
    macType = explicitType;
    if (macType === "generated") check = undefined;
  }
  check = macEl?.attr("check") ?? check;
  if (macType === "generated") {
    out.set(`${p}.addressType`, vpx ? "vpx" : "generated");
    out.set(`${p}.generatedAddress`, mac);
    if (!vpx) out.set(`${p}.generatedAddressOffset`, "0");
  } else {
    out.set(`${p}.addressType`, "static");
    out.set(`${p}.address`, mac);
  }
  if (check !== undefined) out.set(`${p}.checkMACAddress`, check === "yes" ? "true" : "false");
}

/** Writes `ethernetN.*` for each `<interface>`, numbered in document order. */
export function writeEthernets(out: VmxWriter, dom: XmlReader, virtualHWVersion: number): void {
  devices(dom, "interface").forEach((nic, n) => writeEthernet(out, nic, n, virtualHWVersion));
}

/**
 * Writes `svga.vramSize` for the video device (VMware's SVGA adapter). A
 * domain with a display but no `<video>` gets the default adapter, as
 * libvirt adds one.
 */
export function writeSvga(out: VmxWriter, dom: XmlReader): void {
  const videos = devices(dom, "video");
  if (videos.length > 1) throw vmxError("no support for multiple video devices");
  if (!videos.length && !devices(dom, "graphics").length) return;
  const model = videos[0]?.child("model");
  const type = model?.attr("type") ?? "default";
  if (type !== "vmvga" && type !== "default") {
    throw vmxError(`unsupported video device type '${type}'`);
  }
  if ((model?.uint("heads") ?? 1) > 1) throw vmxError("multi-head video devices are unsupported");
  const vram = model?.uint("vram") ?? 4096;
  out.set("svga.vramSize", Math.ceil(vram / 64) * 64 * 1024);
}

/** Chardevs with their target ports, numbering missing ports as libvirt does. */
function ports(list: XmlReader[]): { chr: XmlReader; port: number }[] {
  let max = -1;
  return list.map((chr) => {
    const port = chr.child("target")?.uint("port") ?? max + 1;
    max = Math.max(max, port);
    return { chr, port };
  });
}

function path(chr: XmlReader): string {
  const p = chr.child("source")?.attr("path");
  if (p === undefined) {
    throw vmxError(`<${chr.name} type='${chr.attr("type")}'> has no source path`);
  }
  return p;
}

const TCP_SCHEMES: Record<string, string> = {
  raw: "tcp",
  telnet: "telnet",
  telnets: "telnets",
  tls: "ssl",
};

/** Writes `serialN.*` for each `<serial>` on ports 0-3. */
export function writeSerials(out: VmxWriter, dom: XmlReader, ctx: VmxWriteContext): void {
  for (const { chr, port } of ports(devices(dom, "serial"))) {
    if (port > 3) throw vmxError(`serial port index ${port} out of [0..3] range`);
    const p = `serial${port}`;
    const type = writeCharFile(out, p, chr, ctx);
    if (type === "pipe") {
      // The far end and Rx-loss mode are not in domain XML: the VI Client's defaults.
      out.set(`${p}.fileType`, "pipe");
      out.set(`${p}.pipe.endPoint`, "client");
      out.set(`${p}.tryNoRxLoss`, "false");
      out.set(`${p}.fileName`, path(chr));
    } else if (type === "tcp") {
      const source = chr.child("source");
      const protocol = chr.child("protocol")?.attr("type") ?? "raw";
      const scheme = TCP_SCHEMES[protocol];
      if (!scheme) throw vmxError(`unsupported character device TCP protocol '${protocol}'`);
      out.set(`${p}.fileType`, "network");
      // An IPv6 host is bracketed, as in any URI.
      const host = source?.attr("host") ?? "";
      const service = source?.attr("service") ?? "";
      out.set(`${p}.fileName`, `${scheme}://${host.includes(":") ? `[${host}]` : host}:${service}`);
      out.set(`${p}.network.endPoint`, source?.attr("mode") === "bind" ? "server" : "client");
    } else if (type !== undefined) {
      throw vmxError(`unsupported character device type '${type}'`);
    }
    out.set(`${p}.yieldOnMsrRead`, "true");
  }
}

/** Writes `parallelN.*` for each `<parallel>` on ports 0-2. */
export function writeParallels(out: VmxWriter, dom: XmlReader, ctx: VmxWriteContext): void {
  for (const { chr, port } of ports(devices(dom, "parallel"))) {
    if (port > 2) throw vmxError(`parallel port index ${port} out of [0..2] range`);
    const type = writeCharFile(out, `parallel${port}`, chr, ctx);
    if (type !== undefined) throw vmxError(`unsupported character device type '${type}'`);
  }
}

/**
 * Writes `P.present` for a serial or parallel port `P` and, when the device
 * is a host device or a file, its `fileType` and `fileName`.
 *
 * @returns the device type when it is neither (for the caller to write), else undefined
 */
function writeCharFile(
  out: VmxWriter,
  p: string,
  chr: XmlReader,
  ctx: VmxWriteContext,
): string | undefined {
  const type = chr.attr("type") ?? "pty";
  out.set(`${p}.present`, "true");
  if (type === "dev") {
    out.set(`${p}.fileType`, "device");
    out.set(`${p}.fileName`, path(chr));
  } else if (type === "file") {
    out.set(`${p}.fileType`, "file");
    out.set(`${p}.fileName`, ctx.formatFileName(path(chr)));
  } else {
    return type;
  }
  return undefined;
}
