/**
 * Domain XML to {@link DomainDef}: parsing, then the generic checks and
 * defaults libvirt applies before any hypervisor driver sees a definition.
 * @module
 */
import { VirtError } from "../../errors.ts";
import { readDocument, XmlReader } from "../../xml/mod.ts";
import { readMetadata, readUuid } from "../common.ts";
import { parseClock } from "./clock.ts";
import type { ParseContext } from "./context.ts";
import { parseCpu } from "./cpu.ts";
import { parseCputune } from "./cputune.ts";
import {
  CRASH_ACTIONS, DOMAIN_TYPES, type DomainDef, LIFECYCLE_ACTIONS, LOCKFAILURE_ACTIONS, type MemoryDef,
} from "./def.ts";
import { parseDevices } from "./devices/index.ts";
import { parseFeatures } from "./features.ts";
import { parseKeywrap } from "./keywrap.ts";
import { parseLaunchSecurity } from "./launch-security.ts";
import { parseBlkiotune, parseMemoryBacking, parseMemtune, parseSizeKiB } from "./memory.ts";
import { parseNamespaces } from "./namespaces.ts";
import { parseNumatune } from "./numatune.ts";
import { parseIdMap, parseOs, parseSysinfo } from "./os.ts";
import { parsePerf } from "./perf.ts";
import { parsePm } from "./pm.ts";
import { postParseDomain } from "./postparse.ts";
import { parseSeclabel } from "./seclabel.ts";
import { parseIothreads, parseVcpu } from "./vcpu.ts";

/** Options of {@link parseDomainXml}. */
export interface ParseDomainOptions {
  /** Parse the persistent config only, ignoring runtime state. */
  inactive?: boolean;
  /** Reject unknown elements and attributes instead of dropping them. */
  validate?: boolean;
  /** The hypervisor driver's architecture for guests that name none (default: the host's). */
  defaultArch?: string;
}

/**
 * Parses domain XML into a {@link DomainDef}, applying libvirt's generic
 * checks and defaults.
 *
 * @throws VirtError naming the element and line at fault
 * @example
 * ```ts
 * const def = parseDomainXml("<domain type='kvm'><name>vm1</name><memory>1</memory></domain>");
 * def.memory.total; // 1024 (KiB)
 * ```
 */
export function parseDomainXml(xml: string, opts: ParseDomainOptions = {}): DomainDef {
  const ctx: ParseContext = { inactive: opts.inactive ?? false, validate: opts.validate ?? false, defaultArch: opts.defaultArch };
  const def = readDocument(xml, "domain", "domain", ctx.validate, (r) => parseDomainElement(r, ctx));
  postParseDomain(def);
  return def;
}

function action<T extends string>(r: XmlReader, name: string, values: readonly T[], fallback: T): T {
  const c = r.child(name);
  if (!c) return fallback;
  const v = c.text().trim();
  if (!(values as readonly string[]).includes(v)) {
    throw c.error(`invalid ${name} action '${v}', expected one of: ${values.join(", ")}`);
  }
  return v as T;
}

function parseMemory(r: XmlReader): MemoryDef {
  const mem = r.child("memory");
  const cur = r.child("currentMemory");
  const max = r.child("maxMemory");
  const total = mem ? parseSizeKiB(mem) : 0;
  const m: MemoryDef = { total, current: cur ? parseSizeKiB(cur) : 0 };
  if (mem) m.dumpCore = mem.enum("dumpCore", ["on", "off"]);
  if (max) {
    m.max = parseSizeKiB(max);
    m.slots = max.uint("slots");
  }
  return m;
}

/** Parses an already-read `<domain>` element (no post-parse). */
export function parseDomainElement(r: XmlReader, ctx: ParseContext): DomainDef {
  const type = r.reqEnum("type", DOMAIN_TYPES);
  let id: number | undefined;
  if (!ctx.inactive) {
    const v = r.int("id");
    if (v !== undefined && v >= 0) id = v;
  } else r.attr("id");

  const name = r.childText("name");
  if (!name) throw new VirtError("xml-detail", "domain", "missing domain name: the <name> element is required");

  const uuid = readUuid(r);
  const genid = r.hasChild("genid") ? readUuid(r, "genid", true) : undefined;

  const title = r.child("title")?.text();
  if (title !== undefined && title.includes("\n")) throw r.child("title")!.error("title must not contain newlines");
  const bootloader = r.child("bootloader");
  const res = r.child("resource");
  const def: DomainDef = {
    type,
    id,
    name,
    uuid,
    genid,
    title,
    description: r.child("description")?.text(),
    metadata: readMetadata(r.child("metadata")),
    memory: parseMemory(r),
    blkiotune: map(r.child("blkiotune"), parseBlkiotune),
    memtune: map(r.child("memtune"), parseMemtune),
    memoryBacking: map(r.child("memoryBacking"), parseMemoryBacking),
    vcpu: parseVcpu(r),
    iothreads: parseIothreads(r),
    cputune: map(r.child("cputune"), (c) => parseCputune(c, ctx)),
    numatune: map(r.child("numatune"), (c) => parseNumatune(c, ctx)),
    resource: res
      ? { partition: res.childText("partition"), fibrechannelAppid: res.child("fibrechannel")?.req("appid") }
      : undefined,
    sysinfo: r.children("sysinfo").map(parseSysinfo),
    bootloader: bootloader?.text().trim(),
    bootloaderArgs: r.child("bootloader_args")?.text(),
    os: parseOs(r.child("os"), type, bootloader !== undefined, ctx.defaultArch),
    idmap: map(r.child("idmap"), parseIdMap),
    features: map(r.child("features"), (c) => parseFeatures(c, ctx)),
    cpu: map(r.child("cpu"), (c) => parseCpu(c, ctx)),
    clock: map(r.child("clock"), (c) => parseClock(c, ctx)),
    onPoweroff: action(r, "on_poweroff", LIFECYCLE_ACTIONS, "destroy"),
    onReboot: action(r, "on_reboot", LIFECYCLE_ACTIONS, "restart"),
    onCrash: action(r, "on_crash", CRASH_ACTIONS, "destroy"),
    onLockfailure: r.child("on_lockfailure") ? action(r, "on_lockfailure", LOCKFAILURE_ACTIONS, "poweroff") : undefined,
    pm: map(r.child("pm"), (c) => parsePm(c, ctx)),
    perf: map(r.child("perf"), (c) => parsePerf(c, ctx)),
    devices: parseDevices(r.child("devices") ?? emptyDevicesReader(r), ctx),
    seclabels: r.children("seclabel").map((c) => parseSeclabel(c, ctx)),
    keywrap: map(r.child("keywrap"), (c) => parseKeywrap(c, ctx)),
    launchSecurity: map(r.child("launchSecurity"), (c) => parseLaunchSecurity(c, ctx)),
    namespaces: parseNamespaces(r),
  };
  if (def.onPoweroff === "rename-restart" || def.onReboot === "rename-restart") {
    throw r.error("rename-restart is supported only for on_crash");
  }
  return def;
}

function map<T>(r: XmlReader | undefined, f: (r: XmlReader) => T): T | undefined {
  return r === undefined ? undefined : f(r);
}

function emptyDevicesReader(r: XmlReader): XmlReader {
  return new XmlReader({ name: "devices", local: "devices", prefix: "", uri: "", attrs: {}, nsDecls: {}, nodes: [], line: r.el.line, column: 0 }, "domain");
}
