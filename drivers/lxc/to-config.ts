/**
 * Domain XML to an lxc-tools container config in LXC 3.x key names, the
 * reverse of `lxcConfigToDomain`. It reads the domain's canonical XML
 * (so it does not depend on the model's field names) and keeps track of
 * every element and attribute it used: whatever is left over has no lxc
 * equivalent and is listed in the result's `warnings`, never dropped quietly.
 * @module
 */
import { type DomainDef, formatDomainXml } from "../../src/conf/domain/mod.ts";
import { parseXml, XmlReader } from "../../src/xml/mod.ts";
import { elementChildren, type XmlElement } from "../../src/xml/tree.ts";
import { unitScale } from "../../src/conf/units.ts";
import { formatLxcConfig, fstabEscape, type LxcLine } from "./lxc-config.ts";
import { PROCESS_CAPABILITIES } from "../../src/conf/domain/features.ts";
import { LXC_DEFAULT_MEMORY_KIB, LXC_MACVLAN_MODES } from "./from-config.ts";

/** Options of {@link domainToLxcConfig}. */
export interface LxcExportOptions {
  /**
   * Which cgroup keys to write: `v1` (`lxc.cgroup.*`, the default, the
   * form libvirt's import reads) or `v2` (`lxc.cgroup2.*`, for hosts with
   * the unified hierarchy only).
   */
  cgroup?: "v1" | "v2";
}

/** What {@link domainToLxcConfig} returns. */
export interface LxcExportResult {
  /** The config text, `key = value` lines. */
  config: string;
  /**
   * One sentence for each part of the domain that the config does not carry
   * (no lxc equivalent) or carries only approximately, naming the element
   * and its line in the domain's canonical XML. Empty when nothing was lost.
   */
  warnings: string[];
}

/**
 * Writes a container domain as an lxc-tools config. Parts of the domain
 * with no lxc equivalent are not an error: they are listed in `warnings`.
 *
 * Two conventions keep `lxcConfigToDomain(domainToLxcConfig(def).config)`
 * equal to `def` for what both sides can express: 64 MiB of memory without
 * a hard limit is libvirt's "no limit set" and writes no memory key; and
 * `lxc.idmap` lines are written in lxc's documented order
 * (`u CONTAINER-ID HOST-ID COUNT`), which the import recognises because it
 * maps the container's root.
 *
 * @throws VirtError when the domain is not `type='lxc'`
 * @example
 * ```ts
 * const { config, warnings } = domainToLxcConfig(parseDomainXml(xml));
 * ```
 */
export function domainToLxcConfig(def: DomainDef, opts: LxcExportOptions = {}): LxcExportResult {
  return domainXmlToLxcConfig(formatDomainXml(def, { inactive: true }), opts);
}

/**
 * Like {@link domainToLxcConfig}, from domain XML text. The text is read as
 * given (no defaults are applied), so give it canonical XML.
 *
 * @throws VirtError when the XML does not parse or is not a `type='lxc'` domain
 */
export function domainXmlToLxcConfig(xml: string, opts: LxcExportOptions = {}): LxcExportResult {
  const root = parseXml(xml, "domain");
  const r = new XmlReader(root, "lxc");
  if (root.name !== "domain") throw r.error("expected a <domain>");
  const type = r.attr("type");
  if (type !== "lxc") {
    throw r.error(
      `a '${type}' domain is not a container; only type='lxc' converts to an lxc config`,
    );
  }
  const out = new Writer(opts.cgroup ?? "v1");
  out.comment(`Container '${r.childText("name") ?? ""}', written by virtkit from its domain XML`);
  general(r, out);
  const nets = devices(r, out);
  security(r, out);
  resources(r, out);
  for (const n of nets) out.lines.push(...n);
  reportUnused(root, out.warnings);
  return { config: formatLxcConfig(out.lines), warnings: out.warnings };
}

/** Collects config lines and warnings. */
class Writer {
  readonly lines: LxcLine[] = [];
  readonly warnings: string[] = [];
  constructor(readonly cgroup: "v1" | "v2") {}
  /** Adds `key = value`; a value spanning lines cannot be written and is reported. */
  set(key: string, value: string | number | bigint): void {
    const v = String(value);
    if (/[\r\n]/.test(v)) {
      this.warnings.push(
        `${key}: the value has a line break, which a config line cannot hold; not converted`,
      );
    } else this.lines.push({ key, value: v });
  }
  comment(text: string): void {
    this.lines.push({ comment: text.replace(/[\r\n]+/g, " ") });
  }
  warn(r: XmlReader, message: string): void {
    this.warnings.push(`<${r.name}> at line ${r.el.line}: ${message}`);
  }
  /** Writes a cgroup key in the chosen version's spelling. */
  cg(v1: string, v2: string | undefined, value: string | number | bigint, r: XmlReader): void {
    if (this.cgroup === "v1") this.set(`lxc.cgroup.${v1}`, value);
    else if (v2) this.set(`lxc.cgroup2.${v2}`, value);
    else this.warn(r, `cgroup v2 has no equivalent of ${v1}; not converted`);
  }
}

/** libvirt's lifecycle defaults, which lxc behaves like without a key. */
const LIFECYCLE_DEFAULTS = [["on_poweroff", "destroy"], ["on_reboot", "restart"], [
  "on_crash",
  "destroy",
]];

function general(r: XmlReader, out: Writer): void {
  out.set("lxc.uts.name", r.childText("name") ?? "");
  r.child("uuid");
  for (const [name, value] of LIFECYCLE_DEFAULTS) {
    // Read (and so not reported) only when it holds the default.
    const c = r.child(name);
    if (c && c.text().trim() !== value) c.el.used = false;
  }
  const clock = r.child("clock");
  if (clock && clock.attr("offset") !== "utc") {
    clock.el.used = false;
  }
  const os = r.child("os");
  if (os) {
    const t = os.child("type");
    if (t && t.text().trim() === "exe") {
      const arch = t.attr("arch");
      if (arch) out.set("lxc.arch", arch);
    } else if (t) t.el.used = false;
    const init = os.childText("init");
    const args = os.children("initarg").map((a) => a.text());
    if (init !== undefined && (init !== "/sbin/init" || args.length)) {
      out.set("lxc.init.cmd", [init, ...args].map(quoteArg).join(" "));
    }
    for (const e of os.children("initenv")) {
      out.set("lxc.environment", `${e.attr("name")}=${e.text()}`);
    }
    const dir = os.childText("initdir");
    if (dir !== undefined) out.set("lxc.init.cwd", dir);
    for (const [el, key] of [["inituser", "lxc.init.uid"], ["initgroup", "lxc.init.gid"]]) {
      const c = os.child(el);
      if (!c) continue;
      if (/^\d+$/.test(c.text().trim())) out.set(key, c.text().trim());
      else out.warn(c, "lxc takes a numeric id only; not converted");
    }
  }
}

/** `<idmap>` and the capabilities. */
function security(r: XmlReader, out: Writer): void {
  const idmap = r.child("idmap");
  if (idmap) {
    for (const m of idmap.elements()) {
      if (m.name !== "uid" && m.name !== "gid") continue;
      out.set(
        "lxc.idmap",
        `${m.name[0]} ${m.attr("start")} ${m.attr("target")} ${m.attr("count")}`,
      );
    }
  }
  const features = r.child("features");
  capabilities(features, out);
}

function quoteArg(a: string): string {
  return /[\s"']/.test(a) || a === "" ? `'${a.replace(/'/g, `'"'"'`)}'` : a;
}

function capabilities(features: XmlReader | undefined, out: Writer): void {
  const caps = features?.child("capabilities");
  const policy = caps?.attr("policy") ?? "default";
  if (!caps || policy === "default") {
    const note =
      "libvirt's default capability policy drops a few capabilities and lxc has no such default; written as policy 'allow'";
    if (caps) out.warn(caps, note);
    else out.warnings.push(`<features>: ${note}`);
  }
  const on: string[] = [];
  const off: string[] = [];
  for (const c of caps?.elements() ?? []) {
    if (!(PROCESS_CAPABILITIES as readonly string[]).includes(c.name)) {
      c.el.used = false;
      continue;
    }
    (c.attr("state") === "on" ? on : off).push(c.name);
  }
  if (policy === "deny") out.set("lxc.cap.keep", on.length ? on.join(" ") : "none");
  else if (off.length) out.set("lxc.cap.drop", off.join(" "));
}

function kib(r: XmlReader): bigint {
  return scaledKiB(r, r.text().trim(), r.attr("unit") ?? "KiB");
}

/** A size with a unit, in KiB (rounded down, as lxc's byte values divide back). */
function scaledKiB(r: XmlReader, value: string, unit: string): bigint {
  const scale = unitScale(unit);
  if (!/^\d+$/.test(value) || scale === undefined) throw r.error(`invalid size '${value}' ${unit}`);
  return (BigInt(value) * BigInt(scale)) / 1024n;
}

function resources(r: XmlReader, out: Writer): void {
  const memEl = r.child("memory");
  const total = memEl ? kib(memEl) : BigInt(LXC_DEFAULT_MEMORY_KIB);
  const cur = r.child("currentMemory");
  if (cur && kib(cur) !== total) {
    out.warn(cur, "lxc has no balloon; only the memory limit is written");
  }
  const memtune = r.child("memtune");
  const hardEl = memtune?.child("hard_limit");
  const hard = hardEl ? kib(hardEl) : undefined;
  if (hard !== undefined && hard !== total && memEl) {
    out.warn(memEl, "lxc has a single memory limit; hard_limit is written and this size is not");
  }
  const limit = hard ?? (total === BigInt(LXC_DEFAULT_MEMORY_KIB) ? undefined : total);
  if (limit !== undefined) {
    out.cg("memory.limit_in_bytes", "memory.max", limit * 1024n, hardEl ?? memEl!);
  }
  const soft = memtune?.child("soft_limit");
  if (soft) out.cg("memory.soft_limit_in_bytes", "memory.high", kib(soft) * 1024n, soft);
  const swap = memtune?.child("swap_hard_limit");
  if (swap) {
    if (out.cgroup === "v1") {
      out.cg("memory.memsw.limit_in_bytes", undefined, kib(swap) * 1024n, swap);
    } else if (limit === undefined || kib(swap) < limit) {
      out.warn(
        swap,
        "cgroup v2 limits swap on top of a memory limit, and there is none below this one; not converted",
      );
    } else out.set("lxc.cgroup2.memory.swap.max", (kib(swap) - limit) * 1024n);
  }

  const vcpu = r.child("vcpu");
  if (vcpu) {
    if (vcpu.text().trim() !== "1") {
      out.warn(vcpu, "lxc has no vCPU count (the container sees the host's CPUs); not converted");
    }
    if (vcpu.attr("placement") === "auto") {
      out.warn(vcpu, "automatic placement has no lxc equivalent; not converted");
    }
    vcpu.attr("current");
    const cpuset = vcpu.attr("cpuset");
    if (cpuset) out.cg("cpuset.cpus", "cpuset.cpus", cpuset, vcpu);
  }
  const cputune = r.child("cputune");
  if (cputune) {
    const shares = cputune.childText("shares");
    const period = cputune.childText("period");
    const quota = cputune.childText("quota");
    if (out.cgroup === "v1") {
      if (shares) out.set("lxc.cgroup.cpu.shares", shares);
      if (quota) out.set("lxc.cgroup.cpu.cfs_quota_us", quota);
      if (period) out.set("lxc.cgroup.cpu.cfs_period_us", period);
    } else {
      if (shares && (Number(shares) < 1 || Number(shares) > 10000)) {
        out.warn(cputune.child("shares")!, "cgroup v2 cpu.weight takes 1 to 10000; not converted");
      } else if (shares) out.set("lxc.cgroup2.cpu.weight", shares);
      if (quota || period) {
        out.set(
          "lxc.cgroup2.cpu.max",
          `${!quota || quota.startsWith("-") ? "max" : quota}${period ? ` ${period}` : ""}`,
        );
      }
    }
  }
  const numatune = r.child("numatune");
  const mem = numatune?.child("memory");
  if (mem) {
    const nodeset = mem.attr("nodeset");
    if ((mem.attr("mode") ?? "strict") !== "strict" || !nodeset) {
      out.warn(mem, "only a strict nodeset maps to lxc's cpuset.mems; not converted");
    } else out.cg("cpuset.mems", "cpuset.mems", nodeset, mem);
  }
  blkio(r.child("blkiotune"), out);
}

function blkio(b: XmlReader | undefined, out: Writer): void {
  if (!b) return;
  const weight = b.childText("weight");
  if (weight) {
    out.cg("blkio.weight", "io.weight", out.cgroup === "v1" ? weight : `default ${weight}`, b);
  }
  for (const d of b.children("device")) {
    const path = d.childText("path") ?? "";
    const m = /^\/dev\/block\/(\d+:\d+)$/.exec(path);
    if (!m) {
      out.warn(
        d,
        `lxc names devices by MAJOR:MINOR and '${path}' is not /dev/block/MAJOR:MINOR; not converted`,
      );
      d.el.used = false;
      continue;
    }
    const dev = m[1];
    const w = d.childText("weight");
    if (w) out.cg("blkio.weight_device", "io.weight", `${dev} ${w}`, d);
    const limits = [
      ["read_bytes_sec", "blkio.throttle.read_bps_device", "rbps"],
      ["write_bytes_sec", "blkio.throttle.write_bps_device", "wbps"],
      ["read_iops_sec", "blkio.throttle.read_iops_device", "riops"],
      ["write_iops_sec", "blkio.throttle.write_iops_device", "wiops"],
    ] as const;
    const v2: string[] = [];
    for (const [el, v1key, v2key] of limits) {
      const v = d.childText(el);
      if (!v) continue;
      if (out.cgroup === "v1") out.set(`lxc.cgroup.${v1key}`, `${dev} ${v}`);
      else v2.push(`${v2key}=${v}`);
    }
    if (v2.length) out.set("lxc.cgroup2.io.max", `${dev} ${v2.join(" ")}`);
  }
}

/** Writes the filesystems and consoles; returns the network lines, written last. */
function devices(r: XmlReader, out: Writer): LxcLine[][] {
  const devs = r.child("devices");
  const nets: LxcLine[][] = [];
  let consoles = 0;
  let root = false;
  const mounts: string[] = [];
  for (const d of devs?.elements() ?? []) {
    switch (d.name) {
      case "emulator":
        break;
      case "filesystem": {
        const fs = filesystem(d, out, !root);
        if (fs === "root") root = true;
        else if (fs) mounts.push(fs);
        break;
      }
      case "interface":
      case "hostdev": {
        const lines = d.name === "interface"
          ? iface(d, out, nets.length)
          : hostdev(d, out, nets.length);
        if (lines) nets.push(lines);
        break;
      }
      case "console":
        if (d.attr("type") === "pty" && d.child("target")?.attr("type") === "lxc") {
          d.child("target")!.attr("port");
          consoles++;
        } else d.el.used = false;
        break;
      default:
        d.el.used = false;
    }
  }
  for (const m of mounts) out.set("lxc.mount.entry", m);
  if (consoles) out.set("lxc.tty.max", consoles);
  const features = r.child("features");
  const privnet = features?.child("privnet");
  if (nets.length === 0 && !privnet) nets.push([{ key: "lxc.net.0.type", value: "none" }]);
  return nets;
}

/** Returns "root", an `lxc.mount.entry` value, or undefined when not converted. */
function filesystem(d: XmlReader, out: Writer, rootFree: boolean): string | undefined {
  const type = d.attr("type") ?? "mount";
  const access = d.attr("accessmode") ?? "passthrough";
  const target = d.child("target")?.attr("dir");
  const src = d.child("source");
  const readonly = d.child("readonly") !== undefined;
  if (!["mount", "block", "ram"].includes(type) || access !== "passthrough" || !target || !src) {
    d.el.used = false;
    return undefined;
  }
  if (target === "/" && rootFree && type !== "ram") {
    const path = src.attr(type === "block" ? "dev" : "dir");
    out.set("lxc.rootfs.path", path ?? "");
    if (readonly) {
      d.child("readonly")!.el.used = false;
    }
    return "root";
  }
  const rel = fstabEscape(target.replace(/^\/+/, ""));
  if (type === "ram") {
    const usage = scaledKiB(src, src.attr("usage") ?? "", src.attr("units") ?? "KiB");
    return `tmpfs ${rel} tmpfs size=${usage}k${readonly ? ",ro" : ""} 0 0`;
  }
  if (type === "block") {
    out.warn(
      d,
      "lxc needs the filesystem type of a block device; the entry says 'auto', replace it with the real type",
    );
    return `${fstabEscape(src.attr("dev") ?? "")} ${rel} auto ${readonly ? "ro" : "defaults"} 0 0`;
  }
  return `${fstabEscape(src.attr("dir") ?? "")} ${rel} none bind${readonly ? ",ro" : ""} 0 0`;
}

/** The address and gateway lines of an interface or host device. */
function ipLines(d: XmlReader, key: (k: string) => string, out: Writer): LxcLine[] {
  const lines: LxcLine[] = [];
  for (const ip of d.children("ip")) {
    const prefix = ip.attr("prefix");
    if (prefix === undefined) {
      out.warn(ip, "lxc needs a prefix with the address; not converted");
      ip.el.used = false;
      continue;
    }
    lines.push({
      key: key(
        `${
          ip.attr("family") === "ipv6" || ip.attr("address")!.includes(":") ? "ipv6" : "ipv4"
        }.address`,
      ),
      value: `${ip.attr("address")}/${prefix}`,
    });
  }
  for (const rt of d.children("route")) {
    const family = rt.attr("family") ?? "ipv4";
    const any = family === "ipv6" ? "::" : "0.0.0.0";
    const prefix = rt.attr("prefix");
    if (
      rt.attr("address") !== any || (prefix !== undefined && prefix !== "0") || !rt.attr("gateway")
    ) {
      out.warn(rt, "lxc only has a default gateway; this route is not converted");
      rt.el.used = false;
      continue;
    }
    lines.push({ key: key(`${family}.gateway`), value: rt.attr("gateway")! });
  }
  return lines;
}

function iface(d: XmlReader, out: Writer, index: number): LxcLine[] | undefined {
  const type = d.attr("type");
  const key = (k: string) => `lxc.net.${index}.${k}`;
  const lines: LxcLine[] = [];
  const src = d.child("source");
  if (type === "bridge" || type === "ethernet") {
    lines.push({ key: key("type"), value: "veth" });
    if (type === "bridge") lines.push({ key: key("link"), value: src?.attr("bridge") ?? "" });
  } else if (type === "direct") {
    const mode = src?.attr("mode") ?? "vepa";
    if (!(LXC_MACVLAN_MODES as readonly string[]).includes(mode)) {
      out.warn(d, `macvlan mode '${mode}' has no lxc equivalent; not converted`);
      d.el.used = false;
      return undefined;
    }
    lines.push({ key: key("type"), value: "macvlan" }, {
      key: key("link"),
      value: src?.attr("dev") ?? "",
    });
    lines.push({ key: key("macvlan.mode"), value: mode });
  } else {
    out.warn(
      d,
      `a '${type}' interface has no lxc equivalent (lxc knows bridges, host devices and macvlan); not converted`,
    );
    d.el.used = false;
    return undefined;
  }
  const link = d.child("link")?.attr("state") ?? "up";
  if (link === "up") lines.push({ key: key("flags"), value: "up" });
  const mac = d.child("mac")?.attr("address");
  if (mac) lines.push({ key: key("hwaddr"), value: mac });
  const guest = d.child("guest")?.attr("dev");
  if (guest) lines.push({ key: key("name"), value: guest });
  const target = type !== "direct" ? d.child("target")?.attr("dev") : undefined;
  if (target) lines.push({ key: key("veth.pair"), value: target });
  const mtu = d.child("mtu")?.attr("size");
  if (mtu) lines.push({ key: key("mtu"), value: mtu });
  lines.push(...ipLines(d, key, out));
  return lines;
}

function hostdev(d: XmlReader, out: Writer, index: number): LxcLine[] | undefined {
  const name = d.attr("mode") === "capabilities" && d.attr("type") === "net"
    ? d.child("source")?.childText("interface")
    : undefined;
  if (!name) {
    out.warn(d, "only network host devices have an lxc equivalent (type 'phys'); not converted");
    d.el.used = false;
    return undefined;
  }
  const key = (k: string) => `lxc.net.${index}.${k}`;
  return [
    { key: key("type"), value: "phys" },
    { key: key("link"), value: name },
    ...ipLines(d, key, out),
  ];
}

/** Lists the elements and attributes nothing read: the parts with no lxc equivalent. */
function reportUnused(el: XmlElement, warnings: string[]): void {
  for (const a of Object.keys(el.attrs)) {
    if (!el.usedAttrs?.has(a)) {
      warnings.push(
        `<${el.name}> at line ${el.line}: attribute ${a}='${
          el.attrs[a]
        }' has no lxc equivalent; not converted`,
      );
    }
  }
  for (const c of elementChildren(el)) {
    if (c.used) reportUnused(c, warnings);
    else if (!warnings.some((w) => w.startsWith(`<${c.name}> at line ${c.line}:`))) {
      warnings.push(`<${c.name}> at line ${c.line} has no lxc equivalent; not converted`);
    }
  }
}
