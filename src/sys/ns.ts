/**
 * Namespaces, mounts, device nodes, pseudo-terminals and process handles
 * through the C library: what the LXC driver needs to build a container's
 * file system tree and talk to its first process.
 *
 * Everything acts on the calling thread (Deno runs JavaScript on one
 * thread, so a change of mount namespace here changes where this thread's
 * file system calls go until it is switched back). Failures become
 * `VirtError("system-error")` naming the action, the object and the errno.
 * @module
 */
import { check, closeFd, cString, errno, O_CLOEXEC, O_RDONLY, openFile, sysError } from "./libc.ts";

const SYMBOLS = {
  unshare: { parameters: ["i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  mknod: { parameters: ["buffer", "u32", "u64"], result: "i32" },
  fchdir: { parameters: ["i32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  pollAsync: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  ioctlPtr: { name: "ioctl", parameters: ["i32", "u64", "buffer"], result: "i32" },
  syscall1: { name: "syscall", parameters: ["i64", "i64", "i64"], result: "i64" },
  syscall3: { name: "syscall", parameters: ["i64", "i64", "i64", "i64"], result: "i64" },
  setsid: { parameters: [], result: "i32" },
} as const;

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

function c(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return lib.symbols;
}

/** `clone(2)` namespace flags. */
export const CLONE_NEWNS = 0x00020000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000;
/** More namespace flags. */
export const CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
/** `mount(2)` flags. */
export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32;
/** More mount flags. */
export const MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18;
/** `umount2` flag (used by the init program): detach now, clean up when no longer busy. */
export const MNT_DETACH = 2;
/** File type bits for {@link mknod}. */
export const S_IFCHR = 0o020000;

/** The namespace kinds by their `/proc/PID/ns` file names. */
export const NAMESPACE_FLAGS = {
  mnt: CLONE_NEWNS,
  uts: CLONE_NEWUTS,
  ipc: CLONE_NEWIPC,
  user: CLONE_NEWUSER,
  pid: CLONE_NEWPID,
  net: CLONE_NEWNET,
} as const;

/** A namespace kind (`mnt`, `uts`, `ipc`, `user`, `pid`, `net`). */
export type NamespaceKind = keyof typeof NAMESPACE_FLAGS;

/** Moves the calling thread into new namespaces (`unshare(2)`). */
export function unshare(flags: number): void {
  check(c().unshare(flags), "create namespaces", `0x${flags.toString(16)}`);
}

/** Opens a namespace file (`/proc/PID/ns/KIND` or `/proc/thread-self/ns/KIND`). */
export function openNamespace(path: string): number {
  return openFile(path, O_RDONLY, "open namespace");
}

/** Moves the calling thread into the namespace open at `fd`. */
export function setns(fd: number, kind: NamespaceKind, what: string): void {
  check(c().setns(fd, NAMESPACE_FLAGS[kind]), `enter ${kind} namespace of`, what);
}

/**
 * Runs `fn` with the calling thread inside namespaces of process `pid`
 * (for example its network namespace) and switches back afterwards. `fn`
 * must be synchronous.
 */
export function inProcessNamespaces<T>(pid: number, kinds: NamespaceKind[], fn: () => T): T {
  const homes: [number, NamespaceKind][] = [];
  try {
    for (const k of kinds) {
      homes.push([openNamespace(`/proc/thread-self/ns/${k}`), k]);
      const target = openNamespace(`/proc/${pid}/ns/${k}`);
      try {
        setns(target, k, `process ${pid}`);
      } finally {
        closeFd(target);
      }
    }
    return fn();
  } finally {
    for (const [fd, k] of homes.reverse()) {
      setns(fd, k, "this process");
      closeFd(fd);
    }
  }
}

/** `mount(2)`; `source`, `fstype` and `data` may be null. */
export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: number,
  data: string | null = null,
): void {
  const r = c().mount(
    source === null ? null : cString(source),
    cString(target),
    fstype === null ? null : cString(fstype),
    BigInt(flags),
    data === null ? null : cString(data),
  );
  if (r < 0) {
    const what = fstype && !(flags & MS_BIND) ? `mount ${fstype} on` : "mount";
    throw sysError(what, source && flags & MS_BIND ? `${source} -> ${target}` : target, errno());
  }
}

/** Makes a device node (`mknod(2)`); `mode` holds the type and permission bits. */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) |
    (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(c().mknod(cString(path), mode, dev), "create device node", path);
}

/** Changes the calling thread's working directory to the one open at `fd`. */
export function fchdir(fd: number): void {
  check(c().fchdir(fd), "change directory to descriptor", String(fd));
}

/** `open(2)` with a mode for created files; the descriptor is close-on-exec unless `inherit`. */
export function openPath(path: string, flags: number, mode = 0o600, inherit = false): number {
  return check(
    c().open(cString(path), flags | (inherit ? 0 : O_CLOEXEC), mode),
    "open",
    path,
  );
}

/** Reads what is there (up to `max` bytes) from a descriptor; an empty array means end of file. */
export function readFd(fd: number, max = 4096): Uint8Array {
  const buf = new Uint8Array(max);
  const n = Number(c().read(fd, buf, BigInt(max)));
  if (n < 0) throw sysError("read from descriptor", String(fd), errno());
  return buf.subarray(0, n);
}

/** Writes all of `data` to a descriptor. */
export function writeFd(fd: number, data: Uint8Array<ArrayBuffer>): void {
  let off = 0;
  while (off < data.length) {
    const part = data.subarray(off);
    const n = Number(c().write(fd, part, BigInt(part.length)));
    if (n < 0) throw sysError("write to descriptor", String(fd), errno());
    off += n;
  }
}

/** The `AF_UNIX` socket type with message boundaries. */
export const SOCK_SEQPACKET = 5;

/**
 * A connected pair of Unix sockets (`socketpair(2)`), both ends
 * close-on-exec (a child gets one through its standard descriptors).
 */
export function socketPair(type = SOCK_SEQPACKET): [number, number] {
  const fds = new Int32Array(2);
  check(
    c().socketpair(1, type | O_CLOEXEC, 0, new Uint8Array(fds.buffer)),
    "create",
    "socket pair",
  );
  return [fds[0], fds[1]];
}

/** Poll event bits. */
export const POLLIN = 1, POLLHUP = 16;

function pollBuffer(fd: number, events: number): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(8);
  const v = new DataView(buf.buffer);
  v.setInt32(0, fd, true);
  v.setInt16(4, events, true);
  return buf;
}

/** Waits up to `timeoutMs` (-1: no limit) for `events` on `fd`, on a helper thread so the event loop keeps running; returns the events seen (0 on timeout). */
export async function pollFdAsync(fd: number, events: number, timeoutMs: number): Promise<number> {
  const buf = pollBuffer(fd, events);
  const r = await c().pollAsync(buf, 1n, timeoutMs);
  if (r < 0) throw new Error(`poll on descriptor ${fd} failed`);
  return new DataView(buf.buffer).getInt16(6, true);
}

/** An anonymous in-memory file (`memfd_create(2)`, close-on-exec) holding `data`. */
export function memoryFile(name: string, data: Uint8Array<ArrayBuffer>): number {
  const MFD_CLOEXEC = 1;
  const fd = check(c().memfd_create(cString(name), MFD_CLOEXEC), "create memory file", name);
  try {
    writeFd(fd, data);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}

const TIOCGPTN = 0x80045430n, TIOCSPTLCK = 0x40045431n;

/**
 * Opens a new pseudo-terminal of the devpts instance whose `ptmx` is at
 * `ptmx`; returns the master descriptor and the terminal's number in that
 * instance (its slave is `pts/N` beside `ptmx`).
 */
export function openPty(ptmx: string): { master: number; index: number } {
  const O_NOCTTY = 0o400;
  const master = openFile(ptmx, 2 | O_NOCTTY, "open pseudo-terminal master");
  try {
    const n = new Int32Array(1);
    const unlock = new Int32Array(1);
    check(c().ioctlPtr(master, TIOCSPTLCK, new Uint8Array(unlock.buffer)), "unlock", ptmx);
    check(c().ioctlPtr(master, TIOCGPTN, new Uint8Array(n.buffer)), "number", ptmx);
    return { master, index: n[0] };
  } catch (e) {
    closeFd(master);
    throw e;
  }
}

const SYS_PIDFD_OPEN = 434n;

/** A process descriptor (`pidfd_open(2)`): it becomes readable when the process ends. */
export function pidfdOpen(pid: number): number {
  return check(c().syscall1(SYS_PIDFD_OPEN, BigInt(pid), 0n), "open process", String(pid));
}

const SYS_PIDFD_GETFD = 438n;

/**
 * Copies descriptor `fd` of another process into this one
 * (`pidfd_getfd(2)`, close-on-exec); needs the right to trace it.
 */
export function takeDescriptor(pid: number, fd: number): number {
  const pidfd = pidfdOpen(pid);
  try {
    const r = Number(c().syscall3(SYS_PIDFD_GETFD, BigInt(pidfd), BigInt(fd), 0n));
    if (r < 0) throw sysError("copy descriptor of process", `${pid}:${fd}`, errno());
    return r;
  } finally {
    closeFd(pidfd);
  }
}

/** Starts a new session with this process as its leader (`setsid(2)`): no controlling terminal, no inherited process group. */
export function newSession(): void {
  check(c().setsid(), "start", "a new session");
}

export { closeFd };
