/**
 * The two small programs the LXC driver runs (see `helper-program.ts`):
 *
 * - {@link initProgram} starts a container. It creates the PID, UTS and
 *   IPC namespaces, sets the host name, reports to the driver and waits
 *   for it (the driver moves the container into its cgroup and plugs the
 *   network in meanwhile), then forks. The child is PID 1 of the new PID
 *   namespace: it makes the staging directory its root, mounts `/proc` with
 *   a read-only `/proc/sys`, drops capabilities from the bounding set,
 *   enters the user namespace when the container has id maps (the driver
 *   writes them), takes the console as controlling terminal, and executes
 *   the init. The parent stays outside as the init's parent: it waits for
 *   it and writes its wait status to a file, so the exit status (a reboot
 *   is SIGHUP) is known even after the driver has gone.
 * - {@link enterProgram} runs a command inside a running container's
 *   cgroups and namespaces (`lxc-enter-namespace`).
 * @module
 */
import { HelperProgram, NR } from "./helper-program.ts";
import {
  CLONE_NEWIPC,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
  MNT_DETACH,
} from "../../src/sys/ns.ts";
import type { NamespaceKind } from "../../src/sys/ns.ts";
import type { ContainerPlan } from "./container-plan.ts";

/** Record tags the programs send on descriptor 3. */
export const REPORT = {
  /** The namespaces exist; the program waits for a byte. */
  namespaces: 1,
  /** Value: the host pid of the init (or of the entered command). */
  pid: 2,
  /** The user namespace exists; the program waits for a byte once the id maps are written. */
  userns: 3,
  /** Value: the wait status of the entered command. */
  status: 4,
} as const;

const O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000, O_CLOEXEC = 0o2000000;
const MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_RDONLY = 1, MS_REMOUNT = 32;
const MS_BIND = 4096, MS_REC = 16384;
const PR_CAPBSET_DROP = 24;
const TIOCSCTTY = 0x540e;
const F_SETFD = 2, FD_CLOEXEC = 1;
const ALL_FDS = 0xffffffff;

function waitForDriver(p: HelperProgram, what: string): void {
  p.call(what, NR.read, [3, { buf: "go" }, 1], { fail: "positive" });
}

/** What {@link initProgram} needs besides the plan. */
export interface InitProgramOptions {
  /** The host directory holding the container's tree. */
  stage: string;
  /** Where the parent writes the init's wait status (4 bytes). */
  exitFile: string;
  /** The `cgroup.procs` files of the container's groups, joined before the fork. */
  cgroupProcs: string[];
  /** Whether to stop and wait for the driver once the namespaces exist (it plugs the network in). */
  waitForDriver: boolean;
}

/** The descriptor the init's parent keeps: the console's pseudo-terminal master. */
export const CONSOLE_FD = 4;
/** Where the init's parent keeps the exit status file open. */
const EXIT_FD = 5;

/**
 * The program that starts a container; run it with the init's command line
 * and environment, the console slave as descriptors 0 to 2, the driver's
 * socket as descriptor 3 and the console master as descriptor 4. The
 * init's parent keeps the master open for as long as the container runs,
 * so the controller can take a copy of it at any time.
 */
export function initProgram(plan: ContainerPlan, opts: InitProgramOptions): HelperProgram {
  const p = new HelperProgram();
  const hostname = new TextEncoder().encode(plan.name.slice(0, 64));
  for (const file of opts.cgroupProcs) joinCgroup(p, file);
  p.call("create the PID, UTS and IPC namespaces", NR.unshare, [
    CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
  ]);
  p.call("set the host name", NR.sethostname, [{ str: plan.name.slice(0, 64) }, hostname.length]);
  p.call("drop the supplementary groups", NR.setgroups, [0, 0]);
  if (opts.waitForDriver) {
    p.report(REPORT.namespaces, 0);
    waitForDriver(p, "wait for the driver");
  }
  // Opened now: once the child switches roots, the parent's root (shared mount namespace) moves too.
  p.call("open the exit status file", NR.open, [
    { str: opts.exitFile },
    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
    0o600,
  ], { save: "result" });
  p.call("place the exit status file", NR.dup2, [{ reg: "result" }, EXIT_FD]);
  p.fork((parent) => {
    parent.report(REPORT.pid, { reg: "child" });
    parent.call("close the descriptors", NR.closeRange, [0, CONSOLE_FD - 1, 0]);
    parent.call("close other descriptors", NR.closeRange, [EXIT_FD + 1, ALL_FDS, 0]);
    parent.call("wait for the init", NR.wait4, [{ reg: "child" }, { buf: "status" }, 0, 0]);
    parent.call("write the exit status", NR.write, [EXIT_FD, { buf: "status" }, 4]);
  });
  const stage = opts.stage;
  p.call("enter the container's root", NR.chdir, [{ str: stage }]);
  p.call("make it the root", NR.pivotRoot, [{ str: "." }, { str: "." }]);
  p.call("detach the host's root", NR.umount2, [{ str: "." }, MNT_DETACH]);
  p.call("enter the new root", NR.chdir, [{ str: "/" }]);
  const procFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  p.call("mount /proc", NR.mount, [
    { str: "proc" },
    { str: "/proc" },
    { str: "proc" },
    procFlags,
    0,
  ]);
  p.call("bind /proc/sys", NR.mount, [
    { str: "/proc/sys" },
    { str: "/proc/sys" },
    0,
    MS_BIND | MS_REC,
    0,
  ]);
  p.call("make /proc/sys read-only", NR.mount, [
    0,
    { str: "/proc/sys" },
    0,
    MS_BIND | MS_REMOUNT | MS_RDONLY | procFlags,
    0,
  ]);
  for (const cap of plan.dropCaps) {
    p.call(`drop capability ${cap}`, NR.prctl, [PR_CAPBSET_DROP, cap, 0, 0, 0]);
  }
  if (plan.idmap) {
    p.call("create the user namespace", NR.unshare, [CLONE_NEWUSER]);
    p.report(REPORT.userns, 0);
    waitForDriver(p, "wait for the id maps");
  }
  if (plan.idmap || plan.gid !== 0) {
    p.call("set the group", NR.setresgid, [plan.gid, plan.gid, plan.gid]);
  }
  if (plan.idmap || plan.uid !== 0) {
    p.call("set the user", NR.setresuid, [plan.uid, plan.uid, plan.uid]);
  }
  p.call("start a session", NR.setsid, []);
  p.call("take the console", NR.ioctl, [0, TIOCSCTTY, 0]);
  p.call("enter the init directory", NR.chdir, [{ str: plan.initDir }]);
  p.call("close the driver's socket on exec", NR.fcntl, [3, F_SETFD, FD_CLOEXEC]);
  p.call("close other descriptors", NR.closeRange, [CONSOLE_FD, ALL_FDS, 0]);
  p.exec();
  return p;
}

/** Moves the program into a cgroup by writing "0" to its `cgroup.procs`. */
function joinCgroup(p: HelperProgram, file: string): void {
  p.call(`open ${file}`, NR.open, [{ str: file }, O_WRONLY | O_CLOEXEC, 0], { save: "result" });
  p.call(`join ${file}`, NR.write, [{ reg: "result" }, { str: "0" }, 1]);
  p.call(`close ${file}`, NR.close, [{ reg: "result" }]);
}

/**
 * The program that runs a command (its own `argv[1..]`) inside a
 * container: it joins the container's cgroups (writing to each
 * `cgroup.procs` file given), enters the namespaces of `initPid` (the user
 * namespace last, becoming root there), forks so that the command is in the
 * PID namespace, reports the command's pid and, once it ends, its wait
 * status on descriptor 3.
 */
export function enterProgram(
  initPid: number,
  kinds: NamespaceKind[],
  cgroupProcs: string[],
): HelperProgram {
  const p = new HelperProgram();
  for (const file of cgroupProcs) joinCgroup(p, file);
  const order = (["ipc", "uts", "net", "pid", "mnt", "user"] as NamespaceKind[]).filter((k) =>
    kinds.includes(k)
  );
  for (const k of order) {
    p.call(
      `open the ${k} namespace`,
      NR.open,
      [{ str: `/proc/${initPid}/ns/${k}` }, O_CLOEXEC, 0],
      {
        store: `ns_${k}`,
      },
    );
  }
  for (const k of order) p.call(`enter the ${k} namespace`, NR.setns, [{ load: `ns_${k}` }, 0]);
  if (kinds.includes("user")) {
    p.call("set the group", NR.setresgid, [0, 0, 0]);
    p.call("set the user", NR.setresuid, [0, 0, 0]);
  }
  p.call("enter the root directory", NR.chdir, [{ str: "/" }]);
  p.fork((parent) => {
    parent.report(REPORT.pid, { reg: "child" });
    parent.call("wait for the command", NR.wait4, [{ reg: "child" }, { buf: "status" }, 0, 0]);
    parent.report(REPORT.status, { load: "status" });
  });
  p.call("close the driver's socket on exec", NR.fcntl, [3, F_SETFD, FD_CLOEXEC]);
  p.exec();
  return p;
}
