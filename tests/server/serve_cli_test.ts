/**
 * `virtkit serve` as a process: it refuses an unauthenticated TCP listener,
 * serves until SIGTERM, and takes the sockets systemd passes
 * (`LISTEN_FDS`), including a read-only one, answering a client that
 * connected before it started.
 */
import { assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { open } from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { TOKEN } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Reads a child's standard error until `pattern` shows up; returns the text so far. */
async function waitFor(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<string> {
  let text = "";
  const deadline = Date.now() + 30_000;
  while (!pattern.test(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`the process ended before ${pattern}; got: ${text}`);
    text += value;
  }
  return text;
}

Deno.test("serve refuses a TCP listener without authentication", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--listen", "tcp:0.0.0.0:0"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 1);
  assertMatch(
    new TextDecoder().decode(out.stderr),
    /^error: operation forbidden: refusing to listen on tcp:0\.0\.0\.0:0 without authentication: give --token-file FILE/,
  );
  const insecure = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--listen", "tcp:0.0.0.0:0", "--insecure"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertMatch(new TextDecoder().decode(insecure.stderr), /--insecure is only allowed on loopback/);
});

Deno.test("serve with a token file answers until SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-serve-cli-" });
  await Deno.writeTextFile(`${dir}/tokens`, `ops ${TOKEN}\n`, { mode: 0o600 });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--listen",
      "tcp:127.0.0.1:0",
      "--token-file",
      `${dir}/tokens`,
      "--audit-log",
      `${dir}/audit.log`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const text = await waitFor(reader, /listening on tcp:127\.0\.0\.1:(\d+)/);
    const port = /tcp:127\.0\.0\.1:(\d+)/.exec(text)![1];
    const conn = await open(`test+http://127.0.0.1:${port}/default?tokenfile=${dir}/tokens`);
    try {
      await (await conn.lookupByName("test")).destroy();
      assertEquals((await conn.listAllDomains()).map((d) => [d.name(), d.ID()]), [["test", -1]]);
    } finally {
      await conn.close();
    }
    child.kill("SIGTERM");
    assertEquals((await child.status).code, 0);
    const log = JSON.parse(await Deno.readTextFile(`${dir}/audit.log`));
    assertEquals([log.who, log.method, log.status], ["token:ops", "POST", 200]);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await reader.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

/** Binds unix sockets as systemd would, then runs `virtkit serve` in the same process with LISTEN_FDS. */
const ACTIVATE = `
import os, socket, sys
socks = []
for path in sys.argv[1:3]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(16)
    socks.append(s)
high = [os.dup(s.fileno()) for s in socks]
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i)
    os.set_inheritable(3 + i, True)
    os.close(fd)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="2",
           LISTEN_FDNAMES="virtkit.socket:virtkit-ro.socket")
print("bound", flush=True)
os.execve(sys.argv[3], sys.argv[3:], env)
`;

Deno.test({
  name: "serve takes over sockets passed by systemd and answers clients that came first",
  ignore: skipUnless(hasCommand("python3"), "python3 is not installed"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "virtkit-activation-" });
    const rw = `${dir}/virtkit-sock`;
    const ro = `${dir}/virtkit-sock-ro`;
    const child = new Deno.Command("python3", {
      args: [
        "-c",
        ACTIVATE,
        rw,
        ro,
        Deno.execPath(),
        "run",
        "-A",
        MAIN,
        "serve",
        "--audit-log",
        `${dir}/audit.log`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    try {
      await waitFor(out, /bound/);
      // Connect before the server runs: the request waits in the socket's queue.
      const early = open(`test+unix:///default?socket=${rw}`);
      const text = await waitFor(err, /listening on /);
      assertMatch(text, /fd:3:virtkit\.socket, fd:4:virtkit-ro\.socket \(ro\)/);
      const conn = await early;
      try {
        await (await conn.lookupByName("test")).suspend();
      } finally {
        await conn.close();
      }
      const roConn = await open(`test+unix:///default?socket=${ro}`);
      try {
        assertEquals(await (await roConn.lookupByName("test")).state(), [3, 1]);
        await assertRejects(
          async () => await (await roConn.lookupByName("test")).resume(),
          (e: unknown) => e instanceof VirtError && e.code === "operation-denied",
        );
      } finally {
        await roConn.close();
      }
      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await out.cancel().catch(() => {});
      await err.cancel().catch(() => {});
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
