/**
 * Domain operations of the test driver: define, create, the lifecycle
 * (start, destroy, shutdown, reboot, suspend, resume, undefine) and the
 * queries, with libvirt's state changes and lifecycle events.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/mod.ts";
import { VirtError } from "../../src/errors.ts";
import { checkDriverFlags, noPersistentConfigError, vcpuCountFlags } from "../common.ts";
import {
  type DomainInfo,
  type DomainRef,
  VIR_DOMAIN_DEFINE_VALIDATE,
  VIR_DOMAIN_DESTROY_GRACEFUL,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_RESUMED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_START_VALIDATE,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
  VIR_DOMAIN_XML_UPDATE_CPU,
} from "../../src/connect.ts";
import { ref, type TestDomain, type TestHost } from "./host.ts";
import { formatTestDomain, parseTestDomain } from "./model.ts";

// State reasons (virDomainRunningReason, virDomainPausedReason, virDomainShutoffReason).
const RUNNING_BOOTED = 1;
const RUNNING_UNPAUSED = 5;
const PAUSED_USER = 1;
const SHUTOFF_SHUTDOWN = 1;
const SHUTOFF_DESTROYED = 2;

// Event details.
const DEFINED_ADDED = 0;
const DEFINED_UPDATED = 1;
const UNDEFINED_REMOVED = 0;
const STARTED_BOOTED = 0;
const SUSPENDED_PAUSED = 0;
const RESUMED_UNPAUSED = 0;
const STOPPED_SHUTDOWN = 0;
const STOPPED_DESTROYED = 1;

/** `virDomainUndefineFlags` the test host accepts: managed save, snapshot and checkpoint metadata. */
const UNDEFINE_MANAGED_SAVE = 1 << 0;
const UNDEFINE_FLAGS = UNDEFINE_MANAGED_SAVE | (1 << 1) | (1 << 4);

/** Rejects flags outside `allowed`, naming the operation. */
export function checkFlags(flags: number, allowed: number, operation: string): void {
  checkDriverFlags(flags, allowed, operation, "test", "test");
}

function notRunning(): VirtError {
  return new VirtError("operation-invalid", "test", "domain is not running");
}

/** Finds an existing domain clashing with a new definition, checking name and UUID agree. */
function findClash(host: TestHost, def: DomainDef): TestDomain | undefined {
  const byUuid = host.domains.find((d) => d.uuid === def.uuid);
  if (byUuid && byUuid.name !== def.name) {
    throw new VirtError(
      "operation-failed",
      "test",
      `domain '${byUuid.name}' is already defined with uuid ${def.uuid}`,
    );
  }
  const byName = host.domains.find((d) => d.name === def.name);
  if (byName && byName.uuid !== def.uuid) {
    throw new VirtError(
      "operation-failed",
      "test",
      `domain '${def.name}' already exists with uuid ${byName.uuid}`,
    );
  }
  return byUuid;
}

function newDomain(def: DomainDef, persistent: boolean): TestDomain {
  return {
    name: def.name,
    uuid: def.uuid,
    id: -1,
    state: VIR_DOMAIN_SHUTOFF,
    reason: 0,
    persistent,
    autostart: false,
    managedSave: false,
    def,
  };
}

/** Puts a domain in the running state with a fresh id, keeping its persistent config aside. */
function startState(host: TestHost, dom: TestDomain, def: DomainDef, paused: boolean): void {
  dom.id = host.nextId();
  if (dom.persistent) dom.newDef = dom.newDef ?? dom.def;
  dom.def = { ...def, id: dom.id };
  dom.managedSave = false;
  dom.state = VIR_DOMAIN_RUNNING;
  dom.reason = RUNNING_BOOTED;
  host.emit(dom, VIR_DOMAIN_EVENT_STARTED, STARTED_BOOTED);
  if (paused) {
    dom.state = VIR_DOMAIN_PAUSED;
    dom.reason = PAUSED_USER;
    host.emit(dom, VIR_DOMAIN_EVENT_SUSPENDED, SUSPENDED_PAUSED);
  }
}

/** Shuts a domain off: the persistent config comes back, a transient domain goes away. */
function stopState(host: TestHost, dom: TestDomain, reason: number, detail: number): void {
  dom.state = VIR_DOMAIN_SHUTOFF;
  dom.reason = reason;
  dom.id = -1;
  if (dom.newDef) {
    dom.def = dom.newDef;
    dom.newDef = undefined;
  } else if (dom.def) {
    dom.def = { ...dom.def, id: undefined };
  }
  host.emit(dom, VIR_DOMAIN_EVENT_STOPPED, detail);
  if (!dom.persistent) host.remove(dom);
}

/** Defines a persistent domain, or replaces the config of an existing one. */
export async function defineDomain(host: TestHost, xml: string, flags: number): Promise<DomainRef> {
  checkFlags(flags, VIR_DOMAIN_DEFINE_VALIDATE, "define");
  const def = await parseTestDomain(xml, (flags & VIR_DOMAIN_DEFINE_VALIDATE) !== 0);
  const old = findClash(host, def);
  if (!old) {
    const dom = newDomain(def, true);
    host.domains.push(dom);
    host.emit(dom, VIR_DOMAIN_EVENT_DEFINED, DEFINED_ADDED);
    return ref(dom);
  }
  await host.def(old);
  const wasPersistent = old.persistent;
  if (old.id !== -1) old.newDef = def;
  else old.def = def;
  old.persistent = true;
  host.emit(old, VIR_DOMAIN_EVENT_DEFINED, wasPersistent ? DEFINED_UPDATED : DEFINED_ADDED);
  return ref(old);
}

/** Creates and starts a domain; a new one is transient, an inactive defined one runs the given config. */
export async function createDomain(host: TestHost, xml: string, flags: number): Promise<DomainRef> {
  checkFlags(flags, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_VALIDATE, "create");
  const def = await parseTestDomain(xml, (flags & VIR_DOMAIN_START_VALIDATE) !== 0);
  let dom = findClash(host, def);
  if (dom && dom.id !== -1) {
    throw new VirtError("operation-invalid", "test", `domain '${dom.name}' is already active`);
  }
  if (!dom) {
    dom = newDomain(def, false);
    host.domains.push(dom);
  } else {
    await host.def(dom);
  }
  startState(host, dom, def, (flags & VIR_DOMAIN_START_PAUSED) !== 0);
  return ref(dom);
}

/** Starts a defined, inactive domain. */
export async function startDomain(host: TestHost, uuid: string, flags: number): Promise<DomainRef> {
  const dom = host.findDomain({ uuid });
  checkFlags(flags, VIR_DOMAIN_START_PAUSED, "start");
  if (dom.id !== -1) {
    throw new VirtError("operation-invalid", "test", `domain '${dom.name}' is already running`);
  }
  startState(host, dom, await host.def(dom), (flags & VIR_DOMAIN_START_PAUSED) !== 0);
  return ref(dom);
}

/** Stops a domain at once. */
export function destroyDomain(host: TestHost, uuid: string, flags: number): void {
  const dom = host.findDomain({ uuid });
  checkFlags(flags, VIR_DOMAIN_DESTROY_GRACEFUL, "destroy");
  if (dom.id === -1) throw notRunning();
  stopState(host, dom, SHUTOFF_DESTROYED, STOPPED_DESTROYED);
}

/** Applies a lifecycle action (`on_poweroff`, `on_reboot`): restart keeps it running, anything else stops it. */
async function lifecycleAction(
  host: TestHost,
  dom: TestDomain,
  which: "onPoweroff" | "onReboot",
): Promise<void> {
  const action = (await host.def(dom))[which];
  if (action === "restart" || action === "rename-restart") {
    dom.state = VIR_DOMAIN_RUNNING;
    dom.reason = RUNNING_BOOTED;
  } else {
    stopState(host, dom, SHUTOFF_SHUTDOWN, STOPPED_SHUTDOWN);
  }
}

/** Shuts a domain down as its `on_poweroff` action says. */
export async function shutdownDomain(
  host: TestHost,
  uuid: string,
  flags: number,
): Promise<DomainRef> {
  const dom = host.findDomain({ uuid });
  checkFlags(flags, 0, "shutdown");
  if (dom.state === VIR_DOMAIN_SHUTOFF) throw notRunning();
  await lifecycleAction(host, dom, "onPoweroff");
  return ref(dom);
}

/** Reboots a domain as its `on_reboot` action says. */
export async function rebootDomain(
  host: TestHost,
  uuid: string,
  flags: number,
): Promise<DomainRef> {
  const dom = host.findDomain({ uuid });
  checkFlags(flags, 0, "reboot");
  if (dom.id === -1) throw notRunning();
  await lifecycleAction(host, dom, "onReboot");
  return ref(dom);
}

/** Pauses a running domain. */
export function suspendDomain(host: TestHost, uuid: string): void {
  const dom = host.findDomain({ uuid });
  if (dom.state === VIR_DOMAIN_SHUTOFF || dom.state === VIR_DOMAIN_PAUSED) throw notRunning();
  dom.state = VIR_DOMAIN_PAUSED;
  dom.reason = PAUSED_USER;
  host.emit(dom, VIR_DOMAIN_EVENT_SUSPENDED, SUSPENDED_PAUSED);
}

/** Resumes a paused domain. */
export function resumeDomain(host: TestHost, uuid: string): void {
  const dom = host.findDomain({ uuid });
  if (dom.state !== VIR_DOMAIN_PAUSED) {
    throw new VirtError("operation-invalid", "test", "domain is not paused");
  }
  dom.state = VIR_DOMAIN_RUNNING;
  dom.reason = RUNNING_UNPAUSED;
  host.emit(dom, VIR_DOMAIN_EVENT_RESUMED, RESUMED_UNPAUSED);
}

/** Removes the persistent config; a running domain carries on as a transient one. */
export async function undefineDomain(host: TestHost, uuid: string, flags: number): Promise<void> {
  const dom = host.findDomain({ uuid });
  checkFlags(flags, UNDEFINE_FLAGS, "undefine");
  if (!dom.persistent) {
    throw new VirtError("operation-invalid", "test", "cannot undefine a transient domain");
  }
  if (dom.managedSave && !(flags & UNDEFINE_MANAGED_SAVE)) {
    throw new VirtError(
      "operation-invalid",
      "test",
      "refusing to undefine while a managed save image exists",
    );
  }
  await host.def(dom);
  dom.managedSave = false;
  host.emit(dom, VIR_DOMAIN_EVENT_UNDEFINED, UNDEFINED_REMOVED);
  if (dom.id !== -1) {
    dom.persistent = false;
    dom.newDef = undefined;
  } else {
    host.remove(dom);
  }
}

/** The domain XML: the live definition, or with `VIR_DOMAIN_XML_INACTIVE` the persistent one. */
export async function domainXML(host: TestHost, uuid: string, flags: number): Promise<string> {
  const dom = host.findDomain({ uuid });
  checkFlags(
    flags,
    VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_UPDATE_CPU |
      VIR_DOMAIN_XML_MIGRATABLE,
    "dumpxml",
  );
  const live = await host.def(dom);
  const inactive = (flags & (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE)) !== 0;
  const def = inactive && dom.newDef ? dom.newDef : live;
  return formatTestDomain(def, inactive, (flags & VIR_DOMAIN_XML_SECURE) !== 0);
}

/** State, memory, vCPUs and a CPU time that grows with the clock, as libvirt's test driver reports. */
export async function domainInfo(host: TestHost, uuid: string): Promise<DomainInfo> {
  const dom = host.findDomain({ uuid });
  const def = await host.def(dom);
  return {
    state: dom.state,
    maxMem: def.memory.total,
    memory: def.memory.current,
    nrVirtCpu: def.vcpu.current,
    cpuTime: Date.now() * 1e6,
  };
}

/**
 * A vCPU count: of the live (`VIR_DOMAIN_AFFECT_LIVE`) or persistent
 * (`VIR_DOMAIN_AFFECT_CONFIG`) definition, or of the current one when
 * neither is given; the maximum with `VIR_DOMAIN_VCPU_MAXIMUM`.
 */
export async function domainVcpus(host: TestHost, uuid: string, flags: number): Promise<number> {
  const dom = host.findDomain({ uuid });
  const { live, config, maximum } = vcpuCountFlags(flags, "test", "test");
  const current = await host.def(dom);
  let def = current;
  if (live && dom.id === -1) throw notRunning();
  if (config) {
    if (!dom.persistent) throw noPersistentConfigError("test");
    def = dom.newDef ?? current;
  }
  return maximum ? def.vcpu.max : def.vcpu.current;
}

/**
 * Balloon statistics of a running domain with a memory balloon, derived
 * from its current memory as libvirt's test driver does.
 */
export async function domainMemoryStats(host: TestHost, uuid: string): Promise<[string, number][]> {
  const dom = host.findDomain({ uuid });
  if (dom.id === -1) throw notRunning();
  const def = await host.def(dom);
  const balloon = def.devices.memballoon as { model?: string } | undefined;
  if (!balloon || balloon.model === "none") return [];
  const cur = def.memory.current;
  const half = Math.floor(cur / 2);
  return [
    ["actual", cur],
    ["swap_in", 0],
    ["swap_out", 0],
    ["major_fault", 0],
    ["minor_fault", 0],
    ["unused", half],
    ["available", cur],
    ["usable", half],
    ["last_update", 627319920],
    ["disk_caches", Math.floor(cur / 8)],
    ["hugetlb_pgalloc", 0],
    ["hugetlb_pgfail", 0],
    ["rss", half],
  ];
}

/** Marks a persistent domain for autostart. */
export function setAutostart(host: TestHost, uuid: string, on: boolean): void {
  const dom = host.findDomain({ uuid });
  if (!dom.persistent) {
    throw new VirtError("operation-invalid", "test", "cannot set autostart for a transient domain");
  }
  dom.autostart = on;
}
