/**
 * Booting: `<os>` (firmware, loader, nvram, direct kernel boot, boot order,
 * SMBIOS mode, container init), `<bootloader>`, `<idmap>` and `<sysinfo>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { DOMAIN_TYPE_FEATURES, type DomainType } from "./def.ts";

/** OS types a domain can boot. */
export const OS_TYPES = ["hvm", "xen", "linux", "xenpvh", "exe", "uml"] as const;
/** Boot devices for `<boot dev>`. */
export const BOOT_DEVICES = ["fd", "hd", "cdrom", "network"] as const;

/** `<loader>`. */
export interface LoaderDef {
  path?: string;
  readonly?: "yes" | "no";
  secure?: "yes" | "no";
  stateless?: "yes" | "no";
  type?: "rom" | "pflash";
  format?: "raw" | "qcow2";
}

/** `<nvram>`. */
export interface NvramFileDef {
  path?: string;
  template?: string;
  format?: "raw" | "qcow2";
}

/** `<os>`. */
export interface OsDef {
  type: (typeof OS_TYPES)[number];
  arch?: string;
  machine?: string;
  firmware?: "bios" | "efi";
  firmwareFeatures?: { name: string; enabled: boolean }[];
  init?: string;
  initArgs: string[];
  initEnv: { name: string; value: string }[];
  initDir?: string;
  initUser?: string;
  initGroup?: string;
  loader?: LoaderDef;
  nvram?: NvramFileDef;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  dtb?: string;
  root?: string;
  acpiTables: { type: string; path: string }[];
  bootDevices: (typeof BOOT_DEVICES)[number][];
  bootMenu?: { enable: "yes" | "no"; timeout?: number };
  bios?: { useSerial?: "yes" | "no"; rebootTimeout?: number };
  smbiosMode?: "emulate" | "host" | "sysinfo";
}

/**
 * Parses `<os>`; `bootloader` suppresses boot devices as libvirt does.
 * `defaultArch` is the hypervisor driver's architecture for guests that name
 * none (its first guest in the capabilities); without it a full-virt guest
 * gets the host's.
 */
export function parseOs(r: XmlReader | undefined, domainType: DomainType, hasBootloader: boolean, defaultArch?: string): OsDef {
  const os: OsDef = { type: defaultOsType(domainType), initArgs: [], initEnv: [], acpiTables: [], bootDevices: [] };
  if (!r) return os;
  os.firmware = r.enum("firmware", ["bios", "efi"]);
  const t = r.child("type");
  if (t) {
    const text = t.text().trim();
    if (!(OS_TYPES as readonly string[]).includes(text)) {
      throw t.error(`unknown OS type '${text}', expected one of: ${OS_TYPES.join(", ")}`);
    }
    os.type = text as OsDef["type"];
    os.arch = t.attr("arch");
    os.machine = t.attr("machine");
  }
  if (!os.arch && defaultArch && (os.type === "hvm" || os.type === "xen")) os.arch = defaultArch;
  // Like libvirt with a host's capabilities: a full-virt guest without an
  // arch gets its hypervisor type's default, else the host's (x86_64 on the
  // hosts we run on).
  if (os.type === "hvm" && !os.arch) os.arch = DOMAIN_TYPE_FEATURES[domainType]?.defaultArch ?? "x86_64";
  const fw = r.child("firmware");
  if (fw) {
    os.firmwareFeatures = fw.children("feature").map((f) => ({ name: f.req("name"), enabled: f.yesNo("enabled") ?? false }));
  }
  os.init = r.childText("init");
  os.initArgs = r.children("initarg").map((a) => a.text());
  os.initEnv = r.children("initenv").map((e) => {
    const name = e.req("name");
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw e.error(`invalid environment variable name '${name}'`);
    return { name, value: e.text() };
  });
  os.initDir = r.childText("initdir");
  os.initUser = r.childText("inituser");
  os.initGroup = r.childText("initgroup");
  const loader = r.child("loader");
  if (loader) {
    const path = loader.text().trim();
    os.loader = {
      path: path || undefined,
      readonly: loader.enum("readonly", ["yes", "no"]),
      secure: loader.enum("secure", ["yes", "no"]),
      stateless: loader.enum("stateless", ["yes", "no"]),
      type: loader.enum("type", ["rom", "pflash"]),
      format: loader.enum("format", ["raw", "qcow2"]),
    };
  }
  const nvram = r.child("nvram");
  if (nvram) {
    const path = nvram.text().trim();
    os.nvram = { path: path || undefined, template: nvram.attr("template"), format: nvram.enum("format", ["raw", "qcow2"]) };
  }
  os.kernel = r.childText("kernel");
  os.initrd = r.childText("initrd");
  os.cmdline = r.child("cmdline")?.text();
  os.dtb = r.childText("dtb");
  os.root = r.childText("root");
  for (const table of r.child("acpi")?.children("table") ?? []) {
    os.acpiTables.push({ type: table.reqEnum("type", ["slic", "rawset", "msdm"]), path: table.text().trim() });
  }
  if (!hasBootloader) {
    for (const b of r.children("boot")) {
      if (os.bootDevices.length >= 4) break;
      os.bootDevices.push(b.reqEnum("dev", BOOT_DEVICES));
    }
    const menu = r.child("bootmenu");
    if (menu) {
      const enable = menu.enum("enable", ["yes", "no"]);
      if (enable) {
        const timeout = menu.uint("timeout");
        if (timeout !== undefined && timeout > 65535) throw menu.error("boot menu timeout must be in the range [0,65535]");
        os.bootMenu = { enable, timeout: enable === "yes" ? timeout : undefined };
      }
    }
    const bios = r.child("bios");
    if (bios) {
      const rt = bios.int("rebootTimeout");
      if (rt !== undefined && (rt < -1 || rt > 65535)) throw bios.error("invalid value for rebootTimeout, must be in range [-1,65535]");
      os.bios = { useSerial: bios.enum("useserial", ["yes", "no"]), rebootTimeout: rt };
    }
  }
  const smbios = r.child("smbios");
  if (smbios) os.smbiosMode = smbios.reqEnum("mode", ["emulate", "host", "sysinfo"]);
  return os;
}

function defaultOsType(domainType: string): OsDef["type"] {
  if (domainType === "lxc" || domainType === "openvz") return "exe";
  return "hvm";
}

/** Writes `<os>`. */
export function formatOs(w: XmlWriter, os: OsDef, hasBootloader: boolean): void {
  w.block("os", [["firmware", os.firmware]], (w) => {
    w.text("type", os.type, [["arch", os.arch], ["machine", os.machine]]);
    if (os.firmwareFeatures) {
      w.elem("firmware", null, (w) => {
        for (const f of os.firmwareFeatures!) w.elem("feature", [["enabled", f.enabled ? "yes" : "no"], ["name", f.name]]);
      });
    }
    w.text("init", os.init);
    for (const a of os.initArgs) w.text("initarg", a);
    for (const e of os.initEnv) w.text("initenv", e.value, [["name", e.name]]);
    w.text("initdir", os.initDir);
    w.text("inituser", os.initUser);
    w.text("initgroup", os.initGroup);
    if (os.loader) {
      const l = os.loader;
      const attrs = [["readonly", l.readonly], ["secure", l.secure], ["type", l.type], ["stateless", l.stateless], ["format", l.format]] as const;
      if (l.path) w.text("loader", l.path, attrs);
      else w.elem("loader", attrs);
    }
    if (os.nvram) {
      const n = os.nvram;
      const attrs = [["template", n.template], ["format", n.format]] as const;
      if (n.path) w.text("nvram", n.path, attrs);
      else w.elem("nvram", attrs);
    }
    w.text("kernel", os.kernel);
    w.text("initrd", os.initrd);
    w.text("cmdline", os.cmdline);
    w.text("dtb", os.dtb);
    w.text("root", os.root);
    if (os.acpiTables.length) {
      w.elem("acpi", null, (w) => {
        for (const t of os.acpiTables) w.text("table", t.path, [["type", t.type]]);
      });
    }
    if (!hasBootloader) {
      for (const b of os.bootDevices) w.elem("boot", [["dev", b]]);
      if (os.bootMenu) w.elem("bootmenu", [["enable", os.bootMenu.enable], ["timeout", os.bootMenu.timeout]]);
      if (os.bios && (os.bios.useSerial || os.bios.rebootTimeout !== undefined)) {
        w.elem("bios", [["useserial", os.bios.useSerial], ["rebootTimeout", os.bios.rebootTimeout]]);
      }
    }
    if (os.smbiosMode) w.elem("smbios", [["mode", os.smbiosMode]]);
  });
}

/** One range of a user namespace id map. */
export interface IdMapEntry {
  start: number;
  target: number;
  count: number;
}

/** `<idmap>` for containers. */
export interface IdMapDef {
  uid: IdMapEntry[];
  gid: IdMapEntry[];
}

/** Parses `<idmap>`; a map must start at id 0, as libvirt requires. */
export function parseIdMap(r: XmlReader): IdMapDef {
  const read = (name: string) => {
    const list = r.children(name).map((e) => ({ start: e.reqUint("start"), target: e.reqUint("target"), count: e.reqUint("count") }));
    list.sort((a, b) => a.start - b.start);
    if (list.length && list[0].start !== 0) throw r.error(`you must map the root user of the container (${name} start='0')`);
    for (let i = 1; i < list.length; i++) {
      if (list[i].start < list[i - 1].start + list[i - 1].count) throw r.error(`overlapping ${name} ranges in <idmap>`);
    }
    return list;
  };
  return { uid: read("uid"), gid: read("gid") };
}

/** Writes `<idmap>`. */
export function formatIdMap(w: XmlWriter, m: IdMapDef | undefined): void {
  if (!m || (!m.uid.length && !m.gid.length)) return;
  w.elem("idmap", null, (w) => {
    for (const e of m.uid) w.elem("uid", [["start", e.start], ["target", e.target], ["count", e.count]]);
    for (const e of m.gid) w.elem("gid", [["start", e.start], ["target", e.target], ["count", e.count]]);
  });
}

const SMBIOS_BLOCKS: Record<string, readonly string[]> = {
  bios: ["vendor", "version", "date", "release"],
  system: ["manufacturer", "product", "version", "serial", "uuid", "sku", "family"],
  baseBoard: ["manufacturer", "product", "version", "serial", "asset", "location"],
  chassis: ["manufacturer", "version", "serial", "asset", "sku"],
};

/** `<sysinfo>`: SMBIOS tables or firmware config entries. */
export type SysinfoDef =
  | {
    type: "smbios";
    bios?: Record<string, string>;
    system?: Record<string, string>;
    baseBoards: Record<string, string>[];
    chassis?: Record<string, string>;
    oemStrings: string[];
  }
  | { type: "fwcfg"; entries: { name: string; value?: string; file?: string }[] };

function parseEntries(r: XmlReader, block: string): Record<string, string> {
  const allowed = SMBIOS_BLOCKS[block];
  const out: Record<string, string> = {};
  for (const e of r.children("entry")) {
    const name = e.req("name");
    if (!allowed.includes(name)) throw e.error(`unknown ${block} entry '${name}', expected one of: ${allowed.join(", ")}`);
    out[name] = e.text();
  }
  return out;
}

/** Parses one `<sysinfo>`. */
export function parseSysinfo(r: XmlReader): SysinfoDef {
  const type = r.reqEnum("type", ["smbios", "fwcfg"]);
  if (type === "fwcfg") {
    return {
      type,
      entries: r.children("entry").map((e) => {
        const value = e.text().trim();
        return { name: e.req("name"), file: e.attr("file"), value: value || undefined };
      }),
    };
  }
  const one = (block: string) => {
    const c = r.child(block);
    return c ? parseEntries(c, block) : undefined;
  };
  return {
    type,
    bios: one("bios"),
    system: one("system"),
    baseBoards: r.children("baseBoard").map((b) => parseEntries(b, "baseBoard")),
    chassis: one("chassis"),
    oemStrings: r.child("oemStrings")?.children("entry").map((e) => e.text()) ?? [],
  };
}

/** Writes one `<sysinfo>`. */
export function formatSysinfo(w: XmlWriter, s: SysinfoDef): void {
  w.elem("sysinfo", [["type", s.type]], (w) => {
    if (s.type === "fwcfg") {
      for (const e of s.entries) {
        const attrs = [["name", e.name], ["file", e.file]] as const;
        if (e.value) w.text("entry", e.value, attrs);
        else w.elem("entry", attrs);
      }
      return;
    }
    const block = (name: string, entries: Record<string, string> | undefined) => {
      if (!entries) return;
      w.group(name, null, (w) => {
        for (const k of SMBIOS_BLOCKS[name]) if (entries[k] !== undefined) w.text("entry", entries[k], [["name", k]]);
      });
    };
    block("bios", s.bios);
    block("system", s.system);
    for (const b of s.baseBoards) block("baseBoard", b);
    block("chassis", s.chassis);
    if (s.oemStrings.length) {
      w.elem("oemStrings", null, (w) => {
        for (const e of s.oemStrings) w.text("entry", e);
      });
    }
  });
}
