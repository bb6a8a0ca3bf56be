/**
 * Integration: the QEMU driver through the Connection API and the CLI, with
 * real QEMU under TCG booting the test guest (fixtures/guest). Every test
 * uses its own `qemu:///embed?root=TMP` and checks that a stopped guest
 * leaves no process, socket, pty, status file, TAP device or cgroup.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import {
  type Connection,
  type Domain,
  type DomainEvent,
  open,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "../../src/connect.ts";
import { ensureTestGuest, READY_MARKER } from "../../fixtures/guest/build.ts";
import { skipUnlessTestGuest, TEST_KERNEL } from "./qemu_guest.ts";
import { findLinkIndex } from "../../src/sys/mod.ts";
import { createBridge, deleteLink } from "../../src/sys/mod.ts";
import { machineName } from "../../src/host/cgroups.ts";

const isRoot = Deno.uid() === 0;
const noQemu = skipUnless(hasCommand("qemu-system-x86_64"), "qemu-system-x86_64 is not installed");
const noGuest = noQemu || skipUnlessTestGuest();
const noRoot = skipUnless(isRoot, "TAP devices and cgroups need root");
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const BOOT_TIMEOUT_MS = 60_000;

/** A test guest definition booting the fixture kernel and initrd under TCG. */
function guestXml(
  name: string,
  initrd: string,
  opts: { cmdline?: string; extra?: string; lifecycle?: string } = {},
) {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${TEST_KERNEL?.path}</kernel>
    <initrd>${initrd}</initrd>
    <cmdline>console=ttyS0 quiet ${opts.cmdline ?? ""}</cmdline>
  </os>
  <features><acpi/></features>
  ${opts.lifecycle ?? ""}
  <devices>
    <serial type='pty'/>
    <console type='pty'/>
    ${opts.extra ?? ""}
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}

/** A guest without kernel or disks: SeaBIOS finds nothing to boot and idles (enough for a live monitor). */
function emptyXml(name: string, type = "qemu", devices = "") {
  return `<domain type='${type}'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>${devices}</devices></domain>`;
}

async function withRoot(fn: (uri: string, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "vk-qd-" });
  try {
    await fn(`qemu:///embed?root=${root}`, root);
  } finally {
    // Whatever a failing test left running goes now.
    const run = `${root}/run/qemu`;
    try {
      for (const e of Deno.readDirSync(run)) {
        if (!e.isDirectory || !e.name.startsWith("domain-")) continue;
        try {
          const pid = Number(Deno.readTextFileSync(`${run}/${e.name}/qemu.pid`).trim());
          if (pid > 0) Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    } catch { /* nothing started */ }
    // ... and the cgroups of guests killed that way.
    const prefix = machineName("qemu", 0, "x", { embedRoot: root }).replace(/0-x$/, "");
    for (
      const h of ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "unified"]
    ) {
      try {
        for (const e of Deno.readDirSync(`/sys/fs/cgroup/${h}/machine`)) {
          if (e.name.startsWith(prefix)) {
            await Deno.remove(`/sys/fs/cgroup/${h}/machine/${e.name}`).catch(() => {});
          }
        }
      } catch { /* not mounted */ }
    }
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/** Reads a domain's console until `marker` (text, or a pattern) shows up; returns what was read. */
async function readConsoleUntil(
  dom: Domain,
  marker: string | RegExp,
  timeoutMs = BOOT_TIMEOUT_MS,
): Promise<string> {
  const seen = (text: string) =>
    typeof marker === "string" ? text.includes(marker) : marker.test(text);
  const stream = await dom.openConsole();
  const reader = stream.readable.getReader();
  const dec = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => stream.close(), timeoutMs);
  try {
    while (!seen(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
    stream.close();
  }
  assert(seen(text), `no '${marker}' on the console; got:\n${text.slice(-2000)}`);
  return text;
}

/** Types a line on the guest's console. */
async function typeOnConsole(dom: Domain, line: string): Promise<void> {
  const stream = await dom.openConsole();
  const w = stream.writable.getWriter();
  await w.write(new TextEncoder().encode(line + "\n"));
  w.releaseLock();
  stream.close();
}

/** What a running guest holds on the host, to check it is all gone afterwards. */
interface Footprint {
  pid: number;
  dir: string;
  status: string;
  ptys: string[];
  cgroups: string[];
}

async function footprint(_conn: Connection, root: string, dom: Domain): Promise<Footprint> {
  const run = `${root}/run/qemu`;
  const dir = [...Deno.readDirSync(run)].find((e) =>
    e.isDirectory && e.name.startsWith(`domain-${dom.ID()}-`)
  );
  assert(dir, "no domain folder");
  const pid = Number(Deno.readTextFileSync(`${run}/${dir.name}/qemu.pid`).trim());
  const xml = await dom.XMLDesc();
  const ptys = [...xml.matchAll(/<source path='(\/dev\/pts\/\d+)'\/>/g)].map((m) => m[1]);
  const cgroups: string[] = [];
  for (const h of ["cpu", "memory", "unified"]) {
    const base = `/sys/fs/cgroup/${h}/machine`;
    try {
      for (const e of Deno.readDirSync(base)) {
        if (
          e.name.endsWith(`-${dom.ID()}-${dom.name()}.libvirt-qemu`) && e.name.includes("embed")
        ) {
          const procs = Deno.readTextFileSync(`${base}/${e.name}/cgroup.procs`);
          if (procs.split("\n").includes(String(pid))) cgroups.push(`${base}/${e.name}`);
        }
      }
    } catch { /* hierarchy not mounted */ }
  }
  return { pid, dir: `${run}/${dir.name}`, status: `${run}/${dom.name()}.xml`, ptys, cgroups };
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Checks that the guest's process, folder (sockets, pid file), status file and cgroups are gone. */
async function assertGone(fp: Footprint): Promise<void> {
  for (let i = 0; i < 100 && exists(`/proc/${fp.pid}`); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert(!exists(`/proc/${fp.pid}`), `QEMU process ${fp.pid} is still there`);
  assert(!exists(fp.dir), `domain folder ${fp.dir} (monitor sockets, pid file) is still there`);
  assert(!exists(fp.status), `status file ${fp.status} is still there`);
  for (const cg of fp.cgroups) assert(!exists(cg), `cgroup ${cg} is still there`);
  for (const pty of fp.ptys) {
    // A pty number may be reused by someone else, but not by our (gone) QEMU.
    if (exists(pty)) {
      const holders = [...Deno.readDirSync("/proc")].filter((e) => e.name === String(fp.pid));
      assertEquals(holders.length, 0);
    }
  }
}

/** Runs the CLI against `uri`; returns its output. */
async function cli(
  uri: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-c", uri, ...args],
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Collects lifecycle events as "type/reason" strings. */
function collectEvents(
  conn: Connection,
): { events: string[]; stop: () => void; waitFor: (e: string) => Promise<void> } {
  const events: string[] = [];
  const it = conn.domainEvents();
  const waiters: [string, () => void][] = [];
  (async () => {
    for await (const e of it as AsyncIterable<DomainEvent>) {
      const s = `${e.type}/${e.reason}`;
      events.push(s);
      for (const [want, wake] of waiters) if (want === s) wake();
    }
  })();
  return {
    events,
    stop: () => void it.return?.(),
    waitFor: (want) =>
      events.includes(want) ? Promise.resolve() : new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no event ${want}; got ${events.join(", ")}`)),
          BOOT_TIMEOUT_MS,
        );
        waiters.push([want, () => (clearTimeout(t), resolve())]);
      }),
  };
}

Deno.test({
  name:
    "qemu driver: boot from XML, console marker, suspend/resume, ACPI shutdown, events, nothing left",
  ignore: noGuest,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const initrd = await ensureTestGuest();
    await withRoot(async (uri, root) => {
      const conn = await open(uri);
      const ev = collectEvents(conn);
      try {
        const dom = await conn.defineXML(guestXml("vk-boot", initrd));
        assertEquals((await dom.state())[0], VIR_DOMAIN_SHUTOFF);
        await dom.create();
        assertEquals(await dom.state(), [VIR_DOMAIN_RUNNING, 1]);
        assert(dom.ID() > 0);
        const fp = await footprint(conn, root, dom);
        assert(fp.ptys.length > 0, "the live XML names the serial pty");
        if (isRoot) assert(fp.cgroups.length > 0, "the QEMU process is in its cgroup");
        const xml = await dom.XMLDesc();
        assertMatch(xml, /<domain type='qemu' id='\d+'>/);
        assertMatch(xml, /machine='pc-i440fx-[\d.]+'/);
        assertMatch(xml, /<alias name='serial0'\/>/);
        await readConsoleUntil(dom, READY_MARKER);
        await dom.suspend();
        assertEquals(await dom.state(), [VIR_DOMAIN_PAUSED, 1]);
        await dom.resume();
        assertEquals(await dom.state(), [VIR_DOMAIN_RUNNING, 5]);
        // Give the guest's acpid a moment after the marker.
        await new Promise((r) => setTimeout(r, 1000));
        await dom.shutdown();
        assertEquals((await dom.state())[0], VIR_DOMAIN_SHUTOFF);
        assertEquals(dom.ID(), -1);
        await assertGone(fp);
        await ev.waitFor("stopped/shutdown");
        for (
          const e of [
            "defined/added",
            "started/booted",
            "suspended/paused",
            "resumed/unpaused",
            "shutdown/guest",
          ]
        ) {
          assert(ev.events.includes(e), `missing event ${e}: ${ev.events.join(", ")}`);
        }
        const left = [...Deno.readDirSync(`${root}/run/qemu`)].map((e) => e.name).sort();
        assertEquals(left, ["driver", "vk-boot.lock", "vk-boot.log"]);
      } finally {
        ev.stop();
        await conn.close();
      }
    });
  },
});

Deno.test({
  name:
    "qemu driver: a guest that powers off while nobody watches is cleaned up by the next connection",
  ignore: noGuest,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const initrd = await ensureTestGuest();
    await withRoot(async (uri, root) => {
      let conn = await open(uri);
      const dom = await conn.createXML(guestXml("vk-inside", initrd));
      const fp = await footprint(conn, root, dom);
      await readConsoleUntil(dom, READY_MARKER);
      // The guest powers itself off while the console is read (no QMP connection open).
      const stream = await dom.openConsole();
      const w = stream.writable.getWriter();
      await w.write(new TextEncoder().encode("poweroff\n"));
      w.releaseLock();
      const reader = stream.readable.getReader();
      let text = "";
      while (!text.includes("reboot: Power down")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      stream.close();
      await conn.close();
      // QEMU (-no-shutdown) waits, paused, until a connection looks at the guest.
      await new Promise((r) => setTimeout(r, 500));
      assert(exists(`/proc/${fp.pid}`), "QEMU went away on its own");
      conn = await open(uri);
      assertEquals((await conn.listAllDomains()).length, 0);
      await conn.close();
      await assertGone(fp);
    });
  },
});

Deno.test({
  name:
    "qemu driver: a guest started by one process is controlled after that process exits (CLI console, destroy)",
  ignore: noGuest,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const initrd = await ensureTestGuest();
    await withRoot(async (uri, root) => {
      const file = `${root}/vk-cli.xml`;
      await Deno.writeTextFile(file, guestXml("vk-cli", initrd));
      const def = await cli(uri, "define", file);
      assertEquals(def.code, 0, def.stderr);
      const start = await cli(uri, "start", "vk-cli");
      assertEquals(start.code, 0, start.stderr);
      assertEquals(start.stdout, "Domain 'vk-cli' started\n\n");
      // The starting process is gone; QEMU is not its child any more.
      const list = await cli(uri, "list");
      assertMatch(list.stdout, / 1 +vk-cli +running/);
      // The CLI console shows the guest until Ctrl-].
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "-c", uri, "console", "vk-cli"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      let text = "";
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      while (!text.includes(READY_MARKER) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const w = child.stdin.getWriter();
      await w.write(new Uint8Array([0x1d]));
      await w.close();
      reader.releaseLock();
      const [status] = await Promise.all([
        child.status,
        child.stdout.cancel(),
        new Response(child.stderr).text(),
      ]);
      assert(
        text.startsWith("Connected to domain 'vk-cli'\nEscape character is ^] (Ctrl + ])\n"),
        text,
      );
      assert(text.includes(READY_MARKER), text);
      assertEquals(status.code, 0);
      // A new managing process (this one) takes over.
      const conn = await open(uri);
      try {
        const dom = await conn.lookupByName("vk-cli");
        assertEquals(await dom.state(), [VIR_DOMAIN_RUNNING, 1]);
        const fp = await footprint(conn, root, dom);
        await dom.suspend();
        const st = await cli(uri, "domstate", "--reason", "vk-cli");
        assertEquals(st.stdout, "paused (user)\n\n");
        await dom.resume();
        const mon = JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-status"}'));
        assertEquals(mon.return.status, "running");
        const destroy = await cli(uri, "destroy", "vk-cli");
        assertEquals(destroy.code, 0, destroy.stderr);
        assertEquals(await dom.state(), [VIR_DOMAIN_SHUTOFF, 0]);
        await assertGone(fp);
        const log = await Deno.readTextFile(`${root}/run/qemu/vk-cli.log`);
        assertMatch(log, /shutting down, reason=destroyed/);
      } finally {
        await conn.close();
      }
    });
  },
});

Deno.test({
  name:
    "qemu driver: reboot and on_poweroff=restart keep the guest running; reset; on_reboot=destroy stops it",
  ignore: noGuest,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const initrd = await ensureTestGuest();
    await withRoot(async (uri, root) => {
      const conn = await open(uri);
      // Listening for events makes this process watch the guest, so a
      // power-off is acted on at once.
      const ev = collectEvents(conn);
      try {
        const dom = await conn.createXML(
          guestXml("vk-restart", initrd, { lifecycle: "<on_poweroff>restart</on_poweroff>" }),
        );
        const id = dom.ID();
        const fp = await footprint(conn, root, dom);
        await readConsoleUntil(dom, READY_MARKER);
        await new Promise((r) => setTimeout(r, 1000));
        // The guest powers off; the driver resets it instead of stopping it.
        await typeOnConsole(dom, "poweroff");
        await readConsoleUntil(dom, READY_MARKER);
        assertEquals(await dom.state(), [VIR_DOMAIN_RUNNING, 1]);
        assertEquals(dom.ID(), id);
        await new Promise((r) => setTimeout(r, 1000));
        await dom.reboot();
        await readConsoleUntil(dom, READY_MARKER);
        assertEquals((await dom.state())[0], VIR_DOMAIN_RUNNING);
        await dom.reset();
        await readConsoleUntil(dom, READY_MARKER);
        assertEquals(fp.pid, (await footprint(conn, root, dom)).pid);
        await dom.destroy();
        await assertGone(fp);

        const d2 = await conn.createXML(
          guestXml("vk-noreboot", initrd, { lifecycle: "<on_reboot>destroy</on_reboot>" }),
        );
        const fp2 = await footprint(conn, root, d2);
        await readConsoleUntil(d2, READY_MARKER);
        // QEMU runs with -no-reboot: the reset ends in a shutdown, and on_reboot destroys it.
        await d2.reset();
        const deadline = Date.now() + 30_000;
        while ((await conn.listAllDomains()).length > 0) {
          assert(
            Date.now() < deadline,
            "the domain did not stop after a reset with on_reboot=destroy",
          );
          await new Promise((r) => setTimeout(r, 200));
        }
        await assertGone(fp2);
        await ev.waitFor("stopped/shutdown");
        for (const e of ["shutdown/guest", "stopped/destroyed", "shutdown/host"]) {
          assert(ev.events.includes(e), `missing event ${e}: ${ev.events.join(", ")}`);
        }
      } finally {
        ev.stop();
        await conn.close();
      }
    });
  },
});

Deno.test({
  name: "qemu driver: a type='kvm' domain reaches running with a live QMP monitor",
  ignore: noQemu || skipUnless(exists("/dev/kvm"), "no /dev/kvm"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withRoot(async (uri, root) => {
      const conn = await open(uri);
      try {
        const dom = await conn.createXML(emptyXml("vk-kvm", "kvm"));
        assertEquals(await dom.state(), [VIR_DOMAIN_RUNNING, 1]);
        const fp = await footprint(conn, root, dom);
        const kvm = JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-kvm"}'));
        assertEquals(kvm.return, { enabled: true, present: true });
        assertEquals(await dom.qemuMonitorCommand("info status", true), "VM status: running\r\n");
        await dom.destroy();
        await assertGone(fp);
      } finally {
        await conn.close();
      }
    });
  },
});

Deno.test({
  name:
    "qemu driver: refuses a missing emulator, unknown machine, missing disk, duplicate name before starting anything",
  ignore: noQemu,
  async fn() {
    await withRoot(async (uri, root) => {
      const conn = await open(uri);
      try {
        const base = emptyXml("vk-bad");
        await assertRejects(
          () =>
            conn.defineXML(
              base.replace("<devices>", "<devices><emulator>/nonexistent/qemu</emulator>"),
            ),
          Error,
          "<emulator>/nonexistent/qemu</emulator>",
        );
        await assertRejects(
          () => conn.createXML(base.replace("machine='pc'", "machine='pc-nonexistent-9'")),
          Error,
          "<os><type machine='pc-nonexistent-9'>",
        );
        await assertRejects(
          () =>
            conn.createXML(
              base.replace(
                "<devices>",
                "<devices><disk type='file' device='disk'><source file='/nonexistent/d.qcow2'/><target dev='vda' bus='virtio'/></disk>",
              ),
            ),
          Error,
          "<disk><source file='/nonexistent/d.qcow2'> (target 'vda')",
        );
        await conn.defineXML(base);
        await assertRejects(
          () =>
            conn.defineXML(
              base.replace(
                "<name>vk-bad</name>",
                "<name>vk-bad</name><uuid>11111111-2222-3333-4444-555555555555</uuid>",
              ),
            ),
          Error,
          "<name>vk-bad</name>: domain 'vk-bad' already exists",
        );
        await assertRejects(
          () =>
            conn.createXML(
              base.replace(
                "<name>vk-bad</name>",
                "<name>vk-bad</name><uuid>11111111-2222-3333-4444-555555555555</uuid>",
              ),
            ),
          Error,
          "<name>vk-bad</name>: domain 'vk-bad' already exists",
        );
        // Nothing ran: no domain folder, no status file, no log of a start.
        const run = `${root}/run/qemu`;
        const names = exists(run) ? [...Deno.readDirSync(run)].map((e) => e.name) : [];
        assert(
          !names.some((n) => n.startsWith("domain-") || n.endsWith(".xml") || n.endsWith(".log")),
          names.join(","),
        );
        // QEMU dying at start is reported with the end of its log.
        const dying = emptyXml("vk-dies").replace(
          "<domain type='qemu'>",
          "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
        )
          .replace(
            "</devices>",
            "</devices><qemu:commandline><qemu:arg value='-no-such-option'/></qemu:commandline>",
          );
        let message = "";
        await conn.createXML(dying).catch((e) => (message = (e as Error).message));
        assertMatch(message, /QEMU exited with status 1 while starting/);
        assertMatch(message, /-no-such-option: invalid option/);
        assert(!exists(`${run}/vk-dies.xml`));
        assertEquals((await conn.listAllDomains()).map((d) => d.name()), ["vk-bad"]);
      } finally {
        await conn.close();
      }
    });
  },
});

Deno.test({
  name: "qemu driver: concurrent starts of one domain serialise; autostart; domxml-to-native",
  ignore: noQemu,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withRoot(async (uri, root) => {
      const a = await open(uri);
      const b = await open(uri);
      try {
        await a.defineXML(emptyXml("vk-race"));
        const results = await Promise.allSettled([
          (await a.lookupByName("vk-race")).create(),
          (await b.lookupByName("vk-race")).create(),
          new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", MAIN, "-c", uri, "start", "vk-race"],
          }).output(),
        ]);
        const ok = results.filter((r) =>
          r.status === "fulfilled" && (!("value" in r) || !(r.value as Deno.CommandOutput)?.code)
        ).length;
        assertEquals(
          ok,
          1,
          JSON.stringify(results.map((r) =>
            r.status
          )),
        );
        const dirs = [...Deno.readDirSync(`${root}/run/qemu`)].filter((e) =>
          e.name.startsWith("domain-")
        );
        assertEquals(dirs.length, 1);
        const dom = await a.lookupByName("vk-race");
        const fp = await footprint(a, root, dom);
        await dom.destroy();
        await assertGone(fp);

        // Autostart: the first connection after a host boot starts it.
        await dom.setAutostart(true);
        await Deno.remove(`${root}/run/qemu/driver/boot-id`);
        const c = await open(uri);
        assertEquals((await (await c.lookupByName("vk-race")).state())[0], VIR_DOMAIN_RUNNING);
        await c.close();
        const again = await open(uri); // same boot: nothing more happens
        const d = await again.lookupByName("vk-race");
        const fp2 = await footprint(again, root, d);
        await d.destroy();
        await again.close();
        await assertGone(fp2);

        const nativeXml = emptyXml("vk-native").replace(
          "</name>",
          "</name><uuid>0f4c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b</uuid>",
        );
        const native = await a.domainXMLToNative("qemu-argv", nativeXml);
        assertMatch(
          native,
          /^LC_ALL=C PATH=\S+ HOME=\S+ .*\/usr\/bin\/qemu-system-x86_64 -name guest=vk-native,debug-threads=on -S -machine pc-i440fx-[\d.]+,accel=tcg/,
        );
        const viaCli = await cli(
          uri,
          "domxml-to-native",
          "qemu-argv",
          await writeTemp(root, nativeXml),
        );
        assertEquals(viaCli.code, 0, viaCli.stderr);
        assertEquals(viaCli.stdout, native + "\n");
      } finally {
        await a.close();
        await b.close();
      }
    });
  },
});

async function writeTemp(root: string, text: string): Promise<string> {
  const f = `${root}/x-${crypto.randomUUID()}.xml`;
  await Deno.writeTextFile(f, text);
  return f;
}

Deno.test({
  name: "qemu driver: bridge and ethernet interfaces get TAP devices, released on destroy",
  ignore: noQemu || noRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const bridge = `vkqbr${Math.floor(Math.random() * 1e5)}`;
    const tap = `vkqtap${Math.floor(Math.random() * 1e5)}`;
    createBridge(bridge);
    try {
      await withRoot(async (uri, root) => {
        const conn = await open(uri);
        try {
          const dom = await conn.createXML(emptyXml(
            "vk-nic",
            "qemu",
            `<interface type='bridge'><source bridge='${bridge}'/><model type='virtio'/></interface>
             <interface type='ethernet'><target dev='${tap}'/><model type='e1000'/></interface>`,
          ));
          const xml = await dom.XMLDesc();
          const first = xml.match(/<target dev='(vnet\d+)'\/>/)?.[1];
          assert(first, xml);
          assert(findLinkIndex(first) !== undefined);
          assertEquals(
            Deno.readLinkSync(`/sys/class/net/${first}/master`).split("/").pop(),
            bridge,
          );
          assert(findLinkIndex(tap) !== undefined);
          const stats = await dom.interfaceStats(tap);
          assertEquals(Object.keys(stats), [
            "rx_bytes",
            "rx_packets",
            "rx_errs",
            "rx_drop",
            "tx_bytes",
            "tx_packets",
            "tx_errs",
            "tx_drop",
          ]);
          const fp = await footprint(conn, root, dom);
          await dom.destroy();
          await assertGone(fp);
          assertEquals(findLinkIndex(first), undefined);
          assertEquals(findLinkIndex(tap), undefined);
        } finally {
          await conn.close();
        }
      });
    } finally {
      deleteLink(bridge);
    }
  },
});

Deno.test({
  name: "qemu driver: a guest on a virtual network gets its address from the network's DHCP server",
  ignore: noGuest || noRoot || skipUnless(hasCommand("dnsmasq"), "dnsmasq is not installed"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const initrd = await ensureTestGuest();
    const n = 100 + Math.floor(Math.random() * 150);
    const bridge = `vkqnet${n}`;
    await withRoot(async (uri, root) => {
      const conn = await open(uri);
      const net = await conn.networkDefineXML(`<network>
  <name>vkq-net</name>
  <bridge name='${bridge}'/>
  <ip address='10.213.${n}.1' netmask='255.255.255.0'>
    <dhcp><range start='10.213.${n}.10' end='10.213.${n}.20'/></dhcp>
  </ip>
</network>`);
      await net.create();
      try {
        const dom = await conn.createXML(guestXml("vk-net", initrd, {
          cmdline: "virtkit.dhcp=1",
          extra:
            "<interface type='network'><source network='vkq-net'/><model type='virtio'/></interface>",
        }));
        const fp = await footprint(conn, root, dom);
        const tap = (await dom.XMLDesc()).match(/<target dev='(vnet\d+)'\/>/)?.[1];
        assert(tap, "the live XML names the TAP device");
        assertEquals(Deno.readLinkSync(`/sys/class/net/${tap}/master`).split("/").pop(), bridge);
        // The whole line: the console may deliver the address in pieces.
        const text = await readConsoleUntil(dom, /VIRTKIT-DHCP-[^\r\n]*\r?\n/);
        assertMatch(text, new RegExp(`VIRTKIT-DHCP-ADDRESS 10\\.213\\.${n}\\.(1\\d|20)`));
        await dom.destroy();
        await assertGone(fp);
        assertEquals(findLinkIndex(tap), undefined);
      } finally {
        await net.destroy().catch(() => {});
        await net.undefine().catch(() => {});
        await conn.close();
      }
    });
  },
});
