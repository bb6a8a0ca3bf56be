/**
 * The containers of one state tree as this process sees them: definitions
 * and status files read from disk (so several processes, and the
 * controllers, share them), brought up to date on every read, and the
 * lifecycle events of this process's connections.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import type { DriverDomainEvent } from "../../src/connect.ts";
import type { StateLocation } from "../../src/state/mod.ts";
import { lxcContext } from "./controller.ts";
import { type LxcContext, stopContainer } from "./start.ts";
import { type ContainerRuntime, parseStatus, processAlive } from "./status.ts";

/** A running container: its runtime facts and live definition. */
export interface LiveContainer {
  runtime: ContainerRuntime;
  def: DomainDef;
}

/** One container as found on disk. */
export interface ContainerRecord {
  name: string;
  uuid: string;
  /** The persistent definition, when there is one. */
  config?: DomainDef;
  live?: LiveContainer;
}

/** The shared state of one state tree in this process. */
export class LxcHost {
  readonly ctx: LxcContext;
  readonly #listeners = new Set<(e: DriverDomainEvent) => void>();
  /** Connections using it. */
  refs = 0;

  constructor(location: StateLocation) {
    this.ctx = lxcContext(location);
  }

  /** Names of every defined or running container, sorted. */
  async names(): Promise<string[]> {
    const s = this.ctx.store;
    return [...new Set([...(await s.list()), ...(await s.listStatus())])].sort();
  }

  /** Reads a container from disk without checking its processes. */
  async read(name: string): Promise<ContainerRecord | undefined> {
    const s = this.ctx.store;
    const configText = await s.read(name);
    const statusText = await s.readStatus(name);
    const config = configText === undefined
      ? undefined
      : parseDomainXml(configText, { inactive: true });
    let live: LiveContainer | undefined;
    if (statusText !== undefined) {
      const { runtime, domainXml } = parseStatus(statusText, s.statusPath(name));
      live = { runtime, def: parseDomainXml(domainXml) };
    }
    const def = live?.def ?? config;
    return def && { name, uuid: def.uuid, config, live };
  }

  /**
   * Reads a container and, when its init has gone while nobody was
   * watching (its controller is gone too), cleans up after it.
   */
  async refresh(name: string): Promise<ContainerRecord | undefined> {
    const rec = await this.read(name);
    const rt = rec?.live?.runtime;
    if (!rec || !rt || processAlive(rt.initPid, rt.initStart)) return rec;
    if (rt.controllerPid && processAlive(rt.controllerPid, rt.controllerStart)) return rec;
    return await this.withDomain(name, async () => {
      const again = await this.read(name);
      const now = again?.live?.runtime;
      if (now && !processAlive(now.initPid, now.initStart)) {
        await stopContainer(this.ctx, name, now);
        this.emit(again.live!.def, 5, /* stopped */ 0 /* shutdown */);
        return await this.read(name);
      }
      return again;
    });
  }

  /** Runs `fn` holding the container's lock (shared with other processes). */
  withDomain<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.store.withLock(name, fn);
  }

  /** Adds an event listener; returns the function that removes it. */
  subscribe(listener: (e: DriverDomainEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells this process's listeners about a lifecycle event. */
  emit(def: { name: string; uuid: string }, event: number, detail: number, id = -1): void {
    for (const l of this.#listeners) {
      l({ domain: { name: def.name, uuid: def.uuid, id }, event, detail });
    }
  }
}
