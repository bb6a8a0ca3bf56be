/**
 * Autostart without a daemon: the first connection to a state tree after
 * the host booted starts the domains marked for autostart. The boot is
 * recognised by the kernel's boot id, remembered in `STATUS/driver/boot-id`
 * (libvirt starts them when libvirtd starts, which is once per boot).
 * @module
 */
import { ensureDir } from "../../src/state/mod.ts";
import type { QemuHost } from "./host.ts";
import { startLocked } from "./start.ts";
import { appendLog, logLine } from "./process.ts";

/** Reads the kernel's boot id ("" when the host has none). */
function bootId(): string {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
  } catch {
    return "";
  }
}

/**
 * Starts every autostart domain that is not running, once per host boot.
 * A domain that fails to start is noted in its log and skipped.
 *
 * @returns the names of the domains started
 */
export async function autostartDomains(host: QemuHost): Promise<string[]> {
  const file = `${host.driverDir}/boot-id`;
  const id = bootId();
  const recorded = async () => {
    try {
      return (await Deno.readTextFile(file)).trim();
    } catch {
      return undefined;
    }
  };
  if ((await recorded()) === id) return [];
  // Only one process claims the boot; it starts the domains after letting go
  // of the driver lock (starting a domain takes it again).
  const claimed = await host.withDriverLock(async () => {
    if ((await recorded()) === id) return false;
    await ensureDir(host.driverDir, 0o700);
    await Deno.writeTextFile(file, `${id}\n`, { mode: 0o600 });
    return true;
  });
  if (!claimed) return [];
  const started: string[] = [];
  for (const name of await host.store.autostartNames()) {
    await host.withDomain(name, async () => {
      const rec = await host.refreshLocked(name);
      if (!rec || rec.live || !rec.configText) return;
      try {
        const def = host.parseConfig(rec.configText);
        rec.live = await startLocked(host, rec, def, { paused: false, persistent: true });
        host.observe(rec);
        started.push(name);
      } catch (e) {
        await ensureDir(host.paths.statusDir, 0o700);
        await appendLog(
          `${host.paths.statusDir}/${name}.log`,
          logLine(`autostart failed: ${(e as Error).message}`),
        );
      }
    });
  }
  return started;
}
