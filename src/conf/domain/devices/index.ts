/**
 * The `<devices>` element: every device family, parsed in document order into
 * per-family lists and written back in libvirt's fixed family order.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DeviceInfo } from "../device-info.ts";
import { type AudioDef, formatAudio, parseAudio } from "./audio.ts";
import { type ChrDef, formatChr, parseChr } from "./chardev.ts";
import { type ControllerDef, formatController, parseController } from "./controller.ts";
import { type CryptoDef, formatCrypto, parseCrypto } from "./crypto.ts";
import { type DiskDef, formatDisk, parseDisk } from "./disk.ts";
import { type FilesystemDef, formatFilesystem, parseFilesystem } from "./filesystem.ts";
import { formatGraphics, type GraphicsDef, parseGraphics } from "./graphics.ts";
import { formatHostdev, type HostdevDef, parseHostdev } from "./hostdev.ts";
import { formatHub, type HubDef, parseHub } from "./hub.ts";
import { formatInput, type InputDef, parseInput } from "./input.ts";
import { formatInterface, type InterfaceDef, parseInterface } from "./interface.ts";
import { formatIommu, type IommuDef, parseIommu } from "./iommu.ts";
import { formatLease, type LeaseDef, parseLease } from "./lease.ts";
import { formatMemballoon, type MemballoonDef, parseMemballoon } from "./memballoon.ts";
import { formatMemoryDevice, type MemoryDeviceDef, parseMemoryDevice } from "./memory.ts";
import { formatNvram, type NvramDef, parseNvram } from "./nvram.ts";
import { formatPanic, type PanicDef, parsePanic } from "./panic.ts";
import { formatRedirdev, parseRedirdev, type RedirdevDef } from "./redirdev.ts";
import { formatRedirfilter, parseRedirfilter, type RedirfilterDef } from "./redirfilter.ts";
import { formatRng, parseRng, type RngDef } from "./rng.ts";
import { formatShmem, parseShmem, type ShmemDef } from "./shmem.ts";
import { formatSmartcard, parseSmartcard, type SmartcardDef } from "./smartcard.ts";
import { formatSound, parseSound, type SoundDef } from "./sound.ts";
import { formatTpm, parseTpm, type TpmDef } from "./tpm.ts";
import { formatVideo, parseVideo, type VideoDef } from "./video.ts";
import { formatVsock, parseVsock, type VsockDef } from "./vsock.ts";
import { formatWatchdog, parseWatchdog, type WatchdogDef } from "./watchdog.ts";

/** Every device of a domain, by family, each list in document order. */
export interface DomainDevices {
  /** `<emulator>` path */
  emulator?: string;
  disks: DiskDef[];
  controllers: ControllerDef[];
  leases: LeaseDef[];
  filesystems: FilesystemDef[];
  interfaces: InterfaceDef[];
  smartcards: SmartcardDef[];
  serials: ChrDef[];
  parallels: ChrDef[];
  consoles: ChrDef[];
  channels: ChrDef[];
  inputs: InputDef[];
  tpms: TpmDef[];
  graphics: GraphicsDef[];
  sounds: SoundDef[];
  audios: AudioDef[];
  videos: VideoDef[];
  hostdevs: HostdevDef[];
  redirdevs: RedirdevDef[];
  redirfilter?: RedirfilterDef;
  hubs: HubDef[];
  watchdogs: WatchdogDef[];
  /** `<memballoon>`; at most one */
  memballoon?: MemballoonDef;
  rngs: RngDef[];
  /** `<nvram>` (pSeries); at most one */
  nvram?: NvramDef;
  panics: PanicDef[];
  shmems: ShmemDef[];
  memories: MemoryDeviceDef[];
  /** `<iommu>`; at most one */
  iommu?: IommuDef;
  /** `<vsock>`; at most one */
  vsock?: VsockDef;
  cryptos: CryptoDef[];
}

/** An empty device list. */
export function emptyDevices(): DomainDevices {
  return {
    disks: [], controllers: [], leases: [], filesystems: [], interfaces: [], smartcards: [],
    serials: [], parallels: [], consoles: [], channels: [], inputs: [], tpms: [], graphics: [],
    sounds: [], audios: [], videos: [], hostdevs: [], redirdevs: [], hubs: [], watchdogs: [],
    rngs: [], panics: [], shmems: [], memories: [], cryptos: [],
  };
}

/** The {@link DeviceInfo} of every device that may carry a `<boot order>`. */
export function bootableDeviceInfos(d: DomainDevices): DeviceInfo[] {
  return [...d.disks, ...d.filesystems, ...d.interfaces, ...d.hostdevs, ...d.redirdevs].map((x) => x.info);
}

function single<T>(r: XmlReader, current: T | undefined, value: T): T {
  if (current !== undefined) throw r.error(`only one <${r.name}> device is supported`);
  return value;
}

/** Parses `<devices>`. */
export function parseDevices(r: XmlReader, ctx: ParseContext): DomainDevices {
  const d = emptyDevices();
  for (const c of r.elements()) {
    switch (c.name) {
      case "emulator": d.emulator = c.text().trim(); break;
      case "disk": d.disks.push(parseDisk(c, ctx)); break;
      case "controller": d.controllers.push(parseController(c, ctx)); break;
      case "lease": d.leases.push(parseLease(c, ctx)); break;
      case "filesystem": d.filesystems.push(parseFilesystem(c, ctx)); break;
      case "interface": d.interfaces.push(parseInterface(c, ctx)); break;
      case "smartcard": d.smartcards.push(parseSmartcard(c, ctx)); break;
      case "serial": d.serials.push(parseChr(c, ctx, "serial")); break;
      case "parallel": d.parallels.push(parseChr(c, ctx, "parallel")); break;
      case "console": d.consoles.push(parseChr(c, ctx, "console")); break;
      case "channel": d.channels.push(parseChr(c, ctx, "channel")); break;
      case "input": d.inputs.push(parseInput(c, ctx)); break;
      case "tpm": d.tpms.push(parseTpm(c, ctx)); break;
      case "graphics": d.graphics.push(parseGraphics(c, ctx)); break;
      case "sound": d.sounds.push(parseSound(c, ctx)); break;
      case "audio": d.audios.push(parseAudio(c, ctx)); break;
      case "video": d.videos.push(parseVideo(c, ctx)); break;
      case "hostdev": d.hostdevs.push(parseHostdev(c, ctx)); break;
      case "redirdev": d.redirdevs.push(parseRedirdev(c, ctx)); break;
      case "redirfilter": d.redirfilter = single(c, d.redirfilter, parseRedirfilter(c, ctx)); break;
      case "hub": d.hubs.push(parseHub(c, ctx)); break;
      case "watchdog": d.watchdogs.push(parseWatchdog(c, ctx)); break;
      case "memballoon": d.memballoon = single(c, d.memballoon, parseMemballoon(c, ctx)); break;
      case "rng": d.rngs.push(parseRng(c, ctx)); break;
      case "nvram": d.nvram = single(c, d.nvram, parseNvram(c, ctx)); break;
      case "panic": d.panics.push(parsePanic(c, ctx)); break;
      case "shmem": d.shmems.push(parseShmem(c, ctx)); break;
      case "memory": d.memories.push(parseMemoryDevice(c, ctx)); break;
      case "iommu": d.iommu = single(c, d.iommu, parseIommu(c, ctx)); break;
      case "vsock": d.vsock = single(c, d.vsock, parseVsock(c, ctx)); break;
      case "crypto": d.cryptos.push(parseCrypto(c, ctx)); break;
      default:
        // Unknown devices are dropped (or reported by validate mode).
        c.el.used = false;
    }
  }
  return d;
}

/** Writes `<devices>` in libvirt's family order. */
export function formatDevices(w: XmlWriter, d: DomainDevices, ctx: FormatContext): void {
  w.block("devices", null, (w) => {
    w.text("emulator", d.emulator);
    for (const x of d.disks) formatDisk(w, x, ctx);
    for (const x of d.controllers) formatController(w, x, ctx);
    for (const x of d.leases) formatLease(w, x, ctx);
    for (const x of d.filesystems) formatFilesystem(w, x, ctx);
    for (const x of d.interfaces) formatInterface(w, x, ctx);
    for (const x of d.smartcards) formatSmartcard(w, x, ctx);
    for (const x of d.serials) formatChr(w, x, ctx);
    for (const x of d.parallels) formatChr(w, x, ctx);
    for (const x of d.consoles) formatChr(w, x, ctx);
    for (const x of d.channels) formatChr(w, x, ctx);
    for (const x of d.inputs) formatInput(w, x, ctx);
    for (const x of d.tpms) formatTpm(w, x, ctx);
    for (const x of d.graphics) formatGraphics(w, x, ctx);
    for (const x of d.sounds) formatSound(w, x, ctx);
    for (const x of d.audios) formatAudio(w, x, ctx);
    for (const x of d.videos) formatVideo(w, x, ctx);
    for (const x of d.hostdevs) formatHostdev(w, x, ctx);
    for (const x of d.redirdevs) formatRedirdev(w, x, ctx);
    if (d.redirfilter) formatRedirfilter(w, d.redirfilter, ctx);
    for (const x of d.hubs) formatHub(w, x, ctx);
    for (const x of d.watchdogs) formatWatchdog(w, x, ctx);
    if (d.memballoon) formatMemballoon(w, d.memballoon, ctx);
    for (const x of d.rngs) formatRng(w, x, ctx);
    if (d.nvram) formatNvram(w, d.nvram, ctx);
    for (const x of d.panics) formatPanic(w, x, ctx);
    for (const x of d.shmems) formatShmem(w, x, ctx);
    for (const x of d.memories) formatMemoryDevice(w, x, ctx);
    if (d.iommu) formatIommu(w, d.iommu, ctx);
    if (d.vsock) formatVsock(w, d.vsock, ctx);
    for (const x of d.cryptos) formatCrypto(w, x, ctx);
  });
}
