/**
 * One connection to the QEMU driver (`qemu:///system`, `qemu:///session`,
 * `qemu:///embed?root=DIR`): libvirt's domain API on top of the shared
 * {@link QemuHost} of its state tree.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import {
  checkDomainName,
  checkDriverFlags,
  noDomainError,
  noPersistentConfigError,
  notRunningError,
  Subscriptions,
  vcpuCountFlags,
} from "../common.ts";
import {
  type ConsoleStream,
  type DomainInfo,
  type DomainRef,
  type DomainSummary,
  type DriverConnection,
  type DriverDomainEvent,
  importLazily,
  type LookupKey,
  type NetworkRef,
  type NetworkSummary,
  type NodeInfo,
  settle,
  VIR_DOMAIN_DEFINE_VALIDATE,
  VIR_DOMAIN_DESTROY_GRACEFUL,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PMSUSPENDED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_START_AUTODESTROY,
  VIR_DOMAIN_START_BYPASS_CACHE,
  VIR_DOMAIN_START_FORCE_BOOT,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_START_VALIDATE,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
  VIR_DOMAIN_XML_UPDATE_CPU,
} from "../../src/connect.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatDomainXml } from "../../src/conf/domain/format.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { stateLocation } from "../../src/state/mod.ts";
import type { NetworkDriver } from "../../src/net/driver.ts";
import { HostServices } from "../../src/host/services.ts";
import { exists } from "../../src/host/sysfs.ts";
import { parseUri } from "../../src/uri.ts";
import {
  type DomainRecord,
  HOST_ARCH,
  type LiveDomain,
  type QemuHost,
  recordState,
} from "./host.ts";
import { completeDefinition, startLocked } from "./start.ts";
import { SHUTOFF } from "./states.ts";
import { processCpuTime } from "./process.ts";
import type { Watcher } from "./watch.ts";

/** `virDomainShutdownFlagValues` / `virDomainRebootFlagValues`. */
const MODE_ACPI = 1 << 0;
const MODE_AGENT = 1 << 1;
const MODE_NAMES: [number, string][] = [[4, "initctl"], [8, "signal"], [16, "paravirt"]];

/** `virDomainUndefineFlagsValues`. */
const UNDEFINE_MANAGED_SAVE = 1 << 0;
const UNDEFINE_SNAPSHOTS_METADATA = 1 << 1;
const UNDEFINE_NVRAM = 1 << 2;
const UNDEFINE_KEEP_NVRAM = 1 << 3;
const UNDEFINE_CHECKPOINTS_METADATA = 1 << 4;

/** How long `shutdown` and `reboot` wait for the guest to act on the power button. */
export const GUEST_ACTION_WAIT_MS = 30_000;

/** How often the power button is pressed again while waiting. */
const REPRESS_MS = 5_000;

/** The guest agent's channel name. */
const AGENT_CHANNEL = "org.qemu.guest_agent.0";

type NetModule = typeof import("../../src/net/driver.ts");

function checkFlags(flags: number, allowed: number, operation: string): void {
  checkDriverFlags(flags, allowed, operation, "qemu", "QEMU");
}

function notRunning(name: string): VirtError {
  return notRunningError("qemu", name);
}

function noDomain(what: string): VirtError {
  return noDomainError("qemu", what);
}

/** A connection to the QEMU driver. */
export class QemuConnection implements DriverConnection {
  readonly type = "QEMU";
  /** Domains started with `VIR_DOMAIN_START_AUTODESTROY` on this connection, by name and id. */
  readonly #autodestroy = new Map<string, number>();
  readonly #subscriptions = new Subscriptions();
  #closed = false;

  /**
   * @param uri the canonical URI
   * @param host the shared state of the URI's state tree
   * @param watcher the host's watcher (started while anyone listens)
   * @param release called once when the connection closes
   */
  constructor(
    readonly uri: string,
    private readonly host: QemuHost,
    private readonly watcher: Watcher,
    private readonly release: () => Promise<void>,
  ) {}

  #services?: HostServices;

  /** Secrets, node devices, host statistics and domain capabilities of this state tree. */
  get services(): HostServices {
    return this.#services ??= new HostServices(stateLocation(parseUri(this.uri)), "qemu");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscriptions.closeAll();
    for (const [name, id] of this.#autodestroy) {
      await this.host.withDomain(name, async () => {
        const rec = await this.host.refreshLocked(name);
        if (rec?.live && rec.live.runtime.id === id) {
          await this.host.stopLocked(
            rec,
            rec.live,
            SHUTOFF.destroyed,
            "autodestroy: its connection closed",
          );
          this.host.observe(rec);
          this.#afterStop(rec);
        }
      }).catch(() => {});
    }
    await this.release();
  }

  hostname(): Promise<string> {
    return settle(() => Deno.hostname());
  }

  async hypervisorVersion(): Promise<number> {
    const def = parseDomainXml(
      `<domain type='qemu'><name>probe</name><memory>1</memory><os><type arch='${HOST_ARCH}'>hvm</type></os></domain>`,
    );
    const { emulatorCaps } = await import("./start.ts");
    const v = (await emulatorCaps(this.host, def)).version;
    return v.major * 1_000_000 + v.minor * 1000 + v.micro;
  }

  async nodeInfo(): Promise<NodeInfo> {
    const { hostNodeInfo, hostRoots } = await import("../../src/host/mod.ts");
    return await hostNodeInfo(hostRoots());
  }

  async capabilities(): Promise<string> {
    const { hostCapabilitiesXml, hostRoots, probeInstalledQemu } = await import(
      "../../src/host/mod.ts"
    );
    const emulators = await probeInstalledQemu({
      cacheDir: `${this.host.paths.cacheDir}/capabilities`,
    });
    return await hostCapabilitiesXml(hostRoots(), { emulators });
  }

  securityModel(): Promise<{ model: string; doi: string } | undefined> {
    return Promise.resolve(undefined);
  }

  // ---- lookups --------------------------------------------------------------

  async listDomains(): Promise<DomainSummary[]> {
    const out: DomainSummary[] = [];
    for (const name of await this.host.names()) {
      const rec = await this.host.refresh(name).catch(() => undefined);
      if (rec) out.push(await this.#summary(rec));
    }
    return out;
  }

  /** The name of the domain a key names (no refresh). */
  async #nameOf(key: LookupKey): Promise<string> {
    if ("name" in key) {
      if ((await this.host.uuidOf(key.name)) === undefined) throw noDomain(`name '${key.name}'`);
      return key.name;
    }
    if ("uuid" in key) {
      const name = await this.host.nameOfUuid(key.uuid);
      if (!name) throw noDomain(`uuid '${key.uuid}'`);
      return name;
    }
    for (const name of await this.host.store.listStatus()) {
      const rec = await this.host.read(name).catch(() => undefined);
      if (rec?.live?.runtime.id === key.id) return name;
    }
    throw noDomain(`id ${key.id}`);
  }

  /** Reads and brings a domain up to date (holding its lock); throws `no-domain` when it is gone. */
  async #get(uuid: string): Promise<DomainRecord> {
    const name = await this.#nameOf({ uuid });
    const rec = await this.host.refresh(name);
    if (!rec || rec.uuid !== uuid) throw noDomain(`uuid '${uuid}'`);
    return rec;
  }

  /** Runs `fn` holding the domain's lock, with the domain brought up to date. */
  async #locked<T>(uuid: string, fn: (rec: DomainRecord) => Promise<T>): Promise<T> {
    const name = await this.#nameOf({ uuid });
    return await this.host.withDomain(name, async () => {
      const rec = await this.host.refreshLocked(name);
      if (!rec || rec.uuid !== uuid) throw noDomain(`uuid '${uuid}'`);
      return await fn(rec);
    });
  }

  /** Like {@link #locked}, for a domain that must be running. */
  #running<T>(uuid: string, fn: (rec: DomainRecord, live: LiveDomain) => Promise<T>): Promise<T> {
    return this.#locked(uuid, (rec) => {
      if (!rec.live) throw notRunning(rec.name);
      return fn(rec, rec.live);
    });
  }

  async lookupDomain(key: LookupKey): Promise<DomainRef> {
    const name = await this.#nameOf(key);
    const rec = await this.host.refresh(name);
    if (!rec) throw noDomain(`name '${name}'`);
    return this.#ref(rec);
  }

  #ref(rec: DomainRecord): DomainRef {
    return { name: rec.name, uuid: rec.uuid, id: rec.live?.runtime.id ?? -1 };
  }

  async #summary(rec: DomainRecord): Promise<DomainSummary> {
    return {
      ...this.#ref(rec),
      state: recordState(this.host, rec)[0],
      persistent: rec.config !== undefined,
      autostart: rec.config !== undefined && (await this.host.store.autostart(rec.name)),
      managedSave: false,
      hasSnapshot: false,
      hasCheckpoint: false,
      title: (rec.live?.def ?? rec.config)?.title,
    };
  }

  // ---- define, create, start ------------------------------------------------

  /** Parses a new definition and checks its name. */
  #parseNew(xml: string, validate: boolean): DomainDef {
    const def = parseDomainXml(xml, { inactive: true, validate, defaultArch: HOST_ARCH });
    checkDomainName(def.name, "qemu");
    return def;
  }

  /**
   * Refuses a definition whose name or UUID belongs to another domain,
   * naming the element; returns the existing domain's name when it is the same one.
   */
  async #checkClash(def: DomainDef): Promise<void> {
    const byUuid = await this.host.nameOfUuid(def.uuid);
    if (byUuid !== undefined && byUuid !== def.name) {
      throw new VirtError(
        "operation-failed",
        "qemu",
        `<uuid>${def.uuid}</uuid>: domain '${byUuid}' is already defined with this uuid`,
      );
    }
    const existing = await this.host.uuidOf(def.name);
    if (existing !== undefined && existing !== def.uuid) {
      throw new VirtError(
        "operation-failed",
        "qemu",
        `<name>${def.name}</name>: domain '${def.name}' already exists with uuid ${existing}`,
      );
    }
  }

  async defineDomain(xml: string, flags: number): Promise<DomainRef> {
    await this.host.ready();
    checkFlags(flags, VIR_DOMAIN_DEFINE_VALIDATE, "define");
    const def = this.#parseNew(xml, (flags & VIR_DOMAIN_DEFINE_VALIDATE) !== 0);
    await completeDefinition(this.host, def);
    return await this.host.withDomain(def.name, async () => {
      await this.#checkClash(def);
      await this.host.store.write(def.name, formatDomainXml(def, { inactive: true, secure: true }));
      const rec = await this.host.refreshLocked(def.name);
      if (rec?.live && !rec.live.runtime.persistent) {
        rec.live.runtime.persistent = true;
        await this.host.writeLive(rec.name, rec.live);
      }
      return { name: def.name, uuid: def.uuid, id: rec?.live?.runtime.id ?? -1 };
    });
  }

  async createDomain(xml: string, flags: number): Promise<DomainRef> {
    await this.host.ready();
    checkFlags(
      flags,
      VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_VALIDATE,
      "create",
    );
    const def = this.#parseNew(xml, (flags & VIR_DOMAIN_START_VALIDATE) !== 0);
    return await this.host.withDomain(def.name, async () => {
      await this.#checkClash(def);
      const rec = (await this.host.refreshLocked(def.name)) ?? { name: def.name, uuid: def.uuid };
      if (rec.live) {
        throw new VirtError(
          "operation-invalid",
          "qemu",
          `<name>${def.name}</name>: domain '${def.name}' is already active`,
        );
      }
      return await this.#start(rec, def, flags);
    });
  }

  async startDomain(uuid: string, flags: number): Promise<DomainRef> {
    await this.host.ready();
    checkFlags(
      flags,
      VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_BYPASS_CACHE |
        VIR_DOMAIN_START_FORCE_BOOT,
      "start",
    );
    return await this.#locked(uuid, async (rec) => {
      if (rec.live) {
        throw new VirtError("operation-invalid", "qemu", `domain '${rec.name}' is already running`);
      }
      if (!rec.configText) throw noDomain(`uuid '${uuid}'`);
      return await this.#start(rec, this.host.parseConfig(rec.configText), flags);
    });
  }

  async #start(rec: DomainRecord, def: DomainDef, flags: number): Promise<DomainRef> {
    const live = await startLocked(this.host, rec, def, {
      paused: (flags & VIR_DOMAIN_START_PAUSED) !== 0,
      persistent: rec.config !== undefined,
    });
    rec.live = live;
    this.host.observe(rec);
    if (flags & VIR_DOMAIN_START_AUTODESTROY) this.#autodestroy.set(rec.name, live.runtime.id);
    if (this.host.listening) void this.watcher.scan();
    return this.#ref(rec);
  }

  // ---- stopping -------------------------------------------------------------

  async destroyDomain(uuid: string, flags: number): Promise<void> {
    await this.host.ready();
    checkFlags(flags, VIR_DOMAIN_DESTROY_GRACEFUL, "destroy");
    await this.#running(uuid, async (rec, live) => {
      await this.host.stopLocked(
        rec,
        live,
        SHUTOFF.destroyed,
        "destroyed",
        (flags & VIR_DOMAIN_DESTROY_GRACEFUL) !== 0,
      );
      rec.live = undefined;
      this.#afterStop(rec);
    });
  }

  /** After a stop: a transient domain is gone, a persistent one is shut off. */
  #afterStop(rec: DomainRecord): void {
    this.#autodestroy.delete(rec.name);
    if (rec.config) this.host.observe({ ...rec, live: undefined });
    else this.host.observeGone(rec.name, rec.uuid);
  }

  /** Checks the shutdown/reboot modes the driver can honour and says whether to use the agent. */
  #useAgent(live: LiveDomain, flags: number, operation: string): boolean {
    for (const [bit, name] of MODE_NAMES) {
      if (flags & bit) {
        throw new VirtError(
          "operation-unsupported",
          "qemu",
          `${operation} mode '${name}' is not supported by the QEMU driver`,
        );
      }
    }
    checkFlags(flags, MODE_ACPI | MODE_AGENT, operation);
    if (!(flags & MODE_AGENT)) return false;
    const hasAgent = this.#agentSocket(live) !== undefined;
    if (!hasAgent && !(flags & MODE_ACPI)) {
      throw new VirtError(
        "operation-unsupported",
        "qemu",
        `${operation} mode 'agent' needs a <channel type='unix'> with <target type='virtio' name='${AGENT_CHANNEL}'/>`,
      );
    }
    return hasAgent;
  }

  #agentSocket(live: LiveDomain): string | undefined {
    for (const c of live.def.devices.channels) {
      if (c.kind !== "channel" || c.target.type !== "virtio" || c.target.name !== AGENT_CHANNEL) {
        continue;
      }
      if (c.source.type !== "unix") continue;
      return c.source.path ?? `${live.runtime.dir}/channel/${AGENT_CHANNEL}`;
    }
    return undefined;
  }

  /** Asks the guest agent to power off or reboot. */
  async #agentShutdown(path: string, mode: "powerdown" | "reboot"): Promise<void> {
    const conn = await Deno.connect({ transport: "unix", path });
    try {
      const msg = JSON.stringify({ execute: "guest-shutdown", arguments: { mode } }) + "\n";
      await conn.write(new TextEncoder().encode(msg));
    } finally {
      conn.close();
    }
  }

  async shutdownDomain(uuid: string, flags: number): Promise<DomainRef> {
    await this.host.ready();
    let agent = false;
    const name = await this.#running(uuid, async (rec, live) => {
      agent = this.#useAgent(live, flags, "shutdown");
      if (agent) await this.#agentShutdown(this.#agentSocket(live)!, "powerdown");
      else await this.host.withMonitor(live, (qmp) => qmp.execute("system_powerdown"));
      return rec.name;
    });
    return await this.#waitFor(
      name,
      uuid,
      (rec) => !rec.live,
      agent ? undefined : this.#pressAgain(uuid),
    );
  }

  /** Presses the power button again (for a guest that was still booting the first time). */
  #pressAgain(uuid: string): () => Promise<void> {
    return () =>
      this.#running(uuid, async (_rec, live) => {
        await this.host.withMonitor(live, (qmp) => qmp.execute("system_powerdown"));
      }).catch(() => {});
  }

  async rebootDomain(uuid: string, flags: number): Promise<DomainRef> {
    await this.host.ready();
    let startedAt = 0;
    const name = await this.#running(uuid, async (rec, live) => {
      const agent = this.#useAgent(live, flags, "reboot");
      startedAt = live.runtime.id;
      if (agent) {
        await this.#agentShutdown(this.#agentSocket(live)!, "reboot");
        return rec.name;
      }
      if (live.def.onReboot !== "destroy") live.runtime.fakeReboot = true;
      await this.host.writeLive(rec.name, live);
      await this.host.withMonitor(live, (qmp) => qmp.execute("system_powerdown"));
      return rec.name;
    });
    return await this.#waitFor(
      name,
      uuid,
      (rec) => !rec.live || rec.live.runtime.id !== startedAt || !rec.live.runtime.fakeReboot,
      this.#pressAgain(uuid),
    );
  }

  /**
   * Refreshes the domain until `done` holds or {@link GUEST_ACTION_WAIT_MS}
   * passes (the guest ignoring the power button is not an error, as in libvirt).
   */
  async #waitFor(
    name: string,
    uuid: string,
    done: (rec: DomainRecord) => boolean,
    again?: () => Promise<void>,
  ): Promise<DomainRef> {
    const deadline = Date.now() + GUEST_ACTION_WAIT_MS;
    let pause = 20;
    let nextPress = Date.now() + REPRESS_MS;
    while (true) {
      if (again && Date.now() >= nextPress) {
        await again();
        nextPress = Date.now() + REPRESS_MS;
      }
      const rec = await this.host.refresh(name);
      if (!rec || rec.uuid !== uuid) return { name, uuid, id: -1 };
      if (done(rec) || Date.now() >= deadline) {
        if (!rec.live) this.#afterStop(rec);
        return this.#ref(rec);
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 200);
    }
  }

  async resetDomain(uuid: string, flags: number): Promise<void> {
    checkFlags(flags, 0, "reset");
    await this.#running(uuid, async (_rec, live) => {
      await this.host.withMonitor(live, (qmp) => qmp.execute("system_reset"));
    });
  }

  async suspendDomain(uuid: string): Promise<void> {
    await this.host.ready();
    await this.#running(uuid, async (rec, live) => {
      const rt = live.runtime;
      if (rt.state === VIR_DOMAIN_PAUSED) {
        throw new VirtError("operation-invalid", "qemu", `domain '${rec.name}' is already paused`);
      }
      if (rt.state === VIR_DOMAIN_PMSUSPENDED) {
        throw new VirtError(
          "operation-invalid",
          "qemu",
          `domain '${rec.name}' is suspended by power management`,
        );
      }
      await this.host.withMonitor(live, (qmp) => qmp.execute("stop"));
      rt.state = VIR_DOMAIN_PAUSED;
      rt.reason = 1;
      await this.host.writeLive(rec.name, live);
      this.host.observe(rec);
    });
  }

  async resumeDomain(uuid: string): Promise<void> {
    await this.host.ready();
    await this.#running(uuid, async (rec, live) => {
      const rt = live.runtime;
      if (rt.state !== VIR_DOMAIN_PAUSED) {
        throw new VirtError("operation-invalid", "qemu", `domain '${rec.name}' is not paused`);
      }
      await this.host.withMonitor(live, (qmp) => qmp.execute("cont"));
      rt.state = VIR_DOMAIN_RUNNING;
      rt.reason = 5;
      await this.host.writeLive(rec.name, live);
      this.host.observe(rec);
    });
  }

  async undefineDomain(uuid: string, flags: number): Promise<void> {
    await this.host.ready();
    checkFlags(
      flags,
      UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA | UNDEFINE_NVRAM | UNDEFINE_KEEP_NVRAM |
        UNDEFINE_CHECKPOINTS_METADATA,
      "undefine",
    );
    await this.#locked(uuid, async (rec) => {
      if (!rec.config) {
        throw new VirtError("operation-invalid", "qemu", "cannot undefine a transient domain");
      }
      const nvram = rec.config.os.nvram?.path;
      if (nvram && !(flags & (UNDEFINE_NVRAM | UNDEFINE_KEEP_NVRAM)) && (await exists(nvram))) {
        throw new VirtError("operation-invalid", "qemu", "cannot undefine domain with nvram");
      }
      if (nvram && flags & UNDEFINE_NVRAM) await Deno.remove(nvram).catch(() => {});
      await this.host.store.remove(rec.name);
      if (rec.live) {
        rec.live.runtime.persistent = false;
        await this.host.writeLive(rec.name, rec.live);
        this.host.observe({ ...rec, config: undefined, configText: undefined });
      } else {
        this.host.observeGone(rec.name, rec.uuid);
      }
    });
  }

  // ---- queries --------------------------------------------------------------

  async domainSummary(uuid: string): Promise<DomainSummary> {
    return await this.#summary(await this.#get(uuid));
  }

  async domainXML(uuid: string, flags: number): Promise<string> {
    checkFlags(
      flags,
      VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_UPDATE_CPU |
        VIR_DOMAIN_XML_MIGRATABLE,
      "dumpxml",
    );
    const rec = await this.#get(uuid);
    const inactive = (flags & (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE)) !== 0;
    const def = inactive && rec.config ? rec.config : rec.live?.def ?? rec.config!;
    return formatDomainXml(def, { inactive, secure: (flags & VIR_DOMAIN_XML_SECURE) !== 0 });
  }

  async domainInfo(uuid: string): Promise<DomainInfo> {
    const rec = await this.#get(uuid);
    const def = rec.live?.def ?? rec.config!;
    const rt = rec.live?.runtime;
    let memory = def.memory.current;
    if (rt && def.devices.memballoon && def.devices.memballoon.model !== "none") {
      memory = await this.host.withMonitor(rec.live!, async (qmp) => {
        const b = await qmp.execute<{ actual: number }>("query-balloon").catch(() => undefined);
        return b ? Math.floor(b.actual / 1024) : def.memory.current;
      }).catch(() => def.memory.current);
    }
    const cpu = rt ? processCpuTime(rt.pid) : undefined;
    return {
      state: recordState(this.host, rec)[0],
      maxMem: def.memory.total,
      memory,
      nrVirtCpu: def.vcpu.current,
      cpuTime: cpu ? cpu.user + cpu.system : 0,
    };
  }

  async domainState(uuid: string): Promise<[number, number]> {
    return recordState(this.host, await this.#get(uuid));
  }

  async domainOSType(uuid: string): Promise<string> {
    const rec = await this.#get(uuid);
    return (rec.live?.def ?? rec.config!).os.type;
  }

  async domainSetAutostart(uuid: string, on: boolean): Promise<void> {
    await this.#locked(uuid, async (rec) => {
      if (!rec.config) {
        throw new VirtError(
          "operation-invalid",
          "qemu",
          "cannot set autostart for transient domain",
        );
      }
      await this.host.store.setAutostart(rec.name, on);
    });
  }

  async domainVcpus(uuid: string, flags: number): Promise<number> {
    const { live, config, maximum } = vcpuCountFlags(flags, "qemu", "QEMU");
    const rec = await this.#get(uuid);
    if (live && !rec.live) throw notRunning(rec.name);
    if (config && !rec.config) throw noPersistentConfigError("qemu");
    const def = config ? rec.config! : rec.live?.def ?? rec.config!;
    return maximum ? def.vcpu.max : def.vcpu.current;
  }

  async domainMemoryStats(uuid: string): Promise<[string, number][]> {
    const { memoryStats } = await import("./stats.ts");
    return await this.#running(uuid, (_rec, live) => memoryStats(this.host, live));
  }

  domainSecurityLabel(_uuid: string): Promise<[string, boolean] | undefined> {
    return Promise.resolve(undefined);
  }

  // ---- the optional operations ---------------------------------------------

  async domainMonitorCommand(uuid: string, command: string, hmp: boolean): Promise<string> {
    const { monitorCommand } = await import("./stats.ts");
    return await this.#running(
      uuid,
      (rec, live) => monitorCommand(this.host, rec, live, command, hmp),
    );
  }

  async domainScreenshot(
    uuid: string,
    screen: number,
  ): Promise<{ mime: string; data: Uint8Array }> {
    const { screenshot } = await import("./stats.ts");
    return await this.#running(uuid, (_rec, live) => screenshot(this.host, live, screen));
  }

  async domainBlockStats(uuid: string, disk: string): Promise<[string, number][]> {
    const { blockStats } = await import("./stats.ts");
    return await this.#running(uuid, (_rec, live) => blockStats(this.host, live, disk));
  }

  async domainInterfaceStats(uuid: string, iface: string): Promise<[string, number][]> {
    const { interfaceStats } = await import("./stats.ts");
    return await this.#running(uuid, (_rec, live) => Promise.resolve(interfaceStats(live, iface)));
  }

  async domainStats(uuid: string, groups: number): Promise<[string, number | string][]> {
    const { domainStats } = await import("./stats.ts");
    return await this.#locked(uuid, (rec) => domainStats(this.host, rec, groups));
  }

  async domainOpenConsole(
    uuid: string,
    devname: string | undefined,
    flags: number,
  ): Promise<ConsoleStream> {
    checkFlags(flags, 1 /* VIR_DOMAIN_CONSOLE_FORCE */ | 2, /* SAFE */ "console");
    const { openConsole } = await import("./console.ts");
    const rec = await this.#get(uuid);
    if (!rec.live) throw notRunning(rec.name);
    return await openConsole(rec.live.def, devname);
  }

  async domainXMLToNative(format: string, xml: string): Promise<string> {
    const { domainXmlToArgv } = await import("./native.ts");
    if (format !== "qemu-argv") {
      throw new VirtError(
        "invalid-arg",
        "qemu",
        `unsupported config type ${format}: expected qemu-argv`,
      );
    }
    return await domainXmlToArgv(this.host, xml);
  }

  // ---- networks (served by the network driver of the same state tree) --------

  /**
   * The network driver shared by every connection to this state tree,
   * loaded on the first network call (guests alone do not pay for it).
   */
  async #networks(): Promise<NetworkDriver> {
    const { networkDriverFor } = await importLazily<NetModule>(
      "../../src/net/driver.ts",
      import.meta.url,
    );
    return networkDriverFor(stateLocation(parseUri(this.uri)));
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    return await (await this.#networks()).listNetworks();
  }

  async lookupNetwork(key: { name: string } | { uuid: string }): Promise<NetworkRef> {
    return await (await this.#networks()).lookupNetwork(key);
  }

  async networkSummary(uuid: string): Promise<NetworkSummary> {
    return await (await this.#networks()).networkSummary(uuid);
  }

  async networkXML(uuid: string, flags: number): Promise<string> {
    return await (await this.#networks()).networkXML(uuid, flags);
  }

  async networkBridgeName(uuid: string): Promise<string> {
    return await (await this.#networks()).networkBridgeName(uuid);
  }

  async defineNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return await (await this.#networks()).defineNetwork(xml, flags);
  }

  async createNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return await (await this.#networks()).createNetwork(xml, flags);
  }

  async startNetwork(uuid: string): Promise<void> {
    return await (await this.#networks()).startNetwork(uuid);
  }

  async destroyNetwork(uuid: string): Promise<void> {
    return await (await this.#networks()).destroyNetwork(uuid);
  }

  async undefineNetwork(uuid: string): Promise<void> {
    return await (await this.#networks()).undefineNetwork(uuid);
  }

  async networkSetAutostart(uuid: string, on: boolean): Promise<void> {
    return await (await this.#networks()).networkSetAutostart(uuid, on);
  }

  async networkDHCPLeases(uuid: string, mac: string | undefined, flags: number) {
    return await (await this.#networks()).networkDHCPLeases(uuid, mac, flags);
  }

  async updateNetwork(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void> {
    return await (await this.#networks()).updateNetwork(
      uuid,
      command,
      section,
      parentIndex,
      xml,
      flags,
    );
  }

  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    return this.#subscriptions.add(this.host.subscribe(listener));
  }
}
