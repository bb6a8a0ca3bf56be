/**
 * lxc-tools container config to domain XML, as `virsh domxml-from-native
 * lxc-tools` does it. Legacy (pre-3.0) and 3.x key names are both read; the
 * mapping follows libvirt's import (`lxc_native.c`) and adds the keys it
 * leaves out (`lxc.cgroup2.*`, `lxc.init.*`, `lxc.environment`,
 * `lxc.cap.keep`, network `mtu` and `veth.pair`).
 *
 * Where libvirt's import fails without a word or guesses, this one names the
 * line: an unknown network type or macvlan mode, a MAC address or CIDR that
 * does not parse, an `lxc.include`. A key given twice keeps its last value,
 * as lxc reads it. Without `lxc.rootfs.path` the container shares the host's
 * root, as it does in lxc and in the LXC driver, so no root filesystem is
 * written. Lines with no domain equivalent are reported through
 * `onWarning` (and otherwise dropped, as libvirt does).
 *
 * The definition is built as domain XML text and handed to the domain
 * parser, so it goes through the same checks and defaults as any other
 * definition.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import { PROCESS_CAPABILITIES } from "../../src/conf/domain/features.ts";
import { formatBitmap, parseBitmap } from "../../src/conf/bitmap.ts";
import { generateUuid, parseMac, parseUuid } from "../../src/conf/ids.ts";
import { canonicalIp, parseIp } from "../../src/conf/network/ipaddr.ts";
import { type DomainDef, parseDomainXml } from "../../src/conf/domain/mod.ts";
import { XmlWriter } from "../../src/xml/mod.ts";
import {
  fstabUnescape,
  lineError,
  type LxcEntry,
  normalizeLxcKeys,
  parseLxcConfig,
} from "./lxc-config.ts";

/** Options of {@link lxcConfigToDomain}. */
export interface LxcImportOptions {
  /** The domain's UUID; a random one when absent (a config carries none). */
  uuid?: string;
  /**
   * Called once for every config line that has no domain equivalent and is
   * left out (`lxc.autodev`, `lxc.cgroup.devices.*`, the `/proc` and `/sys`
   * mounts the LXC driver always makes, ...). Without it they are dropped
   * quietly, as libvirt does.
   */
  onWarning?: (message: string) => void;
}

/** Where the libvirt LXC driver's container controller lives. */
export const LXC_EMULATOR = "/usr/libexec/libvirt_lxc";

/** Memory a container gets when the config sets no limit, in KiB (libvirt's import default). */
export const LXC_DEFAULT_MEMORY_KIB = 65536;


/** Mount points the LXC driver always sets up itself; entries for them are skipped. */
export const LXC_BASIC_MOUNTS = [
  "/proc",
  "/proc/sys",
  "/proc/sys/net/ipv4",
  "/proc/sys/net/ipv6",
  "/sys",
  "/sys/kernel/security",
  "/sys/fs/selinux",
];

/** Network types of `lxc.net.N.type` that the converter knows. */
export const LXC_NET_TYPES = ["veth", "macvlan", "vlan", "phys", "none", "empty"] as const;

/** macvlan modes of `lxc.net.N.macvlan.mode`. */
export const LXC_MACVLAN_MODES = ["private", "vepa", "bridge", "passthru"] as const;

const MEMORY_UNLIMITED_KIB = 9007199254740991n;
const MAX_TTYS = 1024;

/**
 * Converts an lxc-tools config to a domain definition.
 *
 * @throws VirtError naming the config line at fault: a malformed line, an
 *   `lxc.include` or `lxc.mount.fstab` (files are not followed), an unknown
 *   network type, a value that does not parse
 * @example
 * ```ts
 * const def = lxcConfigToDomain("lxc.uts.name = web\nlxc.rootfs.path = /srv/web\n");
 * def.name; // "web"
 * ```
 */
export function lxcConfigToDomain(config: string, opts: LxcImportOptions = {}): DomainDef {
  return parseDomainXml(lxcConfigToDomainXml(config, opts));
}

/**
 * Converts an lxc-tools config to domain XML text in libvirt's canonical
 * layout, without parsing it ({@link lxcConfigToDomain} does both).
 *
 * @throws VirtError naming the config line at fault
 */
export function lxcConfigToDomainXml(config: string, opts: LxcImportOptions = {}): string {
  const c = collect(normalizeLxcKeys(parseLxcConfig(config)), opts.onWarning ?? (() => {}));
  let uuid = generateUuid();
  if (opts.uuid !== undefined) {
    const u = parseUuid(opts.uuid);
    if (!u) throw new VirtError("invalid-arg", "lxc", `invalid UUID '${opts.uuid}'`);
    uuid = u;
  }
  return writeDomain(c, uuid);
}

interface Fs {
  type: "mount" | "block" | "ram";
  source?: string;
  target: string;
  readonly: boolean;
  usageKiB?: number;
}

interface Ip {
  address: string;
  family: "ipv4" | "ipv6";
  prefix: number;
}

interface Nic {
  index: string;
  fields: Map<string, LxcEntry>;
  ips: Ip[];
}

interface Blkio {
  path: string;
  weight?: bigint;
  readIopsSec?: bigint;
  writeIopsSec?: bigint;
  readBytesSec?: bigint;
  writeBytesSec?: bigint;
}

interface IdMap {
  start: bigint;
  target: bigint;
  count: bigint;
  entry: LxcEntry;
}

/** Everything the config says that the domain can hold. */
interface Collected {
  name?: string;
  rootfs?: LxcEntry;
  arch?: string;
  init: string[];
  initEnv: [string, string][];
  initDir?: string;
  initUser?: string;
  initGroup?: string;
  mounts: Fs[];
  nics: Nic[];
  ttys?: number;
  uidmap: IdMap[];
  gidmap: IdMap[];
  memoryKiB?: bigint;
  softKiB?: bigint;
  swapKiB?: bigint;
  /** cgroup v2 `memory.swap.max`: swap alone, added to the memory limit. */
  swapOnly?: LxcEntry;
  shares?: bigint;
  period?: bigint;
  quota?: bigint;
  cpus?: number[];
  mems?: number[];
  blkioWeight?: bigint;
  blkio: Blkio[];
  capDrop?: { names: string[]; entry: LxcEntry };
  capKeep?: { names: string[]; entry: LxcEntry };
}

/** Walks the entries once, keeping the last value of single-valued keys as lxc does. */
function collect(entries: LxcEntry[], warn: (m: string) => void): Collected {
  const c: Collected = {
    init: [],
    initEnv: [],
    mounts: [],
    nics: [],
    uidmap: [],
    gidmap: [],
    blkio: [],
  };
  const ignore = (e: LxcEntry, why = "no domain equivalent") =>
    warn(`line ${e.line} (${e.written}): ${why}; not converted`);
  for (const e of entries) {
    const k = e.key;
    if (k === "lxc.include") {
      throw lineError(
        e,
        "lxc.include is not supported: the converter does not read other files; paste the included lines in place",
      );
    }
    if (k === "lxc.mount.fstab") {
      throw lineError(
        e,
        "an fstab file is not supported: the converter does not read other files; use lxc.mount.entry lines instead",
      );
    }
    if (k.startsWith("lxc.net.")) {
      netEntry(c, e, warn);
      continue;
    }
    if (k.startsWith("lxc.cgroup.") || k.startsWith("lxc.cgroup2.")) {
      if (!cgroupEntry(c, e)) ignore(e);
      continue;
    }
    switch (k) {
      case "lxc.uts.name":
        c.name = e.value;
        break;
      case "lxc.rootfs.path":
        c.rootfs = e;
        break;
      case "lxc.arch":
        c.arch = archName(e.value);
        if (!c.arch) ignore(e, `architecture '${e.value}' is unknown to the domain XML`);
        break;
      case "lxc.init.cmd":
        c.init = splitCommand(e);
        break;
      case "lxc.init.cwd":
        c.initDir = e.value;
        break;
      case "lxc.init.uid":
        c.initUser = String(uint(e, e.value));
        break;
      case "lxc.init.gid":
        c.initGroup = String(uint(e, e.value));
        break;
      case "lxc.environment": {
        const eq = e.value.indexOf("=");
        if (eq <= 0) ignore(e, "passing a host variable through has no domain equivalent");
        else c.initEnv.push([e.value.slice(0, eq), e.value.slice(eq + 1)]);
        break;
      }
      case "lxc.mount.entry": {
        const fs = mountEntry(e);
        if (typeof fs === "string") ignore(e, fs);
        else c.mounts.push(fs);
        break;
      }
      case "lxc.tty.max":
        c.ttys = Number(uint(e, e.value));
        if (c.ttys > MAX_TTYS) throw lineError(e, `at most ${MAX_TTYS} consoles are supported`);
        break;
      case "lxc.idmap":
        idmapEntry(c, e);
        break;
      case "lxc.cap.drop":
      case "lxc.cap.keep": {
        const names = e.value.split(/\s+/).filter((n) => n !== "").map((n) => n.toLowerCase());
        const known = names.filter((n) => {
          if (k === "lxc.cap.keep" && n === "none") return false;
          const ok = (PROCESS_CAPABILITIES as readonly string[]).includes(n);
          if (!ok) {
            warn(
              `line ${e.line} (${e.written}): capability '${n}' is unknown to the domain XML; not converted`,
            );
          }
          return ok;
        });
        const prev = k === "lxc.cap.drop" ? c.capDrop : c.capKeep;
        const list = { names: names.length ? [...(prev?.names ?? []), ...known] : [], entry: e };
        if (k === "lxc.cap.drop") c.capDrop = list;
        else c.capKeep = list;
        break;
      }
      default:
        ignore(e);
    }
  }
  if (c.capDrop?.names.length && c.capKeep) {
    throw lineError(c.capKeep.entry, "lxc.cap.keep and lxc.cap.drop cannot both be used");
  }
  if (c.swapOnly) {
    if (c.memoryKiB === undefined) {
      throw lineError(
        c.swapOnly,
        "a swap limit needs a memory limit (memory.max): the domain's swap_hard_limit counts memory plus swap",
      );
    }
    c.swapKiB = (c.swapKiB ?? 0n) + c.memoryKiB;
  }
  for (const [name, list] of [["uid", c.uidmap], ["gid", c.gidmap]] as const) {
    if (!list.length || list.some((m) => m.start === 0n)) continue;
    // libvirt reads 'TYPE A B COUNT' as host id A for container id B, the
    // reverse of lxc's documented 'TYPE CONTAINER HOST COUNT'. When libvirt's
    // reading leaves the container's root unmapped but lxc's maps it, the file
    // was written in lxc's order: read it that way.
    if (list.some((m) => m.target === 0n)) {
      for (const m of list) [m.start, m.target] = [m.target, m.start];
      continue;
    }
    throw lineError(list[0].entry, `no ${name} range maps the container's root (id 0)`);
  }
  return c;
}

const ARCH_ALIASES: Record<string, string> = {
  x86: "i686",
  i386: "i686",
  i486: "i686",
  i586: "i686",
  amd64: "x86_64",
  arm64: "aarch64",
  ppc64el: "ppc64le",
  powerpc: "ppc",
  powerpc64: "ppc64",
  armhf: "armv7l",
  armel: "armv6l",
};

const ARCHES = [
  "alpha",
  "armv6l",
  "armv7l",
  "armv7b",
  "aarch64",
  "cris",
  "i686",
  "ia64",
  "lm32",
  "loongarch64",
  "m68k",
  "microblaze",
  "microblazeel",
  "mips",
  "mipsel",
  "mips64",
  "mips64el",
  "openrisc",
  "parisc",
  "parisc64",
  "ppc",
  "ppcle",
  "ppc64",
  "ppc64le",
  "ppcemb",
  "riscv32",
  "riscv64",
  "s390",
  "s390x",
  "sh4",
  "sh4eb",
  "sparc",
  "sparc64",
  "unicore32",
  "x86_64",
  "xtensa",
  "xtensaeb",
];

function archName(v: string): string | undefined {
  const a = ARCH_ALIASES[v] ?? v;
  return ARCHES.includes(a) ? a : undefined;
}

/** Splits a command line on blanks, honouring single and double quotes. */
function splitCommand(e: LxcEntry): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (const ch of e.value) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur ??= "";
    } else if (/\s/.test(ch)) {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else cur = (cur ?? "") + ch;
  }
  if (quote) throw lineError(e, `unterminated quote in '${e.value}'`);
  if (cur !== undefined) out.push(cur);
  return out;
}

function uint(e: LxcEntry, v: string): bigint {
  if (!/^\d+$/.test(v)) throw lineError(e, `'${v}' is not a non-negative integer`);
  return BigInt(v);
}

function int(e: LxcEntry, v: string): bigint {
  if (!/^-?\d+$/.test(v)) throw lineError(e, `'${v}' is not an integer`);
  return BigInt(v);
}

/** A size with an optional unit suffix, in bytes (libvirt's `virScaleInteger` rules). */
function size(e: LxcEntry, v: string): bigint {
  const m = /^(\d+)([A-Za-z%]*)$/.exec(v);
  if (!m) throw lineError(e, `cannot read the size '${v}'`);
  const unit = m[2];
  if (unit === "%") {
    throw lineError(e, `a relative size ('${v}') cannot be converted; give an absolute size`);
  }
  let scale = 1n;
  if (unit !== "" && !/^(b|bytes?)$/i.test(unit)) {
    const p = "kmgtpe".indexOf(unit[0].toLowerCase());
    const rest = unit.slice(1).toLowerCase();
    const base = rest === "" || rest === "ib" ? 1024n : rest === "b" ? 1000n : 0n;
    if (p < 0 || base === 0n) throw lineError(e, `unknown unit '${unit}' in '${v}'`);
    scale = base ** BigInt(p + 1);
  }
  return BigInt(m[1]) * scale;
}

/** A memory limit in KiB, or undefined for "no limit" (`-1`, `max`, or beyond what libvirt keeps). */
function limitKiB(e: LxcEntry): bigint | undefined {
  if (e.value === "-1" || e.value === "max") return undefined;
  const kib = size(e, e.value) / 1024n;
  return kib >= MEMORY_UNLIMITED_KIB ? undefined : kib;
}

function blkioDevice(c: Collected, e: LxcEntry, majMin: string): Blkio {
  if (!/^\d+:\d+$/.test(majMin)) {
    throw lineError(e, `'${majMin}' is not a MAJOR:MINOR device number`);
  }
  const path = `/dev/block/${majMin}`;
  let d = c.blkio.find((x) => x.path === path);
  if (!d) c.blkio.push(d = { path });
  return d;
}

/** Reads one cgroup key; returns false when it has no domain equivalent. */
function cgroupEntry(c: Collected, e: LxcEntry): boolean {
  const v2 = e.key.startsWith("lxc.cgroup2.");
  const key = e.key.slice(v2 ? "lxc.cgroup2.".length : "lxc.cgroup.".length);
  const parts = e.value.split(/\s+/).filter((p) => p !== "");
  switch (v2 ? `2:${key}` : `1:${key}`) {
    case "1:memory.limit_in_bytes":
    case "2:memory.max":
      c.memoryKiB = limitKiB(e);
      return true;
    case "1:memory.soft_limit_in_bytes":
    case "2:memory.high":
      c.softKiB = limitKiB(e);
      return true;
    case "1:memory.memsw.limit_in_bytes":
      c.swapKiB = limitKiB(e);
      c.swapOnly = undefined;
      return true;
    case "2:memory.swap.max":
      c.swapKiB = limitKiB(e);
      c.swapOnly = c.swapKiB === undefined ? undefined : e;
      return true;
    case "1:cpu.shares":
    case "2:cpu.weight":
      c.shares = uint(e, e.value);
      return true;
    case "1:cpu.cfs_quota_us":
      c.quota = int(e, e.value);
      return true;
    case "1:cpu.cfs_period_us":
      c.period = uint(e, e.value);
      return true;
    case "2:cpu.max":
      if (parts.length < 1 || parts.length > 2) {
        throw lineError(e, `expected 'QUOTA [PERIOD]', found '${e.value}'`);
      }
      c.quota = parts[0] === "max" ? -1n : uint(e, parts[0]);
      if (parts[1] !== undefined) c.period = uint(e, parts[1]);
      return true;
    case "1:cpuset.cpus":
    case "2:cpuset.cpus":
    case "1:cpuset.mems":
    case "2:cpuset.mems": {
      const set = parseBitmap(e.value);
      if (!set) throw lineError(e, `'${e.value}' is not a set such as '0-3,6'`);
      if (key === "cpuset.cpus") c.cpus = set;
      else c.mems = set;
      return true;
    }
    case "1:blkio.weight":
      c.blkioWeight = uint(e, e.value);
      return true;
    case "2:io.weight":
    case "2:io.bfq.weight":
      if (parts.length === 1 || parts[0] === "default") {
        c.blkioWeight = uint(e, parts[parts.length - 1] ?? "");
        if (parts.length > 2) throw lineError(e, `expected 'default WEIGHT', found '${e.value}'`);
        return true;
      }
      if (parts.length !== 2) {
        throw lineError(e, `expected 'MAJOR:MINOR WEIGHT', found '${e.value}'`);
      }
      blkioDevice(c, e, parts[0]).weight = uint(e, parts[1]);
      return true;
    case "2:io.max": {
      if (parts.length < 2) {
        throw lineError(
          e,
          `expected 'MAJOR:MINOR rbps=N wbps=N riops=N wiops=N', found '${e.value}'`,
        );
      }
      const d = blkioDevice(c, e, parts[0]);
      for (const p of parts.slice(1)) {
        const m = /^(rbps|wbps|riops|wiops)=(\d+|max)$/.exec(p);
        if (!m) {
          throw lineError(
            e,
            `cannot read '${p}', expected rbps=, wbps=, riops= or wiops= with a number or 'max'`,
          );
        }
        const n = m[2] === "max" ? undefined : BigInt(m[2]);
        if (m[1] === "rbps") d.readBytesSec = n;
        else if (m[1] === "wbps") d.writeBytesSec = n;
        else if (m[1] === "riops") d.readIopsSec = n;
        else d.writeIopsSec = n;
      }
      return true;
    }
  }
  const throttle: Record<string, keyof Blkio> = {
    "1:blkio.weight_device": "weight",
    "1:blkio.device_weight": "weight",
    "1:blkio.throttle.read_bps_device": "readBytesSec",
    "1:blkio.throttle.write_bps_device": "writeBytesSec",
    "1:blkio.throttle.read_iops_device": "readIopsSec",
    "1:blkio.throttle.write_iops_device": "writeIopsSec",
  };
  const field = throttle[`${v2 ? 2 : 1}:${key}`];
  if (!field) return false;
  if (parts.length !== 2) throw lineError(e, `expected 'MAJOR:MINOR VALUE', found '${e.value}'`);
  (blkioDevice(c, e, parts[0]) as unknown as Record<string, bigint>)[field] = uint(e, parts[1]);
  return true;
}

/**
 * Reads an `lxc.mount.entry` (fstab fields: source, target, type, options).
 * Returns the reason when the entry is skipped.
 */
function mountEntry(e: LxcEntry): Fs | string {
  const f = e.value.split(/[ \t]+/).filter((p) => p !== "");
  if (f.length < 4) {
    throw lineError(e, `expected 'SOURCE TARGET TYPE OPTIONS [DUMP PASS]', found '${e.value}'`);
  }
  const [source, dst] = f.slice(0, 2).map(fstabUnescape);
  const [type, optText] = f.slice(2, 4);
  const target = dst.startsWith("/") ? dst : `/${dst}`;
  if (LXC_BASIC_MOUNTS.includes(target)) return `${target} is always mounted by the LXC driver`;
  const options = optText.split(",");
  const readonly = options.includes("ro");
  if (type === "tmpfs") {
    const opt = options.find((o) => o.startsWith("size="));
    if (!opt) throw lineError(e, "a tmpfs mount needs a size option (size=...)");
    return { type: "ram", target, readonly, usageKiB: Number(size(e, opt.slice(5)) / 1024n) };
  }
  if (source.startsWith("/dev/")) return { type: "block", source, target, readonly };
  if (!source.startsWith("/")) return `a '${type}' mount has no domain equivalent`;
  return { type: "mount", source, target, readonly };
}

function idmapEntry(c: Collected, e: LxcEntry): void {
  const m = /^([ug])\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(e.value);
  if (!m) throw lineError(e, `expected 'u|g ID ID COUNT', found '${e.value}'`);
  // libvirt's reading: the first number is the target (host) id, the second the start.
  (m[1] === "u" ? c.uidmap : c.gidmap).push({
    target: BigInt(m[2]),
    start: BigInt(m[3]),
    count: BigInt(m[4]),
    entry: e,
  });
}

const NET_KEYS = [
  "type",
  "link",
  "hwaddr",
  "flags",
  "name",
  "mtu",
  "veth.pair",
  "macvlan.mode",
  "vlan.id",
  "ipv4.gateway",
  "ipv6.gateway",
];

function netEntry(c: Collected, e: LxcEntry, warn: (m: string) => void): void {
  const m = /^lxc\.net\.(\d+)\.(.+)$/.exec(e.key);
  if (!m) throw lineError(e, "expected a key of the form lxc.net.N.NAME");
  const index = String(Number(m[1]));
  let nic = c.nics.find((n) => n.index === index);
  if (!nic) c.nics.push(nic = { index, fields: new Map(), ips: [] });
  const suffix = m[2];
  if (
    suffix === "ipv4" || suffix === "ipv4.address" || suffix === "ipv6" || suffix === "ipv6.address"
  ) {
    nic.ips.push(cidr(e, suffix.startsWith("ipv4") ? "ipv4" : "ipv6"));
  } else if (NET_KEYS.includes(suffix)) {
    nic.fields.set(suffix, e);
  } else {
    warn(`line ${e.line} (${e.written}): no domain equivalent; not converted`);
  }
}

function cidr(e: LxcEntry, family: "ipv4" | "ipv6"): Ip {
  // lxc allows a broadcast address after the IPv4 one; the domain has no place for it.
  const m = /^([^/\s]+)\/(\d+)(?:\s+\S+)?$/.exec(e.value);
  const ip = m ? parseIp(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || !ip || ip.family !== family || prefix > (family === "ipv4" ? 32 : 128)) {
    throw lineError(
      e,
      `'${e.value}' is not an ${
        family === "ipv4" ? "IPv4" : "IPv6"
      } address with a prefix (ADDRESS/PREFIX)`,
    );
  }
  return { address: canonicalIp(m[1])!, family, prefix };
}

function randomMac(e: LxcEntry): string {
  // lxc fills 'x' digits with random ones; so do we.
  const filled = e.value.replace(
    /x/g,
    () => "0123456789abcdef"[crypto.getRandomValues(new Uint8Array(1))[0] & 15],
  );
  const mac = parseMac(filled);
  if (!mac) throw lineError(e, `'${e.value}' is not a MAC address`);
  return mac;
}

function writeDomain(c: Collected, uuid: string): string {
  if (c.name === undefined || c.name === "") {
    throw new VirtError(
      "config-unsupported",
      "lxc",
      "the config sets no container name (lxc.uts.name)",
    );
  }
  const w = new XmlWriter();
  w.block("domain", [["type", "lxc"]], (w) => {
    w.text("name", c.name);
    w.text("uuid", uuid);
    const mem = c.memoryKiB ?? BigInt(LXC_DEFAULT_MEMORY_KIB);
    w.text("memory", String(mem), [["unit", "KiB"]]);
    w.text("currentMemory", String(mem), [["unit", "KiB"]]);
    writeBlkio(w, c);
    w.group("memtune", null, (w) => {
      if (c.memoryKiB !== undefined) w.text("hard_limit", String(c.memoryKiB), [["unit", "KiB"]]);
      if (c.softKiB !== undefined) w.text("soft_limit", String(c.softKiB), [["unit", "KiB"]]);
      if (c.swapKiB !== undefined) w.text("swap_hard_limit", String(c.swapKiB), [["unit", "KiB"]]);
    });
    w.text("vcpu", 1, [["placement", "static"], [
      "cpuset",
      c.cpus ? formatBitmap(c.cpus) : undefined,
    ]]);
    w.group("cputune", null, (w) => {
      if (c.shares !== undefined) w.text("shares", String(c.shares));
      if (c.period) w.text("period", String(c.period));
      if (c.quota) w.text("quota", String(c.quota));
    });
    if (c.mems) {
      w.elem(
        "numatune",
        null,
        (w) => w.elem("memory", [["mode", "strict"], ["nodeset", formatBitmap(c.mems!)]]),
      );
    }
    w.elem("os", null, (w) => {
      w.text("type", "exe", [["arch", c.arch]]);
      w.text("init", c.init[0] ?? "/sbin/init");
      for (const a of c.init.slice(1)) w.text("initarg", a);
      for (const [name, value] of c.initEnv) w.text("initenv", value, [["name", name]]);
      w.text("initdir", c.initDir);
      w.text("inituser", c.initUser);
      w.text("initgroup", c.initGroup);
    });
    writeIdmap(w, c);
    w.elem("features", null, (w) => {
      if (c.nics.length === 0) w.elem("privnet");
      w.elem("capabilities", [["policy", c.capKeep ? "deny" : "allow"]], (w) => {
        for (const cap of PROCESS_CAPABILITIES) {
          if (c.capKeep?.names.includes(cap)) w.elem(cap, [["state", "on"]]);
          else if (c.capDrop?.names.includes(cap)) w.elem(cap, [["state", "off"]]);
        }
      });
    });
    w.elem("clock", [["offset", "utc"]]);
    w.text("on_poweroff", "destroy");
    w.text("on_reboot", "restart");
    w.text("on_crash", "destroy");
    w.block("devices", null, (w) => {
      w.text("emulator", LXC_EMULATOR);
      // Without a root filesystem the container shares the host's, in lxc and in the LXC driver alike.
      if (c.rootfs) writeFilesystem(w, rootFs(c.rootfs));
      for (const fs of c.mounts) writeFilesystem(w, fs);
      const hostdevs = c.nics.filter((n) => !writeInterface(w, n));
      for (let i = 0; i < (c.ttys ?? 0); i++) {
        w.elem(
          "console",
          [["type", "pty"]],
          (w) => w.elem("target", [["type", "lxc"], ["port", i]]),
        );
      }
      // libvirt's device order puts host devices after consoles.
      for (const nic of hostdevs) writeHostdev(w, nic);
    });
  });
  return w.toString();
}

function rootFs(e: LxcEntry): Fs {
  const m = /^([a-z]+):(.*)$/.exec(e.value);
  let path = e.value;
  if (m) {
    if (m[1] === "dir" || m[1] === "btrfs" || m[1] === "lvm") path = m[2];
    else {throw lineError(
        e,
        `the '${m[1]}' root filesystem backend is not supported; use a directory or a block device`,
      );}
  }
  if (path === "") throw lineError(e, "an empty root filesystem path");
  return {
    type: path.startsWith("/dev/") ? "block" : "mount",
    source: path,
    target: "/",
    readonly: false,
  };
}

function writeFilesystem(w: XmlWriter, fs: Fs): void {
  w.elem("filesystem", [["type", fs.type], ["accessmode", "passthrough"]], (w) => {
    if (fs.type === "ram") w.elem("source", [["usage", fs.usageKiB], ["units", "KiB"]]);
    else w.elem("source", [[fs.type === "block" ? "dev" : "dir", fs.source]]);
    w.elem("target", [["dir", fs.target]]);
    if (fs.readonly) w.elem("readonly");
  });
}

function writeBlkio(w: XmlWriter, c: Collected): void {
  w.group("blkiotune", null, (w) => {
    if (c.blkioWeight) w.text("weight", String(c.blkioWeight));
    for (const d of c.blkio) {
      if (!d.weight && !d.readIopsSec && !d.writeIopsSec && !d.readBytesSec && !d.writeBytesSec) {
        continue;
      }
      w.elem("device", null, (w) => {
        w.text("path", d.path);
        if (d.weight) w.text("weight", String(d.weight));
        if (d.readIopsSec) w.text("read_iops_sec", String(d.readIopsSec));
        if (d.writeIopsSec) w.text("write_iops_sec", String(d.writeIopsSec));
        if (d.readBytesSec) w.text("read_bytes_sec", String(d.readBytesSec));
        if (d.writeBytesSec) w.text("write_bytes_sec", String(d.writeBytesSec));
      });
    }
  });
}

function writeIdmap(w: XmlWriter, c: Collected): void {
  if (!c.uidmap.length && !c.gidmap.length) return;
  const sorted = (l: IdMap[]) =>
    [...l].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  w.elem("idmap", null, (w) => {
    for (const [name, list] of [["uid", c.uidmap], ["gid", c.gidmap]] as const) {
      for (const m of sorted(list)) {
        w.elem(name, [["start", String(m.start)], ["target", String(m.target)], [
          "count",
          String(m.count),
        ]]);
      }
    }
  });
}

function writeIpInfo(w: XmlWriter, nic: Nic): void {
  for (const ip of nic.ips) {
    w.elem("ip", [["address", ip.address], ["family", ip.family], ["prefix", ip.prefix]]);
  }
  for (const family of ["ipv4", "ipv6"] as const) {
    const gw = nic.fields.get(`${family}.gateway`);
    if (!gw) continue;
    const addr = parseIp(gw.value);
    if (!addr || addr.family !== family) {
      throw lineError(
        gw,
        `'${gw.value}' is not an ${
          family === "ipv4" ? "IPv4" : "IPv6"
        } address ('auto' and 'dev' gateways cannot be converted)`,
      );
    }
    w.elem("route", [["family", family], ["address", family === "ipv4" ? "0.0.0.0" : "::"], [
      "gateway",
      canonicalIp(gw.value),
    ]]);
  }
}

/** Writes a phys or vlan network: the host interface moves into the container. */
function writeHostdev(w: XmlWriter, nic: Nic): void {
  const typeEntry = nic.fields.get("type")!;
  const link = nic.fields.get("link")?.value;
  if (!link) {
    throw lineError(typeEntry, `a '${typeEntry.value}' network needs lxc.net.${nic.index}.link`);
  }
  const vlan = nic.fields.get("vlan.id")?.value;
  const iface = typeEntry.value === "vlan" && vlan ? `${link}.${vlan}` : link;
  w.elem("hostdev", [["mode", "capabilities"], ["type", "net"]], (w) => {
    w.elem("source", null, (w) => w.text("interface", iface));
    writeIpInfo(w, nic);
  });
}

/**
 * Writes a veth or macvlan network as an `<interface>`; returns false for
 * the phys and vlan ones, which become host devices.
 */
function writeInterface(w: XmlWriter, nic: Nic): boolean {
  const f = (k: string) => nic.fields.get(k)?.value;
  const typeEntry = nic.fields.get("type");
  const type = typeEntry?.value;
  if (type === undefined || type === "" || type === "none" || type === "empty") return true;
  if (!(LXC_NET_TYPES as readonly string[]).includes(type)) {
    throw lineError(
      typeEntry!,
      `unknown network type '${type}', expected one of: ${LXC_NET_TYPES.join(", ")}`,
    );
  }
  if (type === "phys" || type === "vlan") return false;
  const link = f("link");
  if (type === "macvlan" && !link) {
    throw lineError(typeEntry!, `a 'macvlan' network needs lxc.net.${nic.index}.link`);
  }
  const kind = type === "macvlan" ? "direct" : link ? "bridge" : "ethernet";
  const hw = nic.fields.get("hwaddr");
  const modeEntry = nic.fields.get("macvlan.mode");
  const mode = modeEntry?.value ?? "private";
  if (type === "macvlan" && !(LXC_MACVLAN_MODES as readonly string[]).includes(mode)) {
    throw lineError(
      modeEntry!,
      `unknown macvlan mode '${mode}', expected one of: ${LXC_MACVLAN_MODES.join(", ")}`,
    );
  }
  const mtuEntry = nic.fields.get("mtu");
  const mtu = mtuEntry ? uint(mtuEntry, mtuEntry.value) : undefined;
  w.elem("interface", [["type", kind]], (w) => {
    if (hw) w.elem("mac", [["address", randomMac(hw)]]);
    if (kind === "bridge") w.elem("source", [["bridge", link]]);
    if (kind === "direct") w.elem("source", [["dev", link], ["mode", mode]]);
    writeIpInfo(w, nic);
    const pair = f("veth.pair");
    if (pair && kind !== "direct") w.elem("target", [["dev", pair]]);
    const guest = f("name");
    if (guest) w.elem("guest", [["dev", guest]]);
    w.elem("link", [["state", f("flags") === "up" ? "up" : "down"]]);
    if (mtu !== undefined) w.elem("mtu", [["size", String(mtu)]]);
  });
  return true;
}
