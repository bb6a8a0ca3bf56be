/**
 * Locks that make operations on one object run one after another: an
 * in-process mutex keyed by name ({@link withLock}), an advisory `flock` on a
 * lock file shared with other processes ({@link withFileLock}), and both
 * together ({@link withObjectLock}). Every lock is released when the
 * function returns or throws. None is re-entrant: taking a lock already held
 * by the same chain of calls waits forever.
 *
 * @example
 * ```ts
 * await withObjectLock("/run/virtkit/qemu/web.lock", async () => {
 *   // start the guest, write its status
 * });
 * ```
 * @module
 */
import { ensureDir, systemError } from "./atomic.ts";

/** The last waiter of each key; a key is dropped when its queue empties. */
const tails = new Map<string, Promise<void>>();

/**
 * Run `fn` once every earlier `withLock` call on the same key has finished.
 * Calls on different keys do not wait for each other.
 *
 * @param key what to serialise on, e.g. a lock file path or `driver/name`
 * @param fn the critical section
 * @returns what `fn` returns; its error is passed on after the lock is released
 */
export async function withLock<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
  const before = tails.get(key);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => release = resolve);
  const tail = before ? before.then(() => mine) : mine;
  tails.set(key, tail);
  try {
    await before;
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

/**
 * Run `fn` holding an exclusive advisory lock (`flock`) on `path`, which is
 * created (mode 0600, parent folders 0700) when missing. Another process
 * locking the same file waits until this one returns; the kernel also drops
 * the lock if the process dies. Lock files are never deleted: removing one
 * while another process waits on it would let two holders in.
 *
 * Two calls in one process on the same file also exclude each other, but
 * each blocks a worker thread while it waits: use {@link withObjectLock} to
 * queue in-process callers first.
 *
 * @throws VirtError `system-error` when the lock file cannot be opened or locked
 */
export async function withFileLock<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await ensureDir(path.slice(0, slash), 0o700);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    throw systemError(`cannot open lock file '${path}'`, e);
  }
  try {
    try {
      await file.lock(true);
    } catch (e) {
      throw systemError(`cannot lock '${path}'`, e);
    }
    return await fn();
  } finally {
    file.close();
  }
}

/**
 * Serialise on `path` both within this process and across processes: queue
 * on the in-process mutex keyed by the path, then take the file lock.
 */
export function withObjectLock<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  return withLock(path, () => withFileLock(path, fn));
}
