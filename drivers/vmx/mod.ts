/**
 * VMware VMX support: conversion between `.vmx` files and domain
 * definitions, as libvirt's ESX and VMware drivers do it.
 * @module
 */
export type { VmxDiskInfo, VmxReadContext, VmxWriteContext } from "./context.ts";
export { domainToVmx, domainXmlToVmx } from "./from-domain.ts";
export { vmxToDomain, vmxToDomainXml } from "./to-domain.ts";
