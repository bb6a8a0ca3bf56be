/**
 * Reading the files a command names, failing as virsh does:
 * `Failed to open file 'PATH': REASON`.
 * @module
 */
import { CliError } from "./output.ts";

/** Reads a file as text, failing with virsh's wording. */
export async function readFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw openFailure(path, e);
  }
}

/** Reads a file's bytes, failing with virsh's wording. */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw openFailure(path, e);
  }
}

/** The error of a file that could not be read, with the reason as the C library words it. */
function openFailure(path: string, e: unknown): CliError {
  const why = e instanceof Deno.errors.NotFound
    ? "No such file or directory"
    : e instanceof Deno.errors.PermissionDenied
    ? "Permission denied"
    : e instanceof Deno.errors.IsADirectory
    ? "Is a directory"
    : (e as Error).message;
  return new CliError(`Failed to open file '${path}': ${why}`);
}
