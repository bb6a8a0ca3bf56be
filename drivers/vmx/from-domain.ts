/**
 * Domain definition to VMware VMX, following libvirt 9.0's VMX writer: the
 * entries and their order are libvirt's. The definition is read through its
 * canonical domain XML, so this module depends only on the XML format and
 * not on the in-memory shape of each device.
 * @module
 */
import { parseBitmap } from "../../src/conf/bitmap.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatDomainXml } from "../../src/conf/domain/format.ts";
import { parseSizeKiB } from "../../src/conf/domain/memory.ts";
import { parseUuid } from "../../src/conf/ids.ts";
import { parseXml, XmlReader } from "../../src/xml/mod.ts";
import type { VmxWriteContext } from "./context.ts";
import { writeDisks } from "./from-domain-disks.ts";
import {
  vmxUuid,
  writeEthernets,
  writeGraphics,
  writeParallels,
  writeSerials,
  writeSharedFolders,
  writeSvga,
} from "./from-domain-devices.ts";
import { escapeAnnotation, escapeDisplayName, vmxError, VmxWriter } from "./vmx-file.ts";

const GUEST_OS: Record<string, string> = { i686: "other", x86_64: "other-64" };

/** Writes identity, memory and CPU entries. */
function writeGeneral(out: VmxWriter, dom: XmlReader): void {
  const os = dom.child("os");
  const arch = os?.child("type")?.attr("arch") ?? "i686";
  if (!GUEST_OS[arch]) {
    throw vmxError(
      `expecting domain XML attribute 'arch' of entry 'os/type' to be 'i686' or 'x86_64' but found '${arch}'`,
    );
  }
  out.set("guestOS", GUEST_OS[arch]);
  const smbios = os?.child("smbios")?.attr("mode");
  if (smbios === "host") out.set("smbios.reflecthost", "true");
  else if (smbios !== undefined && smbios !== "emulate") {
    throw vmxError(`unsupported SMBIOS mode '${smbios}'`);
  }

  const uuid = parseUuid(dom.childText("uuid") ?? "");
  if (!uuid || /^[0-]+$/.test(uuid)) out.set("uuid.action", "create");
  else out.set("uuid.bios", vmxUuid(uuid));
  out.set("displayName", escapeDisplayName(dom.childText("name") ?? ""));
  const description = dom.child("description")?.text();
  if (description !== undefined) out.set("annotation", escapeAnnotation(description));

  const memEl = dom.child("memory");
  if (!memEl) throw vmxError("the domain has no <memory>");
  const total = parseSizeKiB(memEl);
  const curEl = dom.child("currentMemory");
  const current = curEl ? parseSizeKiB(curEl) : total;
  const maxBalloon = Math.ceil(total / 4096) * 4096;
  out.set("memsize", maxBalloon / 1024);
  if (current < maxBalloon) out.set("sched.mem.max", Math.ceil(current / 1024));
  const minEl = dom.child("memtune")?.child("min_guarantee");
  const min = minEl ? parseSizeKiB(minEl) : 0;
  if (min > 0) out.set("sched.mem.minsize", Math.ceil(min / 1024));

  const vcpu = dom.child("vcpu");
  const vcpuText = vcpu?.text().trim() ?? "1";
  if (!/^[1-9]\d*$/.test(vcpuText)) {
    throw vmxError(`expecting a vCPU count greater than 0 but found '${vcpuText}'`);
  }
  const vcpus = Number(vcpuText);
  const offline = dom.child("vcpus")?.children("vcpu").some((v) => v.attr("enabled") === "no");
  if ((vcpu?.uint("current") ?? vcpus) !== vcpus || offline) {
    throw vmxError("no support for domain XML entry 'vcpu' attribute 'current'");
  }
  out.set("numvcpus", vcpus);
  const cpu = dom.child("cpu");
  if (cpu) {
    const mode = cpu.attr("mode") ?? "custom";
    if (mode !== "custom") {
      throw vmxError(`expecting domain XML CPU mode 'custom' but found '${mode}'`);
    }
    const topo = cpu.child("topology");
    const [sockets, dies, cores, threads] = ["sockets", "dies", "cores", "threads"].map((a) =>
      topo?.uint(a) ?? (topo && a === "dies" ? 1 : 0)
    );
    if (threads !== 1) throw vmxError("only 1 thread per core is supported");
    if (dies !== 1) throw vmxError("only 1 die per socket is supported");
    if (sockets * cores !== vcpus) {
      throw vmxError(`CPU topology gives ${sockets * cores} vCPUs but the domain has ${vcpus}`);
    }
    out.set("cpuid.coresPerSocket", cores);
  }
  const cpuset = vcpu?.attr("cpuset");
  if (cpuset !== undefined) {
    const cpus = parseBitmap(cpuset) ?? [];
    if (cpus.length < vcpus) {
      throw vmxError(
        `expecting domain XML attribute 'cpuset' of entry 'vcpu' to contain at least ${vcpus} CPU(s)`,
      );
    }
    out.set("sched.cpu.affinity", cpus.join(","));
  }
  const shares = dom.child("cputune")?.childUint("shares");
  if (shares !== undefined) {
    const level =
      { [vcpus * 500]: "low", [vcpus * 1000]: "normal", [vcpus * 2000]: "high" }[shares];
    out.set("sched.cpu.shares", level ?? shares);
  }
}

/**
 * Converts domain XML text to a VMX file (libvirt's entries and order).
 * {@link domainToVmx} is the usual entry point; this one reads XML as given.
 *
 * @throws VirtError naming what the VMX format cannot express
 */
export function domainXmlToVmx(xml: string, ctx: VmxWriteContext): string {
  const dom = new XmlReader(parseXml(xml, "vmx"), "vmx");
  const type = dom.attr("type");
  if (type !== "vmware") throw vmxError(`expecting virt type to be 'vmware' but found '${type}'`);
  const hw = ctx.virtualHWVersion;
  if (!Number.isInteger(hw) || hw < 4) {
    throw vmxError(`virtualHW.version must be an integer of 4 or higher, not ${hw}`);
  }
  const out = new VmxWriter();
  out.set(".encoding", "UTF-8");
  out.set("config.version", "8");
  out.set("virtualHW.version", hw);
  writeGeneral(out, dom);
  writeGraphics(out, dom);
  const hasScsi = writeDisks(out, dom, ctx);
  writeSharedFolders(out, dom);
  writeEthernets(out, dom, hw);
  writeSvga(out, dom);
  writeSerials(out, dom, ctx);
  writeParallels(out, dom, ctx);
  if (dom.child("os")?.attr("firmware") === "efi") out.set("firmware", "efi");
  if (hw >= 7) {
    if (hasScsi) {
      out.set("pciBridge0.present", "true");
      for (const n of [4, 5, 6, 7]) {
        out.set(`pciBridge${n}.present`, "true");
        out.set(`pciBridge${n}.virtualDev`, "pcieRootPort");
        out.set(`pciBridge${n}.functions`, "8");
      }
    }
    out.set("vmci0.present", "true");
  }
  return out.toString();
}

/**
 * Converts a domain definition to a VMware VMX file, the way libvirt's ESX
 * driver writes one.
 *
 * @example
 * ```ts
 * const vmx = domainToVmx(def, {
 *   virtualHWVersion: 13,
 *   formatFileName: (src) => src.replace(/^\[([^\]]+)\] /, "/vmfs/volumes/$1/"),
 * });
 * ```
 * @throws VirtError naming what the VMX format cannot express
 */
export function domainToVmx(def: DomainDef, ctx: VmxWriteContext): string {
  return domainXmlToVmx(formatDomainXml(def, { inactive: true, secure: true }), ctx);
}
