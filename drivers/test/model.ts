/**
 * The test driver's door to the domain XML model, loaded on first use so
 * that listing domains never pays for it, plus the defaults the test
 * hypervisor adds to every definition.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/mod.ts";
import { importLazily } from "../../src/connect.ts";

type DomainModel = typeof import("../../src/conf/domain/mod.ts");

let domainModel: Promise<DomainModel> | undefined;

/** The domain model module, imported once. */
export function loadDomainModel(): Promise<DomainModel> {
  return domainModel ??= importLazily<DomainModel>("../../src/conf/domain/mod.ts", import.meta.url);
}

/** Whether the `<os><type>` of a domain XML names an arch itself. */
function hasExplicitArch(xml: string): boolean {
  const os = /<os\b[^>]*>([\s\S]*?)<\/os\s*>/.exec(xml);
  return os !== null && /<type\b[^>]*\barch\s*=/.test(os[1]);
}

/**
 * Parses domain XML as the test hypervisor sees it: the persistent config
 * (runtime ids ignored), with the host's default architecture (i686) for
 * guests that do not name one.
 *
 * @param validate reject unknown elements and attributes
 */
export async function parseTestDomain(xml: string, validate: boolean): Promise<DomainDef> {
  const { parseDomainXml } = await loadDomainModel();
  const def = parseDomainXml(xml, { inactive: true, validate });
  if ((def.os.type === "hvm" || def.os.type === "xen") && !hasExplicitArch(xml)) def.os.arch = "i686";
  return def;
}

/** Formats a domain definition (`inactive` leaves out runtime state, `secure` keeps passwords). */
export async function formatTestDomain(def: DomainDef, inactive: boolean, secure: boolean): Promise<string> {
  const { formatDomainXml } = await loadDomainModel();
  return formatDomainXml(def, { inactive, secure });
}
