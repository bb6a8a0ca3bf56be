/**
 * Listener addresses (`unix:PATH`, `tcp:HOST:PORT`) and the rules a server
 * checks before it starts: a TCP listener needs a way to authenticate
 * clients, and `--insecure` is only for loopback addresses.
 * @module
 */
import { VirtError } from "../errors.ts";

/** Where a listener listens. */
export type ListenAddress =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; host: string; port: number };

/** A listener to start: its address and whether it only serves reading requests. */
export type ListenSpec = ListenAddress & { readonly: boolean };

function bad(text: string, why: string): never {
  throw new VirtError("invalid-arg", "server", `bad listen address '${text}': ${why}`);
}

/**
 * Parses `unix:PATH` (an absolute path) or `tcp:HOST:PORT` (`tcp:[::1]:16509`;
 * port 0 picks a free one).
 *
 * @throws VirtError `invalid-arg` naming what is wrong
 */
export function parseListen(text: string): ListenAddress {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (!path.startsWith("/")) bad(text, "the socket path must be absolute");
    return { kind: "unix", path };
  }
  if (text.startsWith("tcp:")) {
    const rest = text.slice(4);
    const colon = rest.lastIndexOf(":");
    if (colon === -1) bad(text, "expected tcp:HOST:PORT");
    let host = rest.slice(0, colon);
    const portText = rest.slice(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    if (!host) bad(text, "missing host (use 0.0.0.0 or [::] for every address)");
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      bad(text, `bad port '${portText}', expected 0 to 65535`);
    }
    return { kind: "tcp", host, port: Number(portText) };
  }
  return bad(text, "expected unix:PATH or tcp:HOST:PORT");
}

/** Whether a host name or address is on the loopback interface. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** How the server authenticates TCP clients. */
export interface AuthSetup {
  /** A token file was given. */
  tokens: boolean;
  /** TLS is on. */
  tls: boolean;
  /** Client certificates are checked against a CA. */
  clientCa: boolean;
  /** `--insecure`: allow a loopback TCP listener without authentication. */
  insecure: boolean;
}

/**
 * Checks that every TCP listener can authenticate its clients: by bearer
 * token, or by TLS client certificates, or (with `insecure`) because it is
 * on loopback. TLS without either only encrypts, so it is not enough.
 *
 * @throws VirtError `operation-denied` naming the listener and the options that would allow it
 */
export function checkListenerSecurity(specs: readonly ListenSpec[], auth: AuthSetup): void {
  for (const s of specs) {
    if (s.kind !== "tcp") continue;
    const where = `tcp:${s.host.includes(":") ? `[${s.host}]` : s.host}:${s.port}`;
    if (auth.insecure && !isLoopback(s.host)) {
      throw new VirtError(
        "operation-denied",
        "server",
        `--insecure is only allowed on loopback addresses, not on ${where}`,
      );
    }
    if (auth.tokens || (auth.tls && auth.clientCa) || auth.insecure) continue;
    throw new VirtError(
      "operation-denied",
      "server",
      `refusing to listen on ${where} without authentication: give --token-file FILE, or ` +
        `--tls-cert/--tls-key with --tls-ca to check client certificates` +
        (isLoopback(s.host) ? ", or --insecure" : ""),
    );
  }
}
