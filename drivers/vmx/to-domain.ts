/**
 * VMware VMX to domain definition, following libvirt 9.0's VMX reader: the
 * VMX entries are turned into domain XML text, which the domain parser then
 * reads, so the result is exactly what parsing that XML gives.
 * @module
 */
import { formatBitmap } from "../../src/conf/bitmap.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { NAMESPACE_URIS } from "../../src/conf/domain/namespaces.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { parseUuid } from "../../src/conf/ids.ts";
import { XmlWriter } from "../../src/xml/mod.ts";
import type { VmxReadContext } from "./context.ts";
import { readDisks, writeController, writeDisk } from "./to-domain-disks.ts";
import {
  writeConsole,
  writeEthernets,
  writeParallels,
  writeSerials,
  writeSharedFolders,
  writeSvga,
  writeVnc,
} from "./to-domain-devices.ts";
import { decodeVmx, unescapeHex, vmxError, VmxFile } from "./vmx-file.ts";

const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

/** `uuid.bios` (`56 4d 9b ef ac d9 b4 e0-c8 f0 ...`) as a canonical UUID. */
function biosUuid(vmx: VmxFile): string {
  const v = vmx.string("uuid.bios");
  if (v === undefined) return ZERO_UUID;
  const pairs = v.trim().split(/[ -]+/);
  const uuid = pairs.every((p) => /^[0-9a-fA-F]{2}$/.test(p))
    ? parseUuid(pairs.join(""))
    : undefined;
  if (!uuid) throw vmx.error("uuid.bios", `could not parse a UUID from '${v}'`);
  return uuid;
}

/** `vm.genid` and `vm.genidX` (signed 64-bit halves) as a UUID, or undefined when unset. */
function genid(vmx: VmxFile): string | undefined {
  const half = (key: string): bigint => {
    const v = vmx.string(key);
    if (v === undefined) return 0n;
    if (!/^\s*[-+]?\d+$/.test(v)) throw vmx.error(key, `expecting an integer but found '${v}'`);
    return BigInt.asUintN(64, BigInt(v.trim()));
  };
  const hi = half("vm.genid");
  const lo = half("vm.genidX");
  if (hi === 0n && lo === 0n) return undefined;
  return parseUuid(hi.toString(16).padStart(16, "0") + lo.toString(16).padStart(16, "0"));
}

/** `sched.cpu.affinity` as host CPU numbers, or undefined for `all` or none. */
function affinity(vmx: VmxFile, vcpus: number): number[] | undefined {
  const v = vmx.string("sched.cpu.affinity");
  if (v === undefined || v.toLowerCase() === "all") return undefined;
  const parts = v.split(",");
  if (parts.length < vcpus) {
    throw vmx.error(
      "sched.cpu.affinity",
      `must list at least as many CPUs as 'numvcpus' (${vcpus}) but lists ${parts.length}`,
    );
  }
  return parts.map((p) => {
    if (!/^\s*\d+\s*$/.test(p)) {
      throw vmx.error(
        "sched.cpu.affinity",
        `expecting a comma separated list of unsigned integers but found '${v}'`,
      );
    }
    const n = Number(p);
    if (n >= 1024) throw vmx.error("sched.cpu.affinity", `CPU ${n} is too large`);
    return n;
  });
}

/** `sched.cpu.shares`: a number, or `low`/`normal`/`high` scaled by the vCPU count. */
function cpuShares(vmx: VmxFile, vcpus: number): number | undefined {
  const v = vmx.string("sched.cpu.shares");
  if (v === undefined) return undefined;
  const level = ({ low: 500, normal: 1000, high: 2000 } as Record<string, number>)[v.toLowerCase()];
  if (level) return level * vcpus;
  if (!/^\d+$/.test(v)) {
    throw vmx.error(
      "sched.cpu.shares",
      `expecting an unsigned integer or 'low', 'normal' or 'high' but found '${v}'`,
    );
  }
  return Number(v);
}

/** Writes the `<domain>` body's general part: identity, memory, CPUs and `<os>`. */
function writeGeneral(w: XmlWriter, vmx: VmxFile): number {
  const configVersion = vmx.long("config.version", 0, true);
  if (configVersion !== 8) {
    throw vmx.error("config.version", `expecting 8 but found ${configVersion}`);
  }
  const hw = vmx.long("virtualHW.version", 0, true);
  if (hw < 4) throw vmx.error("virtualHW.version", `expecting 4 or higher but found ${hw}`);

  const rawName = vmx.string("displayName");
  if (rawName === undefined) throw vmxError("missing essential VMX entry 'displayName'");
  const pct = unescapeHex(rawName, "%");
  const name = pct === undefined ? undefined : unescapeHex(pct, "|");
  if (name === undefined) throw vmx.error("displayName", "contains an invalid escape sequence");
  w.text("name", name);
  w.text("uuid", biosUuid(vmx));
  w.text("genid", genid(vmx));
  const annotation = vmx.string("annotation");
  if (annotation !== undefined) {
    const text = unescapeHex(annotation, "|");
    if (text === undefined) throw vmx.error("annotation", "contains an invalid escape sequence");
    w.text("description", text);
  }

  const memsize = vmx.long("memsize", 32);
  if (memsize <= 0 || memsize % 4 !== 0) {
    throw vmx.error("memsize", `expecting a positive multiple of 4 but found ${memsize}`);
  }
  let memMax = vmx.long("sched.mem.max", memsize);
  if (memMax < 0) memMax = memsize;
  let minsize = vmx.long("sched.mem.minsize", 0);
  if (minsize < 0) minsize = 0;
  w.text("memory", memsize * 1024, [["unit", "KiB"]]);
  w.text("currentMemory", Math.min(memMax, memsize) * 1024, [["unit", "KiB"]]);
  if (minsize > 0) {
    w.elem(
      "memtune",
      null,
      (w) => w.text("min_guarantee", Math.min(minsize, memsize) * 1024, [["unit", "KiB"]]),
    );
  }

  const vcpus = vmx.long("numvcpus", 1);
  if (vcpus <= 0) {
    throw vmx.error("numvcpus", `expecting an integer greater than 0 but found ${vcpus}`);
  }
  const cores = vmx.long("cpuid.coresPerSocket", 1);
  const sockets = Math.floor(vcpus / cores);
  if (cores > 1 && sockets <= 0) {
    throw vmx.error("cpuid.coresPerSocket", "is larger than 'numvcpus'");
  }
  const cpuset = affinity(vmx, vcpus);
  w.text("vcpu", vcpus, [["placement", "static"], [
    "cpuset",
    cpuset ? formatBitmap(cpuset) : undefined,
  ]]);
  const shares = cpuShares(vmx, vcpus);
  if (shares !== undefined) w.elem("cputune", null, (w) => w.text("shares", shares));

  const guestOS = vmx.string("guestOS");
  const firmware = vmx.string("firmware");
  if (firmware !== undefined && firmware !== "efi") {
    throw vmx.error("firmware", `unknown value '${firmware}'`);
  }
  w.block("os", [["firmware", firmware]], (w) => {
    w.text("type", "hvm", [["arch", guestOS?.endsWith("-64") ? "x86_64" : "i686"]]);
    if (vmx.bool("smbios.reflecthost", false)) w.elem("smbios", [["mode", "host"]]);
  });
  if (cores > 1) {
    w.elem(
      "cpu",
      null,
      (w) =>
        w.elem("topology", [["sockets", sockets], ["dies", 1], ["cores", cores], ["threads", 1]]),
    );
  }
  w.elem("clock", [["offset", "utc"]]);
  w.text("on_poweroff", "destroy");
  w.text("on_reboot", "restart");
  w.text("on_crash", "destroy");
  return hw;
}

/**
 * Converts VMX text (or bytes, decoded per their `.encoding` entry) to domain
 * XML text in libvirt's layout, without parsing it.
 *
 * @throws VirtError naming the VMX entry or line at fault, or the file the
 *   context could not map
 */
export function vmxToDomainXml(vmx: string | Uint8Array, ctx: VmxReadContext): string {
  const file = VmxFile.parse(typeof vmx === "string" ? vmx : decodeVmx(vmx));
  const w = new XmlWriter();
  const rootAttrs: [string, string][] = [["type", "vmware"]];
  if (ctx.datacenterPath !== undefined) rootAttrs.push(["xmlns:vmware", NAMESPACE_URIS.vmware]);
  w.block("domain", rootAttrs, (w) => {
    const hw = writeGeneral(w, file);
    const { disks, controllers } = readDisks(file, ctx, hw);
    w.block("devices", null, (w) => {
      for (const d of disks) writeDisk(w, d);
      for (const c of controllers) writeController(w, c);
      writeSharedFolders(w, file);
      writeEthernets(w, file);
      const console = writeSerials(w, file, ctx);
      writeParallels(w, file, ctx);
      writeConsole(w, console);
      writeVnc(w, file);
      writeSvga(w, file);
    });
    if (ctx.datacenterPath !== undefined) w.text("vmware:datacenterpath", ctx.datacenterPath);
  });
  return w.toString();
}

/**
 * Converts a VMware VMX file to a domain definition, the way libvirt's ESX
 * and VMware drivers read one.
 *
 * @example
 * ```ts
 * const def = vmxToDomain(vmxText, {
 *   parseFileName: (name) => name.startsWith("/") ? name : `[datastore1] vm/${name}`,
 * });
 * ```
 * @throws VirtError naming the VMX entry or line at fault, or the file the
 *   context could not map
 */
export function vmxToDomain(vmx: string | Uint8Array, ctx: VmxReadContext): DomainDef {
  return parseDomainXml(vmxToDomainXml(vmx, ctx));
}
