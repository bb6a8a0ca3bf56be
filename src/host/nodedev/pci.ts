/**
 * PCI functions from sysfs: ids and names, IOMMU group, SR-IOV relations,
 * NUMA node, mediated device types, VPD, and the PCI Express link read from
 * the configuration space.
 * @module
 */
import { type HostRoots, linkName, listDir, readAttr, readInt } from "../sysfs.ts";
import type { MdevType, PciAddress, PciCap, PcieLink } from "./def.ts";
import { type IdDatabase, lookupIds } from "./ids.ts";
import { parseVpd } from "./vpd.ts";

/** The largest VPD read (the format allows at most 32 KiB). */
const MAX_VPD_BYTES = 32768;

/** Parses `DDDD:BB:SS.F`; undefined when it is not a PCI address. */
export function parsePciAddress(text: string): PciAddress | undefined {
  const m = /^([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(text);
  if (!m) return undefined;
  return {
    domain: parseInt(m[1], 16),
    bus: parseInt(m[2], 16),
    slot: parseInt(m[3], 16),
    function: Number(m[4]),
  };
}

/** `DDDD:BB:SS.F`, the form sysfs uses. */
export function formatPciAddress(a: PciAddress): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function}`;
}

/** Reads the PCI capability of the device whose sysfs folder is `dir` and address `addr`. */
export async function readPciCap(
  roots: HostRoots,
  dir: string,
  addr: PciAddress,
  ids: IdDatabase | undefined,
): Promise<PciCap> {
  const vendor = await readInt(`${dir}/vendor`) ?? 0;
  const product = await readInt(`${dir}/device`) ?? 0;
  const names = lookupIds(ids, vendor, product);
  const cap: PciCap = {
    type: "pci",
    class: await readInt(`${dir}/class`),
    address: addr,
    product: { id: product, name: names.product },
    vendor: { id: vendor, name: names.vendor },
  };
  const pf = await linkName(`${dir}/physfn`);
  if (pf) cap.physFunction = parsePciAddress(pf);
  const vfs = await virtFunctions(dir);
  const maxVfs = await readInt(`${dir}/sriov_totalvfs`);
  if (vfs.length || maxVfs) cap.virtFunctions = { maxCount: maxVfs || undefined, addresses: vfs };
  const types = await readMdevTypes(`${dir}/mdev_supported_types`);
  if (types.length) cap.mdevTypes = types;
  const vpd = await readVpd(`${dir}/vpd`);
  if (vpd) cap.vpd = vpd;
  const group = await linkName(`${dir}/iommu_group`);
  if (group !== undefined && /^\d+$/.test(group)) {
    const members = (await listDir(`${roots.sys}/kernel/iommu_groups/${group}/devices`))
      .map((e) => parsePciAddress(e.name))
      .filter((a): a is PciAddress => a !== undefined);
    cap.iommuGroup = { number: Number(group), addresses: members.length ? members : [addr] };
  }
  const numa = await readInt(`${dir}/numa_node`);
  if (numa !== undefined && numa >= 0) cap.numaNode = numa;
  const pcie = await readPcieLinks(`${dir}/config`);
  if (pcie) cap.pciExpress = pcie;
  return cap;
}

/** The `virtfnN` links of a physical function, in N order. */
async function virtFunctions(dir: string): Promise<PciAddress[]> {
  const links = (await listDir(dir))
    .map((e) => /^virtfn(\d+)$/.exec(e.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  const out: PciAddress[] = [];
  for (const m of links) {
    const a = parsePciAddress(await linkName(`${dir}/${m[0]}`) ?? "");
    if (a) out.push(a);
  }
  return out;
}

/**
 * The mediated device types under a parent's `mdev_supported_types` folder
 * (each type a folder with `name`, `device_api`, `available_instances`).
 */
export async function readMdevTypes(dir: string): Promise<MdevType[]> {
  const out: MdevType[] = [];
  for (const e of await listDir(dir)) {
    const api = await readAttr(`${dir}/${e.name}/device_api`);
    if (api !== "vfio-pci" && api !== "vfio-ccw" && api !== "vfio-ap") continue;
    out.push({
      id: e.name,
      name: await readAttr(`${dir}/${e.name}/name`) || undefined,
      deviceAPI: api,
      availableInstances: await readInt(`${dir}/${e.name}/available_instances`) ?? 0,
    });
  }
  return out;
}

async function readVpd(path: string): Promise<ReturnType<typeof parseVpd>> {
  try {
    using f = await Deno.open(path, { read: true });
    const buf = new Uint8Array(MAX_VPD_BYTES);
    let n = 0;
    while (n < buf.length) {
      const got = await f.read(buf.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    return n ? parseVpd(buf.subarray(0, n)) : undefined;
  } catch {
    return undefined; // no VPD, or not readable
  }
}

/** PCIe link speeds by the 4-bit code of the link registers. */
const LINK_SPEEDS: Record<number, string> = { 1: "2.5", 2: "5", 3: "8", 4: "16", 5: "32", 6: "64" };

/**
 * The PCI Express capability from a device's configuration space: undefined
 * for conventional PCI or when the space cannot be read (it needs root);
 * without links for root complex integrated endpoints and event collectors.
 */
export async function readPcieLinks(path: string): Promise<PciCap["pciExpress"]> {
  let cfg: Uint8Array;
  try {
    cfg = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  if (cfg.length < 0x40) return undefined;
  const u16 = (o: number) => cfg[o] | (cfg[o + 1] << 8);
  const u32 = (o: number) => (u16(o) | (u16(o + 2) << 16)) >>> 0;
  if (!(u16(0x06) & 0x10)) return undefined; // no capability list
  let ptr = cfg[0x34] & 0xfc;
  for (let hops = 0; ptr >= 0x40 && ptr + 0x14 <= cfg.length && hops < 48; hops++) {
    if (cfg[ptr] === 0x10) {
      const portType = (u16(ptr + 2) >> 4) & 0xf;
      if (portType === 0x9 || portType === 0xa) return {};
      const lnkCap = u32(ptr + 0x0c);
      const lnkSta = u16(ptr + 0x12);
      const cap: PcieLink = {
        port: lnkCap >>> 24,
        speed: LINK_SPEEDS[lnkCap & 0xf],
        width: (lnkCap >> 4) & 0x3f,
      };
      const sta: PcieLink = { speed: LINK_SPEEDS[lnkSta & 0xf], width: (lnkSta >> 4) & 0x3f };
      return { cap, sta };
    }
    ptr = cfg[ptr + 1] & 0xfc;
  }
  return undefined;
}
