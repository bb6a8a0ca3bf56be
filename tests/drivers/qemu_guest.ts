/**
 * Shared pieces of the tests that run real QEMU outside the driver: whether
 * the host can boot the test guest (fixtures/guest), starting QEMU from a
 * built command line, and ending it so that no process is left.
 * @module
 */
import { hasCommand, skipUnless } from "../skip.ts";
import type { QemuCommand } from "../../drivers/qemu/argv.ts";
import type { QmpClient } from "../../drivers/qemu/qmp.ts";
import { findTestKernel, hasStaticBusybox } from "../../fixtures/guest/build.ts";

/** The kernel the test guest boots, or undefined when the host has none. */
export const TEST_KERNEL = findTestKernel();

/**
 * Whether a test that boots the test guest should be skipped: QEMU, a
 * readable kernel and a static busybox are needed (see {@link skipUnless}).
 */
export function skipUnlessTestGuest(): boolean {
  return skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed") ||
    skipUnless(
      TEST_KERNEL !== undefined,
      "no readable /boot/vmlinuz-* (install linux-image-amd64)",
    ) ||
    skipUnless(hasStaticBusybox(), "no static /bin/busybox (install busybox-static)");
}

/** A QEMU process started by {@link spawnQemu}. */
export interface QemuChild {
  child: Deno.ChildProcess;
  /** Standard output then standard error ("" when they were not collected). */
  output: Promise<string>;
  exited: Promise<Deno.CommandStatus>;
  /** Aborted when the process exits, to end a wait for its monitor. */
  gone: AbortSignal;
}

/**
 * Starts QEMU from a built command line with exactly its environment and no
 * standard input; `collectOutput` keeps what it prints, else it is dropped.
 */
export function spawnQemu(cmd: QemuCommand, collectOutput = true): QemuChild {
  const stdio = collectOutput ? "piped" : "null";
  const child = new Deno.Command(cmd.binary, {
    args: cmd.args,
    env: cmd.env,
    clearEnv: true,
    stdin: "null",
    stdout: stdio,
    stderr: stdio,
  }).spawn();
  const output = collectOutput
    ? Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
      .then(([o, e]) => o + e)
    : Promise.resolve("");
  const gone = new AbortController();
  const exited = child.status.then((s) => {
    gone.abort("QEMU exited");
    return s;
  });
  return { child, output, exited, gone: gone.signal };
}

/**
 * Ends a QEMU process: `quit` through its monitor when one is open, then
 * SIGKILL when it has not exited within 5 seconds.
 *
 * @returns its exit status
 */
export async function quitQemu(
  p: Pick<QemuChild, "child" | "exited">,
  qmp?: QmpClient,
): Promise<Deno.CommandStatus> {
  if (qmp && !qmp.isClosed) {
    await qmp.execute("quit", undefined, { timeoutMs: 5000 }).catch(() => {});
    await qmp.close();
  }
  const status = await Promise.race([
    p.exited,
    new Promise<null>((res) => setTimeout(() => res(null), 5000)),
  ]);
  if (status === null) {
    try {
      p.child.kill("SIGKILL");
    } catch { /* gone */ }
  }
  return await p.exited;
}
