/**
 * Starting and stopping containers, shared by the driver and the
 * controller (which restarts a container that rebooted itself).
 *
 * Start: check the definition ({@link planContainer}, nothing is created
 * before it passes), make the cgroup and apply the limits, create the veth
 * pairs, launch the init (`launch.ts`), write the status file and start the
 * controller. Every step is undone when a later one fails.
 * Stop: kill everything in the cgroup, remove it, delete the veths and the
 * files, and the controller.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { formatDomainXml } from "../../src/conf/domain/format.ts";
import { VIR_DOMAIN_PAUSED, VIR_DOMAIN_RUNNING } from "../../src/connect.ts";
import {
  createMachineGroup,
  hostCgroupLayout,
  type MachineCgroup,
  openMachineGroup,
} from "../../src/host/cgroups.ts";
import {
  type PreparedVeth,
  prepareVethInterface,
  releaseInterface,
} from "../../src/net/interfaces.ts";
import type { NetworkDriver } from "../../src/net/driver.ts";
import type { ObjectStore, StateLocation } from "../../src/state/mod.ts";
import { ensureDir } from "../../src/state/mod.ts";
import { addAddress, addRoute, moveToNetns, renameLink, setLinkUp } from "../../src/sys/mod.ts";
import { inProcessNamespaces } from "../../src/sys/ns.ts";
import { planContainer } from "./container-plan.ts";
import { launchContainer } from "./launch.ts";
import {
  type ContainerRuntime,
  formatStatus,
  processAlive,
  processStartTime,
  STATUS_VERSION,
} from "./status.ts";
import { applyDefinitionLimits } from "./tuning.ts";

/** Where a state tree keeps its containers, and the networks they use. */
export interface LxcContext {
  location: StateLocation;
  store: ObjectStore;
  networks: NetworkDriver;
}

/** `VIR_DOMAIN_RUNNING_BOOTED`, `VIR_DOMAIN_PAUSED_USER`, `..._STARTING_UP`. */
const RUNNING_BOOTED = 1, PAUSED_STARTING_UP = 11;

/** Files of a container beside its status file. */
export function containerFiles(store: ObjectStore, name: string) {
  return {
    stage: store.statusFile(name, "root"),
    exit: store.statusFile(name, "exit"),
    console: store.statusFile(name, "console"),
    log: store.statusFile(name, "log"),
  };
}

/** The highest capability number the kernel knows. */
function lastCapability(): number {
  return Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
}

/** The container's cgroup, when it still has one. */
export async function containerGroup(
  name: string,
  partition?: string,
): Promise<MachineCgroup | undefined> {
  return await openMachineGroup(await hostCgroupLayout(), { name, driver: "lxc", partition });
}

/** Renames the guest ends, gives them their addresses and routes, and brings them up (in the container's namespace). */
function configureGuestInterfaces(def: DomainDef, veths: PreparedVeth[]): void {
  def.devices.interfaces.forEach((iface, i) => {
    const name = iface.guest?.dev ?? `eth${i}`;
    renameLink(veths[i].guestIfname, name);
    setLinkUp(name);
    for (const ip of iface.guestIp?.ips ?? []) {
      const prefix = ip.prefix ?? (ip.family === "ipv6" ? 64 : 24);
      addAddress(name, `${ip.address}/${prefix}`, ip.peer ? { peer: ip.peer } : {});
    }
    for (const r of iface.guestIp?.routes ?? []) {
      const zero = r.address === "0.0.0.0" || r.address === "::";
      const dst = zero && !r.prefix
        ? "default"
        : `${r.address}/${r.prefix ?? (r.family === "ipv6" ? 128 : 32)}`;
      addRoute({ dst, via: r.gateway, metric: r.metric, family: r.family });
    }
  });
}

/** The folder name of a hierarchy under `/sys/fs/cgroup` in the container. */
function hierarchyName(mount: string): string {
  return mount.slice(mount.lastIndexOf("/") + 1) || "unified";
}

/** How the controller is started: this program in its hidden mode, or its module under `deno run`. */
function controllerCommand(args: string[]): [string, string[]] {
  const exe = Deno.execPath();
  if (/\/deno$/.test(exe)) {
    return [exe, ["run", "-A", new URL("./controller.ts", import.meta.url).pathname, ...args]];
  }
  return [exe, ["__lxc-controller", ...args]];
}

/**
 * Starts the controller. It is spawned the quick way (no new session,
 * no descriptors) and detaches itself: it starts its own session, writes
 * its own log, and takes the console from the init's parent.
 */
export function spawnController(ctx: LxcContext, name: string): number {
  const [cmd, args] = controllerCommand([JSON.stringify(ctx.location), name]);
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
  child.unref();
  return child.pid;
}

/** Options of {@link startContainer}. */
export interface StartOptions {
  paused: boolean;
  persistent: boolean;
}

/**
 * Starts a container and writes its status file; returns its runtime.
 * The caller holds the domain's lock.
 */
export async function startContainer(
  ctx: LxcContext,
  def: DomainDef,
  opts: StartOptions,
): Promise<ContainerRuntime> {
  const plan = planContainer(def, lastCapability());
  const files = containerFiles(ctx.store, def.name);
  await ensureDir(ctx.store.statusDir);
  await Deno.mkdir(files.stage, { recursive: true });
  await Deno.remove(files.exit).catch(() => {});
  const partition = def.resource?.partition;
  const cg = await createMachineGroup(await hostCgroupLayout(), {
    name: def.name,
    driver: "lxc",
    partition,
  });
  const veths: PreparedVeth[] = [];
  try {
    await applyDefinitionLimits(cg, def);
    for (const [index, iface] of def.devices.interfaces.entries()) {
      veths.push(
        await prepareVethInterface(iface, { domainName: def.name, index, networks: ctx.networks }),
      );
    }
    const plugNetwork = (pid: number) => {
      for (const v of veths) moveToNetns(v.guestIfname, pid);
      inProcessNamespaces(pid, ["net"], () => configureGuestInterfaces(def, veths));
      return Promise.resolve();
    };
    const launched = await launchContainer(plan, {
      stage: files.stage,
      exitFile: files.exit,
      cgroupDirs: cg.groups.map((g) => [hierarchyName(g.hierarchy.mount), g.dir]),
      onNamespaces: veths.length ? plugNetwork : undefined,
    });
    if (opts.paused) await cg.freeze();
    const controllerPid = spawnController(ctx, def.name);
    const runtime: ContainerRuntime = {
      version: STATUS_VERSION,
      id: launched.monitorPid,
      initPid: launched.initPid,
      initStart: processStartTime(launched.initPid) ?? "",
      controllerPid,
      controllerStart: processStartTime(controllerPid),
      state: opts.paused ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING,
      reason: opts.paused ? PAUSED_STARTING_UP : RUNNING_BOOTED,
      cgroup: cg.path,
      partition,
      veths: veths.map((v) => v.hostIfname),
      persistent: opts.persistent,
      startedAt: Date.now(),
    };
    await writeRuntime(ctx, def, runtime);
    return runtime;
  } catch (e) {
    await cg.killAll("SIGKILL").catch(() => {});
    await cg.remove().catch(() => {});
    for (const v of veths) await releaseInterface({ ifname: v.hostIfname }).catch(() => {});
    await Deno.remove(files.stage).catch(() => {});
    throw e;
  }
}

/** Writes the status file of a running container. */
export async function writeRuntime(
  ctx: LxcContext,
  def: DomainDef,
  rt: ContainerRuntime,
): Promise<void> {
  const live = { ...def, id: rt.id };
  await ctx.store.writeStatus(
    def.name,
    formatStatus(rt, formatDomainXml(live, { inactive: false, secure: true })),
  );
}

/**
 * Stops a container for good and removes what it used: every process of
 * its cgroup (the init, its parent, anything started inside), the cgroup,
 * the veths, the controller (unless `keepController`, when the controller
 * itself is stopping it) and its files. Safe to run twice.
 */
export async function stopContainer(
  ctx: LxcContext,
  name: string,
  rt: ContainerRuntime,
  opts: { keepController?: boolean } = {},
): Promise<void> {
  const cg = await containerGroup(name, rt.partition);
  if (cg) {
    await cg.killAll("SIGKILL");
    await cg.remove();
  } else {
    for (const pid of [rt.initPid, rt.id]) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  for (const v of rt.veths) await releaseInterface({ ifname: v }).catch(() => {});
  if (
    !opts.keepController && rt.controllerPid && processAlive(rt.controllerPid, rt.controllerStart)
  ) {
    try {
      Deno.kill(rt.controllerPid, "SIGKILL");
    } catch { /* gone */ }
  }
  const files = containerFiles(ctx.store, name);
  for (const f of [files.exit, files.console, files.stage]) await Deno.remove(f).catch(() => {});
  await ctx.store.removeStatus(name);
}
