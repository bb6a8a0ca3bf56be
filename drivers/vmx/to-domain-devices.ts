/**
 * VMX to domain XML, the devices other than disks: network cards
 * (`ethernetN.*`), serial and parallel ports, shared folders, the SVGA
 * adapter and the VNC display.
 * @module
 */
import { parseMac, parseUuid } from "../../src/conf/ids.ts";
import type { XmlWriter } from "../../src/xml/mod.ts";
import type { VmxReadContext } from "./context.ts";
import type { VmxFile } from "./vmx-file.ts";

function eqCI(s: string | undefined, value: string): boolean {
  return s !== undefined && s.toLowerCase() === value;
}

/** Writes `<graphics type='vnc'>` when `RemoteDisplay.vnc.enabled` is set. */
export function writeVnc(w: XmlWriter, vmx: VmxFile): void {
  if (!vmx.bool("RemoteDisplay.vnc.enabled", false)) return;
  const port = vmx.long("RemoteDisplay.vnc.port", -1);
  const ip = vmx.string("RemoteDisplay.vnc.ip");
  const keymap = vmx.string("RemoteDisplay.vnc.keymap");
  const passwd = vmx.string("RemoteDisplay.vnc.password");
  const auto = port < 0;
  const attrs: [string, string | number | undefined][] = [
    ["type", "vnc"],
    ["port", auto ? -1 : port],
    ["autoport", auto ? "yes" : "no"],
    ["listen", ip],
    ["keymap", keymap],
    ["passwd", passwd],
  ];
  w.elem("graphics", attrs, (w) => w.elem("listen", [["type", "address"], ["address", ip]]));
}

/** Writes the `<filesystem>` of each enabled shared folder, when HGFS is on. */
export function writeSharedFolders(w: XmlWriter, vmx: VmxFile): void {
  if (vmx.bool("isolation.tools.hgfs.disable", true)) return;
  const max = vmx.long("sharedFolder.maxNum", 0);
  for (let n = 0; n < max; n++) {
    const p = `sharedFolder${n}`;
    if (!(vmx.bool(`${p}.present`, false) && vmx.bool(`${p}.enabled`, false))) continue;
    const hostPath = vmx.requireString(`${p}.hostPath`);
    const guestName = vmx.requireString(`${p}.guestName`);
    const writable = vmx.bool(`${p}.writeAccess`, false);
    w.elem("filesystem", [["type", "mount"]], (w) => {
      w.elem("source", [["dir", hostPath]]);
      w.elem("target", [["dir", guestName]]);
      if (!writable) w.elem("readonly");
    });
  }
}

/** The highest N of any `ethernetN.*` key, or -1. */
function lastEthernetIndex(vmx: VmxFile): number {
  let max = -1;
  for (const key of vmx.keys()) {
    if (!key.toLowerCase().startsWith("ethernet")) continue;
    const m = /^ethernet(\d+)\./i.exec(key);
    if (!m) throw vmx.error(key, "cannot read the network card index of this key");
    max = Math.max(max, Number(m[1]));
  }
  return max;
}

const NIC_MODELS = ["vlance", "vmxnet", "vmxnet3", "e1000", "e1000e"];

function mac(vmx: VmxFile, key: string): string | undefined {
  const v = vmx.string(key);
  if (v === undefined) return undefined;
  const m = parseMac(v);
  if (!m) throw vmx.error(key, `expecting a MAC address but found '${v}'`);
  return m;
}

function writeEthernet(w: XmlWriter, vmx: VmxFile, n: number): void {
  const p = `ethernet${n}`;
  if (!vmx.bool(`${p}.present`, false)) return;
  vmx.bool(`${p}.startConnected`, true);
  const connectionType = vmx.string(`${p}.connectionType`)?.toLowerCase();
  const addressType = vmx.string(`${p}.addressType`);
  let address: string | undefined;
  let macType: "generated" | "static" | undefined;
  if (addressType === undefined || eqCI(addressType, "generated") || eqCI(addressType, "vpx")) {
    address = mac(vmx, `${p}.generatedAddress`);
    if (addressType !== undefined) macType = "generated";
  } else if (eqCI(addressType, "static")) {
    address = mac(vmx, `${p}.address`);
    macType = "static";
  } else {
    throw vmx.error(
      `${p}.addressType`,
      `expecting 'generated', 'static' or 'vpx' but found '${addressType}'`,
    );
  }
  const checkMac = vmx.string(`${p}.checkMACAddress`);
  const check = checkMac === undefined ? undefined : checkMac === "true" ? "yes" : "no";

  const virtualDev = vmx.string(`${p}.virtualDev`);
  let model: string | undefined;
  if (virtualDev !== undefined) {
    model = virtualDev.toLowerCase();
    if (!NIC_MODELS.includes(model)) {
      throw vmx.error(
        `${p}.virtualDev`,
        `expecting 'vlance', 'vmxnet', 'vmxnet3', 'e1000' or 'e1000e' but found '${virtualDev}'`,
      );
    }
    if (model === "vmxnet" && vmx.long(`${p}.features`, 0) === 15) model = "vmxnet2";
  }

  let networkName: string | undefined;
  if (connectionType === undefined || connectionType === "bridged" || connectionType === "custom") {
    networkName = connectionType === undefined
      ? vmx.string(`${p}.networkName`)
      : vmx.requireString(`${p}.networkName`);
  }
  const vnet = connectionType === "custom" ? vmx.requireString(`${p}.vnet`) : undefined;
  const switchId = vmx.string(`${p}.dvs.switchId`);

  let type: string;
  let source: [string, string | number | undefined][] | undefined;
  if (switchId !== undefined) {
    const uuid = parseUuid(switchId.replace(/ /g, ""));
    if (!uuid) throw vmx.error(`${p}.dvs.switchId`, `could not parse a UUID from '${switchId}'`);
    type = "vds";
    source = [
      ["switchid", uuid],
      ["portid", vmx.long(`${p}.dvs.portId`, 0, true)],
      ["portgroupid", vmx.requireString(`${p}.dvs.portgroupId`)],
      ["connectionid", vmx.long(`${p}.dvs.connectionId`, 0, true)],
    ];
  } else if (connectionType === undefined && networkName === undefined) {
    type = "null";
  } else if (
    connectionType === undefined || connectionType === "bridged" || connectionType === "custom"
  ) {
    type = "bridge";
    source = [["bridge", networkName]];
  } else if (connectionType === "nat") {
    type = "user";
  } else if (connectionType === "hostonly") {
    throw vmx.error(`${p}.connectionType`, "'hostonly' networking is not handled yet");
  } else {
    throw vmx.error(`${p}.connectionType`, `invalid value '${vmx.string(`${p}.connectionType`)}'`);
  }

  w.elem("interface", [["type", type]], (w) => {
    w.elem("mac", [["address", address ?? "00:00:00:00:00:00"], ["type", macType], [
      "check",
      check,
    ]]);
    if (source) w.elem("source", source);
    if (vnet !== undefined) w.elem("target", [["dev", vnet]]);
    if (model) w.elem("model", [["type", model]]);
  });
}

/** Writes an `<interface>` for each present network card. */
export function writeEthernets(w: XmlWriter, vmx: VmxFile): void {
  const last = lastEthernetIndex(vmx);
  for (let n = 0; n <= last; n++) writeEthernet(w, vmx, n);
}

/** Writes the `<video>` device every VMware guest has (the SVGA adapter). */
export function writeSvga(w: XmlWriter, vmx: VmxFile): void {
  const bytes = vmx.long("svga.vramSize", 4 * 1024 * 1024);
  w.elem(
    "video",
    null,
    (w) =>
      w.elem("model", [["type", "vmvga"], ["vram", Math.ceil(bytes / 1024)], ["primary", "yes"]]),
  );
}

/** A serial or parallel port's backend, as chardev source attributes. */
interface ChrBackend {
  type: string;
  source: [string, string | undefined][];
  protocol?: string;
}

/** Splits `scheme://host:port` as libvirt's URI parser does. */
function parseNetworkUri(uri: string): { scheme: string; host: string; port: number } | undefined {
  const m =
    /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?(?:[/?#].*)?$/
      .exec(uri);
  if (!m) return undefined;
  const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
  return { scheme: m[1].toLowerCase(), host, port: Number(m[3] || 0) };
}

const TCP_PROTOCOLS: Record<string, string> = {
  tcp: "raw",
  tcp4: "raw",
  tcp6: "raw",
  telnet: "telnet",
  telnets: "telnets",
  ssl: "tls",
  "tcp+ssl": "tls",
  "tcp4+ssl": "tls",
  "tcp6+ssl": "tls",
};

function serialBackend(vmx: VmxFile, ctx: VmxReadContext, p: string): ChrBackend {
  const fileType = vmx.string(`${p}.fileType`)?.toLowerCase();
  const fileName = vmx.string(`${p}.fileName`);
  const endPoint = vmx.string(`${p}.network.endPoint`);
  if (fileType === undefined || fileType === "device") {
    return { type: "dev", source: [["path", fileName]] };
  }
  if (fileType === "file") {
    return { type: "file", source: [["path", vmxFile(vmx, ctx, `${p}.fileName`)]] };
  }
  if (fileType === "pipe") return { type: "pipe", source: [["path", fileName]] };
  if (fileType !== "network") {
    throw vmx.error(
      `${p}.fileType`,
      `expecting 'device', 'file', 'pipe' or 'network' but found '${vmx.string(`${p}.fileType`)}'`,
    );
  }
  const uri = parseNetworkUri(vmx.requireString(`${p}.fileName`));
  if (!uri || uri.port === 0) {
    throw vmx.error(`${p}.fileName`, "does not hold a 'scheme://host:port' address with a port");
  }
  const protocol = TCP_PROTOCOLS[uri.scheme];
  if (!protocol) throw vmx.error(`${p}.fileName`, `unsupported scheme '${uri.scheme}'`);
  let mode: string;
  if (endPoint === undefined || eqCI(endPoint, "server")) mode = "bind";
  else if (eqCI(endPoint, "client")) mode = "connect";
  else {throw vmx.error(
      `${p}.network.endPoint`,
      `expecting 'server' or 'client' but found '${endPoint}'`,
    );}
  return {
    type: "tcp",
    source: [["mode", mode], ["host", uri.host], ["service", String(uri.port)]],
    protocol,
  };
}

/** A file name read through the context; a missing file is an error. */
function vmxFile(vmx: VmxFile, ctx: VmxReadContext, key: string): string {
  const name = vmx.requireString(key);
  const src = ctx.parseFileName(name, false);
  if (src === null) throw vmx.error(key, `file '${name}' does not exist`);
  return src;
}

function writeChr(
  w: XmlWriter,
  kind: string,
  b: ChrBackend,
  target: [string, string | number][],
): void {
  w.elem(kind, [["type", b.type]], (w) => {
    if (b.source.some(([, v]) => v !== undefined)) w.elem("source", b.source);
    if (b.protocol) w.elem("protocol", [["type", b.protocol]]);
    w.elem("target", target);
  });
}

/** The serial port a `<console>` mirrors. */
export interface ConsoleSource {
  port: number;
  backend: ChrBackend;
}

/**
 * Writes a `<serial>` for each present serial port (0-3); returns the first,
 * which the console mirrors.
 */
export function writeSerials(
  w: XmlWriter,
  vmx: VmxFile,
  ctx: VmxReadContext,
): ConsoleSource | undefined {
  let first: ConsoleSource | undefined;
  for (let port = 0; port < 4; port++) {
    const p = `serial${port}`;
    if (!vmx.bool(`${p}.present`, false)) continue;
    vmx.bool(`${p}.startConnected`, true);
    const backend = serialBackend(vmx, ctx, p);
    writeChr(w, "serial", backend, [["port", port]]);
    first ??= { port, backend };
  }
  return first;
}

/** Writes the `<console>` libvirt adds for a guest with a serial port: a copy of the first one. */
export function writeConsole(w: XmlWriter, first: ConsoleSource | undefined): void {
  if (first) writeChr(w, "console", first.backend, [["type", "serial"], ["port", first.port]]);
}

/** Writes a `<parallel>` for each present parallel port (0-2). */
export function writeParallels(w: XmlWriter, vmx: VmxFile, ctx: VmxReadContext): void {
  for (let port = 0; port < 3; port++) {
    const p = `parallel${port}`;
    if (!vmx.bool(`${p}.present`, false)) continue;
    vmx.bool(`${p}.startConnected`, true);
    const fileType = vmx.requireString(`${p}.fileType`).toLowerCase();
    let backend: ChrBackend;
    if (fileType === "device") {
      backend = { type: "dev", source: [["path", vmx.requireString(`${p}.fileName`)]] };
    } else if (fileType === "file") {
      backend = { type: "file", source: [["path", vmxFile(vmx, ctx, `${p}.fileName`)]] };
    } else {throw vmx.error(
        `${p}.fileType`,
        `expecting 'device' or 'file' but found '${vmx.string(`${p}.fileType`)}'`,
      );}
    writeChr(w, "parallel", backend, [["port", port]]);
  }
}
