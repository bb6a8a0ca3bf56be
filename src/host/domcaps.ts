/**
 * Domain capabilities (`virsh domcapabilities`): what a domain of one
 * emulator, domain type, machine and architecture may contain, as libvirt's
 * `<domainCapabilities>` document (`formatdomaincaps.rst`), built for QEMU
 * from the emulator's probed capabilities and the host.
 *
 * @example
 * ```ts
 * const [emu] = await probeInstalledQemu({ cacheDir });
 * console.log(formatDomainCaps(await qemuDomainCaps(hostRoots(), emu, { virttype: "kvm" })));
 * ```
 * @module
 */
import { VirtError } from "../errors.ts";
import { XmlWriter } from "../xml/mod.ts";
import type { QemuEmulator } from "./guests.ts";
import { kvmRuns } from "./guests.ts";
import { guessCpuModel, modelVendor, readHostCpu } from "./hostcpu.ts";
import { kvmUsable } from "./host-caps.ts";
import { exists, type HostRoots, listDir } from "./sysfs.ts";

/** An `<enum name='...'>` and its values. */
export interface CapsEnum {
  name: string;
  values: string[];
}

/** A device or feature family: whether it is supported, and its enums. */
export interface CapsFamily {
  supported: boolean;
  enums: CapsEnum[];
}

/** A CPU model of the `custom` mode. */
export interface CustomCpuModel {
  name: string;
  usable: "yes" | "no" | "unknown";
  deprecated?: boolean;
  vendor: string;
}

/** A whole domain capabilities document. */
export interface DomainCaps {
  path: string;
  /** The domain type (`kvm`, `qemu`). */
  domain: string;
  machine?: string;
  arch: string;
  vcpuMax?: number;
  iothreads?: boolean;
  os?: {
    supported: boolean;
    firmware: string[];
    loader?: { supported: boolean; values: string[]; enums: CapsEnum[] };
  };
  cpu?: {
    hostPassthrough: CapsFamily;
    maximum: CapsFamily;
    hostModel: {
      supported: boolean;
      model?: string;
      vendor?: string;
      features: { policy: string; name: string }[];
    };
    custom: { supported: boolean; models: CustomCpuModel[] };
  };
  memoryBacking?: CapsFamily;
  /** Device families in libvirt's order: disk, graphics, video, hostdev, rng, filesystem, tpm, redirdev, channel. */
  devices: { name: string; family: CapsFamily }[];
  /** Features in libvirt's order (gic, vmcoreinfo, genid, backingStoreInput, backup, sev, sgx). */
  features: { name: string; family: CapsFamily }[];
}

function enums(w: XmlWriter, list: CapsEnum[]): void {
  for (const e of list) {
    w.elem("enum", [["name", e.name]], (w) => e.values.forEach((v) => w.text("value", v)));
  }
}

function family(w: XmlWriter, name: string, f: CapsFamily, attrs: [string, string][] = []): void {
  w.elem(name, [...attrs, ["supported", f.supported ? "yes" : "no"]], (w) => enums(w, f.enums));
}

/** Formats domain capabilities as libvirt writes them. */
export function formatDomainCaps(c: DomainCaps): string {
  const w = new XmlWriter();
  w.block("domainCapabilities", null, (w) => {
    w.text("path", c.path);
    w.text("domain", c.domain);
    w.text("machine", c.machine);
    w.text("arch", c.arch);
    if (c.vcpuMax !== undefined) w.elem("vcpu", [["max", c.vcpuMax]]);
    if (c.iothreads !== undefined) w.elem("iothreads", [["supported", c.iothreads ? "yes" : "no"]]);
    if (c.os) {
      const os = c.os;
      w.elem("os", [["supported", os.supported ? "yes" : "no"]], (w) => {
        enums(w, [{ name: "firmware", values: os.firmware }]);
        if (os.loader) {
          const l = os.loader;
          w.elem("loader", [["supported", l.supported ? "yes" : "no"]], (w) => {
            for (const v of l.values) w.text("value", v);
            enums(w, l.enums);
          });
        }
      });
    }
    if (c.cpu) {
      const cpu = c.cpu;
      w.block("cpu", null, (w) => {
        family(w, "mode", cpu.hostPassthrough, [["name", "host-passthrough"]]);
        family(w, "mode", cpu.maximum, [["name", "maximum"]]);
        const hm = cpu.hostModel;
        w.elem(
          "mode",
          [["name", "host-model"], ["supported", hm.supported ? "yes" : "no"]],
          (w) => {
            if (!hm.supported || !hm.model) return;
            w.text("model", hm.model, [["fallback", "forbid"]]);
            w.text("vendor", hm.vendor);
            for (const f of hm.features) {
              w.elem("feature", [["policy", f.policy], ["name", f.name]]);
            }
          },
        );
        w.elem(
          "mode",
          [["name", "custom"], ["supported", cpu.custom.supported ? "yes" : "no"]],
          (w) => {
            for (const m of cpu.custom.models) {
              w.text("model", m.name, [["usable", m.usable], [
                "deprecated",
                m.deprecated ? "yes" : undefined,
              ], ["vendor", m.vendor]]);
            }
          },
        );
      });
    }
    if (c.memoryBacking) family(w, "memoryBacking", c.memoryBacking);
    w.block("devices", null, (w) => c.devices.forEach((d) => family(w, d.name, d.family)));
    w.block("features", null, (w) => c.features.forEach((f) => family(w, f.name, f.family)));
  });
  return w.toString();
}

/** Options of {@link qemuDomainCaps}. */
export interface QemuDomainCapsOptions {
  /** `kvm` or `qemu`; default `kvm` when usable, else `qemu`. */
  virttype?: string;
  /** A machine type or alias; default the emulator's default machine. */
  machine?: string;
  /** Folders of QEMU firmware descriptors; default `/usr/share/qemu/firmware` and `/etc/qemu/firmware`. */
  firmwareDirs?: string[];
  /** Whether KVM is usable; default: `/dev/kvm` opens. */
  kvm?: boolean;
}

/** A firmware descriptor's facts that matter here. */
interface Firmware {
  file: string;
  executable: string;
  uefi: boolean;
  secure: boolean;
  targets: { arch: string; machines: string[] }[];
}

async function readFirmware(dirs: string[]): Promise<Firmware[]> {
  const byName = new Map<string, Firmware>();
  for (const dir of dirs) {
    for (const e of await listDir(dir)) {
      if (!e.name.endsWith(".json") || byName.has(e.name)) continue;
      try {
        const j = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`));
        const executable = j?.mapping?.executable?.filename ?? j?.mapping?.filename;
        if (typeof executable !== "string") continue;
        byName.set(e.name, {
          file: e.name,
          executable,
          uefi: (j["interface-types"] ?? []).includes("uefi"),
          secure: (j.features ?? []).includes("secure-boot"),
          targets: (j.targets ?? []).map((t: { architecture: string; machines: string[] }) => ({
            arch: t.architecture,
            machines: t.machines ?? [],
          })),
        });
      } catch {
        // Not a descriptor we can read.
      }
    }
  }
  return [...byName.values()].sort((a, b) => a.file < b.file ? -1 : 1);
}

function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(
    "^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$",
  );
  return re.test(name);
}

/** Device enums from the emulator's device types. */
function qemuDevices(
  types: Set<string>,
  modules: Set<string>,
  commands: Set<string>,
): DomainCaps["devices"] {
  const has = (t: string) => types.has(t);
  const pick = (pairs: [string, boolean][]) => pairs.filter(([, ok]) => ok).map(([v]) => v);
  const transitional = (dev: string) =>
    pick([["virtio", has(dev)], ["virtio-transitional", has(`${dev}-transitional`)], [
      "virtio-non-transitional",
      has(`${dev}-non-transitional`),
    ]]);
  const ui = (name: string) => modules.size === 0 || modules.has(`ui-${name}`);
  return [
    {
      name: "disk",
      family: {
        supported: true,
        enums: [
          { name: "diskDevice", values: ["disk", "cdrom", "floppy", "lun"] },
          {
            name: "bus",
            values: pick([
              ["ide", has("ide-hd")],
              ["fdc", has("floppy") || has("isa-fdc")],
              ["scsi", has("scsi-hd")],
              ["virtio", has("virtio-blk-pci") || has("virtio-blk-device")],
              ["usb", has("usb-storage")],
              ["sata", has("ich9-ahci")],
            ]),
          },
          { name: "model", values: transitional("virtio-blk-pci") },
        ],
      },
    },
    {
      name: "graphics",
      family: {
        supported: true,
        enums: [{
          name: "type",
          values: pick([
            ["sdl", ui("sdl")],
            ["vnc", commands.has("query-vnc")],
            ["spice", commands.has("query-spice")],
            ["egl-headless", ui("egl-headless")],
            ["dbus", ui("dbus")],
          ]),
        }],
      },
    },
    {
      name: "video",
      family: {
        supported: true,
        enums: [{
          name: "modelType",
          values: pick([
            ["vga", has("VGA")],
            ["cirrus", has("cirrus-vga")],
            ["vmvga", has("vmware-svga")],
            ["qxl", has("qxl-vga")],
            ["virtio", has("virtio-gpu-pci") || has("virtio-vga") || has("virtio-gpu-device")],
            ["none", true],
            ["bochs", has("bochs-display")],
            ["ramfb", has("ramfb")],
          ]),
        }],
      },
    },
    {
      name: "hostdev",
      family: {
        supported: true,
        enums: [
          { name: "mode", values: ["subsystem"] },
          { name: "startupPolicy", values: ["default", "mandatory", "requisite", "optional"] },
          {
            name: "subsysType",
            values: pick([["usb", has("usb-host")], ["pci", has("vfio-pci")], [
              "scsi",
              has("scsi-generic"),
            ]]),
          },
          { name: "capsType", values: [] },
          { name: "pciBackend", values: pick([["vfio", has("vfio-pci")]]) },
        ],
      },
    },
    {
      name: "rng",
      family: {
        supported: has("virtio-rng-pci") || has("virtio-rng-device"),
        enums: [
          { name: "model", values: transitional("virtio-rng-pci") },
          { name: "backendModel", values: ["random", "egd", "builtin"] },
        ],
      },
    },
    {
      name: "filesystem",
      family: {
        supported: true,
        enums: [{
          name: "driverType",
          values: pick([["path", has("virtio-9p-pci")], ["handle", has("virtio-9p-pci")], [
            "virtiofs",
            has("vhost-user-fs-pci"),
          ]]),
        }],
      },
    },
    {
      name: "tpm",
      family: {
        supported: has("tpm-tis") || has("tpm-crb"),
        enums: [
          {
            name: "model",
            values: pick([["tpm-tis", has("tpm-tis")], ["tpm-crb", has("tpm-crb")]]),
          },
          { name: "backendModel", values: ["passthrough", "emulator"] },
          { name: "backendVersion", values: ["2.0"] },
        ],
      },
    },
    {
      name: "redirdev",
      family: {
        supported: has("usb-redir"),
        enums: [{ name: "bus", values: pick([["usb", has("usb-redir")]]) }],
      },
    },
    {
      name: "channel",
      family: {
        supported: true,
        enums: [{
          name: "type",
          values: pick([["pty", true], ["unix", true], ["spicevmc", commands.has("query-spice")]]),
        }],
      },
    },
  ];
}

/** The QEMU module names (`ui-sdl`, ...) installed beside the emulator; empty when QEMU is not modular. */
async function qemuModules(): Promise<Set<string>> {
  const out = new Set<string>();
  for (
    const dir of [
      "/usr/lib/x86_64-linux-gnu/qemu",
      "/usr/lib/aarch64-linux-gnu/qemu",
      "/usr/lib64/qemu",
      "/usr/lib/qemu",
    ]
  ) {
    for (const e of await listDir(dir)) if (e.name.endsWith(".so")) out.add(e.name.slice(0, -3));
  }
  return out;
}

/**
 * The domain capabilities of a QEMU emulator for a domain type and machine.
 *
 * @throws VirtError `invalid-arg` for an unknown machine or domain type,
 *   `operation-unsupported` for `kvm` when KVM cannot run the architecture here
 */
export async function qemuDomainCaps(
  roots: HostRoots,
  emu: QemuEmulator,
  opts: QemuDomainCapsOptions = {},
): Promise<DomainCaps> {
  const kvm = (opts.kvm ?? kvmUsable(roots)) && emu.caps.accelerators.includes("kvm");
  const hostCpu = await readHostCpu(roots);
  const kvmHere = kvm && kvmRuns(emu.arch, hostCpu.arch);
  const virttype = opts.virttype ?? (kvmHere ? "kvm" : "qemu");
  if (virttype !== "kvm" && virttype !== "qemu") {
    throw new VirtError(
      "invalid-arg",
      "capabilities",
      `unknown virttype '${virttype}' for QEMU: expected kvm or qemu`,
    );
  }
  if (virttype === "kvm" && !kvmHere) {
    throw new VirtError(
      "operation-unsupported",
      "capabilities",
      `KVM is not available for ${emu.arch} guests on this host`,
    );
  }
  const wanted = opts.machine ?? emu.caps.defaultMachine;
  const machine = emu.caps.machines.find((m) => m.name === wanted || m.alias === wanted) ??
    emu.caps.machines.find((m) => m.isDefault);
  if (
    opts.machine && (!machine || (machine.name !== opts.machine && machine.alias !== opts.machine))
  ) {
    throw new VirtError(
      "invalid-arg",
      "capabilities",
      `the emulator ${emu.binary} does not support machine type '${opts.machine}'`,
    );
  }
  const q35 = /q35/.test(machine?.name ?? "");
  const x86 = emu.arch === "x86_64" || emu.arch === "i686";

  const firmware =
    (await readFirmware(opts.firmwareDirs ?? ["/usr/share/qemu/firmware", "/etc/qemu/firmware"]))
      .filter((f) =>
        f.uefi &&
        f.targets.some((t) =>
          t.arch === emu.arch && t.machines.some((g) => globMatch(g, machine?.name ?? ""))
        )
      );

  // Custom models are usable as the probe found them when it ran with this accelerator.
  const probedHere = emu.caps.probedAccel === (virttype === "kvm" ? "kvm" : "tcg");
  const models = emu.caps.cpuModels
    .filter((m) => !["host", "max", "base"].includes(m.name) && !/-v\d+$/.test(m.name))
    .map((m): CustomCpuModel => ({
      name: m.name,
      usable: !probedHere ? "unknown" : m.unavailableFeatures.length ? "no" : "yes",
      deprecated: m.deprecated || undefined,
      vendor: modelVendor(m.name),
    }));
  // The host model must be one this emulator can run here.
  const runnable = emu.caps.cpuModels.filter((m) =>
    !probedHere || m.unavailableFeatures.length === 0
  );
  const hostModel = guessCpuModel(hostCpu, new Set(runnable.map((m) => m.name)));
  const types = new Set(emu.caps.deviceTypes);
  const commands = new Set(emu.caps.commands);
  const sev = await exists(`${roots.dev}/sev`) && commands.has("query-sev-capabilities");
  const onOff = ["on", "off"];
  return {
    path: emu.binary,
    domain: virttype,
    machine: machine?.name,
    arch: emu.arch,
    vcpuMax: machine?.cpuMax,
    iothreads: true,
    os: {
      supported: true,
      firmware: x86
        ? ["bios", ...(firmware.length ? ["efi"] : [])]
        : firmware.length
        ? ["efi"]
        : [],
      loader: {
        supported: true,
        values: firmware.map((f) => f.executable),
        enums: [
          { name: "type", values: ["rom", "pflash"] },
          { name: "readonly", values: ["yes", "no"] },
          {
            name: "secure",
            values: q35 && firmware.some((f) => f.secure) ? ["yes", "no"] : ["no"],
          },
        ],
      },
    },
    cpu: {
      hostPassthrough: {
        supported: virttype === "kvm",
        enums: virttype === "kvm" ? [{ name: "hostPassthroughMigratable", values: onOff }] : [],
      },
      maximum: { supported: true, enums: [{ name: "maximumMigratable", values: onOff }] },
      hostModel: {
        supported: hostModel !== undefined,
        model: hostModel,
        vendor: hostCpu.vendor,
        features: [],
      },
      custom: { supported: models.length > 0, models },
    },
    memoryBacking: {
      supported: true,
      enums: [{ name: "sourceType", values: ["file", "anonymous", "memfd"] }],
    },
    devices: qemuDevices(types, await qemuModules(), commands),
    features: [
      { name: "gic", family: { supported: false, enums: [] } },
      { name: "vmcoreinfo", family: { supported: types.has("vmcoreinfo"), enums: [] } },
      { name: "genid", family: { supported: types.has("vmgenid"), enums: [] } },
      { name: "backingStoreInput", family: { supported: true, enums: [] } },
      { name: "backup", family: { supported: commands.has("blockdev-backup"), enums: [] } },
      { name: "sev", family: { supported: sev, enums: [] } },
      { name: "sgx", family: { supported: false, enums: [] } },
    ],
  };
}
