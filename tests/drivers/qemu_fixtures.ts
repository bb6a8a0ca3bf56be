/**
 * Shared fixtures of the QEMU driver tests: a fixed capabilities object (so
 * argv tests do not depend on the installed emulator) and helpers.
 * @module
 */
import type { QemuCaps } from "../../drivers/qemu/caps.ts";

/** Device types the fake emulator has. */
const DEVICE_TYPES = [
  "VGA",
  "cirrus-vga",
  "e1000",
  "e1000e",
  "i6300esb",
  "ib700",
  "ich9-ahci",
  "ide-cd",
  "ide-hd",
  "isa-parallel",
  "isa-serial",
  "lsi53c895a",
  "pci-bridge",
  "pci-serial",
  "pcie-root-port",
  "piix3-usb-uhci",
  "pvpanic",
  "qemu-xhci",
  "qxl",
  "qxl-vga",
  "rtl8139",
  "scsi-cd",
  "scsi-hd",
  "usb-kbd",
  "usb-mouse",
  "usb-serial",
  "usb-tablet",
  "virtconsole",
  "virtio-balloon-pci",
  "virtio-blk-pci",
  "virtio-gpu-pci",
  "virtio-keyboard-pci",
  "virtio-net-pci",
  "virtio-rng-pci",
  "virtio-scsi-pci",
  "virtio-serial-pci",
  "virtio-tablet-pci",
  "virtio-vga",
  "virtserialport",
  "vmgenid",
];

/** Capabilities of a made-up qemu-system-x86_64 7.2. */
export function fakeCaps(): QemuCaps {
  return {
    formatVersion: 1,
    binary: "/usr/bin/qemu-system-x86_64",
    binarySize: 1,
    binaryMtimeMs: 1,
    arch: "x86_64",
    version: { major: 7, minor: 2, micro: 0 },
    package: "test",
    machines: [
      {
        name: "pc-i440fx-7.2",
        alias: "pc",
        isDefault: true,
        cpuMax: 255,
        deprecated: false,
        hotpluggableCpus: true,
      },
      {
        name: "pc-q35-7.2",
        alias: "q35",
        isDefault: false,
        cpuMax: 288,
        deprecated: false,
        hotpluggableCpus: true,
      },
    ],
    defaultMachine: "pc-i440fx-7.2",
    cpuModels: ["qemu64", "Haswell", "Skylake-Client", "host", "max"].map((name) => ({
      name,
      unavailableFeatures: [],
      deprecated: false,
      migrationSafe: true,
    })),
    deviceTypes: DEVICE_TYPES,
    accelerators: ["kvm", "tcg"],
    kvm: { present: true, enabled: false },
    commands: ["cont", "query-status", "quit", "stop"],
    probedAccel: "tcg",
  };
}
