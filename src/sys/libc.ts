/**
 * The C library calls the host networking code needs, bound through Deno FFI,
 * and the conversion of a failed call into a `VirtError`.
 *
 * The library is opened on first use, so importing this module needs no FFI
 * permission. Every binding is synchronous: the calls return at once (netlink
 * answers immediately) and running them on the JavaScript thread keeps
 * `errno` and the thread's network namespace (see `netns.ts`) under control.
 * @module
 */
import { VirtError } from "../errors.ts";
import { errnoName } from "./errno.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  /** `ioctl` whose argument is a pointer to a structure. */
  ioctlPtr: { name: "ioctl", parameters: ["i32", "u64", "buffer"], result: "i32" },
  /** `ioctl` whose argument is an integer passed by value. */
  ioctlInt: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

/** The bound C functions. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** The C library's functions, opening `libc.so.6` on the first call. */
export function libc(): Libc {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return lib.symbols;
}

/** `open(2)` flags and socket constants used across `src/sys`. */
export const O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0o2000000;
/** Socket families, types and levels. */
export const AF_INET = 2, AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0o2000000;

/** The calling thread's current `errno`; read it right after the failing call. */
export function errno(): number {
  return new Deno.UnsafePointerView(libc().__errno_location()!).getInt32();
}

/** The C library's description of an errno value (`strerror(3)`). */
export function strerror(code: number): string {
  const p = libc().strerror(code);
  return p ? Deno.UnsafePointerView.getCString(p) : `errno ${code}`;
}

/**
 * The error for a failed operation on a named object, naming the errno
 * symbolically: `cannot create bridge 'br0': EEXIST (File exists)`.
 *
 * @param action what was attempted, as a verb phrase (`create bridge`)
 * @param object the interface, namespace or address involved
 * @param code the positive errno value
 * @param detail extra words from the kernel (a netlink extended ack), if any
 */
export function sysError(action: string, object: string, code: number, detail?: string): VirtError {
  const extra = detail ? `: ${detail}` : "";
  return new VirtError(
    "system-error",
    "system",
    `cannot ${action} '${object}': ${errnoName(code)} (${strerror(code)})${extra}`,
  );
}

/**
 * Returns a C call's result, throwing `sysError` with the current errno when
 * the result is negative.
 */
export function check(result: number | bigint, action: string, object: string): number {
  const n = Number(result);
  if (n < 0) throw sysError(action, object, errno());
  return n;
}

/** A NUL-terminated copy of a string, for a `const char *` parameter. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Opens a file with `open(2)` and the close-on-exec flag. */
export function openFile(path: string, flags: number, action: string): number {
  return check(libc().open(cString(path), flags | O_CLOEXEC), action, path);
}

/** Closes a file descriptor, ignoring errors (the descriptor is gone either way). */
export function closeFd(fd: number): void {
  libc().close(fd);
}
