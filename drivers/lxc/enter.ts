/**
 * Running a command inside a running container (`virsh lxc-enter-namespace`):
 * the enter program (`init-program.ts`) joins the container's cgroups and
 * namespaces and forks the command there, with this process's terminal as
 * its standard input and output.
 * @module
 */
import { spawn } from "node:child_process";
import type { NamespaceKind } from "../../src/sys/ns.ts";
import { closeFd } from "../../src/sys/libc.ts";
import { memoryFile, socketPair } from "../../src/sys/ns.ts";
import { enterProgram, REPORT } from "./init-program.ts";
import { talkToProgram } from "./launch.ts";

/** The namespaces of `pid` that differ from this process's (entering one's own user namespace fails). */
function namespacesOf(pid: number): NamespaceKind[] {
  const all: NamespaceKind[] = ["ipc", "uts", "net", "pid", "mnt", "user"];
  return all.filter((k) => {
    try {
      return Deno.statSync(`/proc/${pid}/ns/${k}`).ino !== Deno.statSync(`/proc/self/ns/${k}`).ino;
    } catch {
      return false;
    }
  });
}

/**
 * Runs `argv` (an absolute program path and its arguments) inside the
 * container whose init is `initPid`, waits for it and returns its wait
 * status.
 *
 * @param cgroupProcs the `cgroup.procs` files of the container's groups
 * @param env the command's environment
 */
export async function enterContainer(
  initPid: number,
  cgroupProcs: string[],
  argv: string[],
  env: Record<string, string>,
): Promise<number> {
  const program = enterProgram(initPid, namespacesOf(initPid), cgroupProcs);
  const image = memoryFile("virtkit-lxc-enter", program.build());
  const [sock, theirs] = socketPair();
  try {
    try {
      const child = spawn(`/proc/${Deno.pid}/fd/${image}`, argv, {
        argv0: "virtkit-lxc-enter",
        stdio: ["inherit", "inherit", "inherit", theirs],
        env,
      });
      child.on("error", () => {});
    } finally {
      closeFd(theirs);
      closeFd(image);
    }
    let status = -1;
    await talkToProgram(sock, program, (tag, value) => {
      if (tag === REPORT.status) status = Number(value);
      return Promise.resolve();
    }, -1);
    return status;
  } finally {
    closeFd(sock);
  }
}
