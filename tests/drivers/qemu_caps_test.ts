/**
 * Emulator capabilities: probing the installed qemu-system-x86_64 over QMP,
 * the on-disk cache (hit on an unchanged binary, probe again on a changed
 * one), and the checks of a domain against the capabilities and the host.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { VirtError } from "../../src/errors.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import {
  canonicalMachine,
  probeQemuCaps,
  resolveEmulator,
  validateDomainForEmulator,
} from "../../drivers/qemu/caps.ts";
import { fakeCaps } from "./qemu_fixtures.ts";

const QEMU = "/usr/bin/qemu-system-x86_64";
const noQemu = skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed");

Deno.test({
  name: "caps: probe the installed emulator, then hit the cache",
  ignore: noQemu,
  async fn() {
    const cacheDir = await Deno.makeTempDir();
    try {
      const caps = await probeQemuCaps(QEMU, { cacheDir });
      assertEquals(caps.arch, "x86_64");
      assert(caps.version.major >= 7, `old QEMU ${JSON.stringify(caps.version)}`);
      assertEquals(canonicalMachine(caps, "pc")?.startsWith("pc-i440fx-"), true);
      assertEquals(canonicalMachine(caps, "q35")?.startsWith("pc-q35-"), true);
      assertEquals(caps.defaultMachine?.startsWith("pc-i440fx-"), true);
      for (const t of ["virtio-blk-pci", "virtio-net-pci", "isa-serial", "ide-hd", "i6300esb"]) {
        assert(caps.deviceTypes.includes(t), `device type ${t} missing`);
      }
      assert(caps.accelerators.includes("tcg"));
      assert(caps.cpuModels.some((m) => m.name === "qemu64"));
      assert(caps.commands.includes("query-status"));
      const files = [...Deno.readDirSync(cacheDir)].map((e) => e.name);
      assertEquals(files.length, 1);
      const file = `${cacheDir}/${files[0]}`;
      const before = Deno.statSync(file).mtime?.getTime();
      const t0 = performance.now();
      const again = await probeQemuCaps(QEMU, { cacheDir });
      const took = performance.now() - t0;
      assertEquals(again, caps);
      assertEquals(
        Deno.statSync(file).mtime?.getTime(),
        before,
        "cache file rewritten on a cache hit",
      );
      assert(took < 1000, `cache hit took ${took} ms`);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "caps: a changed binary is probed again",
  ignore: noQemu,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const binary = `${dir}/qemu-system-x86_64`;
      await Deno.copyFile(QEMU, binary);
      const first = await probeQemuCaps(binary, { cacheDir: `${dir}/cache` });
      const later = new Date(first.binaryMtimeMs + 60_000);
      await Deno.utime(binary, later, later);
      const second = await probeQemuCaps(binary, { cacheDir: `${dir}/cache` });
      assertEquals(second.binaryMtimeMs, later.getTime());
      const cached = JSON.parse(
        Deno.readTextFileSync(`${dir}/cache/${[...Deno.readDirSync(`${dir}/cache`)][0].name}`),
      );
      assertEquals(cached.binaryMtimeMs, later.getTime());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("caps: a missing binary is reported, not probed", async () => {
  const err = await probeQemuCaps("/nonexistent/qemu-system-x86_64", { cacheDir: "/nonexistent" })
    .catch((e) => e);
  assert(err instanceof VirtError);
  assertMatch(err.message, /emulator '\/nonexistent\/qemu-system-x86_64' does not exist/);
});

/** A domain with `inner` spliced into it; the kernel and disk paths are files made by the test. */
function domain(
  dir: string,
  opts: { type?: string; os?: string; devices?: string; extra?: string } = {},
): string {
  return `<domain type='${opts.type ?? "qemu"}'>
  <name>v</name><memory unit='MiB'>64</memory>
  <os>${opts.os ?? "<type arch='x86_64' machine='pc'>hvm</type>"}<kernel>${dir}/kernel</kernel></os>
  ${opts.extra ?? ""}
  <devices>${
    opts.devices ??
      `<disk type='file' device='disk'><source file='${dir}/disk.img'/><target dev='vda' bus='virtio'/></disk>`
  }</devices>
</domain>`;
}

function validationError(xml: string, kvm = true): VirtError {
  try {
    validateDomainForEmulator(parseDomainXml(xml), fakeCaps(), { kvm });
  } catch (e) {
    assert(e instanceof VirtError, `not a VirtError: ${e}`);
    return e;
  }
  throw new Error("the domain was accepted");
}

Deno.test("caps: validation rejects, naming the element", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/kernel`, "");
    Deno.writeTextFileSync(`${dir}/disk.img`, "");
    validateDomainForEmulator(parseDomainXml(domain(dir)), fakeCaps(), { kvm: false });
    validateDomainForEmulator(parseDomainXml(domain(dir, { type: "kvm" })), fakeCaps(), {
      kvm: true,
    });
    const cases: [string, RegExp, boolean?][] = [
      [
        domain(dir, { os: "<type arch='x86_64' machine='pc-nonexistent'>hvm</type>" }),
        /^<os><type machine='pc-nonexistent'>: unknown machine type for '\/usr\/bin\/qemu-system-x86_64' \(aliases: pc, q35\)$/,
      ],
      [
        domain(dir, { type: "kvm" }),
        /^<domain type='kvm'>: KVM is not available on this host/,
        false,
      ],
      [domain(dir, { type: "xen" }), /^<domain type='xen'>: /],
      [
        domain(dir, { os: "<type arch='aarch64' machine='virt'>hvm</type>" }),
        /^<os><type arch='aarch64'>: emulator/,
      ],
      [
        domain(dir, {
          devices:
            `<disk type='file' device='disk'><source file='${dir}/missing.img'/><target dev='vdb' bus='virtio'/></disk>`,
        }),
        new RegExp(
          `^<disk><source file='${dir}/missing.img'> \\(target 'vdb'\\): '${dir}/missing.img' does not exist$`,
        ),
      ],
      [
        domain(dir, {
          devices:
            `<disk type='block' device='disk'><source dev='${dir}/disk.img'/><target dev='vdb' bus='virtio'/></disk>`,
        }),
        /is not a block device$/,
      ],
      [
        domain(dir, { devices: "<emulator>/nonexistent/qemu</emulator>" }),
        /^<emulator>\/nonexistent\/qemu<\/emulator>: the emulator does not exist$/,
      ],
      [
        domain(dir, { extra: "<cpu mode='custom'><model>Pentium9000</model></cpu>" }),
        /^<cpu><model>Pentium9000<\/model>: unknown CPU model/,
      ],
      [
        domain(dir, { extra: "<cpu mode='host-passthrough'/>" }),
        /^<cpu mode='host-passthrough'>: needs a domain of type 'kvm'$/,
      ],
      [
        domain(dir, { extra: "<vcpu>300</vcpu>" }),
        /^<vcpu>300<\/vcpu>: machine 'pc-i440fx-7.2' supports at most 255 vCPUs$/,
      ],
      [
        domain(dir).replace(`${dir}/kernel`, `${dir}/vmlinuz-missing`),
        /^<os><kernel>.*vmlinuz-missing<\/kernel>: '.*' does not exist$/,
      ],
    ];
    for (const [xml, re, kvm] of cases) assertMatch(validationError(xml, kvm ?? true).message, re);
    // a CD-ROM whose image may be missing is accepted
    validateDomainForEmulator(
      parseDomainXml(domain(dir, {
        devices:
          `<disk type='file' device='cdrom'><source file='${dir}/gone.iso' startupPolicy='optional'/><target dev='hdc' bus='ide'/></disk>`,
      })),
      fakeCaps(),
      { kvm: false },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("caps: resolveEmulator picks <emulator> or qemu-system-ARCH", () => {
  const def = parseDomainXml(
    "<domain type='qemu'><name>v</name><memory>1024</memory><os><type arch='x86_64'>hvm</type></os></domain>",
  );
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/qemu-system-x86_64`, "");
    assertEquals(resolveEmulator(def, dir), `${dir}/qemu-system-x86_64`);
    def.devices.emulator = `${dir}/qemu-system-x86_64`;
    assertEquals(resolveEmulator(def, "/nonexistent"), `${dir}/qemu-system-x86_64`);
    def.devices.emulator = `${dir}/other`;
    assertMatch(
      String(assertThrowsVirt(() => resolveEmulator(def))),
      /<emulator>.*\/other<\/emulator>: the emulator does not exist/,
    );
    def.devices.emulator = undefined;
    def.os.arch = "riscv32";
    assertMatch(
      String(assertThrowsVirt(() => resolveEmulator(def, dir))),
      /<os><type arch='riscv32'>: no emulator 'qemu-system-riscv32'/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function assertThrowsVirt(fn: () => unknown): VirtError {
  try {
    fn();
  } catch (e) {
    assert(e instanceof VirtError);
    return e;
  }
  throw new Error("did not throw");
}
