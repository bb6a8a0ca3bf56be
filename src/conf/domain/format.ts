/**
 * {@link DomainDef} to domain XML in libvirt's canonical layout and order.
 * @module
 */
import { XmlWriter } from "../../xml/mod.ts";
import { writeMetadata } from "../common.ts";
import { formatClock } from "./clock.ts";
import type { FormatContext } from "./context.ts";
import { formatCpu } from "./cpu.ts";
import { formatCputune } from "./cputune.ts";
import type { DomainDef } from "./def.ts";
import { formatDevices } from "./devices/index.ts";
import { formatFeatures } from "./features.ts";
import { formatKeywrap } from "./keywrap.ts";
import { formatLaunchSecurity } from "./launch-security.ts";
import { formatBlkiotune, formatMemoryBacking, formatMemtune } from "./memory.ts";
import { formatNamespaces, namespaceAttrs } from "./namespaces.ts";
import { formatNumatune } from "./numatune.ts";
import { formatIdMap, formatOs, formatSysinfo } from "./os.ts";
import { formatPerf } from "./perf.ts";
import { formatPm } from "./pm.ts";
import { formatSeclabel } from "./seclabel.ts";
import { formatIothreads, formatVcpu } from "./vcpu.ts";

/** Options of {@link formatDomainXml}. */
export interface FormatDomainOptions {
  /** Leave out runtime state (the id, live ports, aliases). */
  inactive?: boolean;
  /** Include security-sensitive values such as VNC passwords. */
  secure?: boolean;
}

/**
 * Formats a domain definition as libvirt writes it.
 *
 * @example
 * ```ts
 * const xml = formatDomainXml(parseDomainXml(text), { inactive: true });
 * ```
 */
export function formatDomainXml(def: DomainDef, opts: FormatDomainOptions = {}): string {
  // Like libvirt, a definition without a domain id (not running) is always formatted as inactive.
  const ctx: FormatContext = { inactive: (opts.inactive ?? false) || def.id === undefined, secure: opts.secure ?? false };
  const w = new XmlWriter();
  const attrs: [string, string | number | undefined][] = [
    ["type", def.type],
    ["id", ctx.inactive ? undefined : def.id],
    ...namespaceAttrs(def.namespaces),
  ];
  w.block("domain", attrs, (w) => formatDomainBody(w, def, ctx));
  return w.toString();
}

function formatDomainBody(w: XmlWriter, def: DomainDef, ctx: FormatContext): void {
  w.text("name", def.name);
  w.text("uuid", def.uuid);
  w.text("genid", def.genid);
  w.text("title", def.title);
  w.text("description", def.description);
  writeMetadata(w, def.metadata);
  const m = def.memory;
  if (m.max && m.slots) w.text("maxMemory", m.max, [["slots", m.slots], ["unit", "KiB"]]);
  w.text("memory", m.total, [["dumpCore", m.dumpCore], ["unit", "KiB"]]);
  w.text("currentMemory", m.current, [["unit", "KiB"]]);
  formatBlkiotune(w, def.blkiotune);
  formatMemtune(w, def.memtune);
  formatMemoryBacking(w, def.memoryBacking);
  formatVcpu(w, def.vcpu);
  formatIothreads(w, def.iothreads);
  if (def.cputune) formatCputune(w, def.cputune, ctx);
  if (def.numatune) formatNumatune(w, def.numatune, ctx);
  if (def.resource) {
    const res = def.resource;
    w.group("resource", null, (w) => {
      w.text("partition", res.partition);
      if (res.fibrechannelAppid) w.elem("fibrechannel", [["appid", res.fibrechannelAppid]]);
    });
  }
  for (const s of def.sysinfo) formatSysinfo(w, s);
  w.text("bootloader", def.bootloader);
  w.text("bootloader_args", def.bootloaderArgs);
  formatOs(w, def.os, def.bootloader !== undefined);
  formatIdMap(w, def.idmap);
  if (def.features) formatFeatures(w, def.features, ctx);
  if (def.cpu) formatCpu(w, def.cpu, ctx);
  if (def.clock) formatClock(w, def.clock, ctx);
  else w.elem("clock", [["offset", "utc"]]);
  w.text("on_poweroff", def.onPoweroff);
  w.text("on_reboot", def.onReboot);
  w.text("on_crash", def.onCrash);
  w.text("on_lockfailure", def.onLockfailure);
  if (def.pm) formatPm(w, def.pm, ctx);
  if (def.perf) formatPerf(w, def.perf, ctx);
  formatDevices(w, def.devices, ctx);
  for (const s of def.seclabels) formatSeclabel(w, s, ctx);
  if (def.keywrap) formatKeywrap(w, def.keywrap, ctx);
  if (def.launchSecurity) formatLaunchSecurity(w, def.launchSecurity, ctx);
  formatNamespaces(w, def.namespaces);
}
