/**
 * Starting a domain: everything is checked before any process starts
 * (emulator, machine type, accelerator, files, what the command-line builder
 * can express), host resources are prepared, QEMU is started paused and
 * daemonised, the driver negotiates QMP, reads the pty paths, applies the
 * settings QEMU takes only at run time, writes the status file, and lets the
 * vCPUs run (`cont`) unless the guest is to start paused.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import { VIR_DOMAIN_PAUSED, VIR_DOMAIN_RUNNING } from "../../src/connect.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { ensureDir } from "../../src/state/mod.ts";
import { buildQemuArgv, type QemuCommand } from "./argv.ts";
import { kv } from "./argv-context.ts";
import { assignQemuAliases } from "./aliases.ts";
import {
  canonicalMachine,
  probeQemuCaps,
  type QemuCaps,
  resolveEmulator,
  validateDomainForEmulator,
} from "./caps.ts";
import type { QmpClient } from "./qmp.ts";
import type { DomainRecord, LiveDomain, QemuHost } from "./host.ts";
import {
  appendLog,
  killProcess,
  launchQemu,
  logLine,
  processRuns,
  startFailure,
} from "./process.ts";
import { importLazily } from "../../src/connect.ts";
import {
  allocateGraphicsPorts,
  graphicsPorts,
  placeInCgroup,
  prepareInterfaces,
  prepareNvram,
  releaseHostResources,
} from "./resources.ts";
import { type DomainRuntime, STATUS_VERSION } from "./status.ts";
import { PAUSED, RUNNING } from "./states.ts";

type NetModule = typeof import("../../src/net/driver.ts");

/** The longest path a unix socket may have (`sun_path` is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** Options of {@link startLocked}. */
export interface StartOptions {
  /** Leave the vCPUs stopped. */
  paused: boolean;
  /** Whether the domain has a persistent definition. */
  persistent: boolean;
}

/** The emulator of a definition and its capabilities (probed, or from the cache). */
export async function emulatorCaps(host: QemuHost, def: DomainDef): Promise<QemuCaps> {
  const binary = resolveEmulator(def);
  try {
    return await probeQemuCaps(binary, { cacheDir: `${host.paths.cacheDir}/capabilities` });
  } catch (e) {
    if (e instanceof VirtError) {
      throw new VirtError(e.code, "qemu", `<emulator>${binary}</emulator>: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Fills in what the QEMU driver decides for a definition: the emulator path
 * and the full machine type name. Rejects an emulator that does not exist
 * or a machine type it does not know, naming the element.
 */
export async function completeDefinition(host: QemuHost, def: DomainDef): Promise<QemuCaps> {
  const caps = await emulatorCaps(host, def);
  def.devices.emulator ??= caps.binary;
  const machine = def.os.machine ?? caps.defaultMachine;
  const full = canonicalMachine(caps, machine);
  if (!full) {
    const known = caps.machines.flatMap((m) => (m.alias ? [m.alias] : [])).join(", ");
    throw new VirtError(
      "config-unsupported",
      "qemu",
      `<os><type machine='${
        machine ?? ""
      }'>: unknown machine type for '${caps.binary}' (aliases: ${known})`,
    );
  }
  def.os.machine = full;
  def.os.arch ??= caps.arch;
  return caps;
}

/** Lifecycle actions the driver cannot carry out, refused before starting. */
function checkLifecycleActions(def: DomainDef): void {
  for (
    const [el, action] of [["on_poweroff", def.onPoweroff], ["on_reboot", def.onReboot]] as const
  ) {
    if (action === "rename-restart") {
      throw new VirtError(
        "config-unsupported",
        "qemu",
        `<${el}>rename-restart</${el}>: not supported by the QEMU driver`,
      );
    }
  }
  if (def.onReboot === "preserve") {
    throw new VirtError(
      "config-unsupported",
      "qemu",
      "<on_reboot>preserve</on_reboot>: not supported by the QEMU driver",
    );
  }
}

/** libvirt's short domain name for folders: `ID-NAME` with the name cut to 20 characters. */
function shortName(id: number, name: string): string {
  return `${id}-${[...name].slice(0, 20).join("").replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

/** The next runtime id: one more than any id this state tree handed out or runs. */
async function allocateId(host: QemuHost, running: DomainRuntime[]): Promise<number> {
  const file = `${host.driverDir}/last-id`;
  let last = 0;
  try {
    last = parseInt(await Deno.readTextFile(file), 10) || 0;
  } catch { /* first start */ }
  for (const rt of running) last = Math.max(last, rt.id);
  const id = last + 1;
  await Deno.writeTextFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** Runtime records of the other running domains (for ids and ports). */
async function otherRuntimes(
  host: QemuHost,
  except: string,
): Promise<{ rt: DomainRuntime; def?: DomainDef }[]> {
  const out: { rt: DomainRuntime; def?: DomainDef }[] = [];
  for (const name of await host.store.listStatus()) {
    if (name === except) continue;
    const rec = await host.read(name).catch(() => undefined);
    if (rec?.live) out.push({ rt: rec.live.runtime, def: rec.live.def });
  }
  return out;
}

/**
 * Starts a domain from `def` (a private copy the function may change; it
 * becomes the live definition). Must be called holding the domain's lock,
 * with the domain known not to run.
 *
 * @throws VirtError naming the element at fault when the domain cannot run
 * here; with the tail of QEMU's log when QEMU fails to start
 */
export async function startLocked(
  host: QemuHost,
  rec: DomainRecord,
  def: DomainDef,
  opts: StartOptions,
): Promise<LiveDomain> {
  const caps = await completeDefinition(host, def);
  validateDomainForEmulator(def, caps);
  checkLifecycleActions(def);
  await ensureDir(host.driverDir, 0o700);
  const statusDir = host.paths.statusDir;

  // The id, the ports and the process start under the driver lock, so two
  // guests starting at once never pick the same id or VNC port.
  return await host.withDriverLock(async () => {
    const others = await otherRuntimes(host, rec.name);
    const id = await allocateId(host, others.map((o) => o.rt));
    const taken = new Set(others.flatMap((o) => (o.def ? graphicsPorts(o.def) : [])));
    const ports = allocateGraphicsPorts(def, taken);
    def.id = id;
    def.devices.graphics.forEach((g, i) => {
      if (g.type === "vnc" && ports[i]?.port) g.port = ports[i].port!;
      if (g.type === "vnc" && ports[i]?.websocket) g.websocket = ports[i].websocket;
    });
    assignQemuAliases(def);
    const dir = `${statusDir}/domain-${shortName(id, def.name)}`;
    const monitor = `${dir}/monitor.sock`;
    const events = `${dir}/events.sock`;
    if (new TextEncoder().encode(events).length > MAX_SOCKET_PATH) {
      throw new VirtError(
        "config-unsupported",
        "qemu",
        `the monitor socket path '${events}' is longer than ${MAX_SOCKET_PATH} bytes: use a shorter state root`,
      );
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await ensureDir(dir, 0o700);
    const pidfile = `${dir}/qemu.pid`;
    const log = `${statusDir}/${rec.name}.log`;
    let cmd: QemuCommand;
    let net: Awaited<ReturnType<typeof prepareInterfaces>> | undefined;
    try {
      await prepareNvram(def);
      net = await prepareInterfaces(def, {
        networks: async () =>
          (await importLazily<NetModule>("../../src/net/driver.ts", import.meta.url))
            .networkDriverFor(host.location),
      });
      cmd = buildQemuArgv(def, {
        caps,
        paths: { monitor, channelDir: `${dir}/channel`, pidfile, home: dir },
        graphics: ports,
        interfaces: net.hosts,
      });
      cmd.args.push(
        "-chardev",
        `socket,id=charevents,path=${kv(events)},server=on,wait=off`,
        "-mon",
        "chardev=charevents,id=events,mode=control",
      );
      if (def.devices.channels.length) await ensureDir(`${dir}/channel`, 0o700);
    } catch (e) {
      if (net) await releaseHostResources({ nics: net.nics } as DomainRuntime).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    }
    await ensureDir(statusDir, 0o700);
    const { pid, ready } = await launchQemu(cmd, { log, monitor });
    // The cgroup is set up while QEMU sets its machine up (it runs no guest code before `cont`).
    const [placed, started] = await Promise.allSettled([
      placeInCgroup(def, id, pid, host.location),
      ready,
    ]);
    if (placed.status === "rejected" || started.status === "rejected") {
      await killProcess(pid, cmd.binary).catch(() => {});
      await releaseHostResources({
        nics: net.nics,
        cgroup: placed.status === "fulfilled" ? placed.value : undefined,
      } as DomainRuntime).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw started.status === "rejected"
        ? started.reason
        : (placed as PromiseRejectedResult).reason;
    }
    const runtime: DomainRuntime = {
      version: STATUS_VERSION,
      id,
      pid,
      binary: cmd.binary,
      state: VIR_DOMAIN_PAUSED,
      reason: PAUSED.startingUp,
      monitor,
      dir,
      log,
      startedAt: Date.now(),
      persistent: opts.persistent,
      nics: net.nics,
      cgroup: placed.value,
    };
    const live: LiveDomain = { runtime, def };
    try {
      await host.withMonitor(live, async (qmp) => {
        await readPtys(qmp, def);
        await applyRuntimeSettings(qmp, def);
        if (!opts.paused) await qmp.execute("cont");
      });
      if (opts.paused) {
        runtime.state = VIR_DOMAIN_PAUSED;
        runtime.reason = PAUSED.user;
      } else {
        runtime.state = VIR_DOMAIN_RUNNING;
        runtime.reason = RUNNING.booted;
      }
      await host.writeLive(rec.name, live);
    } catch (e) {
      const died = !processRuns(pid, cmd.binary);
      await killProcess(pid, cmd.binary).catch(() => {});
      await releaseHostResources(runtime).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await host.store.removeStatus(rec.name).catch(() => {});
      await appendLog(log, logLine(`start failed: ${(e as Error).message}`)).catch(() => {});
      // QEMU dying while it set the machine up makes the monitor fail: say why.
      if (died) throw await startFailure(undefined, log);
      throw e;
    }
    return live;
  });
}

/** Records the terminal QEMU allocated for each pty character device in the live definition. */
async function readPtys(qmp: QmpClient, def: DomainDef): Promise<void> {
  const devs = [
    ...def.devices.serials,
    ...def.devices.parallels,
    ...def.devices.consoles,
    ...def.devices.channels,
  ].filter((c) => c.source.type === "pty");
  if (!devs.length) return;
  const list = await qmp.execute<{ label: string; filename: string }[]>("query-chardev");
  const byLabel = new Map(list.map((c) => [c.label, c.filename]));
  for (const c of devs) {
    const file = byLabel.get(`char${c.info.alias}`);
    if (file?.startsWith("pty:") && c.source.type === "pty") c.source.path = file.slice(4);
  }
  for (const c of def.devices.consoles) {
    if (c.kind === "console" && c.mirrors?.source.type === "pty" && c.source.type === "pty") {
      c.source.path = c.mirrors.source.path;
    }
  }
}

/**
 * Settings QEMU takes over QMP rather than on its command line: the balloon
 * statistics period, interfaces whose link starts down, and VNC passwords.
 */
async function applyRuntimeSettings(qmp: QmpClient, def: DomainDef): Promise<void> {
  const balloon = def.devices.memballoon;
  if (balloon && balloon.model !== "none" && balloon.period) {
    await qmp.execute("qom-set", {
      path: `/machine/peripheral/${balloon.info.alias}`,
      property: "guest-stats-polling-interval",
      value: balloon.period,
    });
  }
  for (const n of def.devices.interfaces) {
    if (n.linkState === "down") await qmp.execute("set_link", { name: n.info.alias, up: false });
  }
  for (const g of def.devices.graphics) {
    if (g.type === "vnc" && g.auth.passwd !== undefined) {
      await qmp.execute("set_password", { protocol: "vnc", password: g.auth.passwd });
    }
  }
}
