/**
 * The LXC driver through the command line, one process per command: a
 * container started by one process keeps running after it exits and is
 * managed by the next ones (its state lives in status files and its
 * controller); `lxc-enter-namespace`, `console`, `memtune` and
 * `schedinfo` work on it; `destroy` leaves nothing.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { skipUnless } from "../skip.ts";
import {
  cgroupDirs,
  containerXml,
  LXC_READY,
  LXC_WHY,
  makeWork,
  processesOf,
  removeWork,
  strays,
  uniqueName,
  waitFor,
} from "./lxc_fixtures.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function virtkit(
  uri: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-c", uri, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

Deno.test({
  name: "lxc cli: a container outlives the process that started it and is managed by later ones",
  ignore: skipUnless(LXC_READY, LXC_WHY),
  async fn() {
    const work = await makeWork();
    const name = uniqueName();
    try {
      const file = `${work.dir}/dom.xml`;
      // An interactive shell as init: it reads the console.
      await Deno.writeTextFile(file, containerXml(name, work.rootfs, { args: [] }));
      assertEquals((await virtkit(work.uri, ["define", file])).code, 0);
      const started = await virtkit(work.uri, ["start", name]);
      assertEquals(started.code, 0, started.err);
      assertMatch(started.out, new RegExp(`Domain '${name}' started`));

      const state = await virtkit(work.uri, ["domstate", name]);
      assertEquals(state.out.trim(), "running");

      const entered = await virtkit(work.uri, [
        "lxc-enter-namespace",
        name,
        "--",
        "/bin/sh",
        "-c",
        "hostname; echo $$",
      ]);
      assertEquals(entered.code, 0, entered.err);
      const [host, pid] = entered.out.trim().split("\n");
      assertEquals(host, name);
      assert(Number(pid) > 1, `the command runs as PID ${pid} of the container`);
      const failed = await virtkit(work.uri, ["lxc-enter-namespace", name, "--", "/bin/false"]);
      assertEquals(failed.code, 1);
      assertMatch(failed.err, /unexpected exit status 1/);

      const mem = await virtkit(work.uri, ["memtune", name]);
      assertEquals(
        mem.out,
        "hard_limit     : 65536\nsoft_limit     : unlimited\nswap_hard_limit: unlimited\n\n",
      );
      assertEquals(
        (await virtkit(work.uri, ["schedinfo", name, "--set", "cpu_shares=256"])).code,
        0,
      );
      const sched = (await virtkit(work.uri, ["schedinfo", name])).out;
      assert(sched.startsWith("Scheduler      : posix\ncpu_shares     : 256\n"), sched);

      // The console: type a command into the init shell, read its answer, leave with Ctrl-].
      const p = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "-c", work.uri, "console", name],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode("echo MARK$((40+2))\n"));
      let seen = "";
      const reader = p.stdout.getReader();
      const deadline = Date.now() + 15_000;
      while (!seen.includes("MARK42\r\n") && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      await w.write(new Uint8Array([0x1d]));
      await w.close();
      reader.releaseLock();
      const status = await p.output();
      assertMatch(seen, /MARK42\r\n/);
      assertEquals(status.code, 0);

      const destroyed = await virtkit(work.uri, ["destroy", name]);
      assertEquals(destroyed.code, 0, destroyed.err);
      await waitFor("the container's processes to end", () => processesOf(name).length === 0);
      assertEquals(cgroupDirs(name), []);
      await waitFor("the controller to end", () => strays(work).length === 0);
      assertEquals((await virtkit(work.uri, ["domstate", name])).out.trim(), "shut off");
    } finally {
      await removeWork(work, [name]);
    }
  },
});
