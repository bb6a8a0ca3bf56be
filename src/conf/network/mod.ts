/**
 * The network XML model: parse, check and format libvirt virtual network
 * definitions.
 * @module
 */
export { DNSMASQ_NAMESPACE, parseNetworkXml, type ParseNetworkOptions } from "./parse.ts";
export { type FormatNetworkOptions, formatNetworkXml } from "./format.ts";
export * from "./def.ts";
