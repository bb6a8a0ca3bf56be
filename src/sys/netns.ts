/**
 * Named network namespaces (`ip netns` keeps them as bind mounts under
 * `/run/netns`): opening one, and running code with the JavaScript thread
 * inside one so that the sockets it creates belong there.
 * @module
 */
import { check, closeFd, libc, O_RDONLY, openFile } from "./libc.ts";
import { checkNetnsName } from "./names.ts";

const CLONE_NEWNET = 0x40000000;

/** Where `ip netns` keeps the namespace called `name`. */
export function netnsPath(name: string): string {
  checkNetnsName(name);
  return `/run/netns/${name}`;
}

/** Opens the named namespace; the caller closes the descriptor. */
export function openNetns(name: string): number {
  return openFile(netnsPath(name), O_RDONLY, "open network namespace");
}

/**
 * Runs `fn` with the calling thread in the named network namespace and
 * switches back afterwards, even when `fn` throws. Sockets created inside
 * stay in that namespace after the switch back. Without a name, `fn` runs
 * where it is. `fn` must be synchronous: no other code may run on the thread
 * while it is away.
 *
 * @example
 * ```ts
 * const fd = inNetns("vm1", () => openSocket());
 * ```
 */
export function inNetns<T>(name: string | undefined, fn: () => T): T {
  if (name === undefined) return fn();
  const target = openNetns(name);
  let home = -1;
  try {
    home = openFile("/proc/thread-self/ns/net", O_RDONLY, "open network namespace");
    check(libc().setns(target, CLONE_NEWNET), "enter network namespace", name);
    try {
      return fn();
    } finally {
      check(libc().setns(home, CLONE_NEWNET), "leave network namespace", name);
    }
  } finally {
    closeFd(target);
    if (home >= 0) closeFd(home);
  }
}
