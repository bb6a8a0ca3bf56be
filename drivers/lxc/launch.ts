/**
 * Starting a container's first process from this (multi-threaded) Deno
 * process.
 *
 * The JavaScript thread moves into a new mount namespace (and a new
 * network namespace when the container has one), builds the container's
 * tree there, starts the init program from an in-memory file so that it
 * inherits those namespaces, and moves back. The init program does the
 * rest (see `init-program.ts`) and talks to the driver over a socket pair:
 * the driver joins it to the cgroups and plugs the network in while it
 * waits, writes the id maps of its user namespace, and learns the init's
 * pid. The socket reaching end-of-file means the init was executed.
 * @module
 */
import { spawn } from "node:child_process";
import { VirtError } from "../../src/errors.ts";
import { errnoName } from "../../src/sys/errno.ts";
import { closeFd, strerror } from "../../src/sys/libc.ts";
import {
  CLONE_NEWNET,
  CLONE_NEWNS,
  fchdir,
  memoryFile,
  openNamespace,
  openPath,
  pollFdAsync,
  POLLIN,
  readFd,
  setns,
  socketPair,
  unshare,
  writeFd,
} from "../../src/sys/ns.ts";
import { setLinkUp } from "../../src/sys/mod.ts";
import { type ContainerPlan, idMapText } from "./container-plan.ts";
import { buildContainerTree } from "./container-setup.ts";
import type { HelperProgram } from "./helper-program.ts";
import { initProgram, REPORT } from "./init-program.ts";

/** How long the init program may take to get going. */
const LAUNCH_TIMEOUT_MS = 15_000;

/** What {@link launchContainer} needs besides the plan. */
export interface LaunchOptions {
  /** An empty directory that becomes the container's root. */
  stage: string;
  /** Where the init's wait status is written when it ends. */
  exitFile: string;
  /** Cgroup directories shown in the container: name under `/sys/fs/cgroup`, host path. */
  cgroupDirs: [string, string][];
  /**
   * Called once the namespaces exist, with the pid of the process in them
   * (the init is forked from it after this returns), to move network
   * devices in; without it the init starts without waiting.
   */
  onNamespaces?(pid: number): Promise<void>;
}

/** A started container. */
export interface Launched {
  /** The init's pid on the host. */
  initPid: number;
  /** The init's parent, which records its exit status. */
  monitorPid: number;
}

/**
 * Reads the program's records from the socket until end-of-file, answering
 * them; fails when the program reports a failed step or says nothing for
 * `timeoutMs` (-1: no limit).
 */
export async function talkToProgram(
  sock: number,
  program: HelperProgram,
  on: (tag: number, value: bigint) => Promise<void>,
  timeoutMs = LAUNCH_TIMEOUT_MS,
): Promise<void> {
  const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const left = deadline === Infinity ? -1 : Math.max(0, deadline - Date.now());
    if (left === 0 || !(await pollFdAsync(sock, POLLIN, left))) {
      throw new VirtError(
        "operation-timeout",
        "lxc",
        "the container's first process did not answer in time",
      );
    }
    const rec = readFd(sock, 16);
    if (rec.length === 0) return;
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const tag = v.getBigUint64(0, true), value = v.getBigUint64(8, true);
    const failed = program.describe(tag, value);
    if (failed) {
      const why = failed.errno
        ? `${errnoName(failed.errno)} (${strerror(failed.errno)})`
        : "the driver went away";
      throw new VirtError("system-error", "lxc", `cannot ${failed.step}: ${why}`);
    }
    await on(Number(tag), value);
  }
}

/** Writes the id maps of a process's user namespace. */
function writeIdMaps(pid: number, plan: ContainerPlan): void {
  Deno.writeTextFileSync(`/proc/${pid}/uid_map`, idMapText(plan.idmap!.uid));
  Deno.writeTextFileSync(`/proc/${pid}/gid_map`, idMapText(plan.idmap!.gid));
}

/**
 * Starts the container: builds its tree and runs its init. On failure the
 * processes started so far are killed; cgroups and network devices are the
 * caller's to undo.
 */
export async function launchContainer(plan: ContainerPlan, opts: LaunchOptions): Promise<Launched> {
  const program = initProgram(plan, {
    stage: opts.stage,
    exitFile: opts.exitFile,
    cgroupProcs: opts.cgroupDirs.map(([, dir]) => `${dir}/cgroup.procs`),
    waitForDriver: opts.onNamespaces !== undefined,
  });
  const image = memoryFile("virtkit-lxc-init", program.build());
  const [sock, theirs] = socketPair();
  let monitorPid = 0;
  let initPid = 0;
  try {
    const tree = enterNewNamespaces(plan.privateNetwork, () => {
      const pty = buildContainerTree(plan, { stage: opts.stage, cgroupDirs: opts.cgroupDirs });
      try {
        const child = spawn(`/proc/${Deno.pid}/fd/${image}`, plan.argv, {
          argv0: "virtkit-lxc-init",
          stdio: [pty.slave, pty.slave, pty.slave, theirs, pty.master],
          env: Object.fromEntries(
            plan.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
          ),
        });
        child.on("error", () => {}); // reported through the socket instead
        child.unref();
        return child.pid;
      } finally {
        closeFd(pty.slave);
        closeFd(pty.master);
      }
    });
    closeFd(theirs);
    closeFd(image);
    if (!tree) {
      throw new VirtError("internal-error", "lxc", "the container's first process did not start");
    }
    monitorPid = tree;
    const go = new Uint8Array([1]);
    await talkToProgram(sock, program, async (tag, value) => {
      if (tag === REPORT.namespaces) {
        await opts.onNamespaces!(monitorPid);
        writeFd(sock, go);
      } else if (tag === REPORT.pid) {
        initPid = Number(value);
      } else if (tag === REPORT.userns) {
        writeIdMaps(initPid, plan);
        writeFd(sock, go);
      }
    });
    if (!initPid) {
      throw new VirtError("internal-error", "lxc", "the container's init pid was not reported");
    }
    return { initPid, monitorPid };
  } catch (e) {
    for (const pid of [initPid, monitorPid]) {
      if (pid) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* already gone */ }
      }
    }
    throw e;
  } finally {
    closeFd(sock);
  }
}

/**
 * Runs `fn` with the JavaScript thread in a new mount namespace (and a new
 * network namespace when `network`), then puts the thread back where it was,
 * working directory included. What `fn` mounts stays in the new namespace,
 * kept alive by the processes it starts there.
 */
function enterNewNamespaces<T>(network: boolean, fn: () => T): T {
  const O_DIRECTORY = 0o200000;
  const cwd = openPath(".", O_DIRECTORY);
  const homeMnt = openNamespace("/proc/thread-self/ns/mnt");
  const homeNet = openNamespace("/proc/thread-self/ns/net");
  try {
    unshare(CLONE_NEWNS | (network ? CLONE_NEWNET : 0));
    try {
      if (network) setLinkUp("lo");
      return fn();
    } finally {
      setns(homeMnt, "mnt", "this process");
      setns(homeNet, "net", "this process");
      fchdir(cwd);
    }
  } finally {
    closeFd(cwd);
    closeFd(homeMnt);
    closeFd(homeNet);
  }
}
