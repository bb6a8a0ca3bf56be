/**
 * libvirt's non-systemd cgroup naming: partitions (`/machine`,
 * `/machine/production.partition`), guest groups (`NAME.libvirt-qemu`),
 * the escaping of names that would clash with control files, and the
 * machine name (`qemu-1-demo`) the drivers use as `NAME`.
 * @module
 */
import { createHash } from "node:crypto";
import { VirtError } from "../../errors.ts";

/** The drivers that place guests in cgroups. */
export type CgroupDriver = "qemu" | "lxc";

/**
 * Prefixes `_` to a group name that could be taken for a control file:
 * one starting with `cgroup.`, `_`, `.`, or a controller name and a dot
 * (`cpu.`, `memory.`...; `known` lists the controllers of `/proc/cgroups`).
 */
export function escapeGroupName(name: string, known: readonly string[]): string {
  const clash = name.startsWith("cgroup.") || name.startsWith("_") || name.startsWith(".") ||
    known.some((c) => name.startsWith(`${c}.`));
  return clash ? `_${name}` : name;
}

/**
 * The cgroup path of a partition given as in `<resource><partition>`: each
 * component without a dot gets `.partition`, except a first component of
 * `machine`, `system` or `user`, and each is escaped.
 *
 * @example
 * ```ts
 * partitionPath("/machine/production", ["cpu"]); // "/machine/production.partition"
 * ```
 */
export function partitionPath(partition: string, known: readonly string[]): string {
  if (!partition.startsWith("/")) {
    throw new VirtError(
      "invalid-arg",
      "system",
      `partition path '${partition}' must start with '/'`,
    );
  }
  const parts = partition === "/" ? [] : partition.slice(1).split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new VirtError(
      "invalid-arg",
      "system",
      `partition path '${partition}' has an empty, '.' or '..' component`,
    );
  }
  return "/" + parts.map((p, i) => {
    if (i === 0 && ["machine", "system", "user"].includes(p)) return p;
    return escapeGroupName(p.includes(".") ? p : `${p}.partition`, known);
  }).join("/");
}

/** The folder name of a guest's group: `NAME.libvirt-DRIVER`, escaped. */
export function machineGroupName(
  name: string,
  driver: CgroupDriver,
  known: readonly string[],
): string {
  if (name === "" || name.includes("/")) {
    throw new VirtError(
      "invalid-arg",
      "system",
      `invalid cgroup machine name '${name}': it must be non-empty and have no '/'`,
    );
  }
  if (driver !== "qemu" && driver !== "lxc") {
    throw new VirtError(
      "invalid-arg",
      "system",
      `invalid cgroup driver '${driver}': expected one of qemu, lxc`,
    );
  }
  return escapeGroupName(`${name}.libvirt-${driver}`, known);
}

/** Options of {@link machineName}. */
export interface MachineNameOptions {
  /** The root folder of an embedded driver (`qemu:///embed?root=...`): adds `embed-HASH8-`. */
  embedRoot?: string;
  /** The user name of an unprivileged (session) driver: adds `USER-`. */
  user?: string;
}

/**
 * libvirt's machine name for a running guest: `DRIVER-[embed-HASH-|USER-]ID-NAME`,
 * where NAME keeps only letters, digits and single inner `-`/`.`, and the
 * whole stops growing at 64 characters.
 *
 * @example
 * ```ts
 * machineName("qemu", 1, "my vm.test"); // "qemu-1-myvm.test"
 * ```
 */
export function machineName(
  driver: string,
  id: number,
  name: string,
  opts: MachineNameOptions = {},
): string {
  let out = `${driver}-`;
  if (opts.embedRoot !== undefined) {
    out += `embed-${createHash("sha256").update(opts.embedRoot).digest("hex").slice(0, 8)}-`;
  } else if (opts.user !== undefined) {
    out += `${opts.user}-`;
  }
  out += `${id}-`;
  let skip = true;
  for (const ch of name) {
    if (out.length >= 64) break;
    if (ch === "." || ch === "-") {
      if (!skip) out += ch;
      skip = true;
      continue;
    }
    skip = false;
    if (/^[A-Za-z0-9]$/.test(ch)) out += ch;
  }
  return out.replace(/[-.]+$/, "");
}
