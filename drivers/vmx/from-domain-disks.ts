/**
 * Domain XML to VMX, disks: `<disk>` elements become `scsiN:M.*`,
 * `sataN:M.*`, `ideB:U.*` and `floppyU.*` entries, and the SCSI controller
 * models come from `<controller>`, legacy `<driver name>` or autodetection.
 * @module
 */
import type { XmlReader } from "../../src/xml/mod.ts";
import type { VmxDiskInfo, VmxWriteContext } from "./context.ts";
import {
  diskNameToIndex,
  type DiskSlot,
  floppySlot,
  ideSlot,
  sataSlot,
  scsiSlot,
} from "./disk-names.ts";
import { vmxError, type VmxWriter } from "./vmx-file.ts";

/** The parts of a `<disk>` the VMX format can express. */
interface DiskXml extends VmxDiskInfo {
  bus: string;
  startupPolicy?: string;
  cache?: string;
  transient: boolean;
  address?: { type: string; controller: number; bus: number; unit: number };
}

const BUS_BY_PREFIX: [string, string][] = [
  ["hd", "ide"],
  ["sd", "scsi"],
  ["fd", "fdc"],
  ["vd", "virtio"],
  ["xvd", "xen"],
  ["ubd", "uml"],
];

function readDisk(r: XmlReader): DiskXml {
  const target = r.child("target");
  const dst = target?.attr("dev");
  if (!dst) throw r.error("missing attribute 'dev' of <target>");
  const type = r.attr("type") ?? "file";
  const source = r.child("source");
  const addr = r.child("address");
  const driver = r.child("driver");
  return {
    type,
    device: r.attr("device") ?? "disk",
    dst,
    bus: target?.attr("bus") ?? BUS_BY_PREFIX.find(([p]) => dst.startsWith(p))?.[1] ?? "ide",
    source: source?.attr(type === "block" ? "dev" : "file"),
    startupPolicy: source?.attr("startupPolicy"),
    driverName: driver?.attr("name"),
    cache: driver?.attr("cache"),
    transient: r.hasChild("transient"),
    address: addr && {
      type: addr.attr("type") ?? "none",
      controller: addr.uint("controller") ?? 0,
      bus: addr.uint("bus") ?? 0,
      unit: addr.uint("unit") ?? 0,
    },
  };
}

/** The VMX slot of a disk on its bus. */
function slot(d: DiskXml): DiskSlot {
  switch (d.bus) {
    case "scsi":
      return scsiSlot(d.dst);
    case "sata":
      return sataSlot(d.dst);
    case "ide":
      return ideSlot(d.dst);
    case "fdc":
      return floppySlot(d.dst);
    default:
      throw vmxError(`unsupported bus type '${d.bus}' for disk '${d.dst}'`);
  }
}

/**
 * The address a generic domain parser assigns from a target name, where it
 * differs from the VMX slot (SCSI with 7 units per controller, SATA with 6).
 */
function genericSlot(d: DiskXml): DiskSlot | undefined {
  const idx = diskNameToIndex(d.dst) ?? 0;
  if (d.bus === "scsi") return { controller: Math.floor(idx / 7), bus: 0, unit: idx % 7 };
  if (d.bus === "sata") return { controller: Math.floor(idx / 6), bus: 0, unit: idx % 6 };
  return undefined;
}

/** Checks a disk's `<address>` against its target name; returns its VMX slot. */
function verifyAddress(d: DiskXml): DiskSlot {
  const s = slot(d);
  const a = d.address;
  if (!a) return s;
  if (a.type !== "drive") {
    throw vmxError(`unsupported disk address type '${a.type}' for disk '${d.dst}'`);
  }
  const same = (x: DiskSlot | undefined) =>
    x && x.controller === a.controller && x.bus === a.bus && x.unit === a.unit;
  if (!same(s) && !same(genericSlot(d))) {
    throw vmxError(
      `disk address ${a.controller}:${a.bus}:${a.unit} doesn't match target device '${d.dst}'`,
    );
  }
  return s;
}

/** Every SCSI controller model libvirt knows, for legacy `<driver name>` values. */
const SCSI_MODEL_NAMES = [
  "auto",
  "buslogic",
  "lsilogic",
  "lsisas1068",
  "vmpvscsi",
  "ibmvscsi",
  "virtio-scsi",
  "lsisas1078",
  "virtio-transitional",
  "virtio-non-transitional",
  "ncr53c90",
  "dc390",
  "am53c974",
];

/** VMX `virtualDev` names of the SCSI models VMware has. */
const VMX_SCSI_DEV: Record<string, string> = {
  buslogic: "buslogic",
  lsilogic: "lsilogic",
  lsisas1068: "lsisas1068",
  vmpvscsi: "pvscsi",
};

/** Works out the model of each SCSI controller that has disks. */
function scsiModels(
  dom: XmlReader,
  disks: { d: DiskXml; s: DiskSlot }[],
  ctx: VmxWriteContext,
): Map<number, string | undefined> {
  const models = new Map<number, string | undefined>();
  for (const c of dom.child("devices")?.children("controller") ?? []) {
    if (c.attr("type") === "scsi") models.set(c.uint("index") ?? 0, c.attr("model"));
  }
  const scsi = disks.filter(({ d }) => d.bus === "scsi");
  for (const { d, s } of scsi) {
    if (d.driverName === undefined) continue;
    const model = d.driverName.toLowerCase();
    if (!SCSI_MODEL_NAMES.includes(model)) {
      throw vmxError(`unknown driver name '${d.driverName}' for disk '${d.dst}'`);
    }
    const current = models.get(s.controller);
    if (current === undefined) models.set(s.controller, model);
    else if (current !== model) {
      throw vmxError(
        `inconsistent SCSI controller model ('${model}' is not '${current}') for SCSI controller index ${s.controller}`,
      );
    }
  }
  const used = new Map<number, string | undefined>();
  for (const idx of [...new Set(scsi.map(({ s }) => s.controller))].sort((a, b) => a - b)) {
    let model = models.get(idx);
    if (model === "auto" && ctx.autodetectScsiModel) {
      const found = scsi.filter(({ s }) => s.controller === idx).map(({ d }) =>
        ctx.autodetectScsiModel!({
          device: d.device,
          type: d.type,
          dst: d.dst,
          source: d.source,
          driverName: d.driverName,
        })
      );
      if (found.some((m) => m !== found[0])) {
        throw vmxError(
          `disks on SCSI controller ${idx} have inconsistent controller models, cannot autodetect the model`,
        );
      }
      model = found[0] ?? "auto";
    }
    if (model !== undefined && !VMX_SCSI_DEV[model]) {
      throw vmxError(
        `expecting domain XML attribute 'model' of entry 'controller' to be 'buslogic' or 'lsilogic' or 'lsisas1068' or 'vmpvscsi' but found '${model}'`,
      );
    }
    used.set(idx, model);
  }
  return used;
}

function endsWithCI(s: string, suffix: string): boolean {
  return s.toLowerCase().endsWith(suffix);
}

/** Writes a hard disk, CD-ROM or LUN on a SCSI, SATA or IDE bus. */
function writeDisk(out: VmxWriter, ctx: VmxWriteContext, d: DiskXml, s: DiskSlot): void {
  if (d.type !== "file" && d.type !== "block") {
    throw vmxError(
      `${d.bus} ${d.device} '${d.dst}' has unsupported type '${d.type}', expecting 'file' or 'block'`,
    );
  }
  if (d.bus === "fdc") throw vmxError(`unsupported bus type 'fdc' for ${d.device} '${d.dst}'`);
  const prefix = d.bus === "ide" ? `ide${s.bus}:${s.unit}` : `${d.bus}${s.controller}:${s.unit}`;
  let deviceType: string | undefined;
  if (d.device === "disk" && d.type === "file") {
    deviceType = d.bus === "scsi" ? "scsi-hardDisk" : d.bus === "ide" ? "ata-hardDisk" : undefined;
  } else if (d.device === "cdrom") {
    deviceType = d.type === "file" ? "cdrom-image" : "atapi-cdrom";
  } else if (d.device === "lun") {
    deviceType = d.bus === "scsi" && d.source?.startsWith("/vmfs/devices/cdrom/")
      ? "scsi-passthru"
      : "cdrom-raw";
  } else {
    throw vmxError(`${d.bus} ${d.device} '${d.dst}' has an unsupported type '${d.type}'`);
  }
  out.set(`${prefix}.present`, "true");
  if (deviceType) out.set(`${prefix}.deviceType`, deviceType);
  if (d.type === "file") {
    const ext = d.device === "disk" ? ".vmdk" : ".iso";
    if (d.source !== undefined) {
      if (!endsWithCI(d.source, ext)) {
        throw vmxError(
          `image file for ${d.bus} ${d.device} '${d.dst}' has unsupported suffix, expecting '${ext}'`,
        );
      }
      out.set(`${prefix}.fileName`, ctx.formatFileName(d.source));
    } else if (d.device === "cdrom") {
      out.set(`${prefix}.fileName`, "emptyBackingString");
    } else {
      throw vmxError(`${d.bus} ${d.device} '${d.dst}' has no source file`);
    }
  } else if (d.source === undefined && d.startupPolicy === "optional") {
    out.set(`${prefix}.autodetect`, "true");
    out.set(`${prefix}.fileName`, "auto detect");
  } else if (d.source !== undefined) {
    out.set(`${prefix}.fileName`, d.source);
  }
  if (d.bus === "scsi" && d.cache !== undefined && d.cache !== "default") {
    if (d.cache !== "writethrough") {
      throw vmxError(`${d.bus} harddisk '${d.dst}' has unsupported cache mode '${d.cache}'`);
    }
    out.set(`${prefix}.writeThrough`, "true");
  }
  if (d.transient) out.set(`${prefix}.mode`, "independent-nonpersistent");
}

/** Writes a floppy drive. */
function writeFloppy(out: VmxWriter, ctx: VmxWriteContext, d: DiskXml, unit: number): void {
  out.set(`floppy${unit}.present`, "true");
  if (d.type === "file") {
    out.set(`floppy${unit}.fileType`, "file");
    if (d.source !== undefined) out.set(`floppy${unit}.fileName`, ctx.formatFileName(d.source));
  } else if (d.type === "block") {
    out.set(`floppy${unit}.fileType`, "device");
    if (d.source !== undefined) out.set(`floppy${unit}.fileName`, d.source);
  } else {
    throw vmxError(
      `floppy '${d.dst}' has unsupported type '${d.type}', expecting 'file' or 'block'`,
    );
  }
}

/**
 * Writes the storage part of a VMX file: the SCSI (and SATA) controllers in
 * use, every disk in document order, then `floppyN.present = "false"` for
 * each absent floppy drive. Returns whether any SCSI controller is present.
 */
export function writeDisks(out: VmxWriter, dom: XmlReader, ctx: VmxWriteContext): boolean {
  const disks = (dom.child("devices")?.children("disk") ?? []).map(readDisk).map((d) => ({
    d,
    s: verifyAddress(d),
  }));
  const models = scsiModels(dom, disks, ctx);
  for (const [idx, model] of models) {
    out.set(`scsi${idx}.present`, "true");
    if (model !== undefined) out.set(`scsi${idx}.virtualDev`, VMX_SCSI_DEV[model]);
  }
  const sata = [...new Set(disks.filter(({ d }) => d.bus === "sata").map(({ s }) => s.controller))]
    .sort((a, b) => a - b);
  for (const idx of sata) out.set(`sata${idx}.present`, "true");
  const floppies = [false, false];
  for (const { d, s } of disks) {
    if (d.device === "floppy") {
      if (d.bus !== "fdc") throw vmxError(`unsupported bus type '${d.bus}' for floppy '${d.dst}'`);
      floppies[s.unit] = true;
      writeFloppy(out, ctx, d, s.unit);
    } else if (d.device === "disk" || d.device === "cdrom" || d.device === "lun") {
      writeDisk(out, ctx, d, s);
    } else {
      throw vmxError(`unsupported disk device type '${d.device}' for disk '${d.dst}'`);
    }
  }
  floppies.forEach((present, unit) => {
    if (!present) out.set(`floppy${unit}.present`, "false");
  });
  return models.size > 0;
}
