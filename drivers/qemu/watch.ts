/**
 * Watching the guests while someone in this process listens for events.
 *
 * Every QEMU gets a second QMP monitor, `events.sock`, next to the command
 * monitor. The watcher holds a connection to the events monitor of each
 * running guest, so QEMU's events (`SHUTDOWN`, `STOP`, `RESUME`, ...) arrive
 * as they happen while other processes keep using the command monitor. An
 * event makes the watcher bring that domain up to date (which applies
 * `on_poweroff` and the like) and emit the lifecycle events that follow.
 * A scan every {@link SCAN_INTERVAL_MS} picks up domains defined, started,
 * stopped or undefined by other processes.
 * @module
 */
import { VIR_DOMAIN_EVENT_SHUTDOWN } from "../../src/connect.ts";
import { QmpClient, type QmpEvent } from "./qmp.ts";
import type { QemuHost } from "./host.ts";
import { processRuns } from "./process.ts";
import { DETAIL } from "./states.ts";

/** How often the watcher looks for changes made by other processes. */
export const SCAN_INTERVAL_MS = 1000;

/** QMP events that change the state of a guest. */
const STATE_EVENTS = new Set([
  "SHUTDOWN",
  "STOP",
  "RESUME",
  "SUSPEND",
  "SUSPEND_DISK",
  "WAKEUP",
  "GUEST_PANICKED",
  "RESET",
]);

/** Watches the guests of one host while it has listeners. */
export class Watcher {
  readonly #host: QemuHost;
  /** Events connections by domain name (and the id they belong to). */
  readonly #clients = new Map<string, { id: number; qmp?: QmpClient; connecting: boolean }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;
  #scanning: Promise<void> | undefined;

  constructor(host: QemuHost) {
    this.#host = host;
  }

  /** Starts watching (idempotent). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#host.startTracking();
    await this.scan();
    this.#timer = setInterval(() => void this.scan(), SCAN_INTERVAL_MS);
  }

  /** Stops watching and closes the events connections. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    this.#host.stopTracking();
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.qmp?.close()));
  }

  /** Looks at every domain: notices changes and attaches to guests not yet watched. */
  scan(): Promise<void> {
    return this.#scanning ??= this.#scan().finally(() => (this.#scanning = undefined));
  }

  async #scan(): Promise<void> {
    if (!this.#running) return;
    const names = new Set(await this.#host.names());
    for (const name of this.#host.seenNames()) {
      if (!names.has(name)) this.#host.observeGone(name);
    }
    for (const name of names) {
      try {
        const rec = await this.#host.read(name);
        if (!rec) continue;
        const rt = rec.live?.runtime;
        if (rt && !processRuns(rt.pid, rt.binary)) {
          await this.#host.refresh(name);
          continue;
        }
        this.#host.observe(rec);
        if (rt) this.#attach(name, rt.id, rt.monitor.replace(/monitor\.sock$/, "events.sock"));
      } catch {
        // A domain being changed right now is looked at again next time.
      }
    }
  }

  #attach(name: string, id: number, path: string): void {
    const have = this.#clients.get(name);
    if (have && have.id === id && (have.connecting || (have.qmp && !have.qmp.isClosed))) return;
    const entry: { id: number; qmp?: QmpClient; connecting: boolean } = { id, connecting: true };
    this.#clients.set(name, entry);
    QmpClient.connect(path, { timeoutMs: 2000 }).then((qmp) => {
      entry.connecting = false;
      if (!this.#running || this.#clients.get(name) !== entry) {
        void qmp.close();
        return;
      }
      entry.qmp = qmp;
      qmp.on("*", (e) => this.#onEvent(name, id, e));
      qmp.closed.then(() => {
        if (this.#clients.get(name) === entry) this.#clients.delete(name);
        if (this.#running) void this.#host.refresh(name).catch(() => {});
      });
    }).catch(() => {
      // Busy (another watcher) or gone: the next scan tries again.
      entry.connecting = false;
      if (this.#clients.get(name) === entry) this.#clients.delete(name);
    });
  }

  #onEvent(name: string, id: number, e: QmpEvent): void {
    if (!STATE_EVENTS.has(e.event)) return;
    if (e.event === "SHUTDOWN") {
      const data = (e as QmpEvent<"SHUTDOWN">).data;
      if (data.reason !== "host-qmp-quit" && data.reason !== "host-signal") {
        void this.#host.uuidOf(name).then((uuid) => {
          if (!uuid) return;
          const detail = data.guest ? DETAIL.shutdownGuest : DETAIL.shutdownHost;
          this.#host.emit({ name, uuid, id }, VIR_DOMAIN_EVENT_SHUTDOWN, detail);
        });
        void this.#host.refresh(name, (rt) => {
          rt.shutdownReason = data.reason;
          rt.shutdownGuest = data.guest;
        }).catch(() => {});
        return;
      }
    }
    void this.#host.refresh(name).catch(() => {});
  }
}
