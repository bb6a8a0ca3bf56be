/**
 * The lxc-tools container config format (`/var/lib/lxc/NAME/config`): one
 * `key = value` a line, `#` comment lines, blank lines. This module reads it
 * into ordered entries that remember their line, renames the keys LXC 3.0
 * retired to their current names (so the converters only know one spelling),
 * and writes entries back out.
 *
 * @example
 * ```ts
 * const entries = normalizeLxcKeys(parseLxcConfig("lxc.utsname = web\nlxc.network.type = veth\n"));
 * entries.map((e) => e.key); // ["lxc.uts.name", "lxc.net.0.type"]
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";

/** One `key = value` line of a config. */
export interface LxcEntry {
  /** The key, as written or (after {@link normalizeLxcKeys}) in its LXC 3.x spelling. */
  key: string;
  /** The value with surrounding blanks and one pair of matching quotes removed. */
  value: string;
  /** 1-based line number in the source text. */
  line: number;
  /** The key exactly as the source spelled it, for messages. */
  written: string;
}

/** A `VirtError` about one config line, naming it. */
export function lineError(e: Pick<LxcEntry, "line" | "written">, message: string): VirtError {
  return new VirtError("config-unsupported", "lxc", `line ${e.line} (${e.written}): ${message}`);
}

const KEY = /^lxc\.[A-Za-z0-9_.\-]+$/;

/**
 * Splits config text into entries, in order. Leading blanks are skipped and
 * lines whose first other character is `#` are comments; like lxc itself, a
 * `#` later in a line is part of the value.
 *
 * @throws VirtError naming the line when a line is not `key = value` or its
 *   key is not an `lxc.` key
 */
export function parseLxcConfig(text: string): LxcEntry[] {
  const entries: LxcEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const line = i + 1;
    const eq = raw.indexOf("=");
    if (eq < 0) {
      throw new VirtError(
        "config-unsupported",
        "lxc",
        `line ${line}: expected 'key = value', found '${raw}'`,
      );
    }
    const key = raw.slice(0, eq).trim();
    if (!KEY.test(key)) {
      throw new VirtError(
        "config-unsupported",
        "lxc",
        `line ${line}: invalid key '${key}', lxc keys look like 'lxc.section.name'`,
      );
    }
    entries.push({ key, value: unquote(raw.slice(eq + 1).trim()), line, written: key });
  }
  return entries;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1);
  }
  return v;
}

/** Keys LXC 3.0 renamed, old name to new name (network keys are handled apart). */
const RENAMED: Record<string, string> = {
  "lxc.utsname": "lxc.uts.name",
  "lxc.rootfs": "lxc.rootfs.path",
  "lxc.mount": "lxc.mount.fstab",
  "lxc.tty": "lxc.tty.max",
  "lxc.devttydir": "lxc.tty.dir",
  "lxc.pts": "lxc.pty.max",
  "lxc.id_map": "lxc.idmap",
  "lxc.init_cmd": "lxc.init.cmd",
  "lxc.init_uid": "lxc.init.uid",
  "lxc.init_gid": "lxc.init.gid",
  "lxc.aa_profile": "lxc.apparmor.profile",
  "lxc.aa_allow_incomplete": "lxc.apparmor.allow_incomplete",
  "lxc.se_context": "lxc.selinux.context",
  "lxc.console": "lxc.console.path",
  "lxc.logfile": "lxc.log.file",
  "lxc.loglevel": "lxc.log.level",
  "lxc.syslog": "lxc.log.syslog",
  "lxc.haltsignal": "lxc.signal.halt",
  "lxc.rebootsignal": "lxc.signal.reboot",
  "lxc.stopsignal": "lxc.signal.stop",
  "lxc.limit": "lxc.prlimit",
  "lxc.seccomp": "lxc.seccomp.profile",
};

/** Legacy `lxc.network.X` suffixes whose 3.x name differs. */
const RENAMED_NET: Record<string, string> = {
  ipv4: "ipv4.address",
  ipv6: "ipv6.address",
};

/**
 * Renames legacy (pre-3.0) keys to their 3.x names, keeping order and lines.
 * Legacy network keys become indexed: every `lxc.network.type` starts the
 * next `lxc.net.N`, and the keys after it belong to it.
 *
 * @throws VirtError naming the line of a legacy network key that comes
 *   before any `lxc.network.type`
 */
export function normalizeLxcKeys(entries: readonly LxcEntry[]): LxcEntry[] {
  let legacyNet = -1;
  return entries.map((e) => {
    if (e.key.startsWith("lxc.network.")) {
      const suffix = e.key.slice("lxc.network.".length);
      if (suffix === "type") legacyNet++;
      else if (legacyNet < 0) throw lineError(e, "a network key before the first lxc.network.type");
      return { ...e, key: `lxc.net.${legacyNet}.${RENAMED_NET[suffix] ?? suffix}` };
    }
    const renamed = RENAMED[e.key];
    return renamed ? { ...e, key: renamed } : e;
  });
}

/** One line to write: a `key = value` pair, or a `# comment`. */
export type LxcLine = { key: string; value: string | number } | { comment: string };

/** Writes config lines as text, `key = value` each, ending with a newline. */
export function formatLxcConfig(lines: readonly LxcLine[]): string {
  const text = lines.map((l) => ("comment" in l ? `# ${l.comment}` : `${l.key} = ${l.value}`));
  return text.join("\n") + "\n";
}

/** Escapes a path for an fstab field (`lxc.mount.entry`): blanks and backslashes as octal. */
export function fstabEscape(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/** Reads the octal escapes (`\040` for a space) of an fstab field. */
export function fstabUnescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}
