/**
 * The LXC driver on the real host: busybox containers started through the
 * library, inspected from outside (cgroups, /proc) and from inside
 * (`lxcEnterNamespace`), and checked to leave nothing behind. Needs root and
 * a static busybox; every test cleans up in `finally`.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { skipUnless } from "../skip.ts";
import {
  type Connection,
  open,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "../../src/connect.ts";
import {
  cgroupDirs,
  containerXml,
  LXC_READY,
  LXC_WHY,
  type LxcWork,
  makeWork,
  processesOf,
  removeWork,
  strays,
  uniqueName,
  waitFor,
} from "./lxc_fixtures.ts";

const ignore = skipUnless(LXC_READY, LXC_WHY);

/** Runs a shell command inside the container, its output going to a file read back from the host. */
async function inside(
  dom: { lxcEnterNamespace(argv: string[]): Promise<number> },
  work: LxcWork,
  script: string,
): Promise<string> {
  const out = `/tmp/out-${crypto.randomUUID()}`;
  const status = await dom.lxcEnterNamespace(["/bin/sh", "-c", `(${script}) > ${out} 2>&1`]);
  const text = await Deno.readTextFile(`${work.rootfs}${out}`);
  await Deno.remove(`${work.rootfs}${out}`);
  assertEquals(status, 0, text);
  return text;
}

/**
 * Runs `fn` with a fresh work folder, a throwaway container name and a
 * connection; closes the connection and removes everything afterwards.
 */
async function withContainer(
  fn: (work: LxcWork, name: string, conn: Connection) => Promise<void>,
): Promise<void> {
  const work = await makeWork();
  const name = uniqueName();
  const conn = await open(work.uri);
  try {
    await fn(work, name, conn);
  } finally {
    await conn.close();
    await removeWork(work, [name]);
  }
}

/** Checks that nothing of container `name` is left: processes, cgroups, files, helpers. */
async function assertGone(work: LxcWork, name: string): Promise<void> {
  await waitFor("the container's processes to end", () => processesOf(name).length === 0);
  assertEquals(cgroupDirs(name), []);
  await waitFor("the controller to end", () => strays(work).length === 0);
  const left = [...Deno.readDirSync(`${work.dir}/state/run/lxc`)].map((e) => e.name)
    .filter((f) => f.startsWith(`${name}.`) && !f.endsWith(".lock") && !f.endsWith(".log"));
  assertEquals(left, []);
  const mounts = Deno.readTextFileSync("/proc/self/mountinfo");
  assert(!mounts.includes(work.dir), "a mount of the container is left on the host");
}

Deno.test({
  name:
    "lxc: a busybox container runs with its own hostname, PID 1, memory limit, console and freezer",
  ignore,
  fn: () =>
    withContainer(async (work, name, conn) => {
      const dom = await conn.defineXML(containerXml(name, work.rootfs, { memoryKiB: 65536 }));
      await dom.create();
      assertEquals((await dom.state())[0], VIR_DOMAIN_RUNNING);
      assert(dom.ID() > 0);

      const out = await inside(dom, work, "hostname; cat /proc/1/cmdline; echo; id -u; ls /dev");
      const [host, cmdline, uid] = out.split("\n");
      assertEquals(host, name);
      assertEquals(cmdline, "/bin/sh\0-c\0while true; do sleep 1; done\0");
      assertEquals(uid, "0");
      for (
        const dev of ["null", "zero", "full", "random", "urandom", "tty", "console", "ptmx", "pts"]
      ) {
        assert(out.includes(`${dev}\n`), `/dev/${dev} is missing:\n${out}`);
      }

      // The memory limit, from outside and from the container's own view of its cgroup.
      const memDir = cgroupDirs(name).find((d) => d.includes("/memory/"));
      assert(memDir, "no memory cgroup");
      assertEquals(
        Deno.readTextFileSync(`${memDir}/memory.limit_in_bytes`).trim(),
        String(65536 * 1024),
      );
      assertEquals(
        (await inside(dom, work, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).trim(),
        String(65536 * 1024),
      );
      assertEquals(await dom.memoryParameters(), {
        hard_limit: 65536,
        soft_limit: 9007199254740991,
        swap_hard_limit: 9007199254740991,
      });
      await dom.setMemoryParameters({ hard_limit: 98304 });
      assertEquals(
        Deno.readTextFileSync(`${memDir}/memory.limit_in_bytes`).trim(),
        String(98304 * 1024),
      );
      await dom.setSchedulerParametersFlags({ cpu_shares: 512 });
      assertEquals((await dom.schedulerParametersFlags()).cpu_shares, 512);

      // A read-only /proc/sys and /sys; the init's capabilities dropped (no mknod).
      const denied = await inside(
        dom,
        work,
        "echo x > /proc/sys/kernel/hostname || echo ro-proc; touch /sys/x || echo ro-sys; grep CapBnd /proc/1/status",
      );
      assertMatch(denied, /ro-proc/);
      assertMatch(denied, /ro-sys/);
      const bnd = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(denied)![1]}`);
      assertEquals(bnd & (1n << 27n), 0n, "CAP_MKNOD is still in the bounding set");
      assertEquals(bnd & (1n << 16n), 0n, "CAP_SYS_MODULE is still in the bounding set");

      // The console: what we type reaches the init's shell... here the init is not reading, so
      // check that the container's /dev/console is the console terminal the driver serves.
      const stream = await dom.openConsole();
      const marker = `MARK${crypto.randomUUID().slice(0, 6)}`;
      await dom.lxcEnterNamespace(["/bin/sh", "-c", `echo ${marker} > /dev/console`]);
      const reader = stream.readable.getReader();
      let seen = "";
      const deadline = Date.now() + 5000;
      while (!seen.includes(marker) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      stream.close();
      assertMatch(seen, new RegExp(marker));

      // Freeze and thaw.
      await dom.suspend();
      assertEquals((await dom.state())[0], VIR_DOMAIN_PAUSED);
      const freezer = cgroupDirs(name).find((d) => d.includes("/freezer/"))!;
      assertEquals(Deno.readTextFileSync(`${freezer}/freezer.state`).trim(), "FROZEN");
      await dom.resume();
      assertEquals((await dom.state())[0], VIR_DOMAIN_RUNNING);
      assertEquals(Deno.readTextFileSync(`${freezer}/freezer.state`).trim(), "THAWED");

      // A second connection (another process would read the same files) sees it running.
      const other = await open(work.uri);
      assertEquals((await (await other.lookupByName(name)).state())[0], VIR_DOMAIN_RUNNING);
      await other.close();

      await dom.destroy();
      assertEquals((await dom.state())[0], VIR_DOMAIN_SHUTOFF);
      await assertGone(work, name);
      await dom.undefine();
    }),
});

Deno.test({
  name: "lxc: bad definitions are refused before anything is created",
  ignore,
  fn: () =>
    withContainer(async (work, name, conn) => {
      await assertRejects(
        () => conn.createXML(containerXml(name, `${work.dir}/no-such-root`)),
        Error,
        `the root filesystem '${work.dir}/no-such-root' does not exist`,
      );
      await assertRejects(
        () => conn.createXML(containerXml(name, work.rootfs, { init: "/sbin/no-such-init" })),
        Error,
        "the init '/sbin/no-such-init' does not exist in the container's root",
      );
      const overlapping = `<idmap>
    <uid start='0' target='100000' count='1000'/>
    <uid start='1000' target='100500' count='1000'/>
    <gid start='0' target='100000' count='65536'/>
  </idmap>`;
      await assertRejects(
        () => conn.createXML(containerXml(name, work.rootfs, { extra: overlapping })),
        Error,
        "overlap on the host",
      );
      assertEquals(cgroupDirs(name), []);
      assertEquals(processesOf(name), []);
      assertEquals(strays(work), []);
      assertEquals(await conn.listAllDomains(), []);
    }),
});

Deno.test({
  name: "lxc: a container with <idmap> runs as an unprivileged user on the host",
  ignore,
  fn: () =>
    withContainer(async (work, name, conn) => {
      const idmap = `<idmap>
    <uid start='0' target='100000' count='65536'/>
    <gid start='0' target='100000' count='65536'/>
  </idmap>`;
      const dom = await conn.createXML(containerXml(name, work.rootfs, { extra: idmap }));
      const init = processesOf(name).find((pid) =>
        Deno.readTextFileSync(`/proc/${pid}/cmdline`).startsWith("/bin/sh\0-c\0while")
      );
      assert(init, "the init is not in the container's cgroup");
      const status = Deno.readTextFileSync(`/proc/${init}/status`);
      assertMatch(status, /^Uid:\t100000\t100000\t100000\t100000$/m);
      assertMatch(status, /^Gid:\t100000\t100000\t100000\t100000$/m);
      assertEquals((await inside(dom, work, "id -u; hostname")).split("\n").slice(0, 2), [
        "0",
        name,
      ]);
      await dom.destroy();
      await assertGone(work, name);
    }),
});

Deno.test({
  name: "lxc: a container that reboots itself is started again by its controller",
  ignore,
  fn: () =>
    withContainer(async (work, name, conn) => {
      const dom = await conn.createXML(containerXml(name, work.rootfs));
      const first = dom.ID();
      // reboot(2) inside the PID namespace kills its init with SIGHUP.
      await dom.lxcEnterNamespace(["/bin/busybox", "reboot", "-f"]);
      await waitFor("the container to come back", async () => {
        const d = await conn.lookupByName(name).catch(() => undefined);
        return d !== undefined && d.ID() !== first && (await d.state())[0] === VIR_DOMAIN_RUNNING;
      }, 20_000);
      const again = await conn.lookupByName(name);
      assertEquals((await inside(again, work, "hostname")).trim(), name);
      await again.destroy();
      await assertGone(work, name);
      await assertRejects(() => conn.lookupByName(name), Error, "no domain");
    }),
});

Deno.test({
  name: "lxc: shutdown asks the init to stop; the controller then cleans up",
  ignore,
  fn: () =>
    withContainer(async (work, name, conn) => {
      // PID 1 only gets the signals it handles: this init leaves on SIGTERM.
      const dom = await conn.defineXML(
        containerXml(name, work.rootfs, {
          args: ["-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
        }),
      );
      await dom.create();
      await dom.shutdown();
      await waitFor(
        "the container to stop",
        async () => (await dom.state())[0] === VIR_DOMAIN_SHUTOFF,
      );
      await assertGone(work, name);
      await dom.undefine();
    }),
});
