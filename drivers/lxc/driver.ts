/**
 * One connection to the LXC driver (`lxc:///system`, `lxc:///embed?root=DIR`):
 * libvirt's domain API for containers on top of the {@link LxcHost} of its
 * state tree. Networks are the embedded network driver's.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatDomainXml } from "../../src/conf/domain/format.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import {
  type ConsoleStream,
  type DomainInfo,
  type DomainRef,
  type DomainSummary,
  type DriverConnection,
  type DriverDomainEvent,
  type LookupKey,
  type NetworkDHCPLease,
  type NetworkRef,
  type NetworkSummary,
  type NodeInfo,
  settle,
  VIR_DOMAIN_DEFINE_VALIDATE,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_RESUMED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_START_AUTODESTROY,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_START_VALIDATE,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_SECURE,
} from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import {
  checkDomainName,
  checkDriverFlags,
  noDomainError,
  notRunningError,
  Subscriptions,
} from "../common.ts";
import type { MachineCgroup } from "../../src/host/cgroups.ts";
import { ensureDir, stateLocation, withFileLock } from "../../src/state/mod.ts";
import { HostServices } from "../../src/host/services.ts";
import { parseUri } from "../../src/uri.ts";
import { type ContainerRecord, type LiveContainer, LxcHost } from "./host.ts";
import {
  containerFiles,
  containerGroup,
  startContainer,
  stopContainer,
  writeRuntime,
} from "./start.ts";
import type { TunableParam } from "./tuning.ts";

/** `virDomainShutdownFlagValues`: ask `/dev/initctl`, or send a signal. */
const MODE_INITCTL = 1 << 2, MODE_SIGNAL = 1 << 3;
/** How long opening the console waits for a starting controller. */
const CONSOLE_WAIT_MS = 10_000;
/** `VIR_DOMAIN_RUNNING_UNPAUSED`, `VIR_DOMAIN_PAUSED_USER`. */
const RUNNING_UNPAUSED = 3, PAUSED_USER = 1;
/** `VIR_DOMAIN_EVENT_*` details. */
const DETAIL = {
  added: 0,
  updated: 1,
  booted: 0,
  destroyed: 1,
  paused: 0,
  unpaused: 0,
  removed: 0,
};

function noDomain(what: string): VirtError {
  return noDomainError("lxc", what);
}

function notRunning(name: string): VirtError {
  return notRunningError("lxc", name);
}

function checkFlags(flags: number, allowed: number, operation: string): void {
  checkDriverFlags(flags, allowed, operation, "lxc", "LXC");
}

/** Writes a sysvinit `/dev/initctl` runlevel request; false when nothing listens there. */
async function initctl(initPid: number, runlevel: "0" | "6"): Promise<boolean> {
  const req = new Uint8Array(384);
  const v = new DataView(req.buffer);
  v.setInt32(0, 0x03091969, true); // INIT_MAGIC
  v.setInt32(4, 1, true); // INIT_CMD_RUNLVL
  v.setInt32(8, runlevel.charCodeAt(0), true);
  try {
    const f = await Deno.open(`/proc/${initPid}/root/dev/initctl`, { write: true });
    try {
      const info = await f.stat();
      if (!info.isFifo) return false;
      await f.write(req);
      return true;
    } finally {
      f.close();
    }
  } catch {
    return false;
  }
}

/** A connection to the LXC driver. */
export class LxcConnection implements DriverConnection {
  readonly type = "LXC";
  readonly #autodestroy = new Map<string, number>();
  readonly #subscriptions = new Subscriptions();
  #closed = false;

  constructor(
    readonly uri: string,
    private readonly host: LxcHost,
    private readonly release: () => void,
  ) {}

  #services?: HostServices;

  /** Secrets, node devices and host statistics of this state tree. */
  get services(): HostServices {
    return this.#services ??= new HostServices(stateLocation(parseUri(this.uri)), "lxc");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscriptions.closeAll();
    for (const [name, id] of this.#autodestroy) {
      const rec = await this.host.refresh(name).catch(() => undefined);
      if (rec?.live?.runtime.id === id) await this.#stop(rec, rec.live).catch(() => {});
    }
    this.release();
  }

  /**
   * Starts the containers marked for autostart that are not running, once
   * per host boot (libvirt does it when its daemon starts): the first
   * process to open the state tree after a boot records the kernel's boot
   * id in `STATUS/autostart.boot-id` and starts them. One that fails to
   * start does not stop the others.
   */
  async autostart(): Promise<void> {
    const store = this.host.ctx.store;
    const file = `${store.statusDir}/autostart.boot-id`;
    const boot = Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
    const seen = () => Deno.readTextFile(file).then((t) => t.trim(), () => "");
    if ((await seen()) === boot) return;
    await ensureDir(store.statusDir);
    const claimed = await withFileLock(`${file}.lock`, async () => {
      if ((await seen()) === boot) return false;
      await Deno.writeTextFile(file, `${boot}\n`, { mode: 0o600 });
      return true;
    });
    if (!claimed) return;
    for (const name of await store.autostartNames()) {
      await this.host.withDomain(name, async () => {
        const rec = await this.host.read(name);
        if (rec?.config && !rec.live) await this.#start(rec, rec.config, 0);
      }).catch(() => {});
    }
  }

  hostname(): Promise<string> {
    return settle(() => Deno.hostname());
  }

  /** The kernel version, as libvirt's LXC driver reports it. */
  hypervisorVersion(): Promise<number> {
    return settle(() => {
      const [major, minor, micro] = Deno.osRelease().split(/[.-]/).map((x) => Number(x) || 0);
      return major * 1_000_000 + minor * 1000 + micro;
    });
  }

  async nodeInfo(): Promise<NodeInfo> {
    const { hostNodeInfo, hostRoots } = await import("../../src/host/mod.ts");
    return await hostNodeInfo(hostRoots());
  }

  async capabilities(): Promise<string> {
    const { hostCapabilitiesXml, hostRoots } = await import("../../src/host/mod.ts");
    const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
    return await hostCapabilitiesXml(hostRoots(), {
      noMigration: true,
      guests: [{
        osType: "exe",
        arch,
        wordsize: 64,
        emulator: "/usr/libexec/libvirt_lxc",
        domains: [{ type: "lxc" }],
        features: [],
      }],
    });
  }

  securityModel(): Promise<{ model: string; doi: string } | undefined> {
    return Promise.resolve(undefined);
  }

  // ---- lookups ----------------------------------------------------------------

  #ref(rec: ContainerRecord): DomainRef {
    return { name: rec.name, uuid: rec.uuid, id: rec.live?.runtime.id ?? -1 };
  }

  async #summary(rec: ContainerRecord): Promise<DomainSummary> {
    return {
      ...this.#ref(rec),
      state: rec.live?.runtime.state ?? VIR_DOMAIN_SHUTOFF,
      persistent: rec.config !== undefined,
      autostart: rec.config !== undefined && (await this.host.ctx.store.autostart(rec.name)),
      managedSave: false,
      hasSnapshot: false,
      hasCheckpoint: false,
      title: (rec.live?.def ?? rec.config)?.title,
    };
  }

  async listDomains(): Promise<DomainSummary[]> {
    const out: DomainSummary[] = [];
    for (const name of await this.host.names()) {
      const rec = await this.host.refresh(name).catch(() => undefined);
      if (rec) out.push(await this.#summary(rec));
    }
    return out;
  }

  async #find(key: LookupKey): Promise<ContainerRecord> {
    if ("name" in key) {
      const rec = await this.host.refresh(key.name).catch(() => undefined);
      if (rec) return rec;
      throw noDomain(`name '${key.name}'`);
    }
    for (const name of await this.host.names()) {
      const rec = await this.host.read(name).catch(() => undefined);
      if (!rec) continue;
      if ("uuid" in key ? rec.uuid === key.uuid : rec.live?.runtime.id === key.id) {
        const fresh = await this.host.refresh(name);
        if (fresh && ("uuid" in key || fresh.live)) return fresh;
      }
    }
    throw noDomain("uuid" in key ? `uuid '${key.uuid}'` : `id ${key.id}`);
  }

  async lookupDomain(key: LookupKey): Promise<DomainRef> {
    return this.#ref(await this.#find(key));
  }

  /** Runs `fn` holding the domain's lock, with the domain brought up to date. */
  async #locked<T>(uuid: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    const { name } = await this.#find({ uuid });
    return await this.host.withDomain(name, async () => {
      const rec = await this.host.read(name);
      if (!rec || rec.uuid !== uuid) throw noDomain(`uuid '${uuid}'`);
      return await fn(rec);
    });
  }

  #running<T>(
    uuid: string,
    fn: (rec: ContainerRecord, live: LiveContainer) => Promise<T>,
  ): Promise<T> {
    return this.#locked(uuid, (rec) => {
      if (!rec.live) throw notRunning(rec.name);
      return fn(rec, rec.live);
    });
  }

  // ---- define, create, start, stop ------------------------------------------------

  #parseNew(xml: string, validate: boolean): DomainDef {
    const def = parseDomainXml(xml, { inactive: true, validate });
    if (def.type !== "lxc") {
      throw new VirtError(
        "config-unsupported",
        "lxc",
        `domain type '${def.type}' is not supported by the LXC driver; use <domain type='lxc'>`,
      );
    }
    checkDomainName(def.name, "lxc");
    return def;
  }

  async #checkClash(def: DomainDef): Promise<void> {
    for (const name of await this.host.names()) {
      const rec = await this.host.read(name).catch(() => undefined);
      if (!rec) continue;
      if (rec.uuid === def.uuid && name !== def.name) {
        throw new VirtError(
          "operation-failed",
          "lxc",
          `domain '${name}' is already defined with uuid ${def.uuid}`,
        );
      }
      if (name === def.name && rec.uuid !== def.uuid) {
        throw new VirtError(
          "operation-failed",
          "lxc",
          `domain '${name}' already exists with uuid ${rec.uuid}`,
        );
      }
    }
  }

  async defineDomain(xml: string, flags: number): Promise<DomainRef> {
    checkFlags(flags, VIR_DOMAIN_DEFINE_VALIDATE, "define");
    const def = this.#parseNew(xml, (flags & VIR_DOMAIN_DEFINE_VALIDATE) !== 0);
    await this.#checkClash(def);
    return await this.host.withDomain(def.name, async () => {
      const existed = (await this.host.ctx.store.read(def.name)) !== undefined;
      await this.host.ctx.store.write(
        def.name,
        formatDomainXml(def, { inactive: true, secure: true }),
      );
      const rec = await this.host.read(def.name);
      if (rec?.live && !rec.live.runtime.persistent) {
        rec.live.runtime.persistent = true;
        await writeRuntime(this.host.ctx, rec.live.def, rec.live.runtime);
      }
      this.host.emit(def, VIR_DOMAIN_EVENT_DEFINED, existed ? DETAIL.updated : DETAIL.added);
      return { name: def.name, uuid: def.uuid, id: rec?.live?.runtime.id ?? -1 };
    });
  }

  async createDomain(xml: string, flags: number): Promise<DomainRef> {
    checkFlags(
      flags,
      VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_VALIDATE,
      "create",
    );
    const def = this.#parseNew(xml, (flags & VIR_DOMAIN_START_VALIDATE) !== 0);
    await this.#checkClash(def);
    return await this.host.withDomain(def.name, async () => {
      const rec = await this.host.read(def.name) ?? { name: def.name, uuid: def.uuid };
      if (rec.live) {
        throw new VirtError("operation-invalid", "lxc", `domain '${def.name}' is already active`);
      }
      return await this.#start(rec, def, flags);
    });
  }

  async startDomain(uuid: string, flags: number): Promise<DomainRef> {
    checkFlags(flags, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY, "start");
    return await this.#locked(uuid, async (rec) => {
      if (rec.live) {
        throw new VirtError("operation-invalid", "lxc", `domain '${rec.name}' is already running`);
      }
      if (!rec.config) throw noDomain(`uuid '${uuid}'`);
      return await this.#start(rec, rec.config, flags);
    });
  }

  async #start(rec: ContainerRecord, def: DomainDef, flags: number): Promise<DomainRef> {
    const paused = (flags & VIR_DOMAIN_START_PAUSED) !== 0;
    const runtime = await startContainer(this.host.ctx, def, {
      paused,
      persistent: rec.config !== undefined,
    });
    if (flags & VIR_DOMAIN_START_AUTODESTROY) this.#autodestroy.set(def.name, runtime.id);
    this.host.emit(def, VIR_DOMAIN_EVENT_STARTED, DETAIL.booted, runtime.id);
    if (paused) this.host.emit(def, VIR_DOMAIN_EVENT_SUSPENDED, DETAIL.paused, runtime.id);
    return { name: def.name, uuid: def.uuid, id: runtime.id };
  }

  /** Kills and cleans up a running container; a transient one disappears. */
  async #stop(rec: ContainerRecord, live: LiveContainer): Promise<void> {
    await stopContainer(this.host.ctx, rec.name, live.runtime);
    this.#autodestroy.delete(rec.name);
    this.host.emit(live.def, VIR_DOMAIN_EVENT_STOPPED, DETAIL.destroyed, -1);
  }

  async destroyDomain(uuid: string, flags: number): Promise<void> {
    checkFlags(flags, 0, "destroy");
    await this.#running(uuid, (rec, live) => this.#stop(rec, live));
  }

  async #powerRequest(
    uuid: string,
    flags: number,
    what: "shutdown" | "reboot",
  ): Promise<DomainRef> {
    checkFlags(flags, MODE_INITCTL | MODE_SIGNAL, what);
    return await this.#running(uuid, async (rec, live) => {
      const pid = live.runtime.initPid;
      const useInitctl = flags === 0 || (flags & MODE_INITCTL) !== 0;
      let done = useInitctl && (await initctl(pid, what === "shutdown" ? "0" : "6"));
      if (!done && (flags === 0 || (flags & MODE_SIGNAL))) {
        Deno.kill(pid, what === "shutdown" ? "SIGTERM" : "SIGHUP");
        done = true;
      }
      if (!done) {
        throw new VirtError(
          "operation-failed",
          "lxc",
          `container '${rec.name}' has no /dev/initctl to ask for a ${what}`,
        );
      }
      return this.#ref(rec);
    });
  }

  shutdownDomain(uuid: string, flags: number): Promise<DomainRef> {
    return this.#powerRequest(uuid, flags, "shutdown");
  }

  rebootDomain(uuid: string, flags: number): Promise<DomainRef> {
    return this.#powerRequest(uuid, flags, "reboot");
  }

  async #group(live: LiveContainer, name: string): Promise<MachineCgroup> {
    const cg = await containerGroup(name, live.runtime.partition);
    if (!cg) {
      throw new VirtError("internal-error", "lxc", `the cgroup of container '${name}' is gone`);
    }
    return cg;
  }

  async #setState(live: LiveContainer, state: number, reason: number): Promise<void> {
    live.runtime.state = state;
    live.runtime.reason = reason;
    await writeRuntime(this.host.ctx, live.def, live.runtime);
  }

  async suspendDomain(uuid: string): Promise<void> {
    await this.#running(uuid, async (rec, live) => {
      if (live.runtime.state === VIR_DOMAIN_PAUSED) return;
      await (await this.#group(live, rec.name)).freeze();
      await this.#setState(live, VIR_DOMAIN_PAUSED, PAUSED_USER);
      this.host.emit(live.def, VIR_DOMAIN_EVENT_SUSPENDED, DETAIL.paused, live.runtime.id);
    });
  }

  async resumeDomain(uuid: string): Promise<void> {
    await this.#running(uuid, async (rec, live) => {
      if (live.runtime.state !== VIR_DOMAIN_PAUSED) {
        throw new VirtError("operation-invalid", "lxc", `domain '${rec.name}' is not paused`);
      }
      await (await this.#group(live, rec.name)).thaw();
      await this.#setState(live, VIR_DOMAIN_RUNNING, RUNNING_UNPAUSED);
      this.host.emit(live.def, VIR_DOMAIN_EVENT_RESUMED, DETAIL.unpaused, live.runtime.id);
    });
  }

  async undefineDomain(uuid: string, flags: number): Promise<void> {
    checkFlags(flags, 0x7f, "undefine");
    await this.#locked(uuid, async (rec) => {
      if (!rec.config) {
        throw new VirtError(
          "operation-invalid",
          "lxc",
          `cannot undefine transient domain '${rec.name}'`,
        );
      }
      await this.host.ctx.store.remove(rec.name);
      if (rec.live) {
        rec.live.runtime.persistent = false;
        await writeRuntime(this.host.ctx, rec.live.def, rec.live.runtime);
      }
      this.host.emit(rec.config, VIR_DOMAIN_EVENT_UNDEFINED, DETAIL.removed);
    });
  }

  // ---- information --------------------------------------------------------------

  async domainSummary(uuid: string): Promise<DomainSummary> {
    return await this.#summary(await this.#find({ uuid }));
  }

  async domainXML(uuid: string, flags: number): Promise<string> {
    const rec = await this.#find({ uuid });
    const inactive = (flags & VIR_DOMAIN_XML_INACTIVE) !== 0 || !rec.live;
    const def = inactive ? rec.config ?? rec.live!.def : rec.live!.def;
    return formatDomainXml(def, { inactive, secure: (flags & VIR_DOMAIN_XML_SECURE) !== 0 });
  }

  async #usage(name: string, live: LiveContainer): Promise<{ memKiB: number; cpuNs: number }> {
    const cg = await containerGroup(name, live.runtime.partition);
    const read = async (controller: string, file: string) => {
      const g = cg?.groups.find((g) => g.hierarchy.controllers.includes(controller));
      return g ? await Deno.readTextFile(`${g.dir}/${file}`).catch(() => "") : "";
    };
    const mem = await read("memory", "memory.usage_in_bytes") ||
      await read("memory", "memory.current");
    let cpu = Number(await read("cpuacct", "cpuacct.usage")) || 0;
    if (!cpu) cpu = Number(/usage_usec (\d+)/.exec(await read("cpu", "cpu.stat"))?.[1] ?? 0) * 1000;
    return { memKiB: Math.round(Number(mem || 0) / 1024), cpuNs: cpu };
  }

  async domainInfo(uuid: string): Promise<DomainInfo> {
    const rec = await this.#find({ uuid });
    const def = rec.live?.def ?? rec.config!;
    const usage = rec.live ? await this.#usage(rec.name, rec.live) : { memKiB: 0, cpuNs: 0 };
    return {
      state: rec.live?.runtime.state ?? VIR_DOMAIN_SHUTOFF,
      maxMem: def.memory.total,
      memory: rec.live ? usage.memKiB : def.memory.current,
      nrVirtCpu: def.vcpu.current ?? def.vcpu.max,
      cpuTime: usage.cpuNs,
    };
  }

  async domainState(uuid: string): Promise<[number, number]> {
    const rec = await this.#find({ uuid });
    if (!rec.live) return [VIR_DOMAIN_SHUTOFF, 0];
    return [rec.live.runtime.state, rec.live.runtime.reason];
  }

  domainOSType(_uuid: string): Promise<string> {
    return Promise.resolve("exe");
  }

  async domainSetAutostart(uuid: string, on: boolean): Promise<void> {
    await this.#locked(uuid, async (rec) => {
      if (!rec.config) {
        throw new VirtError(
          "operation-invalid",
          "lxc",
          "cannot set autostart for transient domain",
        );
      }
      await this.host.ctx.store.setAutostart(rec.name, on);
    });
  }

  async domainVcpus(uuid: string, _flags: number): Promise<number> {
    const rec = await this.#find({ uuid });
    const def = rec.live?.def ?? rec.config!;
    return def.vcpu.current ?? def.vcpu.max;
  }

  async domainMemoryStats(uuid: string): Promise<[string, number][]> {
    const rec = await this.#find({ uuid });
    if (!rec.live) throw notRunning(rec.name);
    const usage = await this.#usage(rec.name, rec.live);
    return [["actual", rec.live.def.memory.total], ["rss", usage.memKiB]];
  }

  domainSecurityLabel(_uuid: string): Promise<[string, boolean] | undefined> {
    return Promise.resolve(undefined);
  }

  // ---- console, namespaces, tuning ------------------------------------------------

  async domainOpenConsole(
    uuid: string,
    devname: string | undefined,
    flags: number,
  ): Promise<ConsoleStream> {
    checkFlags(flags, 1 /* FORCE */ | 2, /* SAFE */ "console");
    const rec = await this.#find({ uuid });
    if (!rec.live) throw notRunning(rec.name);
    if (devname !== undefined && devname !== "console0") {
      throw new VirtError("invalid-arg", "lxc", `cannot find console device '${devname}'`);
    }
    // The controller starts beside the container; give it a moment to open the console.
    const path = containerFiles(this.host.ctx.store, rec.name).console;
    let conn: Deno.UnixConn | undefined;
    for (const end = Date.now() + CONSOLE_WAIT_MS; !conn;) {
      conn = await Deno.connect({ transport: "unix", path }).catch(() => undefined);
      if (conn) break;
      if (Date.now() > end) {
        throw new VirtError(
          "operation-failed",
          "lxc",
          `the console of '${rec.name}' is not available`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const c = conn;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      try {
        c.close();
      } catch { /* closed by the other side */ }
    };
    return { readable: c.readable, writable: c.writable, close };
  }

  async domainLxcEnterNamespace(uuid: string, argv: string[], flags: number): Promise<number> {
    checkFlags(flags, 0, "lxc-enter-namespace");
    if (!argv.length || !argv[0].startsWith("/")) {
      throw new VirtError(
        "invalid-arg",
        "lxc",
        "the command to run must start with an absolute path",
      );
    }
    const rec = await this.#find({ uuid });
    if (!rec.live) throw notRunning(rec.name);
    const cg = await this.#group(rec.live, rec.name);
    const { enterContainer } = await import("./enter.ts");
    const env: Record<string, string> = {
      PATH: "/bin:/usr/bin:/sbin:/usr/sbin",
      HOME: "/",
      container: "libvirt-lxc",
    };
    const term = Deno.env.get("TERM");
    if (term) env.TERM = term;
    return await enterContainer(
      rec.live.runtime.initPid,
      cg.groups.map((g) => `${g.dir}/cgroup.procs`),
      argv,
      env,
    );
  }

  async #tuning<T>(uuid: string, fn: (cg: MachineCgroup) => Promise<T>): Promise<T> {
    return await this.#running(
      uuid,
      async (rec, live) => await fn(await this.#group(live, rec.name)),
    );
  }

  async domainMemoryParameters(uuid: string, _flags: number): Promise<TunableParam[]> {
    const { memoryParameters } = await import("./tuning.ts");
    return await this.#tuning(uuid, memoryParameters);
  }

  async domainSetMemoryParameters(
    uuid: string,
    params: TunableParam[],
    _flags: number,
  ): Promise<void> {
    const { setMemoryParameters } = await import("./tuning.ts");
    await this.#tuning(uuid, (cg) => setMemoryParameters(cg, params));
  }

  async domainSchedulerParameters(
    uuid: string,
    _flags: number,
  ): Promise<{ scheduler: string; params: TunableParam[] }> {
    const { schedulerParameters } = await import("./tuning.ts");
    return { scheduler: "posix", params: await this.#tuning(uuid, schedulerParameters) };
  }

  async domainSetSchedulerParameters(
    uuid: string,
    params: TunableParam[],
    _flags: number,
  ): Promise<void> {
    const { setSchedulerParameters } = await import("./tuning.ts");
    await this.#tuning(uuid, (cg) => setSchedulerParameters(cg, params));
  }

  async domainBlkioParameters(uuid: string, _flags: number): Promise<TunableParam[]> {
    const { blkioParameters } = await import("./tuning.ts");
    return await this.#tuning(uuid, blkioParameters);
  }

  async domainSetBlkioParameters(
    uuid: string,
    params: TunableParam[],
    _flags: number,
  ): Promise<void> {
    const { setBlkioParameters } = await import("./tuning.ts");
    await this.#tuning(uuid, (cg) => setBlkioParameters(cg, params));
  }

  // ---- networks (the embedded network driver) ------------------------------------

  get #nets() {
    return this.host.ctx.networks;
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return this.#nets.listNetworks();
  }

  lookupNetwork(key: { name: string } | { uuid: string }): Promise<NetworkRef> {
    return this.#nets.lookupNetwork(key);
  }

  networkSummary(uuid: string): Promise<NetworkSummary> {
    return this.#nets.networkSummary(uuid);
  }

  networkXML(uuid: string, flags: number): Promise<string> {
    return this.#nets.networkXML(uuid, flags);
  }

  networkBridgeName(uuid: string): Promise<string> {
    return this.#nets.networkBridgeName(uuid);
  }

  defineNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return this.#nets.defineNetwork(xml, flags);
  }

  createNetwork(xml: string, flags: number): Promise<NetworkRef> {
    return this.#nets.createNetwork(xml, flags);
  }

  startNetwork(uuid: string): Promise<void> {
    return this.#nets.startNetwork(uuid);
  }

  destroyNetwork(uuid: string): Promise<void> {
    return this.#nets.destroyNetwork(uuid);
  }

  undefineNetwork(uuid: string): Promise<void> {
    return this.#nets.undefineNetwork(uuid);
  }

  networkSetAutostart(uuid: string, on: boolean): Promise<void> {
    return this.#nets.networkSetAutostart(uuid, on);
  }

  networkDHCPLeases(
    uuid: string,
    mac: string | undefined,
    flags: number,
  ): Promise<NetworkDHCPLease[]> {
    return this.#nets.networkDHCPLeases(uuid, mac, flags);
  }

  updateNetwork(
    uuid: string,
    command: number,
    section: number,
    parentIndex: number,
    xml: string,
    flags: number,
  ): Promise<void> {
    return this.#nets.updateNetwork(uuid, command, section, parentIndex, xml, flags);
  }

  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    return this.#subscriptions.add(this.host.subscribe(listener));
  }
}
