/**
 * The domain XML model: parse, check and format libvirt domain definitions.
 * @module
 */
export { parseDomainXml, type ParseDomainOptions } from "./parse.ts";
export { formatDomainXml, type FormatDomainOptions } from "./format.ts";
export type { DomainDef, DomainType, MemoryDef, ResourceDef } from "./def.ts";
export type { DomainDevices } from "./devices/index.ts";
