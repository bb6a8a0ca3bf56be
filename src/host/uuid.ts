/**
 * The host's UUID: the firmware's (DMI `product_uuid`) when it has a usable
 * one, otherwise the systemd machine id written as a UUID, so the answer is
 * stable across runs.
 * @module
 */
import { parseUuid } from "../conf/ids.ts";
import { type HostRoots, readAttr } from "./sysfs.ts";

/**
 * The host UUID, or undefined when neither DMI nor the machine id gives one.
 * A DMI UUID made of one repeated digit (firmware placeholders such as
 * all zeros or all `f`) is ignored.
 */
export async function hostUuid(roots: HostRoots): Promise<string | undefined> {
  for (const dir of [`${roots.sys}/class/dmi/id`, `${roots.sys}/devices/virtual/dmi/id`]) {
    const u = parseUuid(await readAttr(`${dir}/product_uuid`) ?? "");
    if (u && !/^(.)\1*$/.test(u.replaceAll("-", ""))) return u;
  }
  return parseUuid(await readAttr(roots.machineId) ?? "");
}
