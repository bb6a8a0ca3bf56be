/**
 * Planning the import of a VMware guest into QEMU/KVM (`virtkit
 * import-vmx`): from a `.vmx` file and a few facts about this host, the
 * domain XML to define and the disk images to convert. Planning is pure:
 * it reads no file and runs nothing (the host is asked through
 * {@link ImportFileProbe}), so every decision can be tested on its own.
 * `import-exec.ts` carries the plan out.
 *
 * The VMX file is read by the VMX converter (the same checks as
 * `domxml-from-native vmware-vmx`), then every part of the resulting
 * VMware domain is either carried over, replaced by a device QEMU has, or
 * dropped with a warning: nothing changes or disappears silently.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import { generateUuid } from "../../src/conf/ids.ts";
import { formatDomainXml, parseDomainXml } from "../../src/conf/domain/mod.ts";
import { parseXml, XmlReader, XmlWriter } from "../../src/xml/mod.ts";
import type { VmxReadContext } from "./context.ts";
import { indexToDiskName } from "./disk-names.ts";
import {
  type DatastoreMap,
  dirnameOf,
  joinPath,
  resolveVmxFileName,
  splitVmfsPath,
} from "./local-files.ts";
import { vmxToDomainXml } from "./to-domain.ts";
import { decodeVmx, vmxError, VmxFile } from "./vmx-file.ts";

/**
 * The `virtualHW.version` values VMware products have written (there never
 * was a 5); anything else is refused rather than guessed at.
 */
export const KNOWN_HW_VERSIONS: readonly number[] = [
  4,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19,
  20,
  21,
  22,
];

/** A UEFI firmware build, as a QEMU firmware descriptor (`/usr/share/qemu/firmware/*.json`) describes it. */
export interface UefiFirmware {
  /** The descriptor it was read from. */
  descriptor: string;
  /** The firmware code image. */
  code: string;
  /** The template of its variable store. */
  varsTemplate: string;
  /** Image format of both (`raw` or `qcow2`). */
  format: string;
  /** Machine-type patterns it runs on (`pc-q35-*`). */
  machines: string[];
  /** Secure Boot is built in. */
  secureBoot: boolean;
  /** The variable store template has Microsoft's keys enrolled. */
  enrolledKeys: boolean;
  /** It needs SMM (so a Q35 machine). */
  requiresSmm: boolean;
}

/** How the planner asks the host about files. */
export interface ImportFileProbe {
  /** Whether a file exists. */
  exists(path: string): boolean;
  /**
   * The text of a VMDK descriptor file (one starting `# Disk DescriptorFile`),
   * or undefined for a binary image such as a monolithic sparse VMDK.
   */
  vmdkDescriptor(path: string): string | undefined;
}

/** Options of {@link planVmxImport}. */
export interface VmxImportOptions {
  /** The VMX file's absolute path: bare file names in it live beside it. */
  vmxPath: string;
  /** The absolute folder converted images (and the UEFI variable store) go to. */
  outputDir: string;
  /** Format of the converted disk images. */
  diskFormat: "qcow2" | "raw";
  /** Use virtio devices (NICs, SCSI, video) instead of the widely supported emulated ones. */
  virtio: boolean;
  /** Whether KVM is usable: the domain is `type='kvm'`, else `type='qemu'`. */
  kvm: boolean;
  /** Datastores held in local folders (`/vmfs/volumes/NAME/...` paths resolve there). */
  datastores?: DatastoreMap;
  /** UEFI firmware available on the host, in preference order. */
  firmware: readonly UefiFirmware[];
  files: ImportFileProbe;
  /** The UUID to use when the VMX file has none (default: a random one). */
  uuid?: string;
}

/** One disk image to convert with `qemu-img convert`. */
export interface DiskConversion {
  /** Target device of the disk in the new domain (`sda`). */
  dst: string;
  /** The VMDK to read (a descriptor, or a monolithic image). */
  source: string;
  /** Every file the VMDK is made of: descriptor, extents, parents. */
  sourceFiles: string[];
  /** The image to write. */
  target: string;
  format: "qcow2" | "raw";
}

/** A file copied as is (the UEFI variable store template). */
export interface FileCopy {
  source: string;
  target: string;
}

/** What {@link planVmxImport} decided. */
export interface VmxImportPlan {
  /** The domain name. */
  name: string;
  /** The domain XML to define, in libvirt's canonical layout. */
  xml: string;
  conversions: DiskConversion[];
  copies: FileCopy[];
  /** One sentence per part of the VMware guest that was replaced or dropped. */
  warnings: string[];
}

/** The argv of the `qemu-img` run that performs a conversion (without the program name). */
export function qemuImgConvertArgs(c: DiskConversion): string[] {
  return ["convert", "-p", "-f", "vmdk", "-O", c.format, c.source, c.target];
}

/** VMware NIC models with no QEMU device. */
const VMWARE_NICS = new Set(["vlance", "vmxnet", "vmxnet2", "vmxnet3"]);

/** VMX `bios.bootOrder` words and the boot devices they stand for. */
const BOOT_DEVICES: Record<string, string> = {
  hdd: "hd",
  cdrom: "cdrom",
  ethernet: "network",
};

/** VMware devices the converter skips, reported when present. */
const DROPPED_KEYS: [string, string][] = [
  ["vmci0.present", "vmci0: the VMware VMCI device has no QEMU equivalent; dropped"],
  ["sound.present", "sound: the sound card is not carried over; dropped"],
];

/**
 * Plans the import of a VMware guest: the KVM domain XML and the disk
 * conversions it needs.
 *
 * @throws VirtError naming the VMX line, key or file at fault: a malformed
 *   line, a repeated key, an unknown `virtualHW.version`, a relative disk
 *   path with a folder, a missing disk image, extent or parent, an unmapped
 *   datastore, a target image that already exists, UEFI without firmware
 */
export function planVmxImport(vmx: string | Uint8Array, opts: VmxImportOptions): VmxImportPlan {
  const text = typeof vmx === "string" ? vmx : decodeVmx(vmx);
  const file = VmxFile.parse(text);
  checkHardwareVersion(file);
  const warnings: string[] = [];
  for (const [key, message] of DROPPED_KEYS) {
    if (file.bool(key, false)) warnings.push(message);
  }
  const raw = vmxToDomainXml(text, importContext(file, opts, warnings));
  parseDomainXml(raw); // the VMware definition itself must be valid
  const b = new Builder(file, opts, warnings, new XmlReader(parseXml(raw, "vmx"), "vmx"));
  const xml = b.build();
  const def = parseDomainXml(xml);
  return {
    name: def.name,
    xml: formatDomainXml(def, { inactive: true }),
    conversions: b.conversions,
    copies: b.copies,
    warnings,
  };
}

function checkHardwareVersion(file: VmxFile): void {
  const v = file.string("virtualHW.version");
  if (v === undefined) return; // the converter reports it missing
  if (!/^\s*\d+\s*$/.test(v) || !KNOWN_HW_VERSIONS.includes(Number(v))) {
    throw file.error(
      "virtualHW.version",
      `unknown virtual hardware version '${v}' (known: 4 and 6 to ${
        KNOWN_HW_VERSIONS[KNOWN_HW_VERSIONS.length - 1]
      })`,
    );
  }
}

/**
 * The converter's context for an import: file names become local paths; a
 * hard disk image must exist (with its extents and parents); a missing
 * CD-ROM or floppy image leaves its drive empty, with a warning.
 */
function importContext(
  file: VmxFile,
  opts: VmxImportOptions,
  warnings: string[],
): VmxReadContext {
  const vmxDir = dirnameOf(opts.vmxPath);
  const datastores = opts.datastores ?? new Map();
  // The converter passes the name only: find the `*.fileName` entry that holds it.
  const fail = (name: string, message: string) => {
    const e = file.entries.find((e) => e.value === name && /\.filename$/i.test(e.key));
    return e ? file.error(e.key, message) : vmxError(message);
  };
  return {
    parseFileName(name, allowMissing) {
      let local: string;
      try {
        local = resolveVmxFileName(name, vmxDir, datastores);
      } catch (e) {
        throw fail(name, (e as Error).message);
      }
      const vmfs = splitVmfsPath(local);
      if (vmfs) {
        throw fail(
          name,
          `file '${name}' is on datastore '${vmfs.datastore}', which has no local folder: map it with --datastore ${vmfs.datastore}=DIR`,
        );
      }
      const isDisk = /\.vmdk$/i.test(local);
      if (!isDisk && !allowMissing) return local; // an output file (serial or parallel port)
      if (opts.files.exists(local)) {
        if (isDisk) {
          try {
            vmdkFiles(local, opts.files);
          } catch (e) {
            throw fail(name, (e as Error).message);
          }
        }
        return local;
      }
      if (allowMissing) {
        warnings.push(`image '${local}' does not exist: its drive is left empty`);
        return null;
      }
      throw fail(name, `disk image '${local}' does not exist`);
    },
  };
}

/**
 * Every file a VMDK is made of: the file itself, the extents its descriptor
 * lists, and its parent chain (snapshots), each checked to exist.
 */
function vmdkFiles(path: string, probe: ImportFileProbe, depth = 0): string[] {
  const files = [path];
  const descriptor = probe.vmdkDescriptor(path);
  if (descriptor === undefined) return files;
  const dir = dirnameOf(path);
  const local = (name: string) => name.startsWith("/") ? name : joinPath(dir, name);
  let parent: string | undefined;
  for (const line of descriptor.split(/\r?\n/)) {
    const extent = /^\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+(\w+)(?:\s+"([^"]*)")?/.exec(line);
    if (extent && extent[1].toUpperCase() !== "ZERO" && extent[2]) {
      const p = local(extent[2]);
      if (!probe.exists(p)) {
        throw vmxError(`disk image '${path}' lists extent '${extent[2]}', which does not exist`);
      }
      files.push(p);
    }
    parent ??= /^\s*parentFileNameHint\s*=\s*"([^"]*)"/.exec(line)?.[1];
  }
  if (parent === undefined) return files;
  const p = local(parent);
  if (!probe.exists(p)) {
    throw vmxError(`disk image '${path}' names parent '${parent}', which does not exist`);
  }
  if (depth > 64) throw vmxError(`disk image '${path}' has a parent chain longer than 64`);
  return [...files, ...vmdkFiles(p, probe, depth + 1)];
}

/** Whether a firmware descriptor's machine pattern (`pc-q35-*`) matches a machine type. */
function globMatch(pattern: string, machine: string): boolean {
  const re = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${re}$`).test(machine);
}

/** The VMX key family of a disk read by the converter (`scsi0:1`, `ide1:0`). */
function diskKey(bus: string, a: XmlReader | undefined): string {
  const c = a?.attr("controller") ?? "0";
  const u = a?.attr("unit") ?? "0";
  if (bus === "scsi") return `scsi${c}:${u}`;
  if (bus === "sata") return `sata${c}:${u}`;
  if (bus === "ide") return `ide${a?.attr("bus") ?? "0"}:${u}`;
  return `floppy${u}`;
}

/** A disk of the new domain. */
interface NewDisk {
  device: "disk" | "cdrom";
  bus: "sata" | "scsi" | "ide";
  dst?: string;
  source?: string;
  format: string;
  cache?: string;
}

/** Builds the KVM domain from the VMware one. */
class Builder {
  readonly conversions: DiskConversion[] = [];
  readonly copies: FileCopy[] = [];
  #machine: "pc" | "q35" = "pc";
  #firmware?: UefiFirmware;
  #name = "";
  #scsiUnit = 0;

  constructor(
    private readonly vmx: VmxFile,
    private readonly opts: VmxImportOptions,
    private readonly warnings: string[],
    private readonly dom: XmlReader,
  ) {}

  build(): string {
    const r = this.dom;
    this.#chooseFirmware(r.child("os")!);
    this.#name = this.#domainName(r.childText("name")!);
    const w = new XmlWriter();
    w.block("domain", [["type", this.opts.kvm ? "kvm" : "qemu"]], (w) => {
      w.text("name", this.#name);
      const uuid = r.childText("uuid")!;
      w.text("uuid", /^[0-]+$/.test(uuid) ? this.opts.uuid ?? generateUuid() : uuid);
      w.text("genid", r.childText("genid"));
      w.text("description", r.childText("description"));
      for (const name of ["memory", "currentMemory"]) {
        const m = r.child(name)!;
        w.text(name, m.text(), [["unit", m.attr("unit")]]);
      }
      if (r.child("memtune")) {
        this.warnings.push(
          "sched.mem.minsize: a memory reservation has no QEMU equivalent; dropped",
        );
      }
      const vcpu = r.child("vcpu")!;
      w.text("vcpu", vcpu.text(), [["placement", vcpu.attr("placement")], [
        "cpuset",
        vcpu.attr("cpuset"),
      ]]);
      const shares = r.child("cputune")?.childText("shares");
      if (shares !== undefined) w.elem("cputune", null, (w) => w.text("shares", shares));
      this.#os(w, r.child("os")!);
      w.elem("features", null, (w) => {
        w.elem("acpi");
        w.elem("apic");
        if (this.#firmware?.requiresSmm) w.elem("smm", [["state", "on"]]);
      });
      const topology = r.child("cpu")?.child("topology");
      if (topology) w.elem("cpu", null, (w) => w.verbatim(topology.keepVerbatim()));
      w.elem("clock", [["offset", "utc"]]);
      for (const name of ["on_poweroff", "on_reboot", "on_crash"]) w.text(name, r.childText(name));
      w.block("devices", null, (w) => this.#devices(w, r.child("devices")!));
    });
    return w.toString();
  }

  /** The VMware display name as a domain name: no `/`, which file names cannot hold. */
  #domainName(name: string): string {
    if (!name.includes("/")) return name;
    const fixed = name.replaceAll("/", "_");
    this.warnings.push(`displayName: '${name}' holds '/'; the domain is named '${fixed}'`);
    return fixed;
  }

  /** UEFI guests get OVMF: with Secure Boot (on Q35, with SMM) when the VMX enables it. */
  #chooseFirmware(os: XmlReader): void {
    if (os.attr("firmware") !== "efi") return;
    const secure = this.vmx.bool("uefi.secureBoot.enabled", false);
    const uefi = (machine: string) =>
      this.opts.firmware.filter((f) => f.machines.some((p) => globMatch(p, machine)));
    if (secure) {
      const q35 = uefi("pc-q35-7.2").filter((f) => f.secureBoot);
      this.#firmware = q35.find((f) => f.enrolledKeys) ?? q35[0];
      if (this.#firmware) this.#machine = "q35";
      else {
        this.warnings.push(
          "uefi.secureBoot.enabled: no Secure Boot firmware is installed; the guest boots with Secure Boot off",
        );
      }
    }
    if (!this.#firmware) {
      const pc = uefi("pc-i440fx-7.2");
      this.#firmware = pc.find((f) => !f.secureBoot && !f.requiresSmm) ?? pc[0];
    }
    if (!this.#firmware) {
      throw this.vmx.error(
        "firmware",
        "the guest boots with UEFI but no UEFI firmware for x86_64 is installed (install the 'ovmf' package)",
      );
    }
  }

  #os(w: XmlWriter, os: XmlReader): void {
    const type = os.child("type")!;
    if (os.child("smbios")) {
      this.warnings.push(
        "smbios.reflecthost: copying the host's SMBIOS data is not supported by QEMU; dropped",
      );
    }
    w.block("os", null, (w) => {
      w.text("type", "hvm", [["arch", type.attr("arch")], ["machine", this.#machine]]);
      const fw = this.#firmware;
      if (fw) {
        w.text("loader", fw.code, [
          ["readonly", "yes"],
          ["secure", fw.secureBoot ? "yes" : undefined],
          ["type", "pflash"],
          ["format", fw.format === "raw" ? undefined : fw.format],
        ]);
        const nvram = joinPath(this.opts.outputDir, `${this.#name}_VARS.fd`);
        this.#checkFree(nvram);
        w.text("nvram", nvram, [["template", fw.varsTemplate]]);
        this.copies.push({ source: fw.varsTemplate, target: nvram });
      }
      for (const dev of this.#bootOrder()) w.elem("boot", [["dev", dev]]);
    });
  }

  /** `bios.bootOrder` (`hdd,cdrom`) as boot devices; none when absent. */
  #bootOrder(): string[] {
    const order = this.vmx.string("bios.bootOrder");
    if (order === undefined) return [];
    const devs: string[] = [];
    for (const word of order.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
      const dev = BOOT_DEVICES[word];
      if (dev === undefined) {
        this.warnings.push(`bios.bootOrder: boot device '${word}' is not carried over`);
      } else if (!devs.includes(dev)) devs.push(dev);
    }
    return devs;
  }

  #devices(w: XmlWriter, devices: XmlReader): void {
    const disks = devices.children("disk").map((d) => this.#disk(d)).filter((d) => d !== undefined);
    this.#nameDisks(disks);
    for (const d of disks) this.#writeDisk(w, d);
    const scsiModels = devices.children("controller").filter((c) => c.attr("type") === "scsi");
    for (const c of scsiModels) {
      const model = c.attr("model") ?? "the default";
      this.warnings.push(
        `scsi${c.attr("index")}: the VMware '${model}' SCSI controller is replaced by ${
          this.opts.virtio ? "virtio-scsi" : "SATA (AHCI)"
        }`,
      );
    }
    if (disks.some((d) => d.bus === "scsi")) {
      w.elem("controller", [["type", "scsi"], ["index", 0], ["model", "virtio-scsi"]]);
    }
    for (const fs of devices.children("filesystem")) {
      this.warnings.push(
        `shared folder '${
          fs.child("source")?.attr("dir")
        }': VMware shared folders are not carried over; dropped`,
      );
    }
    this.#interfaces(w, devices.children("interface"));
    for (const kind of ["serial", "parallel"] as const) {
      for (const c of devices.children(kind)) this.#chardev(w, kind, c);
    }
    const graphics = devices.children("graphics");
    if (graphics.length) { for (const g of graphics) w.verbatim(g.keepVerbatim()); }
    else w.elem("graphics", [["type", "vnc"], ["autoport", "yes"]]);
    for (const v of devices.children("video")) {
      const model = v.child("model")?.attr("type");
      const now = this.opts.virtio ? "virtio" : "vga";
      this.warnings.push(`svga: the VMware '${model}' video adapter is replaced by '${now}'`);
      w.elem("video", null, (w) => w.elem("model", [["type", now]]));
    }
  }

  /** Maps one VMware disk, or drops it (with a warning). */
  #disk(d: XmlReader): NewDisk | undefined {
    const device = d.attr("device");
    const target = d.child("target")!;
    const oldBus = target.attr("bus")!;
    const key = diskKey(oldBus, d.child("address"));
    if (device === "floppy") {
      this.warnings.push(`${key}: floppy drives are not supported by the QEMU driver; dropped`);
      return undefined;
    }
    if (d.child("transient")) {
      this.warnings.push(
        `${key}.mode: 'independent-nonpersistent' is not carried over; changes to the disk are kept`,
      );
    }
    let bus: NewDisk["bus"];
    if (oldBus === "scsi") bus = this.opts.virtio ? "scsi" : "sata";
    else if (oldBus === "ide" && this.#machine === "q35") {
      bus = "sata";
      this.warnings.push(`${key}: IDE is not available on a Q35 machine; the drive moves to SATA`);
    } else bus = oldBus as NewDisk["bus"];
    const keepName = bus === "ide";
    const cache = d.child("driver")?.attr("cache");
    const source = d.child("source")?.attr("file");
    if (device === "disk") {
      return {
        device: "disk",
        bus,
        dst: keepName ? target.attr("dev") : undefined,
        source,
        format: this.opts.diskFormat,
        cache,
      };
    }
    if (d.attr("type") === "block") {
      const what = device === "lun" ? "SCSI passthrough" : "host CD-ROM drive";
      this.warnings.push(`${key}: the ${what} is not carried over; the CD-ROM drive is left empty`);
    }
    return {
      device: "cdrom",
      bus,
      dst: keepName ? target.attr("dev") : undefined,
      source: d.attr("type") === "file" ? source : undefined,
      format: "raw",
      cache,
    };
  }

  /** Names the SATA and SCSI disks `sda`, `sdb`, ... in VMX order; IDE keeps `hdX`. */
  #nameDisks(disks: NewDisk[]): void {
    let n = 0;
    for (const d of disks) {
      if (d.dst !== undefined) continue;
      d.dst = indexToDiskName(n++, "sd");
    }
  }

  #writeDisk(w: XmlWriter, d: NewDisk): void {
    let source = d.source;
    if (d.device === "disk" && source !== undefined) {
      const target = this.#imagePath(source);
      this.conversions.push({
        dst: d.dst!,
        source,
        sourceFiles: vmdkFiles(source, this.opts.files),
        target,
        format: this.opts.diskFormat,
      });
      source = target;
    }
    w.elem("disk", [["type", "file"], ["device", d.device]], (w) => {
      w.elem("driver", [["name", "qemu"], ["type", d.format], ["cache", d.cache]]);
      if (source !== undefined) w.elem("source", [["file", source]]);
      w.elem("target", [["dev", d.dst], ["bus", d.bus]]);
      if (d.device === "cdrom") w.elem("readonly");
      if (d.bus === "scsi") {
        // One virtio-scsi controller takes them all, one LUN each.
        w.elem("address", [["type", "drive"], ["controller", 0], ["bus", 0], ["target", 0], [
          "unit",
          this.#scsiUnit++,
        ]]);
      }
    });
  }

  /** Where a converted image goes: OUTDIR/BASENAME.qcow2 (`.img` for raw), unique and not yet there. */
  #imagePath(source: string): string {
    const base = source.slice(source.lastIndexOf("/") + 1).replace(/\.vmdk$/i, "");
    const ext = this.opts.diskFormat === "qcow2" ? "qcow2" : "img";
    const taken = new Set(this.conversions.map((c) => c.target));
    let path = joinPath(this.opts.outputDir, `${base}.${ext}`);
    for (let i = 1; taken.has(path); i++) {
      path = joinPath(this.opts.outputDir, `${base}-${i}.${ext}`);
    }
    this.#checkFree(path);
    return path;
  }

  #checkFree(path: string): void {
    if (this.opts.files.exists(path)) {
      throw new VirtError(
        "operation-invalid",
        "vmx",
        `'${path}' already exists; remove it or choose another output folder`,
      );
    }
  }

  #interfaces(w: XmlWriter, nics: XmlReader[]): void {
    const indexes = this.vmx.keys()
      .map((k) => /^ethernet(\d+)\.present$/i.exec(k))
      .filter((m) => m !== null && this.vmx.bool(m[0], false))
      .map((m) => Number(m![1]))
      .sort((a, b) => a - b);
    nics.forEach((nic, i) => {
      const key = `ethernet${indexes[i] ?? i}`;
      const type = nic.attr("type");
      const oldModel = nic.child("model")?.attr("type");
      if (type === "null") {
        this.warnings.push(`${key}: the card is connected to no network; dropped`);
        return;
      }
      const model = this.opts.virtio ? "virtio" : oldModel === "e1000e" ? "e1000e" : "e1000";
      if (oldModel !== undefined && VMWARE_NICS.has(oldModel)) {
        this.warnings.push(`${key}: the VMware '${oldModel}' network card is replaced by ${model}`);
      }
      const mac = nic.child("mac")?.attr("address");
      const user = type === "user";
      if (!user) {
        const where = type === "vds"
          ? "the distributed switch port"
          : `port group '${nic.child("source")?.attr("bridge") ?? ""}'`;
        this.warnings.push(
          `${key}: ${where} has no equivalent here; the card is attached to network 'default'`,
        );
      }
      w.elem("interface", [["type", user ? "user" : "network"]], (w) => {
        if (mac !== undefined && mac !== "00:00:00:00:00:00") w.elem("mac", [["address", mac]]);
        if (!user) w.elem("source", [["network", "default"]]);
        w.elem("model", [["type", model]]);
      });
    });
  }

  /** A serial or parallel port: files and TCP stay, host devices and pipes become a pty. */
  #chardev(w: XmlWriter, kind: "serial" | "parallel", c: XmlReader): void {
    const port = c.child("target")?.attr("port") ?? "0";
    const type = c.attr("type");
    const protocol = c.child("protocol")?.attr("type");
    if (type === "file" || (type === "tcp" && protocol !== "tls")) {
      w.verbatim(c.keepVerbatim());
      return;
    }
    if (kind === "parallel") {
      this.warnings.push(`parallel${port}: a host parallel port is not carried over; dropped`);
      return;
    }
    this.warnings.push(
      `serial${port}: the '${type}${
        protocol === "tls" ? " (TLS)" : ""
      }' backend is not carried over; the port is a pty`,
    );
    w.elem("serial", [["type", "pty"]], (w) => w.elem("target", [["port", port]]));
  }
}
