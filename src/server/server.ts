/**
 * Starting and stopping a server: the listeners (unix sockets, TCP with or
 * without TLS, sockets from systemd), the app they share, the connections
 * and the audit log.
 *
 * @example
 * ```ts
 * const srv = await startServer({ listen: [{ kind: "tcp", host: "127.0.0.1", port: 0, readonly: false }], insecure: true });
 * console.log(srv.addresses); // ["tcp:127.0.0.1:41234"]
 * await srv.shutdown();
 * ```
 * @module
 */
import { createServer as createHttpServer, type Server as NodeHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { VirtError } from "../errors.ts";
import { activatedSockets } from "./activation.ts";
import { createApp, type ServerApp } from "./app.ts";
import { openAuditLog } from "./audit.ts";
import { loadTokens, type TokenEntry } from "./auth.ts";
import { DEFAULT_MAX_BODY } from "./body.ts";
import { ConnectionPool } from "./connections.ts";
import { errorResponse } from "./errors.ts";
import { checkListenerSecurity, isLoopback, type ListenSpec } from "./listen-spec.ts";
import { nodeListener } from "./node-adapter.ts";
import { defaultSocketPath } from "./paths.ts";
import type { ListenerInfo } from "./route.ts";
import { serveUnix } from "./unix-socket.ts";

/** How to run a server. */
export interface ServerConfig {
  /** Where to listen; with none (and no systemd sockets), the default unix sockets. */
  listen: ListenSpec[];
  /** A file of bearer tokens; TCP listeners then require one. */
  tokenFile?: string;
  /** TLS for every TCP listener: PEM files; with `ca`, clients must present a certificate it signed. */
  tls?: { cert: string; key: string; ca?: string };
  /** Allow TCP listeners on loopback without authentication. */
  insecure?: boolean;
  /** The largest request body, in bytes. */
  maxBody?: number;
  /** The URI of requests that name none. */
  defaultUri?: string;
  /** Append the audit log to this file instead of standard error. */
  auditLog?: string;
  /** Use sockets passed by systemd (`LISTEN_FDS`); on by default. */
  activation?: boolean;
  /** File mode of read-write unix sockets (default 0600); read-only ones get 0666. */
  socketMode?: number;
}

/** A running server. */
export interface RunningServer {
  /** Each listener as `unix:PATH`, `tcp:HOST:PORT`, `tls:HOST:PORT` or `fd:N`, with ` (ro)` when read-only. */
  readonly addresses: string[];
  /** The TCP ports bound, in listener order (useful with port 0). */
  readonly ports: number[];
  /** Stops listening, ends event streams, closes the connections. */
  shutdown(): Promise<void>;
}

function hostLabel(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new VirtError(
      "system-error",
      "server",
      `cannot read the ${what} '${path}': ${e instanceof Error ? e.message : e}`,
    );
  }
}

function listenNode(srv: NodeHttpServer, opts: { fd: number } | { port: number; host: string }) {
  return new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(opts, () => {
      srv.off("error", reject);
      resolve();
    });
  });
}

/**
 * Starts a server.
 *
 * @throws VirtError when a TCP listener would have no authentication, a file
 *   cannot be read, or an address cannot be bound; nothing is left running then
 */
export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const tokens: TokenEntry[] = cfg.tokenFile ? await loadTokens(cfg.tokenFile) : [];
  const auth = {
    tokens: tokens.length > 0,
    tls: cfg.tls !== undefined,
    clientCa: cfg.tls?.ca !== undefined,
    insecure: cfg.insecure ?? false,
  };
  const activated = cfg.activation === false ? [] : activatedSockets();
  let specs = cfg.listen;
  if (!specs.length && !activated.length) {
    specs = [
      { kind: "unix", path: defaultSocketPath(), readonly: false },
      { kind: "unix", path: defaultSocketPath(true), readonly: true },
    ];
  }
  checkListenerSecurity(specs, auth);
  const tls = cfg.tls && {
    cert: await readPem(cfg.tls.cert, "TLS certificate"),
    key: await readPem(cfg.tls.key, "TLS key"),
    ca: cfg.tls.ca ? await readPem(cfg.tls.ca, "TLS client CA") : undefined,
  };

  const pool = new ConnectionPool(cfg.defaultUri);
  const audit = openAuditLog(cfg.auditLog);
  const app: ServerApp = createApp({
    pool,
    tokens,
    maxBody: cfg.maxBody ?? DEFAULT_MAX_BODY,
    audit: audit.log,
  });
  const onError = (e: unknown) => errorResponse(e);
  const stops: (() => Promise<void>)[] = [];
  const addresses: string[] = [];
  const ports: number[] = [];
  const label = (l: ListenerInfo) => l.label + (l.readonly ? " (ro)" : "");

  const shutdown = async () => {
    app.shutdown();
    await Promise.allSettled(stops.map((s) => s()));
    await pool.closeAll();
    audit.close();
  };

  try {
    for (const s of specs) {
      if (s.kind === "unix") {
        const listener: ListenerInfo = {
          label: `unix:${s.path}`,
          readonly: s.readonly,
          needsToken: false,
        };
        const mode = s.readonly ? 0o666 : cfg.socketMode ?? 0o600;
        const u = await serveUnix(s.path, mode, (req) => app.fetch(req, { listener }), onError);
        stops.push(async () => {
          await u.server.shutdown();
          await u.unlink();
        });
        addresses.push(label(listener));
        continue;
      }
      const listener: ListenerInfo = {
        label: "",
        readonly: s.readonly,
        needsToken: auth.tokens,
      };
      if (tls?.ca) {
        const srv = createHttpsServer(
          { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
          nodeListener(
            "https",
            (req, peer) =>
              app.fetch(req, { listener, remote: peer.remote, peer: peer.certSubject }),
          ),
        );
        await listenNode(srv, { port: s.port, host: s.host });
        stops.push(() =>
          new Promise((resolve) => {
            srv.close(() => resolve());
            srv.closeAllConnections();
          })
        );
        const port = (srv.address() as AddressInfo).port;
        listener.label = `tls:${hostLabel(s.host)}:${port}`;
        ports.push(port);
      } else {
        const server = Deno.serve({
          hostname: s.host,
          port: s.port,
          ...(tls ? { cert: tls.cert, key: tls.key } : {}),
          onListen: () => {},
          onError,
          handler: (req, info) =>
            app.fetch(req, {
              listener,
              remote: `${hostLabel(info.remoteAddr.hostname)}:${info.remoteAddr.port}`,
            }),
        });
        stops.push(() => server.shutdown());
        listener.label = `${tls ? "tls" : "tcp"}:${hostLabel(s.host)}:${server.addr.port}`;
        ports.push(server.addr.port);
      }
      addresses.push(label(listener));
    }

    for (const a of activated) {
      const listener: ListenerInfo = {
        label: `fd:${a.fd}`,
        readonly: a.readonly,
        needsToken: false,
      };
      const srv = createHttpServer(
        nodeListener("http", (req, peer) => app.fetch(req, { listener, remote: peer.remote })),
      );
      await listenNode(srv, { fd: a.fd });
      stops.push(() =>
        new Promise((resolve) => {
          srv.close(() => resolve());
          srv.closeAllConnections();
        })
      );
      const addr = srv.address();
      if (addr && typeof addr === "object") {
        // A TCP socket: the same rules as a TCP listener, plain HTTP.
        listener.needsToken = auth.tokens;
        if (!auth.tokens && !(auth.insecure && isLoopback(addr.address))) {
          throw new VirtError(
            "operation-denied",
            "server",
            `refusing to serve the systemd socket '${a.name}' (${addr.address}:${addr.port}) without --token-file`,
          );
        }
        listener.label = `fd:${a.fd}:tcp:${hostLabel(addr.address)}:${addr.port}`;
      } else {
        listener.label = `fd:${a.fd}:${a.name}`;
      }
      addresses.push(label(listener));
    }
  } catch (e) {
    await shutdown();
    throw e;
  }
  return { addresses, ports, shutdown };
}
