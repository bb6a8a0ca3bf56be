/**
 * The `<guest>` entries of the capabilities: one per architecture an
 * installed QEMU emulator runs, with its machine types and the domain types
 * (`qemu`, plus `kvm` when KVM can run that architecture here).
 *
 * @example
 * ```ts
 * const emulators = await probeInstalledQemu({ cacheDir: "/var/cache/virtkit/qemu" });
 * const guests = emulators.flatMap((e) => qemuGuests(e, { kvm: true, hostArch: "x86_64" }));
 * ```
 * @module
 */
import type { CapsGuest, CapsGuestFeature, CapsMachine } from "./capabilities.ts";
import type { QemuCaps } from "../../drivers/qemu/caps.ts";

/** An emulator binary and the guest architecture it is used for. */
export interface QemuEmulator {
  /** libvirt's architecture name (`x86_64`, `i686`, `aarch64` ...). */
  arch: string;
  binary: string;
  caps: QemuCaps;
}

/** libvirt's architecture name → the QEMU binary suffix and the word size. */
const ARCHES: Record<string, { qemu: string; wordsize: number }> = {
  x86_64: { qemu: "x86_64", wordsize: 64 },
  i686: { qemu: "i386", wordsize: 32 },
  aarch64: { qemu: "aarch64", wordsize: 64 },
  armv7l: { qemu: "arm", wordsize: 32 },
  ppc64: { qemu: "ppc64", wordsize: 64 },
  ppc64le: { qemu: "ppc64", wordsize: 64 },
  riscv64: { qemu: "riscv64", wordsize: 64 },
  s390x: { qemu: "s390x", wordsize: 64 },
};

/** Options of {@link findQemuBinaries} and {@link probeInstalledQemu}. */
export interface FindOptions {
  /** Folders to look in; default `PATH`. */
  path?: string[];
  /** The host architecture; default this process's. */
  hostArch?: string;
}

/**
 * The emulator for each architecture, as libvirt picks them: the binary
 * named after the architecture, and for `i686` on an x86_64 host the
 * x86_64 binary when there is no `qemu-system-i386`.
 */
export async function findQemuBinaries(
  opts: FindOptions = {},
): Promise<{ arch: string; binary: string }[]> {
  const dirs = opts.path ?? (Deno.env.get("PATH") ?? "/usr/bin").split(":").filter((d) => d);
  const find = async (name: string) => {
    for (const d of dirs) {
      try {
        const st = await Deno.stat(`${d}/${name}`);
        if (st.isFile && (st.mode ?? 0o111) & 0o111) return `${d}/${name}`;
      } catch {
        // not here
      }
    }
    return undefined;
  };
  const hostArch = opts.hostArch ?? (Deno.build.arch as string);
  const out: { arch: string; binary: string }[] = [];
  for (const [arch, a] of Object.entries(ARCHES)) {
    let binary = await find(`qemu-system-${a.qemu}`);
    if (!binary && arch === "i686" && hostArch === "x86_64") {
      binary = await find("qemu-system-x86_64");
    }
    if (binary) out.push({ arch, binary });
  }
  return out;
}

/**
 * Finds and probes every installed emulator (through the QEMU driver's
 * cached prober). An emulator that fails to probe is left out.
 */
export async function probeInstalledQemu(
  opts: FindOptions & { cacheDir: string; kvm?: boolean },
): Promise<QemuEmulator[]> {
  const { probeQemuCaps } = await import("../../drivers/qemu/caps.ts");
  const out: QemuEmulator[] = [];
  for (const { arch, binary } of await findQemuBinaries(opts)) {
    try {
      out.push({
        arch,
        binary,
        caps: await probeQemuCaps(binary, { cacheDir: opts.cacheDir, hostKvm: opts.kvm }),
      });
    } catch {
      // A broken emulator offers no guests.
    }
  }
  return out;
}

/** Whether KVM can run `arch` guests on a `hostArch` host. */
export function kvmRuns(arch: string, hostArch: string): boolean {
  if (arch === hostArch) return true;
  return (hostArch === "x86_64" && arch === "i686") ||
    (hostArch === "aarch64" && arch === "armv7l") ||
    (hostArch === "ppc64le" && arch === "ppc64") || (hostArch === "ppc64" && arch === "ppc64le");
}

/**
 * The machine list libvirt shows: the default machine first, each machine
 * followed by its alias (with `canonical`), deprecated ones marked.
 */
export function capsMachines(caps: QemuCaps): CapsMachine[] {
  const ordered = [...caps.machines].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const out: CapsMachine[] = [];
  for (const m of ordered) {
    if (m.name === "none") continue;
    out.push({ name: m.name, maxCpus: m.cpuMax, deprecated: m.deprecated || undefined });
    if (m.alias) {
      out.push({
        name: m.alias,
        canonical: m.name,
        maxCpus: m.cpuMax,
        deprecated: m.deprecated || undefined,
      });
    }
  }
  return out;
}

/** The guest features libvirt lists for an architecture, in its order. */
function guestFeatures(arch: string): CapsGuestFeature[] {
  const x86 = arch === "x86_64" || arch === "i686";
  return [
    ...(arch === "i686" ? [{ name: "pae" }, { name: "nonpae" }] : []),
    ...(x86 || arch === "aarch64"
      ? [{ name: "acpi", default: "on" as const, toggle: "yes" as const }]
      : []),
    ...(x86 ? [{ name: "apic", default: "on" as const, toggle: "no" as const }] : []),
    { name: "cpuselection" },
    { name: "deviceboot" },
    { name: "disksnapshot", default: "on", toggle: "no" },
  ];
}

/**
 * The `<guest>` of one emulator: `hvm` for its architecture, with its
 * machines and the `qemu` domain type, plus `kvm` when KVM is usable.
 */
export function qemuGuest(emu: QemuEmulator, opts: { kvm: boolean; hostArch: string }): CapsGuest {
  const a = ARCHES[emu.arch];
  return {
    osType: "hvm",
    arch: emu.arch,
    wordsize: a?.wordsize ?? 64,
    emulator: emu.binary,
    machines: capsMachines(emu.caps),
    domains: [
      { type: "qemu" },
      ...(opts.kvm && emu.caps.accelerators.includes("kvm") && kvmRuns(emu.arch, opts.hostArch)
        ? [{ type: "kvm" }]
        : []),
    ],
    features: guestFeatures(emu.arch),
  };
}
