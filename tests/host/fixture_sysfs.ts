/**
 * A small fake sysfs tree in a temp folder for the node device tests: an
 * AHCI controller with a SATA disk (SCSI host, target, device, block, sg),
 * an SR-IOV NIC with one VF and VPD, a GPU offering mdev types with one
 * mediated device, a wired interface, a USB hub, device and interface. Plus
 * a fake kernel for the sysfs writes that bind PCI drivers.
 */
import { type HostRoots, hostRoots } from "../../src/host/sysfs.ts";

const enc = new TextEncoder();

/** A built fixture: its roots and where the fake kernel logged each write. */
export interface Fixture {
  root: string;
  roots: HostRoots;
  writes: string[];
}

/** The PCI configuration space of a PCIe endpoint: link capable of 8 GT/s x4 (port 1), running at 2.5 GT/s x1. */
function pcieConfig(): Uint8Array {
  const cfg = new Uint8Array(256);
  cfg[0x06] = 0x10; // status: capability list
  cfg[0x34] = 0x40;
  cfg[0x40] = 0x10; // PCI Express
  cfg[0x41] = 0x00;
  cfg[0x42] = 0x02; // version 2, endpoint
  const lnkCap = (1 << 24) | (4 << 4) | 3;
  new DataView(cfg.buffer).setUint32(0x4c, lnkCap, true);
  new DataView(cfg.buffer).setUint16(0x52, (1 << 4) | 1, true);
  return cfg;
}

function vpdBytes(): Uint8Array {
  const large = (
    tag: number,
    body: number[],
  ) => [tag, body.length & 0xff, body.length >> 8, ...body];
  const field = (k: string, v: string) => [...enc.encode(k), v.length, ...enc.encode(v)];
  return new Uint8Array([
    ...large(0x82, [...enc.encode("Example 10G Card")]),
    ...large(0x90, [
      ...field("PN", "P/N-100"),
      ...field("EC", "A1"),
      ...field("SN", "SN12345"),
      ...field("V0", "fw 1.2"),
      ...field("RV", "\0"),
    ]),
    ...large(0x91, [
      ...field("YA", "ASSET-7"),
      ...field("V1", "vendor rw"),
      ...field("YB", "sys b"),
    ]),
    0x78,
  ]);
}

/** Builds the fixture under a new temp folder. */
export async function buildFixture(): Promise<Fixture> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "virtkit-sysfs-" }));
  const sys = `${root}/sys`;
  const writes: string[] = [];
  const file = async (path: string, data: string | Uint8Array) => {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(path, data);
    else await Deno.writeFile(path, data);
  };
  const link = async (path: string, target: string) => {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.symlink(target, path);
  };
  const dev = async (
    dir: string,
    subsystem: string,
    attrs: Record<string, string | Uint8Array>,
  ) => {
    await Deno.mkdir(dir, { recursive: true });
    await link(
      `${dir}/subsystem`,
      subsystem.startsWith("class/") ? `${sys}/${subsystem}` : `${sys}/bus/${subsystem}`,
    );
    for (const [k, v] of Object.entries(attrs)) await file(`${dir}/${k}`, v);
  };
  for (const d of ["pci", "usb", "scsi", "mdev"]) {
    await Deno.mkdir(`${sys}/bus/${d}/devices`, { recursive: true });
  }
  for (const d of ["ahci", "e1000e", "i915", "ixgbe", "vfio-pci"]) {
    await Deno.mkdir(`${sys}/bus/pci/drivers/${d}`, { recursive: true });
  }
  await file(`${sys}/bus/pci/drivers_probe`, "");
  for (const c of ["net", "block", "scsi_generic", "scsi_host"]) {
    await Deno.mkdir(`${sys}/class/${c}`, { recursive: true });
  }

  const pciRoot = `${sys}/devices/pci0000:00`;
  const pci = async (
    addr: string,
    a: Record<string, string | Uint8Array>,
    driver?: string,
    group?: number,
  ) => {
    const dir = `${pciRoot}/${addr}`;
    await dev(dir, "pci", { numa_node: "-1", driver_override: "(null)\n", ...a });
    await link(`${sys}/bus/pci/devices/${addr}`, dir);
    if (driver) await link(`${dir}/driver`, `${sys}/bus/pci/drivers/${driver}`);
    if (group !== undefined) {
      await Deno.mkdir(`${sys}/kernel/iommu_groups/${group}/devices`, { recursive: true });
      await link(`${sys}/kernel/iommu_groups/${group}/devices/${addr}`, dir);
      await link(`${dir}/iommu_group`, `${sys}/kernel/iommu_groups/${group}`);
    }
    return dir;
  };

  // GPU with mdev types and one mediated device.
  const gpu = await pci(
    "0000:00:02.0",
    { class: "0x030000\n", vendor: "0x8086\n", device: "0x5917\n" },
    "i915",
    1,
  );
  const mt = `${gpu}/mdev_supported_types/i915-GVTg_V5_4`;
  await file(`${mt}/name`, "GVTg_V5_4\n");
  await file(`${mt}/device_api`, "vfio-pci\n");
  await file(`${mt}/available_instances`, "1\n");
  const mdevUuid = "30820a6f-b1a5-4503-91ca-0c10ba58692a";
  await dev(`${gpu}/${mdevUuid}`, "mdev", {});
  await link(`${gpu}/${mdevUuid}/mdev_type`, mt);
  await Deno.mkdir(`${sys}/kernel/iommu_groups/12/devices`, { recursive: true });
  await link(`${gpu}/${mdevUuid}/iommu_group`, `${sys}/kernel/iommu_groups/12`);
  await link(`${sys}/bus/mdev/devices/${mdevUuid}`, `${gpu}/${mdevUuid}`);

  // Wired NIC.
  const nic = await pci(
    "0000:00:19.0",
    { class: "0x020000\n", vendor: "0x8086\n", device: "0x15b7\n", numa_node: "0\n" },
    "e1000e",
    5,
  );
  await dev(`${nic}/net/eth0`, "class/net", {
    uevent: "INTERFACE=eth0\nIFINDEX=2\n",
    address: "52:54:00:12:34:56\n",
    operstate: "up\n",
    speed: "1000\n",
    ifindex: "2\n",
  });
  await link(`${sys}/class/net/eth0`, `${nic}/net/eth0`);

  // SATA controller, disk and generic node; in IOMMU group 8 with PCIe link info.
  const ahci = await pci(
    "0000:00:1f.2",
    {
      class: "0x010601\n",
      vendor: "0x8086\n",
      device: "0x2922\n",
      numa_node: "0\n",
      config: pcieConfig(),
    },
    "ahci",
    8,
  );
  const host = `${ahci}/ata1/host0`;
  await dev(host, "scsi", { uevent: "DEVTYPE=scsi_host\n" });
  await link(`${sys}/bus/scsi/devices/host0`, host);
  await file(`${sys}/devices/virtual/scsi_host_class/host0/unique_id`, "1\n");
  await link(`${sys}/class/scsi_host/host0`, `${sys}/devices/virtual/scsi_host_class/host0`);
  const target = `${host}/target0:0:0`;
  await dev(target, "scsi", { uevent: "DEVTYPE=scsi_target\n" });
  await link(`${sys}/bus/scsi/devices/target0:0:0`, target);
  const lun = `${target}/0:0:0:0`;
  await dev(lun, "scsi", {
    uevent: "DEVTYPE=scsi_device\n",
    type: "0\n",
    vendor: "ATA     \n",
    model: "QEMU HARDDISK\n",
  });
  await link(`${sys}/bus/scsi/devices/0:0:0:0`, lun);
  await dev(`${lun}/block/sda`, "class/block", {
    uevent: "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n",
    size: "2097152\n",
    "queue/logical_block_size": "512\n",
    removable: "0\n",
  });
  await link(`${lun}/block/sda/device`, lun);
  await link(`${sys}/class/block/sda`, `${lun}/block/sda`);
  await dev(`${lun}/block/sda/sda1`, "class/block", {
    uevent: "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\n",
  });
  await link(`${sys}/class/block/sda1`, `${lun}/block/sda/sda1`);
  await dev(`${lun}/scsi_generic/sg0`, "class/scsi_generic", {
    uevent: "MAJOR=21\nMINOR=0\nDEVNAME=sg0\n",
  });
  await link(`${sys}/class/scsi_generic/sg0`, `${lun}/scsi_generic/sg0`);
  // A loop device is not listed.
  await dev(`${sys}/devices/virtual/block/loop0`, "class/block", {
    uevent: "MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\n",
    size: "0\n",
  });
  await link(`${sys}/class/block/loop0`, `${sys}/devices/virtual/block/loop0`);

  // SR-IOV NIC: PF 03:00.0 (up to 7 VFs, one enabled) with VPD, VF 03:10.0; no driver on the VF.
  await pci(
    "0000:03:00.0",
    {
      class: "0x020000\n",
      vendor: "0x8086\n",
      device: "0x10fb\n",
      sriov_totalvfs: "7\n",
      vpd: vpdBytes(),
    },
    "ixgbe",
    20,
  );
  await pci(
    "0000:03:10.0",
    { class: "0x020000\n", vendor: "0x8086\n", device: "0x10ed\n" },
    undefined,
    21,
  );
  await link(`${pciRoot}/0000:03:00.0/virtfn0`, `${pciRoot}/0000:03:10.0`);
  await link(`${pciRoot}/0000:03:10.0/physfn`, `${pciRoot}/0000:03:00.0`);
  // A device without an IOMMU group.
  await pci(
    "0000:00:1d.0",
    { class: "0x0c0320\n", vendor: "0x8086\n", device: "0x293a\n" },
    undefined,
  );

  // USB: root hub on the xHCI controller, a device, its interface.
  const xhci = await pci(
    "0000:00:14.0",
    { class: "0x0c0330\n", vendor: "0x8086\n", device: "0xa12f\n" },
    undefined,
    3,
  );
  const hub = `${xhci}/usb1`;
  await dev(hub, "usb", {
    uevent: "DEVTYPE=usb_device\nDEVNAME=bus/usb/001/001\nMAJOR=189\nMINOR=0\n",
    busnum: "1\n",
    devnum: "1\n",
    idVendor: "1d6b\n",
    idProduct: "0002\n",
    manufacturer: "Linux 6.1 xhci-hcd\n",
    product: "xHCI Host Controller\n",
  });
  await link(`${sys}/bus/usb/devices/usb1`, hub);
  await dev(`${hub}/1-1`, "usb", {
    uevent: "DEVTYPE=usb_device\nDEVNAME=bus/usb/001/002\nMAJOR=189\nMINOR=1\n",
    busnum: "1\n",
    devnum: "2\n",
    idVendor: "0627\n",
    idProduct: "0001\n",
    product: "QEMU USB Tablet\n",
    manufacturer: "QEMU\n",
  });
  await link(`${sys}/bus/usb/devices/1-1`, `${hub}/1-1`);
  await dev(`${hub}/1-1/1-1:1.0`, "usb", {
    uevent: "DEVTYPE=usb_interface\n",
    bInterfaceNumber: "00\n",
    bInterfaceClass: "03\n",
    bInterfaceSubClass: "00\n",
    bInterfaceProtocol: "00\n",
  });
  await link(`${sys}/bus/usb/devices/1-1:1.0`, `${hub}/1-1/1-1:1.0`);

  await file(
    `${root}/pci.ids`,
    "# test ids\n8086  Intel Corporation\n\t2922  82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]\n\t\t1af4 1100  QEMU\nC 00  Unclassified device\n",
  );
  await file(`${root}/machine-id`, "3d1219c7c4c5404aaa1f6d2a48adfda4\n");

  const roots = hostRoots({
    sys,
    proc: `${root}/proc`,
    dev: `${root}/dev`,
    udevData: `${root}/udev`,
    pciIds: [`${root}/pci.ids`],
    usbIds: [`${root}/usb.ids`],
    machineId: `${root}/machine-id`,
    write: (path, data) => fakeKernel(sys, path, data, writes),
  });
  return { root, roots, writes };
}

/** The drivers the fake kernel binds when no override is set. */
const NATIVE: Record<string, string> = { "0000:00:1f.2": "ahci", "0000:03:10.0": "ixgbevf" };

/** Applies a sysfs write the way the kernel would for the PCI driver files. */
async function fakeKernel(sys: string, path: string, data: string, log: string[]): Promise<void> {
  log.push(`${path.slice(sys.length)} <- ${JSON.stringify(data)}`);
  const devDir = (addr: string) => `${sys}/bus/pci/devices/${addr}`;
  if (path.endsWith("/driver_override")) {
    await Deno.writeTextFile(path, data.trim() === "" ? "(null)\n" : `${data}\n`);
  } else if (path.endsWith("/unbind")) {
    await Deno.remove(`${devDir(data)}/driver`);
  } else if (path === `${sys}/bus/pci/drivers_probe`) {
    const dir = devDir(data);
    const override = (await Deno.readTextFile(`${dir}/driver_override`)).trim();
    const want = override !== "(null)" ? override : NATIVE[data];
    if (!want) return;
    await Deno.mkdir(`${sys}/bus/pci/drivers/${want}`, { recursive: true });
    await Deno.symlink(`${sys}/bus/pci/drivers/${want}`, `${dir}/driver`);
  } else {
    throw new Error(`the fake kernel does not handle writes to ${path}`);
  }
}
