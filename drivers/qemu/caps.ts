/**
 * What an installed QEMU emulator can do, asked from the emulator itself: it
 * is started with no machine (`-machine none`) and questioned over QMP for
 * its version, machine types, CPU models, device types and accelerators.
 * The answer is cached on disk, keyed by the binary's path, size and
 * modification time, so a second probe of an unchanged binary reads a file.
 *
 * {@link validateDomainForEmulator} then checks a domain against those
 * capabilities and the host before any process is started.
 *
 * @example
 * ```ts
 * const caps = await probeQemuCaps("/usr/bin/qemu-system-x86_64", { cacheDir: "/var/cache/virtkit/qemu" });
 * validateDomainForEmulator(def, caps); // throws VirtError naming the element at fault
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { StorageSource } from "../../src/conf/domain/devices/storage-source.ts";
import { writeFileAtomic } from "../../src/state/atomic.ts";
import { QmpClient } from "./qmp.ts";

/** Bumped when {@link QemuCaps} changes shape, so older cache files are probed again. */
export const CAPS_FORMAT_VERSION = 1;

/** One machine type (`query-machines`). */
export interface QemuMachine {
  name: string;
  /** Short name that stands for this machine (`pc`, `q35`). */
  alias?: string;
  /** The machine QEMU uses when none is named. */
  isDefault: boolean;
  /** Most vCPUs the machine takes. */
  cpuMax: number;
  deprecated: boolean;
  hotpluggableCpus: boolean;
  defaultCpuType?: string;
}

/** One CPU model (`query-cpu-definitions`). */
export interface QemuCpuModel {
  name: string;
  /** Features the probed accelerator cannot provide for this model. */
  unavailableFeatures: string[];
  deprecated: boolean;
  migrationSafe: boolean;
}

/** The capabilities of one emulator binary. */
export interface QemuCaps {
  /** {@link CAPS_FORMAT_VERSION} of the cache entry. */
  formatVersion: number;
  /** Absolute path of the binary. */
  binary: string;
  /** Size in bytes and modification time (ms since the epoch) of the binary when probed. */
  binarySize: number;
  binaryMtimeMs: number;
  /** Guest architecture (`query-target`), e.g. `x86_64`. */
  arch: string;
  version: { major: number; minor: number; micro: number };
  /** The distribution's package string (`Debian 1:7.2+dfsg-7`). */
  package: string;
  machines: QemuMachine[];
  /** Name of the machine QEMU uses when none is named. */
  defaultMachine?: string;
  cpuModels: QemuCpuModel[];
  /** Every non-abstract QOM device type (`-device` drivers), sorted. */
  deviceTypes: string[];
  /** Accelerators compiled in (`kvm`, `tcg`, ...), from the `accel` QOM types. */
  accelerators: string[];
  /** `query-kvm` under the probe: `present` when QEMU supports KVM, `enabled` when the probe ran with it. */
  kvm: { present: boolean; enabled: boolean };
  /** Every QMP command the binary knows, sorted. */
  commands: string[];
  /** The accelerator the probe process ran with. */
  probedAccel: "kvm" | "tcg";
}

/** Options of {@link probeQemuCaps}. */
export interface ProbeOptions {
  /** Folder of the cache files; created when missing. */
  cacheDir: string;
  /** Folder for the probe's monitor socket (default: the system temp folder). */
  runDir?: string;
  /** How long the probe may take, in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Whether the host can run KVM guests; default {@link hostHasKvm}. */
  hostKvm?: boolean;
}

/** Whether `/dev/kvm` exists and this process may open it for reading and writing. */
export function hostHasKvm(): boolean {
  try {
    Deno.openSync("/dev/kvm", { read: true, write: true }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The capabilities of the emulator at `binary`, from the cache when the
 * binary (path, size, mtime) and the host's KVM availability are unchanged,
 * otherwise by probing it (and caching the answer).
 *
 * @throws VirtError `no-support` when the binary does not exist,
 * `operation-failed` when it cannot be started or questioned
 */
export async function probeQemuCaps(binary: string, opts: ProbeOptions): Promise<QemuCaps> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(binary);
  } catch {
    throw new VirtError("no-support", "qemu", `emulator '${binary}' does not exist`);
  }
  if (!st.isFile) throw new VirtError("no-support", "qemu", `emulator '${binary}' is not a file`);
  const mtimeMs = st.mtime?.getTime() ?? 0;
  const kvm = opts.hostKvm ?? hostHasKvm();
  const cacheFile = `${opts.cacheDir}/${await cacheName(binary)}.json`;
  const cached = await readCache(cacheFile);
  if (
    cached && cached.formatVersion === CAPS_FORMAT_VERSION && cached.binary === binary &&
    cached.binarySize === st.size && cached.binaryMtimeMs === mtimeMs &&
    (cached.probedAccel === "kvm") === kvm
  ) {
    return cached;
  }
  const caps = await probeBinary(binary, kvm, opts);
  caps.binarySize = st.size;
  caps.binaryMtimeMs = mtimeMs;
  const text = JSON.stringify(caps, null, 1) + "\n";
  await writeFileAtomic(cacheFile, text, { mode: 0o644, dirMode: 0o755 });
  // The same object a cache hit returns (no undefined members).
  return JSON.parse(text) as QemuCaps;
}

async function cacheName(binary: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(binary));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const base = binary.slice(binary.lastIndexOf("/") + 1).replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${base}-${hex.slice(0, 16)}`;
}

async function readCache(file: string): Promise<QemuCaps | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(file)) as QemuCaps;
  } catch {
    return undefined;
  }
}

type RawMachine = {
  name: string;
  alias?: string;
  "is-default"?: boolean;
  "cpu-max": number;
  deprecated?: boolean;
  "hotpluggable-cpus"?: boolean;
  "default-cpu-type"?: string;
};
type RawCpu = {
  name: string;
  "unavailable-features"?: string[];
  deprecated?: boolean;
  "migration-safe"?: boolean;
};
type RawType = { name: string; abstract?: boolean };

async function probeBinary(binary: string, kvm: boolean, opts: ProbeOptions): Promise<QemuCaps> {
  const dir = await Deno.makeTempDir({ dir: opts.runDir, prefix: "virtkit-qemu-probe-" });
  const socket = `${dir}/qmp.sock`;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const accel = kvm ? "kvm" : "tcg";
  const child = new Deno.Command(binary, {
    args: [
      "-S",
      "-no-user-config",
      "-nodefaults",
      "-nographic",
      "-machine",
      `none,accel=${accel}`,
      "-qmp",
      `unix:${socket},server=on,wait=off`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const exited = new AbortController();
  const stderr = new Response(child.stderr).text();
  const status = child.status.then((s) => {
    exited.abort(`the emulator exited with status ${s.code}`);
    return s;
  });
  let qmp: QmpClient | undefined;
  try {
    qmp = await QmpClient.connect(socket, {
      timeoutMs,
      commandTimeoutMs: timeoutMs,
      signal: exited.signal,
    });
    const q = qmp;
    const version = await q.execute<{ qemu: QemuCaps["version"]; package: string }>(
      "query-version",
    );
    const target = await q.execute<{ arch: string }>("query-target");
    const machines = await q.execute<RawMachine[]>("query-machines");
    const cpus = await q.execute<RawCpu[]>("query-cpu-definitions").catch(() => [] as RawCpu[]);
    const devices = await q.execute<RawType[]>("qom-list-types", {
      implements: "device",
      abstract: false,
    });
    const accels = await q.execute<RawType[]>("qom-list-types", {
      implements: "accel",
      abstract: false,
    });
    const kvmState = await q.execute<{ present: boolean; enabled: boolean }>("query-kvm");
    const commands = await q.execute<{ name: string }[]>("query-commands");
    await q.execute("quit").catch(() => {});
    const caps: QemuCaps = {
      formatVersion: CAPS_FORMAT_VERSION,
      binary,
      binarySize: 0,
      binaryMtimeMs: 0,
      arch: target.arch,
      version: { major: version.qemu.major, minor: version.qemu.minor, micro: version.qemu.micro },
      package: version.package.trim(),
      machines: machines
        .filter((m) => m.name !== "none")
        .map((m) => ({
          name: m.name,
          alias: m.alias,
          isDefault: m["is-default"] === true,
          cpuMax: m["cpu-max"],
          deprecated: m.deprecated === true,
          hotpluggableCpus: m["hotpluggable-cpus"] === true,
          defaultCpuType: m["default-cpu-type"],
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      defaultMachine: machines.find((m) => m["is-default"])?.name,
      cpuModels: cpus
        .map((c) => ({
          name: c.name,
          unavailableFeatures: c["unavailable-features"] ?? [],
          deprecated: c.deprecated === true,
          migrationSafe: c["migration-safe"] === true,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      deviceTypes: devices.map((d) => d.name).sort(),
      accelerators: accels.map((a) => a.name.replace(/-accel$/, "")).filter((a) => a !== "accel")
        .sort(),
      kvm: kvmState,
      commands: commands.map((c) => c.name).sort(),
      probedAccel: accel,
    };
    await qmp.close();
    await status;
    return caps;
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    const err = (await stderr).trim();
    const why = e instanceof Error ? e.message : String(e);
    throw new VirtError(
      "operation-failed",
      "qemu",
      `cannot probe emulator '${binary}': ${why}${err ? `: ${err}` : ""}`,
    );
  } finally {
    await qmp?.close();
    await stderr.catch(() => "");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The machine named `name` (or whose alias it is), if the emulator has it. */
export function findMachine(caps: QemuCaps, name: string): QemuMachine | undefined {
  return caps.machines.find((m) => m.name === name) ?? caps.machines.find((m) => m.alias === name);
}

/**
 * The full name a machine type stands for (`pc` -> `pc-i440fx-7.2`), as
 * libvirt writes it into a defined domain; unknown names are returned as they are.
 */
export function canonicalMachine(caps: QemuCaps, name: string | undefined): string | undefined {
  if (name === undefined) return caps.defaultMachine;
  return caps.machines.find((m) => m.alias === name)?.name ?? name;
}

/** Whether the machine is a Q35 (PCI Express, ICH9) machine. */
export function isQ35(machine: string | undefined): boolean {
  return machine !== undefined && (machine === "q35" || machine.startsWith("pc-q35"));
}

/** Architectures an emulator for `arch` also runs (a 64-bit x86 emulator runs 32-bit guests). */
function archRuns(emulatorArch: string, guestArch: string): boolean {
  if (emulatorArch === guestArch) return true;
  return emulatorArch === "x86_64" && guestArch === "i686";
}

/**
 * The emulator binary a domain runs: its `<emulator>` or, when it names
 * none, `qemu-system-ARCH` found on the `PATH` (or `/usr/bin`).
 *
 * @throws VirtError `config-unsupported` naming `<emulator>` or `<os><type arch>` when there is none
 */
export function resolveEmulator(
  def: DomainDef,
  searchPath = Deno.env.get("PATH") ?? "/usr/bin",
): string {
  const given = def.devices.emulator;
  if (given) {
    if (!isFile(given)) throw fail(`<emulator>${given}</emulator>: the emulator does not exist`);
    return given;
  }
  const arch = def.os.arch ?? "x86_64";
  const name = `qemu-system-${arch === "i686" ? "i386" : arch}`;
  const dirs = [...searchPath.split(":").filter(Boolean), "/usr/bin"];
  for (const d of dirs) {
    if (isFile(`${d}/${name}`)) return `${d}/${name}`;
  }
  if (arch === "i686") {
    for (const d of dirs) if (isFile(`${d}/qemu-system-x86_64`)) return `${d}/qemu-system-x86_64`;
  }
  throw fail(`<os><type arch='${arch}'>: no emulator '${name}' is installed`);
}

/** Host facts {@link validateDomainForEmulator} uses; tests replace them. */
export interface HostFacts {
  /** Whether KVM is usable (default {@link hostHasKvm}). */
  kvm?: boolean;
}

/**
 * Checks a domain against an emulator's capabilities and the host before
 * anything is started: the domain and OS type, the emulator and
 * architecture, the machine type, the accelerator (KVM needs `/dev/kvm`),
 * the CPU model and count, and every file the guest boots or reads from
 * (kernel, initrd, DTB, firmware, disk images).
 *
 * @throws VirtError `config-unsupported` (or `operation-invalid` for a missing
 * file) whose message starts with the element at fault, e.g.
 * `<os><type machine='pc-nonexistent'>`
 */
export function validateDomainForEmulator(
  def: DomainDef,
  caps: QemuCaps,
  host: HostFacts = {},
): void {
  if (def.type !== "qemu" && def.type !== "kvm") {
    throw fail(
      `<domain type='${def.type}'>: the QEMU driver runs only domains of type 'qemu' or 'kvm'`,
    );
  }
  if (def.os.type !== "hvm") {
    throw fail(`<os><type>${def.os.type}</type>: QEMU runs only 'hvm' guests`);
  }
  if (def.devices.emulator && def.devices.emulator !== caps.binary) {
    if (!isFile(def.devices.emulator)) {
      throw fail(`<emulator>${def.devices.emulator}</emulator>: the emulator does not exist`);
    }
    throw fail(
      `<emulator>${def.devices.emulator}</emulator>: capabilities were probed for '${caps.binary}' instead`,
    );
  }
  const arch = def.os.arch ?? caps.arch;
  if (!archRuns(caps.arch, arch)) {
    throw fail(`<os><type arch='${arch}'>: emulator '${caps.binary}' runs '${caps.arch}' guests`);
  }
  const machineName = def.os.machine ?? caps.defaultMachine;
  const machine = machineName === undefined ? undefined : findMachine(caps, machineName);
  if (!machine) {
    const known = caps.machines.flatMap((m) => (m.alias ? [m.alias] : [])).join(", ");
    throw fail(
      `<os><type machine='${
        machineName ?? ""
      }'>: unknown machine type for '${caps.binary}' (aliases: ${known})`,
    );
  }
  if (def.type === "kvm") {
    if (!caps.accelerators.includes("kvm")) {
      throw fail(`<domain type='kvm'>: emulator '${caps.binary}' has no KVM support`);
    }
    if (!(host.kvm ?? hostHasKvm())) {
      throw fail(
        "<domain type='kvm'>: KVM is not available on this host (/dev/kvm is missing or not accessible)",
      );
    }
  } else if (!caps.accelerators.includes("tcg")) {
    throw fail(`<domain type='qemu'>: emulator '${caps.binary}' has no TCG support`);
  }
  if (def.vcpu.max > machine.cpuMax) {
    throw fail(
      `<vcpu>${def.vcpu.max}</vcpu>: machine '${machine.name}' supports at most ${machine.cpuMax} vCPUs`,
    );
  }
  const cpu = def.cpu;
  if (cpu && (cpu.mode === "host-passthrough" || cpu.mode === "host-model") && def.type !== "kvm") {
    throw fail(`<cpu mode='${cpu.mode}'>: needs a domain of type 'kvm'`);
  }
  if (
    cpu?.mode === "custom" && cpu.model && caps.cpuModels.length &&
    !caps.cpuModels.some((m) => m.name === cpu.model)
  ) {
    throw fail(`<cpu><model>${cpu.model}</model>: unknown CPU model for '${caps.binary}'`);
  }
  const os = def.os;
  for (
    const [el, path] of [["kernel", os.kernel], ["initrd", os.initrd], ["dtb", os.dtb]] as const
  ) {
    if (path !== undefined) requireFile(`<os><${el}>${path}</${el}>`, path);
  }
  if (os.loader?.path) requireFile(`<os><loader>${os.loader.path}</loader>`, os.loader.path);
  if (os.nvram?.template) {
    requireFile(`<os><nvram template='${os.nvram.template}'>`, os.nvram.template);
  }
  for (const d of def.devices.disks) {
    const optional = d.startupPolicy === "optional";
    for (let s: StorageSource | null | undefined = d.source; s; s = s.backingStore) {
      if (s.type !== "file" && s.type !== "block") continue;
      if (!s.path) continue;
      const el = `<disk><source ${
        s.type === "file" ? "file" : "dev"
      }='${s.path}'> (target '${d.target.dev}')`;
      if (optional && s === d.source && !exists(s.path)) continue;
      if (s.type === "file") requireFile(el, s.path);
      else requireBlock(el, s.path);
    }
  }
}

function fail(message: string): VirtError {
  return new VirtError("config-unsupported", "qemu", message);
}

function stat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  return stat(path) !== undefined;
}

function isFile(path: string): boolean {
  return stat(path)?.isFile === true;
}

function requireFile(el: string, path: string): void {
  const st = stat(path);
  if (!st) throw new VirtError("operation-invalid", "qemu", `${el}: '${path}' does not exist`);
  if (st.isDirectory) {
    throw new VirtError("operation-invalid", "qemu", `${el}: '${path}' is a directory`);
  }
}

function requireBlock(el: string, path: string): void {
  const st = stat(path);
  if (!st) throw new VirtError("operation-invalid", "qemu", `${el}: '${path}' does not exist`);
  if (!st.isBlockDevice) {
    throw new VirtError("operation-invalid", "qemu", `${el}: '${path}' is not a block device`);
  }
}
