/**
 * Crash-safe file replacement: readers see either the whole old file or the
 * whole new one, never a mix, and a failed write leaves the old file as it
 * was with no temporary file behind.
 *
 * The steps are those of every careful writer: write a temporary file in the
 * target's folder, flush it to disk, rename it over the target, then flush
 * the folder so the rename itself survives a power cut.
 *
 * @example
 * ```ts
 * await writeFileAtomic("/srv/vm/etc/qemu/web.xml", xml, { mode: 0o600 });
 * ```
 * @module
 */
import { VirtError } from "../errors.ts";

/** Permissions of files and folders that {@link writeFileAtomic} creates. */
export interface AtomicWriteOptions {
  /** Permission bits of the written file (exactly, regardless of umask); default 0600. */
  mode?: number;
  /** Permission bits of missing parent folders it creates; default 0700. */
  dirMode?: number;
}

/** What {@link writeFileAtomic} accepts: text (written as UTF-8), bytes, or a stream of bytes. */
export type AtomicData = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * Replace `path` with `data` atomically.
 *
 * @param path the file to create or replace
 * @param data the new content; a stream that fails part-way aborts the write
 * @param options permission bits for the file and for new parent folders
 * @throws VirtError `system-error` naming the path when any step fails;
 *   the old file is then untouched and the temporary file removed
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicData,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const base = path.slice(slash + 1);
  if (base === "" || base === "." || base === "..") {
    throw new VirtError("invalid-arg", "conf", `cannot write '${path}': not a file name`);
  }
  await ensureDir(dir, options.dirMode ?? 0o700);
  const tmp = `${dir === "/" ? "" : dir}/.${base}.${randomTag()}.tmp`;
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode: options.mode ?? 0o600 });
    await Deno.chmod(tmp, options.mode ?? 0o600);
    await writeData(file, data);
    await file.sync();
    file.close();
    file = undefined;
    await Deno.rename(tmp, path);
  } catch (e) {
    file?.close();
    await Deno.remove(tmp).catch(() => {});
    throw systemError(`cannot write '${path}'`, e);
  }
  await syncDir(dir);
}

/**
 * Create a folder and any missing parents with the given permission bits
 * (subject to the umask); an existing folder is left as it is.
 *
 * @throws VirtError `system-error` when the folder cannot be created or a file is in the way
 */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode });
  } catch (e) {
    throw systemError(`cannot create folder '${dir}'`, e);
  }
}

/**
 * Flush a folder's entries to disk, so that a rename, creation or removal in
 * it survives a crash (open the folder read-only and fsync it).
 *
 * @throws VirtError `system-error` when the folder cannot be opened or flushed
 */
export async function syncDir(dir: string): Promise<void> {
  try {
    using handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch (e) {
    throw systemError(`cannot flush folder '${dir}'`, e);
  }
}

async function writeData(file: Deno.FsFile, data: AtomicData): Promise<void> {
  if (typeof data === "string") return writeAll(file, new TextEncoder().encode(data));
  if (data instanceof Uint8Array) return writeAll(file, data);
  for await (const chunk of data) await writeAll(file, chunk);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}

function randomTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A `system-error` saying what failed and why. */
export function systemError(what: string, cause: unknown): VirtError {
  if (cause instanceof VirtError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new VirtError("system-error", "conf", `${what}: ${why}`);
}
