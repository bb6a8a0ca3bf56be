/**
 * The QEMU driver's view of one state tree (one `qemu:///system`,
 * `qemu:///session` or `qemu:///embed?root=DIR`), shared by every
 * connection to it within a process.
 *
 * The files are the truth: every call reads the definitions and status
 * files again, so several short-lived processes (each CLI command is one)
 * can work on the same guests. Operations on one domain hold its lock
 * (`STATUS/NAME.lock`, a mutex plus `flock`) so they run one after another
 * across processes.
 *
 * A running domain is brought up to date ({@link QemuHost.refresh}) from
 * its process and its QMP monitor: a vanished process means the guest
 * stopped; QEMU in `shutdown` status (it runs with `-no-shutdown`) means the
 * guest powered off, and `on_poweroff` (or a pending reboot) is applied then,
 * whoever notices first. Lifecycle events are produced by comparing what
 * this process last saw of each domain with what it sees now; a process
 * with event subscribers watches the guests (see `watch.ts`).
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import {
  type DomainRef,
  type DriverDomainEvent,
  VIR_DOMAIN_CRASHED,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_UNDEFINED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "../../src/connect.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatDomainXml } from "../../src/conf/domain/format.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import {
  ObjectStore,
  type StateLocation,
  type StatePaths,
  withFileLock,
} from "../../src/state/mod.ts";
import { QmpClient, type QmpEvent } from "./qmp.ts";
import { type DomainRuntime, formatStatus, parseStatus } from "./status.ts";
import { appendLog, killProcess, logLine, processRuns } from "./process.ts";
import {
  DETAIL,
  PAUSED,
  RUNNING,
  type Seen,
  SHUTOFF,
  shutoff,
  stateFromQmp,
  transitionEvents,
} from "./states.ts";
import { releaseHostResources } from "./resources.ts";

/** A running domain: its runtime record and live definition. */
export interface LiveDomain {
  runtime: DomainRuntime;
  def: DomainDef;
}

/** A domain as read from disk: its definition and, while it runs, its live state. */
export interface DomainRecord {
  name: string;
  uuid: string;
  /** The persistent definition, if any. */
  config?: DomainDef;
  /** The text of the persistent definition file (to notice redefinitions). */
  configText?: string;
  live?: LiveDomain;
}

/** How long a command connection waits for the monitor's greeting. */
const MONITOR_TIMEOUT_MS = 10_000;

/** What this process last saw of a domain (for events). */
interface SeenDomain extends Seen {
  name: string;
  persistent: boolean;
  configText?: string;
}

/** The host architecture as libvirt names it, for definitions without one. */
export const HOST_ARCH = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";

/** Shared driver state of one state tree in this process. */
export class QemuHost {
  readonly store: ObjectStore;
  /** Connections open on it. */
  refs = 0;
  readonly #listeners = new Set<(e: DriverDomainEvent) => void>();
  /** What this process last saw, by UUID; filled while someone listens for events. */
  #seen: Map<string, SeenDomain> | undefined;
  #tracking: Promise<void> | undefined;
  /** Why each domain last stopped, by UUID (kept in memory, as libvirt does). */
  readonly #shutoffReasons = new Map<string, number>();
  /** Hooks run when the set of listeners changes (the watcher). */
  onListenersChanged?: (count: number) => void;

  /**
   * @param paths the driver's folders
   * @param location the state location they come from (for cgroup names and the network driver)
   */
  constructor(readonly paths: StatePaths, readonly location: StateLocation) {
    this.store = new ObjectStore(paths, "domains", { domain: "qemu" });
  }

  /** The folder for driver-wide files (`STATUS/driver`): id counter, port lock. */
  get driverDir(): string {
    return `${this.paths.statusDir}/driver`;
  }

  /** Runs `fn` holding the driver-wide lock (id and port allocation). */
  withDriverLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(`${this.driverDir}/lock`, fn);
  }

  // ---- reading the files ----------------------------------------------------

  /** Names of every defined or running domain. */
  async names(): Promise<string[]> {
    const all = new Set([...(await this.store.list()), ...(await this.store.listStatus())]);
    return [...all].sort();
  }

  /** Parses a persistent definition file. */
  parseConfig(text: string): DomainDef {
    return parseDomainXml(text, { inactive: true, defaultArch: HOST_ARCH });
  }

  /** Reads one domain's files; undefined when it has neither definition nor status. */
  async read(name: string): Promise<DomainRecord | undefined> {
    const [configText, statusText] = await Promise.all([
      this.store.read(name),
      this.store.readStatus(name),
    ]);
    if (configText === undefined && statusText === undefined) return undefined;
    let live: LiveDomain | undefined;
    if (statusText !== undefined) {
      const { runtime, domainXml } = parseStatus(statusText, this.store.statusPath(name));
      live = { runtime, def: parseDomainXml(domainXml, { defaultArch: HOST_ARCH }) };
    }
    const config = configText === undefined ? undefined : this.parseConfig(configText);
    const uuid = live?.def.uuid ?? config!.uuid;
    return { name, uuid, config, configText, live };
  }

  /** The UUID in a definition or status file, without parsing all of it. */
  async uuidOf(name: string): Promise<string | undefined> {
    const text = (await this.store.readStatus(name)) ?? (await this.store.read(name));
    return text?.match(/<uuid>([^<]+)<\/uuid>/)?.[1];
  }

  /** The name of the domain with this UUID, if any. */
  async nameOfUuid(uuid: string): Promise<string | undefined> {
    for (const name of await this.names()) {
      if ((await this.uuidOf(name)) === uuid) return name;
    }
    return undefined;
  }

  /** Writes the status file of a running domain. */
  async writeLive(name: string, live: LiveDomain): Promise<void> {
    await this.store.writeStatus(
      name,
      formatStatus(live.runtime, formatDomainXml(live.def, { secure: true })),
    );
  }

  /** Runs `fn` holding the domain's lock. */
  withDomain<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.store.withLock(name, fn);
  }

  // ---- the monitor ----------------------------------------------------------

  /**
   * Runs `fn` on a fresh connection to the domain's command monitor, closed
   * afterwards. A `SHUTDOWN` event seen meanwhile is noted in the runtime
   * record (the caller writes it back).
   */
  async withMonitor<T>(live: LiveDomain, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    const qmp = await connectMonitor(live.runtime.monitor, live.def.name);
    const off = qmp.on("SHUTDOWN", (e: QmpEvent<"SHUTDOWN">) => noteShutdown(live.runtime, e));
    try {
      return await fn(qmp);
    } finally {
      off();
      await qmp.close();
    }
  }

  // ---- keeping up with the guest ------------------------------------------

  /**
   * Brings a domain up to date, holding its lock: see {@link refreshLocked}.
   * Returns the record read (with `live` gone if the guest turned out to be stopped).
   */
  async refresh(
    name: string,
    note?: (rt: DomainRuntime) => void,
  ): Promise<DomainRecord | undefined> {
    return await this.withDomain(name, () => this.refreshLocked(name, note));
  }

  /**
   * Reads a domain and, if it runs, checks its process and asks QEMU for its
   * status: a stopped process is cleaned up; a guest that powered off gets
   * its `on_poweroff` action (or the reset of a pending reboot); a crashed
   * guest its `on_crash` action. `note` may first record what an event said
   * in the runtime record. Must be called holding the domain's lock.
   */
  async refreshLocked(
    name: string,
    note?: (rt: DomainRuntime) => void,
  ): Promise<DomainRecord | undefined> {
    const rec = await this.read(name);
    if (!rec) {
      this.observeGone(name);
      return undefined;
    }
    const live = rec.live;
    if (live) {
      note?.(live.runtime);
      const ok = await this.reconcileLocked(rec, live);
      if (!ok) rec.live = undefined;
    }
    if (!rec.live && !rec.config) {
      this.observeGone(name);
      return undefined;
    }
    this.observe(rec);
    return rec;
  }

  /** Returns false when the domain turned out to be (or was made) shut off. */
  async reconcileLocked(rec: DomainRecord, live: LiveDomain): Promise<boolean> {
    const rt = live.runtime;
    if (!processRuns(rt.pid, rt.binary)) {
      const reason = rt.shutdownReason?.startsWith("guest") ? SHUTOFF.shutdown : SHUTOFF.crashed;
      await this.cleanupLocked(rec, live, reason, "the QEMU process is gone");
      return false;
    }
    let status: string;
    try {
      status = await this.withMonitor(live, async (qmp) => {
        return (await qmp.execute<{ status: string }>("query-status")).status;
      });
    } catch (e) {
      // The process may have exited meanwhile.
      if (!processRuns(rt.pid, rt.binary)) return await this.reconcileLocked(rec, live);
      throw e;
    }
    if (status === "shutdown") return await this.poweredOffLocked(rec, live);
    if (status === "guest-panicked") return await this.crashedLocked(rec, live);
    const next = stateFromQmp(status, rt);
    if (next.state !== rt.state || next.reason !== rt.reason) {
      rt.state = next.state;
      rt.reason = next.reason;
      await this.writeLive(rec.name, live);
    }
    return true;
  }

  /** QEMU sits in `shutdown` status: reset for a pending reboot, or apply the lifecycle action. */
  async poweredOffLocked(rec: DomainRecord, live: LiveDomain): Promise<boolean> {
    const rt = live.runtime;
    const action = rt.fakeReboot
      ? "restart"
      : rt.shutdownReason === "guest-reset" || rt.shutdownReason === "host-qmp-system-reset"
      ? live.def.onReboot
      : live.def.onPoweroff;
    rt.fakeReboot = false;
    rt.shutdownReason = undefined;
    rt.shutdownGuest = undefined;
    if (action === "restart" || action === "rename-restart") {
      await this.withMonitor(live, (qmp) => resetAndContinue(qmp));
      rt.state = VIR_DOMAIN_RUNNING;
      rt.reason = RUNNING.booted;
      await this.writeLive(rec.name, live);
      return true;
    }
    if (action === "preserve") {
      rt.state = VIR_DOMAIN_PAUSED;
      rt.reason = PAUSED.shuttingDown;
      await this.writeLive(rec.name, live);
      return true;
    }
    await this.stopLocked(rec, live, SHUTOFF.shutdown, "guest powered off");
    return false;
  }

  /** The guest panicked: apply `on_crash`. */
  async crashedLocked(rec: DomainRecord, live: LiveDomain): Promise<boolean> {
    const rt = live.runtime;
    const action = live.def.onCrash;
    if (action === "restart" || action === "coredump-restart") {
      await this.withMonitor(live, (qmp) => resetAndContinue(qmp));
      rt.state = VIR_DOMAIN_RUNNING;
      rt.reason = RUNNING.crashed;
      await this.writeLive(rec.name, live);
      return true;
    }
    if (action === "preserve") {
      if (rt.state !== VIR_DOMAIN_CRASHED) {
        rt.state = VIR_DOMAIN_CRASHED;
        rt.reason = 1;
        await this.writeLive(rec.name, live);
      }
      return true;
    }
    await this.stopLocked(rec, live, SHUTOFF.crashed, "guest crashed");
    return false;
  }

  /**
   * Stops the QEMU process (SIGTERM, then SIGKILL unless `graceful`) and
   * cleans up after it. Must be called holding the domain's lock.
   */
  async stopLocked(
    rec: DomainRecord,
    live: LiveDomain,
    reason: number,
    why: string,
    graceful = false,
  ): Promise<void> {
    await killProcess(live.runtime.pid, live.runtime.binary, { graceful });
    await this.cleanupLocked(rec, live, reason, why);
  }

  /**
   * Removes what a stopped guest leaves: host resources (TAP devices,
   * cgroup), its folder (monitor sockets, pid file, channels), its status
   * file; notes the reason in the log. Must be called holding the lock.
   */
  async cleanupLocked(
    rec: DomainRecord,
    live: LiveDomain,
    reason: number,
    why: string,
  ): Promise<void> {
    const rt = live.runtime;
    const errors: string[] = [];
    try {
      await releaseHostResources(rt);
    } catch (e) {
      errors.push((e as Error).message);
    }
    await Deno.remove(rt.dir, { recursive: true }).catch(() => {});
    await this.store.removeStatus(rec.name);
    await appendLog(rt.log, logLine(`shutting down, reason=${reasonName(reason)} (${why})`)).catch(
      () => {},
    );
    this.#shutoffReasons.set(rec.uuid, reason);
    if (errors.length) {
      await appendLog(rt.log, logLine(`cleanup problems: ${errors.join("; ")}`)).catch(() => {});
    }
  }

  /** The reason a domain last stopped, as far as this process knows. */
  shutoffReason(uuid: string): number {
    return this.#shutoffReasons.get(uuid) ?? SHUTOFF.unknown;
  }

  // ---- events ---------------------------------------------------------------

  /** Adds an event listener; returns the function that removes it. */
  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    this.#listeners.add(listener);
    this.onListenersChanged?.(this.#listeners.size);
    return () => {
      if (this.#listeners.delete(listener)) this.onListenersChanged?.(this.#listeners.size);
    };
  }

  /** Whether anybody in this process listens for events. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /** Sends an event to every listener. */
  emit(domain: DomainRef, event: number, detail: number): void {
    for (const l of [...this.#listeners]) {
      try {
        l({ domain: { ...domain }, event, detail });
      } catch { /* a listener's failure is its own */ }
    }
  }

  /**
   * Starts remembering what each domain looks like, so later changes become
   * events. Operations wait for it ({@link ready}) so none slips between.
   */
  startTracking(): Promise<void> {
    return this.#tracking ??= (async () => {
      const seen = new Map<string, SeenDomain>();
      for (const name of await this.names()) {
        const rec = await this.read(name).catch(() => undefined);
        if (rec) seen.set(rec.uuid, this.#look(rec));
      }
      this.#seen = seen;
    })();
  }

  /** Resolves once tracking (if it was started) has its starting picture. */
  async ready(): Promise<void> {
    await this.#tracking;
  }

  /** Stops tracking (no listener left). */
  stopTracking(): void {
    this.#seen = undefined;
    this.#tracking = undefined;
  }

  #look(rec: DomainRecord): SeenDomain {
    const rt = rec.live?.runtime;
    return rt
      ? {
        name: rec.name,
        id: rt.id,
        state: rt.state,
        reason: rt.reason,
        persistent: !!rec.config,
        configText: rec.configText,
      }
      : {
        ...shutoff(this.shutoffReason(rec.uuid)),
        name: rec.name,
        persistent: true,
        configText: rec.configText,
      };
  }

  /** Compares a domain with what this process saw last and emits the events that lead there. */
  observe(rec: DomainRecord): void {
    const seen = this.#seen;
    if (!seen) return;
    const now = this.#look(rec);
    const before = seen.get(rec.uuid);
    seen.set(rec.uuid, now);
    const ref = { name: rec.name, uuid: rec.uuid, id: now.id };
    if (!before) {
      if (now.persistent) this.emit(ref, VIR_DOMAIN_EVENT_DEFINED, DETAIL.definedAdded);
      for (const [ev, d] of transitionEvents(shutoff(0), now)) this.emit(ref, ev, d);
      return;
    }
    if (now.persistent && !before.persistent) {
      this.emit(ref, VIR_DOMAIN_EVENT_DEFINED, DETAIL.definedAdded);
    } else if (now.persistent && before.configText !== now.configText) {
      this.emit(ref, VIR_DOMAIN_EVENT_DEFINED, DETAIL.definedUpdated);
    }
    for (const [ev, d] of transitionEvents(before, now)) this.emit(ref, ev, d);
    if (!now.persistent && before.persistent) {
      this.emit(ref, VIR_DOMAIN_EVENT_UNDEFINED, DETAIL.undefinedRemoved);
    }
  }

  /** A domain disappeared altogether (undefined, or a transient one stopped). */
  observeGone(name: string, uuid?: string): void {
    const seen = this.#seen;
    if (!seen) return;
    for (const [id, s] of seen) {
      if (s.name !== name || (uuid && id !== uuid)) continue;
      seen.delete(id);
      const ref = { name, uuid: id, id: -1 };
      if (s.id !== -1) {
        for (const [ev, d] of transitionEvents(s, shutoff(this.shutoffReason(id)))) {
          this.emit(ref, ev, d);
        }
      }
      if (s.persistent) this.emit(ref, VIR_DOMAIN_EVENT_UNDEFINED, DETAIL.undefinedRemoved);
    }
  }

  /** Domains this process has seen, by UUID (for the watcher's scan). */
  seenNames(): string[] {
    return this.#seen ? [...this.#seen.values()].map((s) => s.name) : [];
  }
}

/** Notes a QMP `SHUTDOWN` event in the runtime record. */
export function noteShutdown(rt: DomainRuntime, e: QmpEvent<"SHUTDOWN">): void {
  if (e.data.reason === "host-qmp-quit" || e.data.reason === "host-signal") return;
  rt.shutdownReason = e.data.reason;
  rt.shutdownGuest = e.data.guest;
}

/**
 * Connects to a domain's command monitor, with a message that says what
 * may be wrong when it does not answer.
 */
export async function connectMonitor(path: string, name: string): Promise<QmpClient> {
  try {
    return await QmpClient.connect(path, { timeoutMs: MONITOR_TIMEOUT_MS });
  } catch (e) {
    throw new VirtError(
      "operation-failed",
      "qemu",
      `cannot talk to the QEMU monitor of domain '${name}' (${path}): ${(e as Error).message}`,
    );
  }
}

/** `system_reset` then `cont`, retrying `cont` until QEMU has processed the reset. */
export async function resetAndContinue(qmp: QmpClient): Promise<void> {
  await qmp.execute("system_reset");
  for (let i = 0;; i++) {
    try {
      await qmp.execute("cont");
      return;
    } catch (e) {
      if (i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function reasonName(reason: number): string {
  return Object.entries(SHUTOFF).find(([, v]) => v === reason)?.[0] ?? "unknown";
}

/** The `VIR_DOMAIN_*` state of a record: the live one, or shut off. */
export function recordState(host: QemuHost, rec: DomainRecord): [number, number] {
  const rt = rec.live?.runtime;
  return rt ? [rt.state, rt.reason] : [VIR_DOMAIN_SHUTOFF, host.shutoffReason(rec.uuid)];
}
