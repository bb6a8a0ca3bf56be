/**
 * The HTTP side of the remote driver: where a remote URI points (a TCP
 * address with or without TLS, or a unix socket), the bearer token, and
 * requests that turn the server's JSON errors back into `VirtError`s.
 * @module
 */
import { type ErrorCode, type ErrorDomain, VirtError } from "../../src/errors.ts";
import { defaultSocketPath } from "../../src/server/paths.ts";
import { type ConnectUri, formatUri, parseUri, uriParam, uriTransport } from "../../src/uri.ts";

/** The header naming the server-side URI in full (the `name` parameter). */
const URI_HEADER = "x-virtkit-uri";

/** Default ports, as libvirtd's: 16509 plain, 16514 TLS. */
export const DEFAULT_HTTP_PORT = 16509;
/** The default port of `+https` and `+tls` URIs. */
export const DEFAULT_HTTPS_PORT = 16514;

/** The environment variable holding a bearer token. */
export const TOKEN_ENV = "VIRTKIT_TOKEN";

/** Where and how to reach a server. */
export interface Endpoint {
  /** `http://HOST:PORT` or `https://HOST:PORT` (`http://localhost` over a unix socket). */
  origin: string;
  /** The connection prefix before `/v1` (`/test/default`). */
  prefix: string;
  /** Headers sent with every request (token, full URI). */
  headers: Record<string, string>;
  /** The HTTP client (unix socket proxy, TLS material). */
  client: Deno.HttpClient;
  /** What error messages call the server. */
  where: string;
}

function fail(code: ErrorCode, message: string): never {
  throw new VirtError(code, "remote", message);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    return fail(
      "no-connect",
      `cannot read the ${what} '${path}': ${e instanceof Error ? e.message : e}`,
    );
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The token: the `tokenfile` parameter's file (its first token), else `VIRTKIT_TOKEN`. */
async function findToken(uri: ConnectUri): Promise<string | undefined> {
  const file = uriParam(uri, "tokenfile");
  if (file !== undefined) {
    const lines = (await readText(file, "token file")).split("\n").map((l) => l.trim());
    const line = lines.find((l) => l && !l.startsWith("#"));
    if (!line) fail("auth-failed", `the token file '${file}' holds no token`);
    return line.split(/\s+/).pop();
  }
  try {
    return Deno.env.get(TOKEN_ENV) || undefined;
  } catch {
    return undefined;
  }
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * Works out where a remote URI points: `DRIVER+http://HOST[:PORT]/PATH`,
 * `+https` (and libvirt's `+tls`, or a host without a transport),
 * `+tcp` (plain HTTP) or `+unix` (`?socket=PATH`, default
 * `/run/virtkit/virtkit-sock`). `?name=URI` names the server-side URI in
 * full; otherwise it is `DRIVER:///PATH`.
 *
 * @throws VirtError `no-connect` for the ssh and ext transports
 */
export async function endpointFor(uri: ConnectUri): Promise<Endpoint> {
  const transport = uriTransport(uri);
  const headers: Record<string, string> = {};
  const token = await findToken(uri);
  if (token) headers["authorization"] = `Bearer ${token}`;
  const name = uriParam(uri, "name");
  let driver = uri.driver;
  let path = uri.path;
  if (name !== undefined) {
    const target = parseUri(name);
    if (target.remote) {
      fail("invalid-arg", `the 'name' parameter must be a local URI, not '${name}'`);
    }
    driver = target.driver;
    path = target.path;
    headers[URI_HEADER] = formatUri(target);
  }
  const prefix = "/" + encodeURIComponent(driver) + (path === "/" ? "" : encodePath(path));
  const host = uri.host?.includes(":") ? `[${uri.host}]` : uri.host;
  switch (transport) {
    case "unix": {
      const socket = uriParam(uri, "socket") ?? defaultSocketPath();
      return {
        origin: "http://localhost",
        prefix,
        headers,
        client: Deno.createHttpClient({ proxy: { transport: "unix", path: socket } }),
        where: `unix:${socket}`,
      };
    }
    case "http":
    case "tcp":
      return {
        origin: `http://${host ?? "localhost"}:${uri.port ?? DEFAULT_HTTP_PORT}`,
        prefix,
        headers,
        client: Deno.createHttpClient({}),
        where: `${host ?? "localhost"}:${uri.port ?? DEFAULT_HTTP_PORT}`,
      };
    case "https":
    case "tls": {
      const pki = uriParam(uri, "pkipath");
      const opts: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {};
      if (pki !== undefined) {
        const ca = await readOptional(`${pki}/cacert.pem`);
        if (ca) opts.caCerts = [ca];
        const cert = await readOptional(`${pki}/clientcert.pem`);
        const key = await readOptional(`${pki}/clientkey.pem`);
        if (cert && key) Object.assign(opts, { cert, key });
      }
      return {
        origin: `https://${host ?? "localhost"}:${uri.port ?? DEFAULT_HTTPS_PORT}`,
        prefix,
        headers,
        client: Deno.createHttpClient(opts as Deno.CreateHttpClientOptions),
        where: `${host ?? "localhost"}:${uri.port ?? DEFAULT_HTTPS_PORT}`,
      };
    }
    default:
      return fail(
        "no-connect",
        `remote connections over ${transport} are not available: virtkit servers speak HTTP; use ` +
          `${uri.driver}+http://, ${uri.driver}+https:// or ${uri.driver}+unix://`,
      );
  }
}

/** Query parameters of a request; undefined and false values, and zero flags, are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Requests to one server endpoint. */
export class HttpTransport {
  constructor(readonly endpoint: Endpoint) {}

  /** The URL of an API path (`/v1/domains`) with a query. */
  url(path: string, query?: Query): string {
    let url = this.endpoint.origin + this.endpoint.prefix + path;
    const q = Object.entries(query ?? {}).filter(([k, v]) =>
      v !== undefined && v !== false && !(k === "flags" && v === 0)
    );
    if (q.length) {
      url += "?" +
        q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&");
    }
    return url;
  }

  /**
   * Sends a request and returns the successful response.
   *
   * @throws VirtError the server's error (its code, domain and message), or
   *   `no-connect` when the server cannot be reached
   */
  async send(
    method: string,
    path: string,
    opts: { query?: Query; body?: string; type?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.endpoint.headers };
    if (opts.type) headers["content-type"] = opts.type;
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers,
        body: opts.body,
        client: this.endpoint.client,
        signal: opts.signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      return fail(
        "no-connect",
        `cannot reach the server at ${this.endpoint.where}: ${e instanceof Error ? e.message : e}`,
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let err: { code?: string; domain?: string; message?: string } | undefined;
    try {
      err = JSON.parse(text);
    } catch {
      // not one of the server's errors
    }
    if (err?.code && err.message !== undefined) {
      throw new VirtError(
        err.code as ErrorCode,
        (err.domain ?? "remote") as ErrorDomain,
        err.message,
      );
    }
    return fail(
      "internal-error",
      `the server at ${this.endpoint.where} answered ${res.status}: ${text.slice(0, 200)}`,
    );
  }

  /** A request whose answer is JSON. */
  async json<T>(
    method: string,
    path: string,
    opts: Parameters<HttpTransport["send"]>[2] = {},
  ): Promise<T> {
    return await (await this.send(method, path, opts)).json() as T;
  }

  /** A request whose answer is text (XML). */
  async text(
    method: string,
    path: string,
    opts: Parameters<HttpTransport["send"]>[2] = {},
  ): Promise<string> {
    return await (await this.send(method, path, opts)).text();
  }

  /** Closes the HTTP client and its pooled connections. */
  close(): void {
    this.endpoint.client.close();
  }
}
