/**
 * Reading and writing cgroup control files, with errors that name the file.
 * Changes go through a {@link CgroupKernel}, so tests can run the same code
 * over a fake tree in a temp folder.
 * @module
 */
import { VirtError } from "../../errors.ts";

/** The calls that change a cgroup tree. */
export interface CgroupKernel {
  /** Creates one group folder (fails with `AlreadyExists` if it is there). */
  mkdir(path: string): Promise<void>;
  /** Writes one value to an existing control file. */
  write(path: string, data: string): Promise<void>;
  /** Removes one empty group folder. */
  rmdir(path: string): Promise<void>;
}

/** The real kernel: cgroupfs creates the control files of a new group itself. */
export const realKernel: CgroupKernel = {
  mkdir: (path) => Deno.mkdir(path, { mode: 0o755 }),
  write: (path, data) => Deno.writeTextFile(path, data, { create: false }),
  rmdir: (path) => Deno.remove(path),
};

/** The errno name of a Deno error (`ENOENT`, `EBUSY`...), if it has one. */
export function errnoOf(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/** A short reason for a failed call: the OS message without Deno's "(os error N): call 'path'" tail. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/ \(os error \d+\).*$/, "");
}

/** A system error naming what was being done to which file. */
export function cgroupError(action: string, path: string, e: unknown): VirtError {
  return new VirtError("system-error", "system", `${action} '${path}': ${reason(e)}`);
}

/** Writes `value` to the control file `dir/file`. */
export async function writeControl(
  kernel: CgroupKernel,
  dir: string,
  file: string,
  value: string,
): Promise<void> {
  try {
    await kernel.write(`${dir}/${file}`, value);
  } catch (e) {
    throw cgroupError(`Unable to write '${value}' to`, `${dir}/${file}`, e);
  }
}

/** The trimmed text of the control file `dir/file`. */
export async function readControl(dir: string, file: string): Promise<string> {
  try {
    return (await Deno.readTextFile(`${dir}/${file}`)).trim();
  } catch (e) {
    throw cgroupError("Unable to read", `${dir}/${file}`, e);
  }
}

/** The sub-folders of `dir` (child groups), empty when it cannot be read. */
export async function childGroups(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) out.push(`${dir}/${e.name}`);
  } catch {
    // gone already
  }
  return out.sort();
}
