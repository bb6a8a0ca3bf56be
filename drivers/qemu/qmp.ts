/**
 * A client for QEMU's machine protocol (QMP) over a unix socket: it reads
 * the greeting, negotiates capabilities, runs commands (matched to their
 * replies by id) and delivers asynchronous events. Messages are JSON objects
 * separated by newlines; the reader copes with messages split across reads
 * or several arriving in one read.
 *
 * @example
 * ```ts
 * const qmp = await QmpClient.connect("/run/vm1.monitor", { timeoutMs: 5000 });
 * qmp.on("SHUTDOWN", (e) => console.log("guest shut down:", e.data.reason));
 * await qmp.execute("cont");
 * const status = await qmp.execute<{ status: string }>("query-status");
 * await qmp.close();
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";

/** The version QEMU announces in its greeting. */
export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

/** The greeting QEMU sends when a client connects. */
export interface QmpGreeting {
  version: QmpVersion;
  capabilities: string[];
}

/** The `data` of the events the driver acts on; other events carry any object. */
export interface QmpEventData {
  /** The guest stopped running (paused, or shut down with `-no-shutdown`). */
  STOP: Record<string, never>;
  RESUME: Record<string, never>;
  /** `guest` is true when the guest asked for it; `reason` names the cause (`guest-shutdown`, `host-qmp-quit`, ...). */
  SHUTDOWN: { guest: boolean; reason: string };
  RESET: { guest: boolean; reason: string };
  POWERDOWN: Record<string, never>;
  GUEST_PANICKED: { action: string; info?: Record<string, unknown> };
  WATCHDOG: { action: string };
  DEVICE_DELETED: { device?: string; path: string };
  BLOCK_IO_ERROR: {
    device: string;
    "node-name"?: string;
    operation: string;
    action: string;
    reason: string;
  };
  SUSPEND: Record<string, never>;
  WAKEUP: Record<string, never>;
}

/** An asynchronous event from QEMU. */
export interface QmpEvent<N extends string = string> {
  event: N;
  data: N extends keyof QmpEventData ? QmpEventData[N] : Record<string, unknown>;
  /** When QEMU raised it. */
  timestamp: { seconds: number; microseconds: number };
}

/** A command QEMU rejected: a `VirtError` that keeps QEMU's error class and description. */
export class QmpError extends VirtError {
  /** QEMU's error class (`GenericError`, `CommandNotFound`, `DeviceNotFound`, ...). */
  readonly qmpClass: string;
  /** QEMU's own description of the error. */
  readonly desc: string;
  /** The command that failed. */
  readonly command: string;

  /**
   * @param command the command that failed
   * @param qmpClass QEMU's error class
   * @param desc QEMU's description
   */
  constructor(command: string, qmpClass: string, desc: string) {
    super(
      qmpClass === "CommandNotFound" ? "operation-unsupported" : "operation-failed",
      "qemu",
      `QEMU command '${command}' failed (${qmpClass}): ${desc}`,
    );
    this.name = "QmpError";
    this.qmpClass = qmpClass;
    this.desc = desc;
    this.command = command;
  }
}

/** Options of {@link QmpClient.connect}. */
export interface QmpConnectOptions {
  /**
   * How long to keep trying to connect and to wait for the greeting and the
   * capabilities negotiation, in milliseconds (default 10000). The socket
   * may not exist yet when QEMU has only just been started.
   */
  timeoutMs?: number;
  /** Default timeout of {@link QmpClient.execute}, in milliseconds (default 30000). */
  commandTimeoutMs?: number;
  /** Gives up connecting when aborted (for example when the QEMU process exits early). */
  signal?: AbortSignal;
}

/** Options of one {@link QmpClient.execute} call. */
export interface QmpExecuteOptions {
  /** Milliseconds to wait for the reply; overrides the client default. */
  timeoutMs?: number;
}

type Pending = {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};

type Listener = (e: QmpEvent) => void;

const RETRY_MS = 50;

/** A connected, negotiated QMP session. */
export class QmpClient {
  /** The greeting QEMU sent. */
  readonly greeting: QmpGreeting;
  /** Resolves when the connection has ended, for whatever reason (QEMU exiting, {@link close}). */
  readonly closed: Promise<void>;

  #conn: Deno.Conn;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Set<Listener>>();
  #nextId = 1;
  #commandTimeoutMs: number;
  #isClosed = false;
  #closeReason?: Error;
  #writeChain: Promise<void> = Promise.resolve();
  #resolveClosed!: () => void;

  private constructor(conn: Deno.Conn, greeting: QmpGreeting, commandTimeoutMs: number) {
    this.#conn = conn;
    this.greeting = greeting;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /**
   * Connects to the QMP socket at `path` (retrying until it accepts or the
   * timeout passes), reads the greeting and sends `qmp_capabilities`.
   *
   * @throws VirtError `operation-timeout` when QEMU did not answer in time,
   * `operation-failed` when the socket closed or spoke something else
   */
  static async connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const conn = await connectWithRetry(path, deadline, opts.signal);
    const reader = new LineReader(conn);
    try {
      const first = await withDeadline(
        reader.next(),
        deadline,
        `QEMU monitor at ${path} sent no greeting`,
      );
      const qmp = first?.QMP as QmpGreeting | undefined;
      if (!qmp || typeof qmp !== "object" || !qmp.version) {
        throw new VirtError(
          "operation-failed",
          "qemu",
          `QEMU monitor at ${path} sent no QMP greeting`,
        );
      }
      const client = new QmpClient(conn, qmp, opts.commandTimeoutMs ?? 30_000);
      client.#readLoop(reader);
      await client.execute("qmp_capabilities", undefined, {
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      return client;
    } catch (e) {
      try {
        conn.close();
      } catch { /* already closed */ }
      throw e;
    }
  }

  /** Whether the connection has ended. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Runs a QMP command and returns its `return` value.
   *
   * @throws QmpError (a VirtError) carrying QEMU's `class` and `desc` when QEMU rejects the command;
   * VirtError `operation-timeout` when no reply came in time; `operation-failed` when the monitor closed
   */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    opts: QmpExecuteOptions = {},
  ): Promise<T> {
    if (this.#isClosed) return Promise.reject(this.#closedError(command));
    const id = this.#nextId++;
    const msg: Record<string, unknown> = { execute: command, id };
    if (args !== undefined) msg.arguments = args;
    const timeoutMs = opts.timeoutMs ?? this.#commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new VirtError(
            "operation-timeout",
            "qemu",
            `QEMU command '${command}' got no reply within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#write(JSON.stringify(msg) + "\n").catch((e) => this.#fail(id, e));
    });
  }

  /**
   * Calls `listener` for every event named `event` (`"*"` for every event).
   * Returns a function that removes the listener.
   */
  on<N extends string>(event: N | "*", listener: (e: QmpEvent<N>) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, set = new Set());
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /**
   * Waits for the next event named `event` that `filter` accepts.
   *
   * @throws VirtError `operation-timeout` after `timeoutMs` (default 30000),
   * `operation-failed` when the monitor closes first
   */
  waitForEvent<N extends string>(
    event: N,
    opts: { timeoutMs?: number; filter?: (e: QmpEvent<N>) => boolean } = {},
  ): Promise<QmpEvent<N>> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const watch = { settled: false };
      const done = (fn: () => void) => {
        clearTimeout(timer);
        off();
        watch.settled = true;
        fn();
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new VirtError(
                "operation-timeout",
                "qemu",
                `no ${event} event from QEMU within ${timeoutMs} ms`,
              ),
            )
          ),
        timeoutMs,
      );
      const off = this.on(event, (e) => {
        if (!opts.filter || opts.filter(e)) done(() => resolve(e));
      });
      this.closed.then(() => {
        if (!watch.settled) done(() => reject(this.#closedError(`waiting for ${event}`)));
      });
    });
  }

  /**
   * Every event from now on, as an async iterator; it ends when the
   * connection closes or the loop breaks.
   *
   * @example
   * ```ts
   * for await (const e of qmp.events()) if (e.event === "SHUTDOWN") break;
   * ```
   */
  async *events(): AsyncGenerator<QmpEvent, void, undefined> {
    const queue: QmpEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.on("*", (e) => {
      queue.push(e);
      wake?.();
    });
    this.closed.then(() => wake?.());
    try {
      while (true) {
        while (queue.length) yield queue.shift()!;
        if (this.#isClosed) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      off();
    }
  }

  /** Closes the connection; pending commands fail with `operation-failed`. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.#isClosed) {
      try {
        this.#conn.close();
      } catch { /* already closed */ }
      this.#shutdown(
        new VirtError("operation-failed", "qemu", "QEMU monitor connection was closed"),
      );
    }
    await this.closed;
  }

  #write(text: string): Promise<void> {
    const data = new TextEncoder().encode(text);
    const next = this.#writeChain.then(async () => {
      let off = 0;
      while (off < data.length) off += await this.#conn.write(data.subarray(off));
    });
    this.#writeChain = next.catch(() => {});
    return next;
  }

  #fail(id: number, e: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    p.reject(e instanceof Error ? e : new Error(String(e)));
  }

  async #readLoop(reader: LineReader): Promise<void> {
    let reason: Error = new VirtError(
      "operation-failed",
      "qemu",
      "QEMU monitor closed the connection",
    );
    try {
      while (true) {
        const msg = await reader.next();
        if (msg === null) break;
        this.#dispatch(msg);
      }
    } catch (e) {
      if (!this.#isClosed) {
        reason = new VirtError(
          "operation-failed",
          "qemu",
          `QEMU monitor connection failed: ${(e as Error).message}`,
        );
      }
    }
    if (!this.#isClosed) {
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    this.#shutdown(reason);
  }

  #dispatch(msg: Record<string, unknown>): void {
    if (typeof msg.event === "string") {
      const e = { event: msg.event, data: msg.data ?? {}, timestamp: msg.timestamp } as QmpEvent;
      for (const key of [e.event, "*"]) {
        for (const l of [...(this.#listeners.get(key) ?? [])]) {
          try {
            l(e);
          } catch (err) {
            console.error(`QMP event listener for ${e.event} threw:`, err);
          }
        }
      }
      return;
    }
    const id = msg.id;
    if (typeof id !== "number") return;
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if ("error" in msg) {
      const err = msg.error as { class?: string; desc?: string };
      p.reject(
        new QmpError(
          p.command,
          String(err?.class ?? "GenericError"),
          String(err?.desc ?? "unknown error"),
        ),
      );
    } else {
      p.resolve(msg.return);
    }
  }

  #closedError(what: string): VirtError {
    const why = this.#closeReason?.message ?? "QEMU monitor connection is closed";
    return new VirtError("operation-failed", "qemu", `${why} (${what})`);
  }

  #shutdown(reason: Error): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closeReason = reason;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(this.#closedError(p.command));
    }
    this.#pending.clear();
    this.#resolveClosed();
  }
}

async function connectWithRetry(
  path: string,
  deadline: number,
  signal?: AbortSignal,
): Promise<Deno.Conn> {
  let last: unknown;
  while (true) {
    if (signal?.aborted) {
      throw new VirtError(
        "operation-failed",
        "qemu",
        `gave up connecting to QEMU monitor at ${path}: ${signal.reason ?? "aborted"}`,
      );
    }
    try {
      return await Deno.connect({ transport: "unix", path });
    } catch (e) {
      last = e;
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.ConnectionRefused)) break;
    }
    if (Date.now() + RETRY_MS > deadline) {
      throw new VirtError(
        "operation-timeout",
        "qemu",
        `QEMU monitor socket ${path} did not accept a connection in time: ${
          (last as Error).message
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new VirtError(
    "operation-failed",
    "qemu",
    `cannot connect to QEMU monitor at ${path}: ${(last as Error).message}`,
  );
}

function withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  p.catch(() => {}); // a late failure after the deadline is not an unhandled rejection
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VirtError("operation-timeout", "qemu", `${what} in time`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Splits the byte stream of a connection into JSON messages, one per line. */
class LineReader {
  #conn: Deno.Conn;
  #decoder = new TextDecoder();
  #buf = "";
  #lines: string[] = [];
  #eof = false;
  #chunk = new Uint8Array(64 * 1024);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** The next message, or null at the end of the stream. Throws on a line that is not a JSON object. */
  async next(): Promise<Record<string, unknown> | null> {
    while (true) {
      while (this.#lines.length) {
        const line = this.#lines.shift()!.trim();
        if (!line) continue;
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          throw new VirtError(
            "operation-failed",
            "qemu",
            `QEMU monitor sent a malformed message: ${line.slice(0, 200)}`,
          );
        }
        if (!msg || typeof msg !== "object" || Array.isArray(msg)) {
          throw new VirtError(
            "operation-failed",
            "qemu",
            `QEMU monitor sent a message that is not an object: ${line.slice(0, 200)}`,
          );
        }
        return msg as Record<string, unknown>;
      }
      if (this.#eof) return null;
      const n = await this.#conn.read(this.#chunk);
      if (n === null) {
        this.#eof = true;
        this.#buf += this.#decoder.decode();
        if (this.#buf.trim()) this.#lines.push(this.#buf);
        this.#buf = "";
        continue;
      }
      this.#buf += this.#decoder.decode(this.#chunk.subarray(0, n), { stream: true });
      const parts = this.#buf.split("\n");
      this.#buf = parts.pop()!;
      this.#lines.push(...parts);
    }
  }
}
