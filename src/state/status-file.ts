/**
 * The status file of a running guest (`STATUS/NAME.xml`), shared by the
 * stateful drivers. Like libvirt's `<domstatus>`, it wraps the live domain
 * XML; the driver's runtime facts are kept as JSON in a `<runtime>` element,
 * whose `version` must match the driver's, or the file is not trusted.
 *
 * @example
 * ```ts
 * const text = formatStatusFile(runtime, formatDomainXml(def));
 * const { runtime, domainXml } = parseStatusFile<MyRuntime>(text, file, "qemu", 1);
 * ```
 * @module
 */
import { type ErrorDomain, VirtError } from "../errors.ts";
import { directText, elementChildren, parseXml } from "../xml/mod.ts";
import { escapeXml } from "../xml/writer.ts";

/** Formats a status file: the runtime record and the live domain XML. */
export function formatStatusFile(runtime: { version: number }, domainXml: string): string {
  return `<domstatus>\n  <runtime>${
    escapeXml(JSON.stringify(runtime))
  }</runtime>\n${domainXml}</domstatus>\n`;
}

/**
 * Reads a status file back.
 *
 * @param file the file's path, for the error message
 * @param domain the error domain of the driver that owns the file
 * @param version the runtime record version the driver writes
 * @throws VirtError `internal-error` naming the file when it is damaged or of another version
 */
export function parseStatusFile<T extends { version: number }>(
  text: string,
  file: string,
  domain: ErrorDomain,
  version: number,
): { runtime: T; domainXml: string } {
  const damaged = (why: string) =>
    new VirtError("internal-error", domain, `damaged status file '${file}': ${why}`);
  const start = text.indexOf("<domain");
  const end = text.lastIndexOf("</domain>");
  if (start < 0 || end < 0) throw damaged("no <domain> element");
  const head = parseXml(text.slice(0, start) + "</domstatus>", domain);
  const runtimeEl = elementChildren(head).find((e) => e.name === "runtime");
  if (head.name !== "domstatus" || !runtimeEl) throw damaged("no <runtime> element");
  let runtime: T;
  try {
    runtime = JSON.parse(directText(runtimeEl)) as T;
  } catch (e) {
    throw damaged(`bad runtime record (${(e as Error).message})`);
  }
  if (runtime.version !== version) {
    throw damaged(`runtime record version ${runtime.version}, expected ${version}`);
  }
  return { runtime, domainXml: text.slice(start, end + "</domain>".length) + "\n" };
}
