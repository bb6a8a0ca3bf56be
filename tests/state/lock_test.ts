/**
 * Per-object locks: the in-process mutex queues callers of one key and lets
 * other keys run in parallel; the file lock makes a second process wait.
 */
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { withFileLock, withLock, withObjectLock } from "../../src/state/lock.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("lock: two calls on one key run one after the other", async () => {
  const events: string[] = [];
  const task = (id: string, ms: number) =>
    withLock("qemu/web", async () => {
      events.push(`${id}-start`);
      await sleep(ms);
      events.push(`${id}-end`);
      return id;
    });
  assertEquals(await Promise.all([task("a", 40), task("b", 1), task("c", 1)]), ["a", "b", "c"]);
  assertEquals(events, ["a-start", "a-end", "b-start", "b-end", "c-start", "c-end"]);
});

Deno.test("lock: calls on different keys run in parallel", async () => {
  const events: string[] = [];
  const task = (key: string) =>
    withLock(key, async () => {
      events.push(`${key}-start`);
      await sleep(30);
      events.push(`${key}-end`);
    });
  await Promise.all([task("qemu/a"), task("qemu/b")]);
  assertEquals(events, ["qemu/a-start", "qemu/b-start", "qemu/a-end", "qemu/b-end"]);
});

Deno.test("lock: an error releases the lock and reaches the caller", async () => {
  const failing = withLock("qemu/err", async () => {
    await sleep(10);
    throw new Error("boom");
  });
  const next = withLock("qemu/err", () => "ran");
  await assertRejects(failing, /boom/);
  assertEquals(await next, "ran");
  assertEquals(await withLock("qemu/err", () => 42), 42);
});

/** Reads a child's stdout line by line, with a time limit per line. */
function lines(child: Deno.ChildProcess) {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  return async (timeoutMs: number): Promise<string | undefined> => {
    const deadline = Date.now() + timeoutMs;
    while (!buffered.includes("\n")) {
      pending ??= reader.read();
      const left = deadline - Date.now();
      const r = await Promise.race([
        pending,
        sleep(Math.max(left, 0)).then(() => "timeout" as const),
      ]);
      if (r === "timeout") return undefined;
      pending = undefined;
      if (r.done) return buffered || undefined;
      buffered += r.value;
    }
    const nl = buffered.indexOf("\n");
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    return line;
  };
}

Deno.test("lock: a second process waits until the first releases the file lock", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/run/qemu/web.lock`;
    const lockModule = new URL("../../src/state/lock.ts", import.meta.url).href;
    const code = `
      import { withFileLock } from ${JSON.stringify(lockModule)};
      console.log("waiting");
      await withFileLock(${JSON.stringify(path)}, () => console.log("got"));
    `;
    let child: Deno.ChildProcess | undefined;
    let next: ReturnType<typeof lines> | undefined;
    await withObjectLock(path, async () => {
      child = new Deno.Command(Deno.execPath(), {
        args: ["eval", code],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      next = lines(child);
      assertEquals(await next(30_000), "waiting");
      assertEquals(await next(700), undefined, "the child took a lock this process holds");
    });
    assertEquals(await next!(30_000), "got");
    assert((await child!.status).success);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("lock: the file lock is free again after an error", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/web.lock`;
    await assertRejects(withFileLock(path, () => Promise.reject(new Error("boom"))), /boom/);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const f = await Deno.open(${
          JSON.stringify(path)
        }, { write: true }); f.lockSync(true); console.log("free")`,
      ],
      stdout: "piped",
    }).output();
    assertEquals(new TextDecoder().decode(out.stdout), "free\n");
    assertEquals(await withFileLock(path, () => "again"), "again");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
