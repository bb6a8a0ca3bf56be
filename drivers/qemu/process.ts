/**
 * The QEMU process: started daemonised (`-daemonize` with `-pidfile`) so it
 * outlives the short-lived virtkit process that started it, recognised
 * again later by its pid and command line, and ended with SIGTERM then
 * SIGKILL. Startup output goes to the domain's log file, whose tail is
 * reported when QEMU dies at start.
 *
 * @example
 * ```ts
 * const pid = await launchQemu(cmd, { log: "/run/vk/qemu/vm.log", pidfile: dir + "/qemu.pid" });
 * await killProcess(pid, cmd.binary);
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { QemuCommand } from "./argv.ts";

/** Options of {@link launchQemu}. */
export interface LaunchOptions {
  /** The domain's log file; the command line and QEMU's startup output are appended. */
  log: string;
  /** Where QEMU writes its pid (must also be in the command line as `-pidfile`). */
  pidfile: string;
  /** How long QEMU may take to get ready, in milliseconds (default 30000). */
  timeoutMs?: number;
}

/** How many lines of the log a start failure quotes. */
const LOG_TAIL_LINES = 10;

/**
 * Starts QEMU with `-daemonize`: the process we spawn returns once the
 * emulator has set up its devices and monitor, leaving the daemon running in
 * a session of its own. Its stdout and stderr until then are appended to the
 * log.
 *
 * @returns the pid of the daemon
 * @throws VirtError `operation-failed` with the tail of the log when QEMU fails to start
 */
export async function launchQemu(cmd: QemuCommand, opts: LaunchOptions): Promise<number> {
  await appendLog(opts.log, logHeader(cmd));
  const child = new Deno.Command(cmd.binary, {
    args: [...cmd.args, "-daemonize"],
    env: cmd.env,
    clearEnv: true,
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 30_000);
  let status: Deno.CommandStatus;
  try {
    const [out, err, st] = await Promise.all([
      new Response(child.stdout).arrayBuffer(),
      new Response(child.stderr).arrayBuffer(),
      child.status,
    ]);
    status = st;
    const output = new Uint8Array(out.byteLength + err.byteLength);
    output.set(new Uint8Array(out), 0);
    output.set(new Uint8Array(err), out.byteLength);
    if (output.length) await appendLog(opts.log, output);
  } finally {
    clearTimeout(timer);
  }
  if (!status.success) {
    const why = status.signal ? `was killed by ${status.signal}` : `exited with status ${status.code}`;
    throw new VirtError(
      "operation-failed",
      "qemu",
      `QEMU ${why} while starting; the end of its log '${opts.log}':\n${await logTail(opts.log)}`,
    );
  }
  const pid = await readPidfile(opts.pidfile);
  if (pid === undefined) {
    throw new VirtError(
      "operation-failed",
      "qemu",
      `QEMU started but wrote no pid to '${opts.pidfile}'; the end of its log:\n${await logTail(opts.log)}`,
    );
  }
  return pid;
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
  const quote = (s: string) => (/^[A-Za-z0-9_./=:,@+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const lines = Object.entries(cmd.env).map(([k, v]) => `${k}=${quote(v)}`);
  lines.push(quote(cmd.binary));
  const args = [...cmd.args, "-daemonize"];
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
