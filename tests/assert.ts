/**
 * The few assertion helpers the tests use, written once.
 * @module
 */
export { deepStrictEqual as assertEquals, match as assertMatch, ok as assert, rejects as assertRejects, throws as assertThrows } from "node:assert/strict";
import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { VirtError } from "../src/errors.ts";

/**
 * Asserts that `p` rejects with a {@link VirtError} of error code `code`
 * whose message matches `message`.
 */
export async function assertRejectsVirtError(
  p: Promise<unknown>,
  code: string,
  message: RegExp,
): Promise<void> {
  await rejects(p, (e: unknown) => {
    ok(e instanceof VirtError, `expected a VirtError, got ${e}`);
    deepStrictEqual(e.code, code, e.message);
    ok(message.test(e.message), `message ${JSON.stringify(e.message)} does not match ${message}`);
    return true;
  });
}
