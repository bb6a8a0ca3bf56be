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
