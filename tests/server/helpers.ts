/**
 * Shared pieces of the server tests: a server on loopback with a token file
 * in a throwaway folder, authenticated requests, and test-driver domains.
 * @module
 */
import { type RunningServer, type ServerConfig, startServer } from "../../src/server/mod.ts";

/** The token the test servers accept, named `tester` in the audit log. */
export const TOKEN = "0123456789abcdef0123456789abcdef";

/** A running test server and everything to reach and remove it. */
export interface TestServer {
  server: RunningServer;
  /** `http://127.0.0.1:PORT` of its TCP listener. */
  base: string;
  port: number;
  /** The throwaway folder (token file, sockets, audit log). */
  dir: string;
  tokenFile: string;
  auditLog: string;
  /** Stops the server and removes the folder. */
  close(): Promise<void>;
}

/**
 * Starts a server with a token-protected TCP listener on a free loopback
 * port and `test:///default` as the default connection; `extra` adds to or
 * overrides the configuration.
 */
export async function startTestServer(extra: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-server-test-" });
  const tokenFile = `${dir}/tokens`;
  await Deno.writeTextFile(tokenFile, `# test tokens\ntester ${TOKEN}\n`, { mode: 0o600 });
  const auditLog = `${dir}/audit.log`;
  const server = await startServer({
    listen: [{ kind: "tcp", host: "127.0.0.1", port: 0, readonly: false }],
    tokenFile,
    defaultUri: "test:///default",
    auditLog,
    activation: false,
    ...extra,
  });
  const port = server.ports[0];
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    port,
    dir,
    tokenFile,
    auditLog,
    close: async () => {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A request with the test token. */
export function authed(init: RequestInit = {}): RequestInit {
  return { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } };
}

/** A fetch whose body is read at once: status, content type and text. */
export async function call(
  url: string,
  init: RequestInit & { client?: Deno.HttpClient } = {},
): Promise<{ status: number; type: string | null; text: string; json<T = unknown>(): T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** A minimal test-driver domain, with a fixed UUID when one is given. */
export function domainXml(name: string, uuid?: string): string {
  return `<domain type='test'>
  <name>${name}</name>${uuid ? `\n  <uuid>${uuid}</uuid>` : ""}
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
</domain>
`;
}
