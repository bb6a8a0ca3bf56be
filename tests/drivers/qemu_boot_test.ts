/**
 * Integration: the test guest (fixtures/guest) booted by real QEMU under TCG
 * from a domain definition, through `buildQemuArgv`, `Deno.Command` and the
 * QMP client; and a KVM domain reaching a live monitor. Every test leaves no
 * process and no socket behind.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { buildQemuArgv, type QemuArgvOptions } from "../../drivers/qemu/argv.ts";
import {
  hostHasKvm,
  probeQemuCaps,
  type QemuCaps,
  validateDomainForEmulator,
} from "../../drivers/qemu/caps.ts";
import { QmpClient } from "../../drivers/qemu/qmp.ts";
import {
  DHCP_MARKER,
  ensureTestGuest,
  POWEROFF_MARKER,
  READY_MARKER,
} from "../../fixtures/guest/build.ts";
import { skipUnless } from "../skip.ts";
import {
  type QemuChild,
  quitQemu,
  skipUnlessTestGuest,
  spawnQemu,
  TEST_KERNEL,
} from "./qemu_guest.ts";

const QEMU = "/usr/bin/qemu-system-x86_64";
const noGuest = skipUnlessTestGuest();
const BOOT_TIMEOUT_MS = 30_000;

/** One QEMU process started for a test, with its folder, monitor and output. */
interface Running extends QemuChild {
  dir: string;
  qmp: QmpClient;
  monitor: string;
}

let capsPromise: Promise<QemuCaps> | undefined;
function caps(dir: string): Promise<QemuCaps> {
  return capsPromise ??= probeQemuCaps(QEMU, { cacheDir: `${dir}/caps` });
}

function guestXml(
  type: "qemu" | "kvm",
  initrd: string,
  cmdline: string,
  serial: string,
  devices = "",
): string {
  return `<domain type='${type}'>
  <name>vk-test-guest</name>
  <uuid>6a1f3c2e-8d4b-4e5f-9a0b-1c2d3e4f5a6b</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${TEST_KERNEL?.path}</kernel>
    <initrd>${initrd}</initrd>
    <cmdline>${cmdline}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    ${serial}
    ${devices}
    <memballoon model='virtio'/>
  </devices>
</domain>`;
}

async function start(
  xml: string,
  dir: string,
  extra: Partial<QemuArgvOptions> = {},
): Promise<Running> {
  const def = parseDomainXml(xml);
  const c = await caps(dir);
  validateDomainForEmulator(def, c);
  const monitor = `${dir}/monitor.sock`;
  const cmd = buildQemuArgv(def, { caps: c, paths: { monitor, home: dir }, ...extra });
  const p = spawnQemu(cmd);
  let qmp: QmpClient;
  try {
    qmp = await QmpClient.connect(monitor, { timeoutMs: 10_000, signal: p.gone });
  } catch (e) {
    await stop({ ...p, dir, monitor } as Running);
    throw new Error(`${e}\nQEMU said: ${await p.output}`);
  }
  return { ...p, dir, qmp, monitor };
}

/** Ends the process if it still runs (quit, then SIGKILL) and checks nothing is left. */
async function stop(r: Running): Promise<Deno.CommandStatus> {
  const final = await quitQemu(r, r.qmp);
  await r.output;
  let socketLeft = true;
  try {
    Deno.statSync(r.monitor);
  } catch {
    socketLeft = false;
  }
  assert(!socketLeft, `monitor socket ${r.monitor} left behind`);
  return final;
}

/** Waits until `read()` contains `marker`; returns the text read. */
async function waitFor(
  read: () => string,
  marker: string,
  what: string,
  timeoutMs = BOOT_TIMEOUT_MS,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = read();
    if (text.includes(marker)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no '${marker}' on ${what} within ${timeoutMs} ms; got:\n${read().slice(-2000)}`);
}

function readFile(path: string): () => string {
  return () => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
}

Deno.test({
  name: "boot: TCG guest on a serial file: marker, DHCP, stop/cont, ACPI power button, quit",
  ignore: noGuest,
  async fn() {
    const initrd = await ensureTestGuest();
    const dir = await Deno.makeTempDir({ prefix: "vk-qemu-boot-" });
    const serial = `${dir}/serial.log`;
    let r: Running | undefined;
    try {
      const xml = guestXml(
        "qemu",
        initrd,
        "console=ttyS0 quiet virtkit.dhcp=1",
        `<serial type='file'><source path='${serial}'/></serial>`,
        "<interface type='user'><mac address='52:54:00:5e:00:01'/><model type='virtio'/></interface>",
      );
      r = await start(xml, dir);
      const qmp = r.qmp;
      assertEquals((await qmp.execute<{ status: string }>("query-status")).status, "prelaunch");
      const resumed = qmp.waitForEvent("RESUME");
      await qmp.execute("cont");
      await resumed;
      await waitFor(readFile(serial), READY_MARKER, "the serial console");
      assertEquals(await qmp.execute("query-status"), {
        status: "running",
        singlestep: false,
        running: true,
      });
      const text = await waitFor(readFile(serial), DHCP_MARKER, "the serial console");
      assertMatch(text, /VIRTKIT-DHCP-ADDRESS 10\.0\.2\.15/);
      const stopped = qmp.waitForEvent("STOP");
      await qmp.execute("stop");
      await stopped;
      assertEquals((await qmp.execute<{ status: string }>("query-status")).status, "paused");
      const again = qmp.waitForEvent("RESUME");
      await qmp.execute("cont");
      await again;
      const shutdown = qmp.waitForEvent("SHUTDOWN", { timeoutMs: BOOT_TIMEOUT_MS });
      await qmp.execute("system_powerdown");
      const e = await shutdown;
      assertEquals(e.data, { guest: true, reason: "guest-shutdown" });
      assert(readFile(serial)().includes(POWEROFF_MARKER));
      // -no-shutdown: QEMU stays, the guest is shut down, the driver decides.
      assertEquals((await qmp.execute<{ status: string }>("query-status")).status, "shutdown");
      const status = await stop(r);
      assertEquals(status.code, 0);
      r = undefined;
    } finally {
      if (r) await stop(r);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "boot: TCG guest on a unix socket serial powers off when told 'poweroff' on its console",
  ignore: noGuest,
  async fn() {
    const initrd = await ensureTestGuest();
    const dir = await Deno.makeTempDir({ prefix: "vk-qemu-boot-" });
    const sock = `${dir}/console.sock`;
    let r: Running | undefined;
    let conn: Deno.Conn | undefined;
    try {
      r = await start(
        guestXml(
          "qemu",
          initrd,
          "console=ttyS0 quiet",
          `<serial type='unix'><source mode='bind' path='${sock}'/></serial>`,
        ),
        dir,
      );
      conn = await Deno.connect({ transport: "unix", path: sock });
      let text = "";
      const dec = new TextDecoder();
      const c = conn;
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          for (let n; (n = await c.read(buf)) !== null;) {
            text += dec.decode(buf.subarray(0, n), { stream: true });
          }
        } catch { /* closed */ }
      })();
      await r.qmp.execute("cont");
      await waitFor(() => text, READY_MARKER, "the console socket");
      const shutdown = r.qmp.waitForEvent("SHUTDOWN", { timeoutMs: BOOT_TIMEOUT_MS });
      await conn.write(new TextEncoder().encode("poweroff\n"));
      assertEquals((await shutdown).data, { guest: true, reason: "guest-shutdown" });
      await waitFor(() => text, POWEROFF_MARKER, "the console socket", 5000);
      conn.close();
      conn = undefined;
      assertEquals((await stop(r)).code, 0);
      r = undefined;
    } finally {
      conn?.close();
      if (r) await stop(r);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "boot: TCG guest on a pty powers off by itself with virtkit.poweroff=N",
  ignore: noGuest,
  async fn() {
    const initrd = await ensureTestGuest();
    const dir = await Deno.makeTempDir({ prefix: "vk-qemu-boot-" });
    let r: Running | undefined;
    try {
      r = await start(
        guestXml(
          "qemu",
          initrd,
          "console=ttyS0 quiet virtkit.poweroff=1",
          "<serial type='pty'/>",
        ),
        dir,
      );
      const chardevs = await r.qmp.execute<{ label: string; filename: string }[]>("query-chardev");
      const pty = chardevs.find((c) => c.label === "charserial0");
      assertMatch(pty?.filename ?? "", /^pty:\/dev\/pts\/\d+$/);
      const shutdown = r.qmp.waitForEvent("SHUTDOWN", { timeoutMs: BOOT_TIMEOUT_MS });
      await r.qmp.execute("cont");
      assertEquals((await shutdown).data, { guest: true, reason: "guest-shutdown" });
      assertEquals((await stop(r)).code, 0);
      r = undefined;
    } finally {
      if (r) await stop(r);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "boot: a KVM domain reaches a live monitor with KVM enabled",
  ignore: noGuest || skipUnless(hostHasKvm(), "/dev/kvm is missing or not accessible"),
  async fn() {
    const initrd = await ensureTestGuest();
    const dir = await Deno.makeTempDir({ prefix: "vk-qemu-kvm-" });
    let r: Running | undefined;
    try {
      r = await start(
        guestXml(
          "kvm",
          initrd,
          "console=ttyS0 quiet",
          `<serial type='file'><source path='${dir}/serial.log'/></serial>`,
        ),
        dir,
      );
      assertEquals(await r.qmp.execute("query-kvm"), { enabled: true, present: true });
      assertEquals((await r.qmp.execute<{ status: string }>("query-status")).status, "prelaunch");
      assertEquals((await stop(r)).code, 0);
      r = undefined;
    } finally {
      if (r) await stop(r);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
