/**
 * The QMP client against a fake QEMU monitor served from the test: framing
 * of split and joined messages, command replies and errors, events,
 * timeouts and closing.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { QmpClient, QmpError, type QmpEvent } from "../../drivers/qemu/qmp.ts";

const GREETING = JSON.stringify({
  QMP: {
    version: { qemu: { major: 7, minor: 2, micro: 0 }, package: "fake" },
    capabilities: ["oob"],
  },
});

type Cmd = { execute: string; id: number; arguments?: Record<string, unknown> };
type Send = (...msgs: unknown[]) => Promise<void>;
type Handler = (cmd: Cmd, send: Send, mon: FakeMonitor) => Promise<void> | void;

/** A fake monitor: sends the greeting in pieces, then hands each command to `handle`. */
class FakeMonitor {
  readonly path: string;
  readonly received: Cmd[] = [];
  #listener: Deno.UnixListener;
  #conn?: Deno.Conn;
  #done: Promise<void>;

  constructor(dir: string, handle: Handler) {
    this.path = `${dir}/qmp.sock`;
    this.#listener = Deno.listen({ transport: "unix", path: this.path });
    this.#done = this.#serve(handle);
  }

  async #serve(handle: Handler): Promise<void> {
    const conn = this.#conn = await this.#listener.accept();
    const enc = new TextEncoder();
    const raw = (text: string) => conn.write(enc.encode(text)).then(() => {});
    // Messages joined into one write: each is one JSON line.
    const send: Send = (...msgs: unknown[]) =>
      raw(msgs.map((m) => (typeof m === "string" ? m : JSON.stringify(m)) + "\r\n").join(""));
    // The greeting split in the middle of a token, across two writes.
    await raw(GREETING.slice(0, 17));
    await new Promise((r) => setTimeout(r, 20));
    await raw(GREETING.slice(17) + "\r\n");
    const dec = new TextDecoder();
    let buf = "";
    const chunk = new Uint8Array(4096);
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        buf += dec.decode(chunk.subarray(0, n), { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const cmd = JSON.parse(buf.slice(0, nl)) as Cmd;
          buf = buf.slice(nl + 1);
          this.received.push(cmd);
          if (cmd.execute === "qmp_capabilities") await send({ return: {}, id: cmd.id });
          else await handle(cmd, send, this);
        }
      }
    } catch {
      // the client went away
    }
  }

  /** Drops the connection, as QEMU exiting does. */
  hangUp(): void {
    try {
      this.#conn?.close();
    } catch { /* closed */ }
  }

  async close(): Promise<void> {
    this.hangUp();
    this.#listener.close();
    await this.#done;
  }
}

async function withMonitor(
  handle: Handler,
  fn: (qmp: QmpClient, mon: FakeMonitor) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const mon = new FakeMonitor(dir, handle);
  const qmp = await QmpClient.connect(mon.path, { timeoutMs: 2000, commandTimeoutMs: 2000 });
  try {
    await fn(qmp, mon);
  } finally {
    await qmp.close();
    await mon.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const TS = { seconds: 1, microseconds: 2 };

Deno.test("qmp: greeting split across reads, negotiation, replies matched by id", async () => {
  await withMonitor(async (cmd, send) => {
    if (cmd.execute === "query-status") {
      await send({ return: { status: "running", running: true }, id: cmd.id });
    }
    if (cmd.execute === "echo") await send({ return: cmd.arguments, id: cmd.id });
  }, async (qmp, mon) => {
    assertEquals(qmp.greeting.version.qemu, { major: 7, minor: 2, micro: 0 });
    const [a, b] = await Promise.all([
      qmp.execute("query-status"),
      qmp.execute("echo", { x: [1, "two"] }),
    ]);
    assertEquals(a, { status: "running", running: true });
    assertEquals(b, { x: [1, "two"] });
    assertEquals(mon.received.map((c) => c.execute), ["qmp_capabilities", "query-status", "echo"]);
  });
});

Deno.test("qmp: an error reply throws QmpError with QEMU's class and description", async () => {
  await withMonitor(async (cmd, send) => {
    await send({ error: { class: "DeviceNotFound", desc: "Device 'nope' not found" }, id: cmd.id });
  }, async (qmp) => {
    const err = await qmp.execute("device_del", { id: "nope" }).catch((e) => e);
    assert(err instanceof QmpError);
    assert(err instanceof VirtError);
    assertEquals([err.qmpClass, err.desc, err.command, err.code, err.domain], [
      "DeviceNotFound",
      "Device 'nope' not found",
      "device_del",
      "operation-failed",
      "qemu",
    ]);
    assertEquals(
      err.message,
      "QEMU command 'device_del' failed (DeviceNotFound): Device 'nope' not found",
    );
  });
});

Deno.test("qmp: events joined with a reply in one write reach listeners, iterators and waiters", async () => {
  await withMonitor(async (cmd, send) => {
    if (cmd.execute === "stop") {
      await send({ event: "STOP", data: {}, timestamp: TS }, { return: {}, id: cmd.id });
    } else if (cmd.execute === "system_powerdown") {
      await send(
        { return: {}, id: cmd.id },
        { event: "POWERDOWN", timestamp: TS },
        { event: "SHUTDOWN", data: { guest: true, reason: "guest-shutdown" }, timestamp: TS },
      );
    }
  }, async (qmp) => {
    const seen: string[] = [];
    const off = qmp.on("STOP", (e) => seen.push(`${e.event}@${e.timestamp.seconds}`));
    const iter = qmp.events();
    const collected = (async () => {
      const names: string[] = [];
      for await (const e of iter) {
        names.push(e.event);
        if (e.event === "SHUTDOWN") break;
      }
      return names;
    })();
    await qmp.execute("stop");
    off();
    const shutdown = qmp.waitForEvent("SHUTDOWN", { timeoutMs: 2000 });
    await qmp.execute("system_powerdown");
    const e: QmpEvent<"SHUTDOWN"> = await shutdown;
    assertEquals(e.data, { guest: true, reason: "guest-shutdown" });
    assertEquals(seen, ["STOP@1"]);
    assertEquals(await collected, ["STOP", "POWERDOWN", "SHUTDOWN"]);
  });
});

Deno.test("qmp: a command without a reply times out; waiting for an event times out", async () => {
  await withMonitor(() => {}, async (qmp) => {
    const err = await qmp.execute("query-status", undefined, { timeoutMs: 100 }).catch((e) => e);
    assert(err instanceof VirtError);
    assertEquals(err.code, "operation-timeout");
    assertMatch(err.message, /'query-status' got no reply within 100 ms/);
    await assertRejects(
      () => qmp.waitForEvent("RESET", { timeoutMs: 50 }),
      /no RESET event from QEMU within 50 ms/,
    );
  });
});

Deno.test("qmp: the monitor going away fails pending commands and resolves closed", async () => {
  await withMonitor((cmd, _send, mon) => {
    if (cmd.execute === "quit") mon.hangUp();
  }, async (qmp) => {
    const pending = qmp.execute("quit").catch((e) => e);
    const shutdown = qmp.waitForEvent("SHUTDOWN").catch((e) => e);
    await qmp.closed;
    assert(qmp.isClosed);
    const err = await pending;
    assert(err instanceof VirtError);
    assertMatch(err.message, /closed the connection \(quit\)/);
    assertMatch(String(await shutdown), /waiting for SHUTDOWN/);
    await assertRejects(() => qmp.execute("query-status"), /closed/);
  });
});

Deno.test("qmp: close() fails pending commands; connect waits for a socket that appears late", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/qmp.sock`;
  let server: FakeMonitor | undefined;
  const later = setTimeout(() => {
    server = new FakeMonitor(dir, () => {});
  }, 150);
  const qmp = await QmpClient.connect(path, { timeoutMs: 3000 });
  const pending = qmp.execute("query-status").catch((e) => e);
  await qmp.close();
  await qmp.close();
  assertMatch(String(await pending), /connection was closed/);
  clearTimeout(later);
  await server?.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("qmp: connecting to a socket that never appears times out", async () => {
  const dir = await Deno.makeTempDir();
  const err = await QmpClient.connect(`${dir}/none.sock`, { timeoutMs: 200 }).catch((e) => e);
  assert(err instanceof VirtError);
  assertEquals(err.code, "operation-timeout");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("qmp: a malformed line from the monitor ends the session with a clear error", async () => {
  await withMonitor(async (cmd, send) => {
    if (cmd.execute === "query-status") await send("{not json");
  }, async (qmp) => {
    const err = await qmp.execute("query-status").catch((e) => e);
    assertMatch(String(err), /malformed message: \{not json/);
    await qmp.closed;
  });
});
