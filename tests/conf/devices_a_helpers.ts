/**
 * Shared helpers of the device family tests: wrap device XML in a minimal
 * domain, run it through parse, the generic checks and format, and return
 * the formatted `<devices>` content at column 0.
 */
import { assertThrows } from "../assert.ts";
import { formatDomainXml, parseDomainXml, VirtError } from "../../mod.ts";

/** Options of {@link devices}. */
export interface RunOptions {
  /** Parse and format the persistent config only. */
  inactive?: boolean;
  /** Domain type (kvm unless given). */
  type?: string;
  /** Format without security-sensitive values. */
  insecure?: boolean;
  /** Extra `<os>` children. */
  os?: string;
  /** Reject unknown elements and attributes. */
  validate?: boolean;
}

/** A minimal domain around `body` (device elements, any indentation). */
export function domainXml(body: string, opts: RunOptions = {}): string {
  return `<domain type='${opts.type ?? "kvm"}' id='1'>
  <name>t</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>4194304</memory>
  <os>
    <type arch='x86_64'>hvm</type>${opts.os ?? ""}
  </os>
  <devices>
${body}
  </devices>
</domain>`;
}

/** Parses and formats `body` in a domain; returns the `<devices>` content dedented to column 0. */
export function devices(body: string, opts: RunOptions = {}): string {
  const inactive = opts.inactive ?? false;
  const def = parseDomainXml(domainXml(body, opts), { inactive, validate: opts.validate });
  const xml = formatDomainXml(def, { inactive, secure: !opts.insecure });
  const start = xml.indexOf("  <devices>\n") + "  <devices>\n".length;
  const end = xml.indexOf("  </devices>\n");
  return xml.slice(start, end).split("\n").map((l) => l.slice(4)).join("\n");
}

/** The formatted `<os>` element of the domain around `body`. */
export function osOf(body: string, opts: RunOptions = {}): string {
  const xml = formatDomainXml(parseDomainXml(domainXml(body, opts)), { secure: true });
  return xml.slice(xml.indexOf("  <os>"), xml.indexOf("  </os>\n") + "  </os>\n".length);
}

/** Drops a leading newline so expected text can start on its own line. */
export function text(s: string): string {
  return s.replace(/^\n/, "");
}

/** Asserts that the domain around `body` is rejected with a message matching `pattern`. */
export function rejected(body: string, pattern: RegExp, opts: RunOptions = {}): void {
  assertThrows(
    () => devices(body, opts),
    (e: unknown) => e instanceof VirtError && pattern.test(e.message),
  );
}
