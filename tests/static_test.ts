/**
 * The whole tree type-checks and lints clean. `deno test` checks only the
 * modules the tests import statically; command handlers and drivers are
 * loaded with computed imports, so they are checked here explicitly.
 */
import { assertEquals } from "./assert.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function deno(...args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("every module type-checks, including lazily imported ones", async () => {
  const r = await deno("check", "main.ts", "mod.ts", "src/", "drivers/", "fixtures/", "scripts/");
  assertEquals(r.code, 0, r.output);
});

Deno.test("deno lint is clean", async () => {
  const r = await deno("lint");
  assertEquals(r.code, 0, r.output);
});
