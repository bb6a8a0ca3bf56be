/**
 * The controller: one detached process per running container, as libvirt
 * has `libvirt_lxc`. It starts a session of its own, logs to
 * `STATUS/NAME.log`, takes a copy of the console's pseudo-terminal master
 * from the init's parent (which holds it for the container's lifetime, so a
 * controller can be restarted), and:
 *
 * - serves the console on a Unix socket (`STATUS/NAME.console`) to one
 *   client at a time, reading the terminal all along so the container never
 *   blocks on a full console;
 * - waits for the init to end (through a process descriptor); then reads
 *   the wait status the init's parent recorded, and either restarts the
 *   container (it rebooted itself: the init was killed by SIGHUP, and
 *   `on_reboot` is `restart`) or removes what it used (cgroup, veths,
 *   files, status).
 *
 * Run as `deno run -A controller.ts LOCATION NAME` or through the program's
 * hidden `__lxc-controller LOCATION NAME` mode; LOCATION is the state
 * location as JSON.
 * @module
 */
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { networkDriverFor } from "../../src/net/driver.ts";
import { ObjectStore, type StateLocation, statePaths } from "../../src/state/mod.ts";
import {
  closeFd,
  newSession,
  pidfdOpen,
  pollFdAsync,
  POLLHUP,
  POLLIN,
  readFd,
  takeDescriptor,
  writeFd,
} from "../../src/sys/ns.ts";
import { CONSOLE_FD } from "./init-program.ts";
import { containerFiles, type LxcContext, startContainer, stopContainer } from "./start.ts";
import { parseStatus, processAlive } from "./status.ts";

const SIGHUP = 1;

/** The driver context of a state location. */
export function lxcContext(location: StateLocation): LxcContext {
  const store = new ObjectStore(statePaths("lxc", location), "domains", { domain: "lxc" });
  return { location, store, networks: networkDriverFor(location) };
}

let logFile = "";

function log(msg: string): void {
  const line = `${new Date().toISOString()} ${msg}\n`;
  if (logFile) Deno.writeTextFileSync(logFile, line, { append: true, mode: 0o600 });
}

/** Relays the console between the terminal master and the client of the moment. */
function serveConsole(master: number, path: string): Promise<void> {
  let client: Deno.UnixConn | undefined;
  const listener = Deno.listen({ transport: "unix", path });
  Deno.chmodSync(path, 0o600);
  (async () => {
    for await (const conn of listener) {
      client?.close();
      client = conn;
      (async () => {
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          try {
            writeFd(master, buf.slice(0, n));
          } catch { /* the terminal is gone */ }
        }
        if (client === conn) client = undefined;
      })();
    }
  })();
  return (async () => {
    for (;;) {
      const ev = await pollFdAsync(master, POLLIN | POLLHUP, -1);
      let data: Uint8Array;
      try {
        data = ev & POLLIN ? readFd(master, 8192) : new Uint8Array();
      } catch {
        data = new Uint8Array(); // EIO: the last holder of the slave is gone
      }
      if (!data.length) break;
      const c = client;
      if (c) await c.write(data).catch(() => c === client && (client = undefined));
    }
    listener.close();
    client?.close();
  })();
}

/** Waits until process `pid` ends (or `timeoutMs` passes; -1 waits for ever). */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    return; // already gone
  }
  try {
    await pollFdAsync(fd, POLLIN, timeoutMs);
  } finally {
    closeFd(fd);
  }
}

/** Reads the init's wait status, once its parent has written it. */
async function exitStatus(file: string, monitorPid: number): Promise<number | undefined> {
  await waitForExit(monitorPid, 5000);
  try {
    return new DataView((await Deno.readFile(file)).buffer).getInt32(0, true);
  } catch {
    return undefined;
  }
}

/** The controller's main: supervise container `name` of `location` until it stops. */
export async function runController(location: StateLocation, name: string): Promise<void> {
  newSession();
  const ctx = lxcContext(location);
  const files = containerFiles(ctx.store, name);
  logFile = files.log;
  let text: string | undefined;
  for (let i = 0; i < 200 && !(text = await ctx.store.readStatus(name)); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!text) return log(`no status file for '${name}'`);
  const { runtime } = parseStatus(text, ctx.store.statusPath(name));
  if (processAlive(runtime.initPid, runtime.initStart)) {
    await Deno.remove(files.console).catch(() => {});
    try {
      void serveConsole(takeDescriptor(runtime.id, CONSOLE_FD), files.console);
    } catch (e) {
      log(`no console for '${name}': ${(e as Error).message}`);
    }
    log(`supervising '${name}' (init ${runtime.initPid})`);
    await waitForExit(runtime.initPid, -1);
  }
  const status = await exitStatus(files.exit, runtime.id);
  const signal = status === undefined ? 0 : status & 0x7f;
  log(`the init of '${name}' ended (wait status ${status ?? "unknown"})`);

  await ctx.store.withLock(name, async () => {
    const now = await ctx.store.readStatus(name);
    if (!now) return;
    const { runtime: rt, domainXml } = parseStatus(now, ctx.store.statusPath(name));
    if (rt.initPid !== runtime.initPid) return; // someone else restarted it
    const def = parseDomainXml(domainXml);
    await stopContainer(ctx, name, rt, { keepController: true });
    if (signal === SIGHUP && def.onReboot === "restart") {
      log(`'${name}' rebooted: starting it again`);
      delete def.id;
      await startContainer(ctx, def, { paused: false, persistent: rt.persistent });
    } else if (!rt.persistent && (await ctx.store.read(name)) === undefined) {
      log(`'${name}' stopped; it was transient`);
    }
  });
}

if (import.meta.main) {
  await runController(JSON.parse(Deno.args[0]) as StateLocation, Deno.args[1]);
  Deno.exit(0);
}
