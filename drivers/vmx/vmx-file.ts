/**
 * The VMware `.vmx` file format: `name = "value"` lines, `#` comments, keys
 * looked up without regard to case. {@link VmxFile} reads a file and keeps each
 * entry's line for error messages; {@link VmxWriter} writes one; the hex
 * escapes (`|22`, `%2f`) VMware uses inside some values live here too.
 * @module
 */
import { VirtError } from "../../src/errors.ts";

/** One `name = "value"` line. */
export interface VmxEntry {
  /** The key as written in the file. */
  key: string;
  value: string;
  /** 1-based line number. */
  line: number;
}

/** An error about VMX content (a value the converters cannot use). */
export function vmxError(message: string): VirtError {
  return new VirtError("config-unsupported", "vmx", message);
}

const LINE = /^([A-Za-z.][A-Za-z0-9_:.-]*)[ \t]*=[ \t]*"([^"]*)"[ \t]*(?:#.*)?$/;

/** A parsed `.vmx` file with case-insensitive, typed lookups. */
export class VmxFile {
  /** Every entry in file order. */
  readonly entries: readonly VmxEntry[];
  private readonly byKey: Map<string, VmxEntry>;

  private constructor(entries: VmxEntry[], byKey: Map<string, VmxEntry>) {
    this.entries = entries;
    this.byKey = byKey;
  }

  /**
   * Parses VMX text. Blank lines and `#` comments are skipped; every other
   * line must be `name = "value"`, and no key may appear twice.
   *
   * @throws VirtError naming the line of a malformed entry or a repeated key
   */
  static parse(text: string): VmxFile {
    const entries: VmxEntry[] = [];
    const byKey = new Map<string, VmxEntry>();
    const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].replace(/^[ \t]+/, "");
      if (raw === "" || raw.startsWith("#")) continue;
      const m = LINE.exec(raw.replace(/[ \t]+$/, ""));
      if (!m) {
        throw new VirtError(
          "parse-failed",
          "vmx",
          `VMX line ${i + 1} is not a 'name = "value"' entry: ${JSON.stringify(clip(raw))}`,
        );
      }
      const entry: VmxEntry = { key: m[1], value: m[2], line: i + 1 };
      const lower = m[1].toLowerCase();
      const prev = byKey.get(lower);
      if (prev) {
        throw new VirtError(
          "parse-failed",
          "vmx",
          `VMX entry '${m[1]}' on line ${i + 1} repeats '${prev.key}' from line ${prev.line}`,
        );
      }
      byKey.set(lower, entry);
      entries.push(entry);
    }
    return new VmxFile(entries, byKey);
  }

  /** The entry for `key` (any case), or undefined. */
  entry(key: string): VmxEntry | undefined {
    return this.byKey.get(key.toLowerCase());
  }

  /** A VirtError about `key`'s value, naming the key and its line. */
  error(key: string, message: string): VirtError {
    const e = this.entry(key);
    return vmxError(`VMX entry '${e?.key ?? key}'${e ? ` (line ${e.line})` : ""}: ${message}`);
  }

  /** The string value of `key`, or undefined when absent. */
  string(key: string): string | undefined {
    return this.entry(key)?.value;
  }

  /** The string value of `key`; a missing key is an error. */
  requireString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw vmxError(`missing essential VMX entry '${key}'`);
    return v;
  }

  /** `true`/`false` (any case), or `fallback` when absent. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.string(key);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (l === "true") return true;
    if (l === "false") return false;
    throw this.error(key, `expecting 'true' or 'false' but found '${v}'`);
  }

  /**
   * A decimal integer, `unlimited` as -1, or `fallback` when absent.
   * With `required`, a missing key is an error.
   */
  long(key: string, fallback: number, required = false): number {
    const v = this.string(key);
    if (v === undefined) {
      if (required) throw vmxError(`missing essential VMX entry '${key}'`);
      return fallback;
    }
    if (v.toLowerCase() === "unlimited") return -1;
    if (!/^\s*[-+]?\d+$/.test(v)) throw this.error(key, `expecting an integer but found '${v}'`);
    return Number(v);
  }

  /** Every key in file order (for scanning indexed families such as `ethernetN`). */
  keys(): string[] {
    return this.entries.map((e) => e.key);
  }
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

/** Builds a `.vmx` file, one `name = "value"` line per entry. */
export class VmxWriter {
  private readonly lines: string[] = [];

  /**
   * Adds an entry. Values cannot hold a double quote or a line break (the
   * format has no way to write them), so those are rejected.
   */
  set(key: string, value: string | number): void {
    const v = String(value);
    if (/["\r\n]/.test(v)) {
      throw vmxError(
        `value for VMX entry '${key}' contains a double quote or a line break: ${
          JSON.stringify(v)
        }`,
      );
    }
    this.lines.push(`${key} = "${v}"`);
  }

  /** The file text, each line ended by a newline. */
  toString(): string {
    return this.lines.map((l) => l + "\n").join("");
  }
}

/**
 * Escapes `escape` itself and each character of `special` as the escape
 * character followed by two lower-case hex digits (VMware's `|22` form).
 */
export function escapeHex(s: string, escape: string, special: string): string {
  let out = "";
  for (const c of s) {
    out += c === escape || special.includes(c)
      ? escape + c.charCodeAt(0).toString(16).padStart(2, "0")
      : c;
  }
  return out;
}

/**
 * Undoes {@link escapeHex}: each escape character and two hex digits become
 * that byte; the bytes are read as UTF-8. Returns undefined when an escape
 * character is not followed by two hex digits.
 */
export function unescapeHex(s: string, escape: string): string | undefined {
  if (!s.includes(escape)) return s;
  const bytes = new TextEncoder().encode(s);
  const code = escape.charCodeAt(0);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== code) {
      out.push(bytes[i]);
      continue;
    }
    const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
    out.push(parseInt(hex, 16));
    i += 2;
  }
  return new TextDecoder().decode(new Uint8Array(out));
}

/** Escapes a display name: `|` and `"` as `|XX`, then `%`, `/` and `\` as `%XX`. */
export function escapeDisplayName(name: string): string {
  return escapeHex(escapeHex(name, "|", '"'), "%", "/\\");
}

/**
 * Escapes an annotation: `|`, `"` and line breaks as `|XX`, so that a
 * multi-line description stays on one VMX line.
 */
export function escapeAnnotation(text: string): string {
  return escapeHex(text, "|", '"\n\r');
}

/**
 * Decodes VMX bytes: UTF-8 unless a `.encoding` entry names another
 * character set that the platform's `TextDecoder` knows.
 */
export function decodeVmx(bytes: Uint8Array): string {
  const latin1 = new TextDecoder("latin1").decode(bytes);
  const m = /^[ \t]*\.encoding[ \t]*=[ \t]*"([^"]*)"/im.exec(latin1);
  const encoding = m ? m[1] : "UTF-8";
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new VirtError(
      "config-unsupported",
      "vmx",
      `VMX entry '.encoding' names an unknown character set '${encoding}'`,
    );
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new VirtError("parse-failed", "vmx", `VMX file is not valid ${encoding} text`);
  }
}
