/**
 * Helpers for tests of single domain sections: wrap a section in a minimal
 * domain, and cut one section back out of formatted XML.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import { formatDomainXml, parseDomainXml } from "../../mod.ts";
import { assertThrows } from "../assert.ts";

/** A minimal domain with `body` (indented two spaces) before `<os>`; `tail` goes after `<devices>`. */
export function domainXml(
  body: string,
  opts: { vcpus?: number; attrs?: string; tail?: string; head?: string } = {},
): string {
  return `<domain type='kvm'${opts.attrs ?? ""}>
  <name>t</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>219136</memory>
  <vcpu placement='static'>${opts.vcpus ?? 4}</vcpu>
${opts.head ?? ""}${body}  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
  </devices>
${opts.tail ?? ""}</domain>
`;
}

/** Parses and formats a domain the way the domainxml2xml suite does. */
export function roundTrip(xml: string, inactive = false): string {
  return formatDomainXml(parseDomainXml(xml, { inactive }), { inactive, secure: true });
}

/** The lines of the top-level `<tag>` element in formatted domain XML (empty when absent). */
export function section(xml: string, tag: string): string {
  const lines = xml.split("\n");
  const start = lines.findIndex((l) =>
    l.startsWith(`  <${tag} `) || l.startsWith(`  <${tag}>`) || l.startsWith(`  <${tag}/>`)
  );
  if (start < 0) return "";
  if (lines[start].endsWith("/>") || lines[start].endsWith(`</${tag}>`)) return lines[start] + "\n";
  const end = lines.findIndex((l, i) => i > start && l === `  </${tag}>`);
  return lines.slice(start, end + 1).join("\n") + "\n";
}

/** Asserts that parsing `xml` throws a VirtError whose message matches `pattern`. */
export function rejects(xml: string, pattern: RegExp, inactive = false): void {
  assertThrows(
    () => parseDomainXml(xml, { inactive }),
    (e: unknown) => e instanceof VirtError && pattern.test(e.message),
  );
}
