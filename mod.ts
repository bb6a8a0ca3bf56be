/**
 * virtkit's public library API: everything a program embedding virtkit
 * imports comes from here.
 *
 * @example
 * ```ts
 * import { formatDomainXml, parseDomainXml } from "./mod.ts";
 * const def = parseDomainXml(Deno.readTextFileSync("vm.xml"));
 * console.log(formatDomainXml(def, { inactive: true }));
 * ```
 * @module
 */
export { type ErrorCode, type ErrorDomain, VirtError } from "./src/errors.ts";
export * from "./src/conf/domain/mod.ts";
export * from "./drivers/lxc/mod.ts";
export * from "./src/conf/network/mod.ts";
export * from "./src/net/dnsmasq.ts";
export * from "./src/conf/secret.ts";
export * from "./drivers/vmx/mod.ts";
export * from "./src/connect.ts";
export { type ConnectUri, DEFAULT_URI_ENV, defaultUri, formatUri, parseUri, type Transport, TRANSPORTS, uriMode, uriParam, type UriMode, uriTransport } from "./src/uri.ts";
export type { Capabilities, CapsCell, CapsGuest, CapsHost } from "./src/host/capabilities.ts";
export * from "./src/host/mod.ts";
export * from "./src/secret/mod.ts";
