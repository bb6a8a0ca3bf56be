/**
 * Where the host's kernel interfaces are (`/sys`, `/proc`, `/dev`, `/run/udev`)
 * and small readers for their files. Every host module takes a
 * {@link HostRoots}, so tests can point it at a fixture tree in a temp folder.
 *
 * @example
 * ```ts
 * const roots = hostRoots({ sys: "/tmp/fixture/sys" });
 * await readAttr(`${roots.sys}/bus/pci/devices/0000:00:01.0/vendor`); // "0x1af4"
 * ```
 * @module
 */

/** The folders the host modules read, and the writer sysfs changes go through. */
export interface HostRoots {
  /** sysfs, normally `/sys`. */
  sys: string;
  /** procfs, normally `/proc`. */
  proc: string;
  /** device nodes, normally `/dev`. */
  dev: string;
  /** udev's database (`/run/udev/data`); missing on hosts without udev. */
  udevData: string;
  /** The PCI and USB id databases, when installed. */
  pciIds: string[];
  usbIds: string[];
  /** The machine id file (`/etc/machine-id`), used when DMI has no UUID. */
  machineId: string;
  /** Writes a sysfs attribute; tests replace it with a fake kernel. */
  write: (path: string, data: string) => Promise<void>;
}

/** The real host's roots, with any of them replaced. */
export function hostRoots(over: Partial<HostRoots> = {}): HostRoots {
  return {
    sys: "/sys",
    proc: "/proc",
    dev: "/dev",
    udevData: "/run/udev/data",
    pciIds: ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"],
    usbIds: ["/usr/share/misc/usb.ids", "/usr/share/hwdata/usb.ids", "/var/lib/usbutils/usb.ids"],
    machineId: "/etc/machine-id",
    write: (path, data) => Deno.writeTextFile(path, data, { create: false }),
    ...over,
  };
}

/** A file's text with surrounding white space trimmed, or undefined when it cannot be read. */
export async function readAttr(path: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch {
    return undefined;
  }
}

/** A file holding one integer (decimal, or hex with `0x`, or hex when `radix` is 16). */
export async function readInt(path: string, radix = 10): Promise<number | undefined> {
  const s = await readAttr(path);
  if (s === undefined || s === "") return undefined;
  const n = radix === 16 || /^0x/i.test(s) ? parseInt(s.replace(/^0x/i, ""), 16) : parseInt(s, 10);
  return Number.isNaN(n) ? undefined : n;
}

/** The last component of a symlink's target, or undefined when `path` is no symlink. */
export async function linkName(path: string): Promise<string | undefined> {
  try {
    const t = await Deno.readLink(path);
    return t.slice(t.lastIndexOf("/") + 1);
  } catch {
    return undefined;
  }
}

/** The entries of a folder, sorted; none when it cannot be read. */
export async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) out.push(e);
  } catch {
    return [];
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Whether something exists at `path` (following symlinks). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The `KEY=value` lines of a `uevent` file. */
export async function readUevent(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const line of (await readAttr(`${dir}/uevent`))?.split("\n") ?? []) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** The `key : value` pairs of each block of `/proc/cpuinfo` (one block per processor). */
export async function readCpuinfo(proc: string): Promise<Map<string, string>[]> {
  const text = await readAttr(`${proc}/cpuinfo`) ?? "";
  return text.split(/\n\s*\n/).map((block) => {
    const m = new Map<string, string>();
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) m.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    return m;
  }).filter((m) => m.size > 0);
}

/** `/proc/meminfo`-style `Key:   123 kB` lines as numbers (in the file's unit, KiB). */
export async function readMeminfo(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await readAttr(path))?.split("\n") ?? []) {
    // Per-node files prefix each line with "Node N ".
    const m = /^(?:Node \d+ )?([A-Za-z0-9_()]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** A CPU list such as `0-3,8,10-11` as numbers. */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").split(",")) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

/** The path shown for a real path under `roots.sys`: as if sysfs were mounted at `/sys`. */
export function shownSysPath(roots: HostRoots, real: string): string {
  return real.startsWith(roots.sys + "/") ? "/sys" + real.slice(roots.sys.length) : real;
}
