/**
 * How integration tests handle a host that lacks what they need: they skip,
 * saying why, unless `VIRTKIT_TEST_STRICT=1` (set by `.ci/run`), where a
 * missing requirement fails the test so CI proves the real paths.
 * @module
 */

/** Whether missing requirements fail instead of skipping. */
export const STRICT = Deno.env.get("VIRTKIT_TEST_STRICT") === "1";

/** Whether a command is on the PATH (or in /usr/sbin, /sbin). */
export function hasCommand(cmd: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => {
    try {
      return Deno.statSync(`${d}/${cmd}`).isFile;
    } catch {
      return false;
    }
  });
}

/**
 * Whether a test should be skipped: true (with a note saying why) when `ok`
 * is false, except in strict mode, where the test runs and fails for real.
 *
 * @example
 * ```ts
 * Deno.test({ name: "x", ignore: skipUnless(hasCommand("virsh"), "virsh is not installed"), fn() {} });
 * ```
 */
export function skipUnless(ok: boolean, why: string): boolean {
  if (ok || STRICT) return false;
  console.warn(`skipping: ${why}`);
  return true;
}
