/**
 * Enumerates the host's devices from sysfs into node device definitions, the
 * way libvirt's udev backend names and relates them:
 *
 * - the name is `SUBSYSTEM_SYSNAME`, plus the MAC for network interfaces and
 *   the serial for disks, every character other than a letter or digit
 *   replaced by `_` (`pci_0000_00_1f_2`, `usb_1_1`, `net_eth0_52_54_00_...`,
 *   `block_sda_SERIAL`, `scsi_host0`, `scsi_0_0_0_0`);
 * - the parent is the nearest sysfs ancestor that is itself a node device,
 *   else `computer`.
 *
 * udev's database (`/run/udev/data`) is read when present, for device node
 * links and the bus, model, vendor and serial of disks; without it, sysfs
 * attributes stand in.
 * @module
 */
import { parseUuid } from "../../conf/ids.ts";
import {
  exists,
  type HostRoots,
  linkName,
  listDir,
  readAttr,
  readInt,
  readUevent,
  shownSysPath,
} from "../sysfs.ts";
import { hostUuid } from "../uuid.ts";
import type { LinkState, NodeDevCap, NodeDeviceDef, StorageCap } from "./def.ts";
import { type IdDatabase, loadIdDatabase, lookupIds } from "./ids.ts";
import { type MdevctlDevice, type MdevctlOptions, mdevList } from "./mdevctl.ts";
import { formatPciAddress, parsePciAddress, readPciCap } from "./pci.ts";

/** Options of {@link enumerateNodeDevices}. */
export interface EnumerateOptions {
  /** Where mdevctl is; its definitions add persistent mediated devices. */
  mdevctl?: MdevctlOptions;
}

/** One candidate device: its real sysfs folder and the facts every kind needs. */
interface Candidate {
  dir: string;
  subsystem: string;
  sysname: string;
  uevent: Map<string, string>;
  udev: UdevEntry;
}

/** What udev's database records about a device. */
interface UdevEntry {
  props: Map<string, string>;
  links: string[];
}

const LINK_STATES: LinkState[] = [
  "unknown",
  "notpresent",
  "down",
  "lowerlayerdown",
  "testing",
  "dormant",
  "up",
];

/** SCSI peripheral device types by code, as libvirt names them. */
const SCSI_TYPES: Record<number, string> = {
  0: "disk",
  1: "tape",
  3: "processor",
  4: "worm",
  5: "cdrom",
  6: "scanner",
  7: "mod",
  8: "changer",
  0xc: "raid",
  0xd: "enclosure",
};

/** libvirt's device name: the parts joined by `_`, every other non-alphanumeric character made `_`. */
export function deviceName(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined).join("_").replace(/[^A-Za-z0-9]/g, "_");
}

/**
 * Every node device of the host, `computer` first then sorted by name, each
 * with its parent set.
 */
export async function enumerateNodeDevices(
  roots: HostRoots,
  opts: EnumerateOptions = {},
): Promise<NodeDeviceDef[]> {
  let sys: string;
  try {
    sys = await Deno.realPath(roots.sys);
  } catch {
    return [await computer(roots)];
  }
  const real = { ...roots, sys };
  const pciIds = await loadIdDatabase(roots.pciIds);
  const usbIds = await loadIdDatabase(roots.usbIds);
  const defined = await mdevList(true, opts.mdevctl).catch(() => [] as MdevctlDevice[]);

  const found = new Map<string, NodeDeviceDef>();
  const folders = [
    "bus/pci/devices",
    "bus/usb/devices",
    "class/net",
    "class/block",
    "bus/scsi/devices",
    "class/scsi_generic",
    "class/drm",
    "bus/mdev/devices",
  ];
  for (const folder of folders) {
    for (const e of await listDir(`${sys}/${folder}`)) {
      const c = await candidate(real, `${sys}/${folder}/${e.name}`);
      if (!c || found.has(c.dir)) continue;
      const def = await build(real, c, pciIds, usbIds, defined);
      if (def) found.set(c.dir, def);
    }
  }

  const byDir = new Map([...found].map(([dir, d]) => [dir, d.name]));
  for (const [dir, def] of found) def.parent = parentName(sys, dir, byDir);
  const all = [...found.values()];
  all.push(...inactiveMdevs(defined, all));
  all.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [await computer(roots), ...all];
}

/** The nearest ancestor folder that is a node device, else `computer`. */
function parentName(sys: string, dir: string, byDir: Map<string, string>): string {
  for (
    let p = dir.slice(0, dir.lastIndexOf("/"));
    p.length > sys.length;
    p = p.slice(0, p.lastIndexOf("/"))
  ) {
    const name = byDir.get(p);
    if (name) return name;
  }
  return "computer";
}

async function candidate(roots: HostRoots, link: string): Promise<Candidate | undefined> {
  let dir: string;
  try {
    dir = await Deno.realPath(link);
  } catch {
    return undefined;
  }
  const subsystem = await linkName(`${dir}/subsystem`);
  if (!subsystem) return undefined;
  const sysname = dir.slice(dir.lastIndexOf("/") + 1);
  const uevent = await readUevent(dir);
  return {
    dir,
    subsystem,
    sysname,
    uevent,
    udev: await readUdev(roots, subsystem, sysname, uevent, dir),
  };
}

/** udev's record of a device: `bMAJ:MIN`/`cMAJ:MIN` for device nodes, `nIFINDEX` for interfaces, else `+SUBSYSTEM:SYSNAME`. */
async function readUdev(
  roots: HostRoots,
  subsystem: string,
  sysname: string,
  uevent: Map<string, string>,
  dir: string,
): Promise<UdevEntry> {
  let id = `+${subsystem}:${sysname}`;
  if (uevent.has("MAJOR") && uevent.has("MINOR")) {
    id = `${subsystem === "block" ? "b" : "c"}${uevent.get("MAJOR")}:${uevent.get("MINOR")}`;
  } else if (subsystem === "net") {
    const idx = await readAttr(`${dir}/ifindex`);
    if (idx) id = `n${idx}`;
  }
  const props = new Map<string, string>();
  const links: string[] = [];
  for (const line of (await readAttr(`${roots.udevData}/${id}`))?.split("\n") ?? []) {
    if (line.startsWith("E:")) {
      const eq = line.indexOf("=");
      if (eq > 2) props.set(line.slice(2, eq), line.slice(eq + 1));
    } else if (line.startsWith("S:")) links.push(`/dev/${line.slice(2)}`);
  }
  return { props, links: links.sort() };
}

/** The device definition of a candidate, or undefined when libvirt would not list it. */
async function build(
  roots: HostRoots,
  c: Candidate,
  pciIds: IdDatabase | undefined,
  usbIds: IdDatabase | undefined,
  defined: MdevctlDevice[],
): Promise<NodeDeviceDef | undefined> {
  const devtype = c.uevent.get("DEVTYPE");
  const devname = c.uevent.get("DEVNAME");
  const base: NodeDeviceDef = {
    name: deviceName(c.subsystem, c.sysname),
    path: shownSysPath(roots, c.dir),
    devnode: devname ? `/dev/${devname}` : undefined,
    devlinks: c.udev.links,
    driver: await linkName(`${c.dir}/driver`),
    caps: [],
    active: true,
    persistent: false,
    autostart: false,
  };
  let cap: NodeDevCap | undefined;
  if (c.subsystem === "pci") {
    const addr = parsePciAddress(c.sysname);
    if (!addr) return undefined;
    cap = await readPciCap(roots, c.dir, addr, pciIds);
    if (!cap.product.name) cap.product.name = c.udev.props.get("ID_MODEL_FROM_DATABASE");
    if (!cap.vendor.name) cap.vendor.name = c.udev.props.get("ID_VENDOR_FROM_DATABASE");
  } else if (c.subsystem === "usb" && devtype === "usb_device") {
    cap = await usbDevice(c, usbIds);
  } else if (c.subsystem === "usb" && devtype === "usb_interface") {
    cap = {
      type: "usb",
      number: await readInt(`${c.dir}/bInterfaceNumber`, 16) ?? 0,
      class: await readInt(`${c.dir}/bInterfaceClass`, 16) ?? 0,
      subclass: await readInt(`${c.dir}/bInterfaceSubClass`, 16) ?? 0,
      protocol: await readInt(`${c.dir}/bInterfaceProtocol`, 16) ?? 0,
      description: await readAttr(`${c.dir}/interface`) || undefined,
    };
  } else if (c.subsystem === "net") {
    const address = await readAttr(`${c.dir}/address`) || undefined;
    base.name = deviceName(c.subsystem, c.sysname, address);
    const stateText = await readAttr(`${c.dir}/operstate`);
    const state = LINK_STATES.find((s) => s === stateText);
    const speed = state === "up" ? await readInt(`${c.dir}/speed`) : undefined;
    cap = {
      type: "net",
      interface: c.uevent.get("INTERFACE") ?? c.sysname,
      address: address && /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(address)
        ? address
        : undefined,
      link: { speed: speed !== undefined && speed > 0 ? speed : undefined, state },
      features: [],
      subtype: devtype === "wlan" ? "80211" : "80203",
    };
  } else if (c.subsystem === "block") {
    if (devtype !== "disk" || !devname) return undefined;
    const st = await storage(c, `/dev/${devname}`);
    if (!st) return undefined;
    base.name = deviceName(c.subsystem, c.sysname, st.serial);
    cap = st;
  } else if (c.subsystem === "scsi" && devtype === "scsi_host") {
    cap = await scsiHost(roots, c);
    if (!cap) return undefined;
  } else if (c.subsystem === "scsi" && devtype === "scsi_target") {
    cap = { type: "scsi_target", target: c.sysname };
  } else if (c.subsystem === "scsi" && devtype === "scsi_device") {
    const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(c.sysname);
    if (!m) return undefined;
    const code = await readInt(`${c.dir}/type`);
    cap = {
      type: "scsi",
      host: Number(m[1]),
      bus: Number(m[2]),
      target: Number(m[3]),
      lun: Number(m[4]),
      scsiType: code === undefined ? undefined : SCSI_TYPES[code],
    };
  } else if (c.subsystem === "scsi_generic" && devname) {
    cap = { type: "scsi_generic", char: `/dev/${devname}` };
  } else if (c.subsystem === "drm" && devtype === "drm_minor") {
    const drmType = c.sysname.startsWith("renderD")
      ? "render"
      : c.sysname.startsWith("controlD")
      ? "control"
      : "primary";
    cap = { type: "drm", drmType };
  } else if (c.subsystem === "mdev") {
    const uuid = parseUuid(c.sysname);
    if (!uuid) return undefined;
    const parentAddr = c.dir.split("/").at(-2);
    const def = defined.find((d) => d.uuid === uuid);
    base.name = deviceName("mdev", uuid, parentAddr);
    base.persistent = def !== undefined;
    base.autostart = def?.autostart ?? false;
    const group = await linkName(`${c.dir}/iommu_group`);
    cap = {
      type: "mdev",
      mdevType: await linkName(`${c.dir}/mdev_type`) ?? def?.type ?? "",
      uuid,
      parentAddr,
      iommuGroup: group && /^\d+$/.test(group) ? Number(group) : undefined,
      attrs: def?.attrs ?? [],
    };
  }
  if (!cap) return undefined;
  base.caps.push(cap);
  return base;
}

async function usbDevice(c: Candidate, ids: IdDatabase | undefined): Promise<NodeDevCap> {
  const vendor = await readInt(`${c.dir}/idVendor`, 16) ?? 0;
  const product = await readInt(`${c.dir}/idProduct`, 16) ?? 0;
  const names = lookupIds(ids, vendor, product);
  const p = c.udev.props;
  return {
    type: "usb_device",
    bus: await readInt(`${c.dir}/busnum`) ?? 0,
    device: await readInt(`${c.dir}/devnum`) ?? 0,
    product: {
      id: product,
      name: p.get("ID_MODEL_FROM_DATABASE") ?? names.product ??
        (await readAttr(`${c.dir}/product`) || undefined),
    },
    vendor: {
      id: vendor,
      name: p.get("ID_VENDOR_FROM_DATABASE") ?? names.vendor ??
        (await readAttr(`${c.dir}/manufacturer`) || undefined),
    },
  };
}

/**
 * A whole disk (not a partition) whose kind is known: udev's `ID_TYPE`, else
 * virtio/Xen disks by name, SCSI devices by their peripheral type, NVMe and
 * MMC by name. Loop, RAM and device-mapper devices are left out, as libvirt
 * leaves them.
 */
async function storage(c: Candidate, block: string): Promise<StorageCap | undefined> {
  const p = c.udev.props;
  const scsiType = await readInt(`${c.dir}/device/type`);
  let driveType = p.get("ID_TYPE");
  if (!driveType) {
    if (/^(x?vd|nvme)/.test(c.sysname)) driveType = "disk";
    else if (/^mmcblk/.test(c.sysname)) driveType = "sd";
    else if (scsiType === 0) driveType = "disk";
    else if (scsiType === 5) driveType = "cd";
    else if (/^fd\d/.test(c.sysname)) driveType = "floppy";
  }
  if (!driveType || !["disk", "cd", "floppy", "sd"].includes(driveType)) return undefined;
  const sectors = await readInt(`${c.dir}/size`) ?? 0;
  const logical = await readInt(`${c.dir}/queue/logical_block_size`) ?? 0;
  const removable = driveType !== "disk" || (await readInt(`${c.dir}/removable`)) === 1;
  const bus = p.get("ID_BUS") ??
    (c.dir.includes("/usb") ? "usb" : scsiType !== undefined ? await scsiBus(c.dir) : undefined);
  const cap: StorageCap = {
    type: "storage",
    block,
    bus,
    driveType,
    model: p.get("ID_MODEL") ??
      (scsiType !== undefined ? await readAttr(`${c.dir}/device/model`) || undefined : undefined),
    vendor: p.get("ID_VENDOR") ??
      (scsiType !== undefined ? await readAttr(`${c.dir}/device/vendor`) || undefined : undefined),
    serial: p.get("ID_SERIAL") ??
      (await readAttr(`${c.dir}/serial`) || await readAttr(`${c.dir}/device/serial`) || undefined),
    // libvirt multiplies the sector count by the logical block size.
    size: sectors * logical,
    logicalBlockSize: logical,
    numBlocks: sectors,
    hotpluggable: bus === "usb",
  };
  if (removable) {
    cap.removable = {
      mediaAvailable: sectors > 0,
      mediaSize: sectors > 0 ? sectors * logical : 0,
      mediaLabel: p.get("ID_FS_LABEL"),
    };
  }
  return cap;
}

/** `ata` for disks behind libata (vendor `ATA`), else `scsi`. */
async function scsiBus(dir: string): Promise<string> {
  return (await readAttr(`${dir}/device/vendor`)) === "ATA" ? "ata" : "scsi";
}

async function scsiHost(roots: HostRoots, c: Candidate): Promise<NodeDevCap | undefined> {
  const m = /^host(\d+)$/.exec(c.sysname);
  if (!m) return undefined;
  const fc = `${roots.sys}/class/fc_host/${c.sysname}`;
  const wwn = async (f: string) => (await readAttr(`${fc}/${f}`))?.replace(/^0x/, "");
  let fcHost;
  if (await exists(fc)) {
    const wwnn = await wwn("node_name");
    const wwpn = await wwn("port_name");
    if (wwnn && wwpn) fcHost = { wwnn, wwpn, fabricWwn: await wwn("fabric_name") };
  }
  let vports;
  const max = await readInt(`${fc}/max_npiv_vports`);
  if (max !== undefined) vports = { max, inUse: await readInt(`${fc}/npiv_vports_inuse`) ?? 0 };
  return {
    type: "scsi_host",
    host: Number(m[1]),
    uniqueId: await readInt(`${roots.sys}/class/scsi_host/${c.sysname}/unique_id`),
    fcHost,
    vports,
  };
}

/** Mediated devices mdevctl has defined but that do not exist now. */
function inactiveMdevs(defined: MdevctlDevice[], active: NodeDeviceDef[]): NodeDeviceDef[] {
  const live = new Set(
    active.flatMap((d) => d.caps.map((c) => c.type === "mdev" ? c.uuid : undefined)),
  );
  const byAddr = new Map<string, string>();
  for (const d of active) {
    for (const c of d.caps) if (c.type === "pci") byAddr.set(formatPciAddress(c.address), d.name);
  }
  return defined.filter((d) => !live.has(d.uuid)).map((d) => ({
    name: deviceName("mdev", d.uuid, d.parent),
    devlinks: [],
    parent: byAddr.get(d.parent) ?? "computer",
    caps: [{ type: "mdev", mdevType: d.type, uuid: d.uuid, parentAddr: d.parent, attrs: d.attrs }],
    active: false,
    persistent: true,
    autostart: d.autostart,
  }));
}

/** The `computer` root: DMI product, hardware and firmware facts. */
async function computer(roots: HostRoots): Promise<NodeDeviceDef> {
  let dmi = `${roots.sys}/class/dmi/id`;
  if (!await exists(dmi)) dmi = `${roots.sys}/devices/virtual/dmi/id`;
  const attr = async (f: string) => (await readAttr(`${dmi}/${f}`)) || undefined;
  return {
    name: "computer",
    devlinks: [],
    caps: [{
      type: "system",
      product: await attr("product_name"),
      hardware: {
        vendor: await attr("sys_vendor"),
        version: await attr("product_version"),
        serial: await attr("product_serial"),
        uuid: await hostUuid(roots) ?? "00000000-0000-0000-0000-000000000000",
      },
      firmware: {
        vendor: await attr("bios_vendor"),
        version: await attr("bios_version"),
        releaseDate: await attr("bios_date"),
      },
    }],
    active: true,
    persistent: false,
    autostart: false,
  };
}
