/**
 * VMware VMX support: conversion between `.vmx` files and domain
 * definitions, as libvirt's ESX and VMware drivers do it.
 * @module
 */
export type { VmxDiskInfo, VmxReadContext, VmxWriteContext } from "./context.ts";
export { domainToVmx, domainXmlToVmx } from "./from-domain.ts";
export { vmxToDomain, vmxToDomainXml } from "./to-domain.ts";
export {
  type DiskConversion,
  type ImportFileProbe,
  KNOWN_HW_VERSIONS,
  planVmxImport,
  qemuImgConvertArgs,
  type UefiFirmware,
  type VmxImportOptions,
  type VmxImportPlan,
} from "./import.ts";
export {
  executeVmxImport,
  loadUefiFirmware,
  localFileProbe,
  removeImportOutputs,
} from "./import-exec.ts";
export {
  type DatastoreMap,
  offlineReadContext,
  offlineWriteContext,
  parseDatastoreMappings,
} from "./local-files.ts";
