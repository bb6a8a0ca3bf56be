/**
 * Host validation in the manner of `virt-host-validate`: a list of checks
 * per hypervisor, each PASS, WARN or FAIL with a hint for what to do.
 *
 * ```text
 *   QEMU: Checking if device /dev/kvm exists                                   : PASS
 *   QEMU: Checking if device /dev/vhost-net exists                             : WARN (load the vhost_net module ...)
 * ```
 *
 * Every path is read through {@link HostRoots}, so tests can use fixtures.
 * @module
 */
import { VirtError } from "../errors.ts";
import { cgroupControllerAvailable, type CgroupLayout, readCgroupLayout } from "./cgroups.ts";
import { readHostCpu } from "./hostcpu.ts";
import { exists, type HostRoots, hostRoots, listDir, readAttr } from "./sysfs.ts";

/** The outcome of one check. */
export type ValidateLevel = "PASS" | "WARN" | "FAIL";

/** One check's result. */
export interface ValidateResult {
  /** `QEMU` or `LXC`. */
  hv: string;
  /** What was checked, after "Checking ". */
  check: string;
  result: ValidateLevel;
  /** For WARN and FAIL: what to do about it. */
  hint?: string;
}

/** The hypervisors that can be validated. */
export const VALIDATE_HYPERVISORS = ["qemu", "lxc"] as const;

/** Options of {@link hostValidate}. */
export interface ValidateOptions {
  roots?: HostRoots;
  /** The kernel release; default this host's. */
  kernelRelease?: string;
}

type Check = (level: ValidateLevel, check: string, ok: boolean, hint: string) => void;

async function accessible(path: string): Promise<boolean> {
  try {
    (await Deno.open(path, { read: true, write: true })).close();
    return true;
  } catch {
    return false;
  }
}

function cgroupChecks(
  check: Check,
  layout: CgroupLayout,
  controllers: string[],
  level: ValidateLevel,
): void {
  for (const c of controllers) {
    check(
      level,
      `for cgroup '${c}' controller support`,
      cgroupControllerAvailable(layout, c),
      `enable the '${c}' controller in the kernel configuration, or mount it (cgroup v1) or enable it in the root cgroup (cgroup v2)`,
    );
  }
}

async function validateQemu(roots: HostRoots, check: Check, layout: CgroupLayout): Promise<void> {
  const cpu = await readHostCpu(roots);
  const kvmPath = `${roots.dev}/kvm`;
  const kvmExists = await exists(kvmPath);
  const kvmOpens = kvmExists && await accessible(kvmPath);
  if (cpu.arch === "x86_64" || cpu.arch === "i686") {
    const hw = cpu.flags.has("vmx") || cpu.flags.has("svm");
    if (hw || !kvmOpens) {
      check(
        "FAIL",
        "for hardware virtualization",
        hw,
        "the CPU reports neither vmx nor svm: guests can only be emulated (TCG), which is much slower",
      );
    } else {
      check(
        "WARN",
        "for hardware virtualization",
        false,
        "the CPU reports neither vmx nor svm, but /dev/kvm works: KVM is nested or paravirtualised",
      );
    }
  }
  check(
    "FAIL",
    `if device ${kvmPath} exists`,
    kvmExists,
    "load the kvm module for the CPU (kvm_intel or kvm_amd) and enable virtualization in the firmware",
  );
  if (kvmExists) {
    check(
      "FAIL",
      `if device ${kvmPath} is accessible`,
      kvmOpens,
      `make ${kvmPath} readable and writable for this user, e.g. by joining the group that owns it`,
    );
  }
  check(
    "WARN",
    `if device ${roots.dev}/vhost-net exists`,
    await exists(`${roots.dev}/vhost-net`),
    "load the vhost_net module for faster virtio networking",
  );
  check(
    "FAIL",
    `if device ${roots.dev}/net/tun exists`,
    await exists(`${roots.dev}/net/tun`),
    "load the tun module so guests can have network interfaces",
  );
  cgroupChecks(check, layout, ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"], "WARN");
  const acpiTable = await exists(`${roots.sys}/firmware/acpi/tables/DMAR`) ||
    await exists(`${roots.sys}/firmware/acpi/tables/IVRS`);
  const groups = (await listDir(`${roots.sys}/kernel/iommu_groups`)).length > 0;
  check(
    "WARN",
    "for device assignment IOMMU support",
    acpiTable || groups,
    "no IOMMU found, neither an ACPI DMAR nor an IVRS table: PCI devices cannot be assigned to guests",
  );
  if (acpiTable || groups) {
    check(
      "WARN",
      "if IOMMU is enabled by kernel",
      groups,
      "add intel_iommu=on or amd_iommu=on to the kernel command line",
    );
  }
  const sev = /^(1|Y)$/.test((await readAttr(`${roots.sys}/module/kvm_amd/parameters/sev`)) ?? "");
  const pv = (await readAttr(`${roots.sys}/firmware/uv/prot_virt_host`)) === "1";
  check(
    "WARN",
    "for secure guest support",
    sev || pv,
    "no secure guest technology (AMD SEV, IBM Secure Execution) is enabled on this host",
  );
}

async function validateLxc(
  roots: HostRoots,
  check: Check,
  layout: CgroupLayout,
  release: string,
): Promise<void> {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  const v = m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
  const newEnough = v[0] > 2 || (v[0] === 2 && (v[1] > 6 || (v[1] === 6 && v[2] >= 26)));
  check("FAIL", "for Linux >= 2.6.26", newEnough, "upgrade to a newer kernel");
  for (const ns of ["ipc", "mnt", "pid", "uts", "net", "user"]) {
    check(
      "FAIL",
      `for namespace ${ns}`,
      await exists(`${roots.proc}/self/ns/${ns}`),
      `build the kernel with ${ns} namespace support`,
    );
  }
  cgroupChecks(
    check,
    layout,
    ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio"],
    "FAIL",
  );
  const fuse = `${roots.sys}/fs/fuse/connections`;
  check(
    "WARN",
    `if device ${fuse} exists`,
    await exists(fuse),
    "load the fuse module so containers get /proc overrides",
  );
}

/**
 * Runs the checks for one hypervisor (`qemu`, `lxc`) or, without one, for
 * all of them in order.
 *
 * @throws VirtError `invalid-arg` for an unknown hypervisor name
 */
export async function hostValidate(
  hv?: string,
  opts: ValidateOptions = {},
): Promise<ValidateResult[]> {
  const which = hv === undefined ? [...VALIDATE_HYPERVISORS] : [hv.toLowerCase()];
  for (const h of which) {
    if (!(VALIDATE_HYPERVISORS as readonly string[]).includes(h)) {
      throw new VirtError(
        "invalid-arg",
        "system",
        `unknown hypervisor '${hv}': expected one of ${VALIDATE_HYPERVISORS.join(", ")}`,
      );
    }
  }
  const roots = opts.roots ?? hostRoots();
  const layout = await readCgroupLayout(roots);
  const out: ValidateResult[] = [];
  for (const h of which) {
    const name = h.toUpperCase();
    const check: Check = (level, what, ok, hint) =>
      out.push(
        ok
          ? { hv: name, check: what, result: "PASS" }
          : { hv: name, check: what, result: level, hint },
      );
    if (h === "qemu") await validateQemu(roots, check, layout);
    else await validateLxc(roots, check, layout, opts.kernelRelease ?? Deno.osRelease());
  }
  return out;
}

/** One result as `virt-host-validate` prints it. */
export function formatValidateLine(r: ValidateResult): string {
  return `${r.hv.padStart(6)}: ${`Checking ${r.check}`.padEnd(69)}: ${r.result}${
    r.hint ? ` (${r.hint})` : ""
  }`;
}

/** All results, one line each, newline-terminated. */
export function formatHostValidate(results: ValidateResult[]): string {
  return results.map((r) => formatValidateLine(r) + "\n").join("");
}

/** Whether any check failed (`virt-host-validate` then exits with status 1). */
export function validateFailed(results: ValidateResult[]): boolean {
  return results.some((r) => r.result === "FAIL");
}
