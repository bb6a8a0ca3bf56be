/**
 * The QEMU process: started in a session of its own (`setsid`) so it
 * outlives the short-lived virtkit process that started it, recognised
 * again later by its pid and command line, and ended with SIGTERM then
 * SIGKILL. Its output goes to the domain's log file, whose tail is reported
 * when QEMU dies at start.
 *
 * @example
 * ```ts
 * const pid = await launchQemu(cmd, { log: "/run/vk/qemu/vm.log", monitor: dir + "/monitor.sock" });
 * await killProcess(pid, cmd.binary);
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { QemuCommand } from "./argv.ts";

/** Options of {@link launchQemu}. */
export interface LaunchOptions {
  /** The domain's log file; the command line and everything QEMU prints are appended. */
  log: string;
  /** The QMP socket QEMU creates once its monitor is set up. */
  monitor: string;
  /** How long QEMU may take to create its monitor, in milliseconds (default 30000). */
  timeoutMs?: number;
}

/** How many lines of the log a start failure quotes. */
const LOG_TAIL_LINES = 10;

/** `setsid` (util-linux) puts QEMU in a session of its own. */
const SETSID = "/usr/bin/setsid";

/**
 * Starts QEMU detached from this process: in a new session (`setsid`), with
 * its standard input from `/dev/null` and its output appended to the log for
 * its whole life, so it outlives the virtkit process that started it and is
 * untouched by the terminal's signals. (QEMU's own `-daemonize` would do the
 * same but waits for the whole machine set-up and then drops QEMU's later
 * messages.)
 *
 * @returns the pid of QEMU (the spawned process execs it) at once, and
 * `ready`, which resolves once the monitor socket exists and rejects with
 * the tail of the log when QEMU exits first (`operation-failed`)
 */
export async function launchQemu(
  cmd: QemuCommand,
  opts: LaunchOptions,
): Promise<{ pid: number; ready: Promise<void> }> {
  await appendLog(opts.log, logHeader(cmd));
  const child = new Deno.Command(SETSID, {
    args: [
      "/bin/sh",
      "-c",
      'log=$1; shift; exec "$@" </dev/null >>"$log" 2>&1',
      "sh",
      opts.log,
      cmd.binary,
      ...cmd.args,
    ],
    env: cmd.env,
    clearEnv: true,
    cwd: "/",
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // This process may exit while QEMU runs on; while it lives, it reaps QEMU.
  child.unref();
  let exited: Deno.CommandStatus | undefined;
  child.status.then((st) => (exited = st));
  const ready = (async () => {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let pause = 1;
    while (!(await exists(opts.monitor))) {
      if (exited) throw await startFailure(exited, opts.log);
      if (Date.now() > deadline) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        throw new VirtError(
          "operation-failed",
          "qemu",
          `QEMU did not create its monitor within ${
            opts.timeoutMs ?? 30_000
          } ms; the end of its log '${opts.log}':\n${await logTail(opts.log)}`,
        );
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 20);
    }
  })();
  return { pid: child.pid, ready };
}

/** The error for a QEMU that exited while starting, with the end of its log. */
export async function startFailure(
  status: Deno.CommandStatus | undefined,
  log: string,
): Promise<VirtError> {
  const why = !status
    ? "exited"
    : status.signal
    ? `was killed by ${status.signal}`
    : `exited with status ${status.code}`;
  return new VirtError(
    "operation-failed",
    "qemu",
    `QEMU ${why} while starting; the end of its log '${log}':\n${await logTail(log)}`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The pid in a QEMU pid file, or undefined when it is missing or empty. */
export async function readPidfile(path: string): Promise<number | undefined> {
  try {
    const n = parseInt((await Deno.readTextFile(path)).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live (not zombie) process running `binary`, so a pid
 * reused by another program after the guest stopped is not mistaken for it.
 */
export function processRuns(pid: number, binary: string): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    const argv0 = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0")[0];
    return argv0 === binary;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the process to go away; returns whether it did. */
export async function waitForExit(pid: number, binary: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let pause = 2;
  while (processRuns(pid, binary)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 50);
  }
  return true;
}

/**
 * Ends the process: SIGTERM, then after `graceMs` SIGKILL (unless
 * `graceful`, in which case a process that survives SIGTERM is an error).
 *
 * @throws VirtError `operation-failed` when the process does not go away
 */
export async function killProcess(
  pid: number,
  binary: string,
  opts: { graceful?: boolean; graceMs?: number } = {},
): Promise<void> {
  if (!processRuns(pid, binary)) return;
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, binary, opts.graceMs ?? 10_000)) return;
  if (opts.graceful) {
    throw new VirtError(
      "operation-failed",
      "qemu",
      `QEMU (pid ${pid}) did not stop after SIGTERM`,
    );
  }
  signal(pid, "SIGKILL");
  if (!(await waitForExit(pid, binary, 5_000))) {
    throw new VirtError("operation-failed", "qemu", `QEMU (pid ${pid}) survived SIGKILL`);
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** The CPU time (user, system) of a process in nanoseconds, from `/proc/PID/stat`. */
export function processCpuTime(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command: state is index 0, utime 11, stime 12 (in clock ticks of 1/100 s).
    const tick = 10_000_000;
    return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
  } catch {
    return undefined;
  }
}

/** Appends text or bytes to a log file (mode 0600), creating it. */
export async function appendLog(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  await Deno.writeFile(path, bytes, { append: true, create: true, mode: 0o600 });
}

/** A log line with libvirt's timestamp format (`2024-05-01 10:00:00.000+0000: ...`). */
export function logLine(text: string): string {
  return `${new Date().toISOString().replace("T", " ").replace("Z", "+0000")}: ${text}\n`;
}

/** The last lines of a log file. */
export async function logTail(path: string, lines = LOG_TAIL_LINES): Promise<string> {
  try {
    const text = (await Deno.readTextFile(path)).trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** What libvirt writes before starting QEMU: a timestamp, the environment and the command line. */
function logHeader(cmd: QemuCommand): string {
  const quote = (
    s: string,
  ) => (/^[A-Za-z0-9_./=:,@+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const lines = Object.entries(cmd.env).map(([k, v]) => `${k}=${quote(v)}`);
  lines.push(quote(cmd.binary));
  const args = cmd.args;
  for (let i = 0; i < args.length; i++) {
    // An option and its value on one line, as libvirt writes them.
    const value = args[i + 1];
    if (args[i].startsWith("-") && value !== undefined && !value.startsWith("-")) {
      lines.push(`${quote(args[i])} ${quote(value)}`);
      i++;
    } else lines.push(quote(args[i]));
  }
  return logLine(`starting up virtkit, kernel ${Deno.osRelease()}`) + lines.join(" \\\n") + "\n";
}
