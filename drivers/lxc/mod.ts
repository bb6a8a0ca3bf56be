/**
 * The LXC driver's folder: the converters between lxc-tools container
 * configs and domain XML (`virsh domxml-from-native lxc-tools` and
 * `domxml-to-native lxc-tools`), exported here, and the driver itself
 * (`lxc:///system`, `lxc:///embed?root=DIR`; see `docs/lxc-driver.md`),
 * which `src/connect.ts` loads from `lxc-driver.ts` only when a URI names it.
 * @module
 */
export {
  LXC_BASIC_MOUNTS,
  LXC_DEFAULT_MEMORY_KIB,
  LXC_EMULATOR,
  LXC_MACVLAN_MODES,
  LXC_NET_TYPES,
  lxcConfigToDomain,
  lxcConfigToDomainXml,
  type LxcImportOptions,
} from "./from-config.ts";
export {
  domainToLxcConfig,
  domainXmlToLxcConfig,
  type LxcExportOptions,
  type LxcExportResult,
} from "./to-config.ts";
export {
  formatLxcConfig,
  type LxcEntry,
  type LxcLine,
  normalizeLxcKeys,
  parseLxcConfig,
} from "./lxc-config.ts";
