/**
 * The values libvirt writes into cgroup control files and how it reads them
 * back: memory limits in KiB with an "unlimited" value, CPU shares/weight
 * and bandwidth, block device keys and device access rules. Pure functions,
 * shared by cgroup v1 and v2 code paths.
 * @module
 */
import { VirtError } from "../../errors.ts";

/** libvirt's "unlimited" memory value in KiB (`VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`, 2^53 - 1). */
export const UNLIMITED_KIB = Number.MAX_SAFE_INTEGER;

/** The CFS period range in microseconds. */
export const CPU_PERIOD_MIN = 1000;
/** The CFS period range in microseconds. */
export const CPU_PERIOD_MAX = 1000000;
/** The CFS quota range in microseconds (negative means no limit). */
export const CPU_QUOTA_MIN = 1000;
/** libvirt's largest quota; also what it reports for cgroup v2's `max`. */
export const CPU_QUOTA_MAX = 17592186044415;
/** cgroup v1 `cpu.shares` range. */
export const CPU_SHARES_V1 = [2, 262144] as const;
/** cgroup v2 `cpu.weight` range (libvirt writes shares there unchanged). */
export const CPU_WEIGHT_V2 = [1, 10000] as const;

/** A byte count this large in a v1 limit file means "no limit" (the kernel's is about 2^63). */
const V1_UNLIMITED_BYTES = 2n ** 62n;

function invalid(message: string): VirtError {
  return new VirtError("invalid-arg", "system", message);
}

/**
 * The text to write for a memory limit of `kib` KiB: bytes, or the version's
 * "no limit" (`-1` on v1, `max` on v2) for {@link UNLIMITED_KIB}.
 */
export function memoryLimitValue(kib: number, version: 1 | 2, field: string): string {
  if (!Number.isSafeInteger(kib) || kib < 0) {
    throw invalid(`${field} '${kib}' must be a whole number of KiB`);
  }
  if (kib === UNLIMITED_KIB) return version === 1 ? "-1" : "max";
  return String(BigInt(kib) * 1024n);
}

/** A memory limit file's text (bytes, `max` or v1's huge "no limit") in KiB; no limit is {@link UNLIMITED_KIB}. */
export function parseMemoryLimit(text: string, file: string): number {
  if (text === "max") return UNLIMITED_KIB;
  if (!/^\d+$/.test(text)) {
    throw new VirtError(
      "internal-error",
      "system",
      `cannot parse '${text}' in ${file} as a byte count`,
    );
  }
  const bytes = BigInt(text);
  const kib = bytes >> 10n;
  return bytes >= V1_UNLIMITED_BYTES || kib >= BigInt(UNLIMITED_KIB) ? UNLIMITED_KIB : Number(kib);
}

/** Checks CPU shares for the cgroup version (v1 `cpu.shares`, v2 `cpu.weight`). */
export function checkShares(shares: number, version: 1 | 2): void {
  const [min, max] = version === 1 ? CPU_SHARES_V1 : CPU_WEIGHT_V2;
  if (!Number.isInteger(shares) || shares < min || shares > max) {
    throw invalid(`shares '${shares}' must be in range [${min}, ${max}]`);
  }
}

/** Checks a CFS period. */
export function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period < CPU_PERIOD_MIN || period > CPU_PERIOD_MAX) {
    throw invalid(`cfs_period '${period}' must be in range (${CPU_PERIOD_MIN}, ${CPU_PERIOD_MAX})`);
  }
}

/** Checks a CFS quota (negative: no limit). */
export function checkQuota(quota: number): void {
  if (
    !Number.isInteger(quota) || (quota >= 0 && (quota < CPU_QUOTA_MIN || quota > CPU_QUOTA_MAX))
  ) {
    throw invalid(`cfs_quota '${quota}' must be in range (${CPU_QUOTA_MIN}, ${CPU_QUOTA_MAX})`);
  }
}

/**
 * The new text of v2 `cpu.max` (`QUOTA PERIOD`) from its current text and
 * the changed values; a negative quota, or libvirt's largest, is `max`.
 */
export function cpuMaxValue(current: string, quota?: number, period?: number): string {
  const [curQuota = "max", curPeriod = "100000"] = current.split(/\s+/);
  const q = quota === undefined
    ? curQuota
    : quota < 0 || quota === CPU_QUOTA_MAX
    ? "max"
    : String(quota);
  return `${q} ${period ?? curPeriod}`;
}

/** Quota and period from v2 `cpu.max`; `max` reads as {@link CPU_QUOTA_MAX}, as libvirt reports it. */
export function parseCpuMax(text: string): { quota: number; period: number } {
  const [q, p] = text.split(/\s+/);
  return { quota: q === "max" ? CPU_QUOTA_MAX : Number(q), period: Number(p) };
}

/** A block or character device by its numbers. */
export interface DeviceNumbers {
  major: number;
  minor: number;
}

/** A device by path or by numbers. */
export type DeviceRef = { path: string } | DeviceNumbers;

/** `major:minor` of a device number (`st_rdev`), as glibc's `major()`/`minor()` split it. */
export function splitRdev(rdev: number): DeviceNumbers {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

/** Looks up the numbers of a device node; undefined when `path` is not a device of the wanted kind. */
export async function statDevice(
  path: string,
  kinds: readonly ("b" | "c")[],
): Promise<(DeviceNumbers & { type: "b" | "c" }) | undefined> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (e) {
    throw new VirtError(
      "system-error",
      "system",
      `Unable to stat '${path}': ${(e as Error).message.replace(/ \(os error.*$/, "")}`,
    );
  }
  const type = st.isBlockDevice ? "b" : st.isCharDevice ? "c" : undefined;
  if (type === undefined || !kinds.includes(type) || st.rdev === null) return undefined;
  return { type, ...splitRdev(st.rdev) };
}

/** `MAJ:MIN` of a block device given by path (it must be one) or by numbers. */
export async function blockDeviceKey(dev: DeviceRef): Promise<string> {
  if ("path" in dev) {
    const n = await statDevice(dev.path, ["b"]);
    if (!n) throw invalid(`Path '${dev.path}' must be a block device`);
    return `${n.major}:${n.minor}`;
  }
  return `${dev.major}:${dev.minor}`;
}

/** A device access rule: all devices, a device class, numbers (missing ones mean any), or a device node. */
export type DeviceRule =
  | { type: "a" }
  | { type: "b" | "c"; major?: number; minor?: number; access: string }
  | { path: string; access: string };

/** Checks device access flags: some of `r`, `w`, `m`. */
function checkAccess(access: string): void {
  if (!/^(?!.*(.).*\1)[rwm]{1,3}$/.test(access)) {
    throw invalid(`device access '${access}' must be made of 'r', 'w' and 'm'`);
  }
}

/**
 * The `devices.allow`/`devices.deny` line of a rule (`c 1:3 rwm`, `b 8:* r`,
 * `a`); undefined for a path that is not a device node (libvirt skips
 * those, e.g. disk images that are regular files).
 */
export async function deviceRuleLine(rule: DeviceRule): Promise<string | undefined> {
  if ("path" in rule) {
    checkAccess(rule.access);
    const n = await statDevice(rule.path, ["b", "c"]);
    return n && `${n.type} ${n.major}:${n.minor} ${rule.access}`;
  }
  if (rule.type === "a") return "a";
  if (rule.type !== "b" && rule.type !== "c") {
    throw invalid(`device type '${(rule as { type: string }).type}' must be one of a, b, c`);
  }
  checkAccess(rule.access);
  return `${rule.type} ${rule.major ?? "*"}:${rule.minor ?? "*"} ${rule.access}`;
}
