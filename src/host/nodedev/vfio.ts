/**
 * Handing a PCI device to guests and back: `detach` binds it to `vfio-pci`
 * through sysfs, `reattach` gives it back to its own driver.
 *
 * Detaching writes `vfio-pci` to the device's `driver_override`, unbinds it
 * from its current driver and asks the kernel to probe it again, which binds
 * it to vfio-pci. Reattaching unbinds it from vfio-pci, clears the override
 * and probes again, so the kernel picks the device's usual driver.
 * @module
 */
import { VirtError } from "../../errors.ts";
import { exists, type HostRoots, linkName } from "../sysfs.ts";
import { formatPciAddress, parsePciAddress } from "./pci.ts";

/** The stub driver devices are bound to for assignment. */
export const VFIO_DRIVER = "vfio-pci";

/** Options of {@link detachPciDevice}. */
export interface DetachOptions {
  /** Loads a kernel module; default runs `modprobe`. */
  loadModule?: (name: string) => Promise<void>;
}

/** The sysfs address (`0000:00:1f.2`) of a node device name (`pci_0000_00_1f_2`). */
export function pciAddressOfName(name: string): string {
  const m = /^pci_([0-9a-f]{4,8})_([0-9a-f]{2})_([0-9a-f]{2})_([0-7])$/.exec(name);
  const a = m ? parsePciAddress(`${m[1]}:${m[2]}:${m[3]}.${m[4]}`) : undefined;
  if (!a) {
    throw new VirtError(
      "invalid-arg",
      "nodedev",
      `device '${name}' is not a PCI device: only PCI devices can be detached`,
    );
  }
  return formatPciAddress(a);
}

async function deviceDir(roots: HostRoots, name: string): Promise<{ addr: string; dir: string }> {
  const addr = pciAddressOfName(name);
  const dir = `${roots.sys}/bus/pci/devices/${addr}`;
  if (!await exists(dir)) {
    throw new VirtError("no-node-device", "nodedev", `no node device with matching name '${name}'`);
  }
  return { addr, dir };
}

async function write(roots: HostRoots, path: string, data: string, what: string): Promise<void> {
  try {
    await roots.write(path, data);
  } catch (e) {
    throw new VirtError(
      "system-error",
      "nodedev",
      `${what}: cannot write '${path}': ${(e as Error).message}`,
    );
  }
}

async function modprobe(name: string): Promise<void> {
  const out = await new Deno.Command("modprobe", { args: [name], stdout: "null", stderr: "piped" })
    .output()
    .catch((e) => {
      throw new VirtError(
        "system-error",
        "nodedev",
        `cannot run modprobe ${name}: ${(e as Error).message}`,
      );
    });
  if (!out.success) {
    throw new VirtError(
      "system-error",
      "nodedev",
      `modprobe ${name} failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
}

/**
 * Bind a PCI device to vfio-pci. A device already bound to vfio-pci is left
 * as it is.
 *
 * @param name the node device name, e.g. `pci_0000_03_00_0`
 * @returns the driver the device was bound to before, if any
 * @throws VirtError `invalid-arg` for a name that is not a PCI device,
 *   `no-node-device` when it does not exist, `operation-invalid` when it has
 *   no IOMMU group, `operation-failed` when the kernel did not bind it
 */
export async function detachPciDevice(
  roots: HostRoots,
  name: string,
  opts: DetachOptions = {},
): Promise<string | undefined> {
  const { addr, dir } = await deviceDir(roots, name);
  const before = await linkName(`${dir}/driver`);
  if (before === VFIO_DRIVER) return before;
  if (!await exists(`${dir}/iommu_group`)) {
    throw new VirtError(
      "operation-invalid",
      "nodedev",
      `cannot detach ${name}: it has no IOMMU group; enable the IOMMU (intel_iommu=on or amd_iommu=on) to assign devices with VFIO`,
    );
  }
  if (!await exists(`${roots.sys}/bus/pci/drivers/${VFIO_DRIVER}`)) {
    await (opts.loadModule ?? modprobe)(VFIO_DRIVER);
    if (!await exists(`${roots.sys}/bus/pci/drivers/${VFIO_DRIVER}`)) {
      throw new VirtError(
        "operation-failed",
        "nodedev",
        `cannot detach ${name}: the ${VFIO_DRIVER} driver is not available`,
      );
    }
  }
  await write(roots, `${dir}/driver_override`, VFIO_DRIVER, `cannot detach ${name}`);
  if (before) {
    await write(roots, `${dir}/driver/unbind`, addr, `cannot detach ${name} from ${before}`);
  }
  await write(roots, `${roots.sys}/bus/pci/drivers_probe`, addr, `cannot detach ${name}`);
  const after = await linkName(`${dir}/driver`);
  if (after !== VFIO_DRIVER) {
    await write(roots, `${dir}/driver_override`, "\n", `cannot undo the detach of ${name}`);
    if (!after) {
      await write(
        roots,
        `${roots.sys}/bus/pci/drivers_probe`,
        addr,
        `cannot undo the detach of ${name}`,
      );
    }
    throw new VirtError(
      "operation-failed",
      "nodedev",
      `cannot detach ${name}: the kernel bound it to ${
        after ?? "no driver"
      } instead of ${VFIO_DRIVER}`,
    );
  }
  return before;
}

/**
 * Give a device detached with {@link detachPciDevice} back to the host.
 *
 * @returns the driver the kernel bound it to, if any
 * @throws VirtError `operation-invalid` when the device is bound to a driver other than vfio-pci
 */
export async function reattachPciDevice(
  roots: HostRoots,
  name: string,
): Promise<string | undefined> {
  const { addr, dir } = await deviceDir(roots, name);
  const current = await linkName(`${dir}/driver`);
  if (current && current !== VFIO_DRIVER) {
    throw new VirtError(
      "operation-invalid",
      "nodedev",
      `${name} is not detached: it is bound to ${current}`,
    );
  }
  if (current) await write(roots, `${dir}/driver/unbind`, addr, `cannot reattach ${name}`);
  await write(roots, `${dir}/driver_override`, "\n", `cannot reattach ${name}`);
  await write(roots, `${roots.sys}/bus/pci/drivers_probe`, addr, `cannot reattach ${name}`);
  return await linkName(`${dir}/driver`);
}
