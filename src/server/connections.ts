/**
 * Which driver connection a request talks to, and the connections the
 * server keeps open. As libvirtd does, the server serves every registered
 * driver: a request names a local URI by a path prefix before `/v1`
 * (`/test/default/v1/domains` is `test:///default`, `/qemu/system/v1/...`
 * is `qemu:///system`), or in full in the `X-Virtkit-Uri` header (for URIs
 * with parameters, such as `lxc:///embed?root=/srv/c1`). A bare `/v1/...`
 * uses the server's default URI. Each URI is opened once and kept open while
 * the server runs, so the test driver's state lives as long as the server.
 * @module
 */
import { type Connection, open } from "../connect.ts";
import { formatUri, parseUri } from "../uri.ts";
import { HttpError } from "./errors.ts";

/** The request header naming the connection URI in full. */
export const URI_HEADER = "x-virtkit-uri";

/** The version prefix of every API path. */
export const API_ROOT = "/v1";

/**
 * Splits a request path at its first `/v1` segment into the connection
 * prefix and the API path.
 *
 * @example
 * ```ts
 * splitApiPath("/test/default/v1/domains"); // { prefix: "/test/default", api: "/v1/domains" }
 * splitApiPath("/v1/domains"); // { prefix: "", api: "/v1/domains" }
 * ```
 */
export function splitApiPath(path: string): { prefix: string; api: string } {
  if (path === API_ROOT || path.startsWith(API_ROOT + "/")) return { prefix: "", api: path };
  let i = path.indexOf(API_ROOT + "/");
  if (i === -1 && path.endsWith(API_ROOT)) i = path.length - API_ROOT.length;
  if (i <= 0) return { prefix: "", api: path };
  return { prefix: path.slice(0, i), api: path.slice(i) };
}

/** The driver and path a prefix names: `/qemu/system` is `qemu` and `/system`. */
function prefixParts(prefix: string): { driver: string; path: string } {
  const slash = prefix.indexOf("/", 1);
  return {
    driver: slash === -1 ? prefix.slice(1) : prefix.slice(1, slash),
    path: slash === -1 ? "/" : prefix.slice(slash),
  };
}

/** The local URI a path prefix names: `/qemu/system` is `qemu:///system`. */
export function prefixUri(prefix: string): string {
  const { driver, path } = prefixParts(prefix);
  return `${driver}://${path}`;
}

/** The connection URI a request asks for, or undefined for the server's default. */
export function requestUri(prefix: string, header: string | null): string | undefined {
  if (header) {
    if (prefix) {
      const a = parseUri(header);
      const b = prefixParts(prefix);
      if (a.driver !== b.driver.toLowerCase() || a.path !== b.path) {
        throw new HttpError(
          400,
          "invalid-arg",
          `the path prefix '${prefix}' and the ${URI_HEADER} header '${header}' name different connections`,
        );
      }
    }
    return header;
  }
  return prefix ? prefixUri(prefix) : undefined;
}

/** The connections a server has opened, by canonical URI. */
export class ConnectionPool {
  readonly #conns = new Map<string, Promise<Connection>>();
  #default: { uri: string; conn: Connection } | undefined;
  #closed = false;

  /**
   * @param defaultUri the URI of requests that name none; without it, the
   *   default is chosen as `open()` does (`VIRTKIT_DEFAULT_URI`, then probing)
   */
  constructor(readonly defaultUri?: string) {}

  /**
   * The open connection for `uri` (the default when undefined), opening it
   * on first use, with its canonical URI.
   *
   * @throws HttpError 400 for a remote URI (the server does not relay); the
   *   driver's error when the connection cannot be opened
   */
  async get(uri: string | undefined): Promise<{ uri: string; conn: Connection }> {
    if (this.#closed) throw new HttpError(503, "invalid-conn", "the server is shutting down");
    if (uri === undefined) return this.#default ??= await this.#open(this.defaultUri);
    return await this.#open(uri);
  }

  async #open(text: string | undefined): Promise<{ uri: string; conn: Connection }> {
    let key = "";
    if (text !== undefined) {
      const parsed = parseUri(text);
      if (parsed.remote) {
        throw new HttpError(
          400,
          "invalid-arg",
          `the server opens local URIs only, not '${text}'`,
        );
      }
      key = formatUri(parsed);
    }
    let pending = this.#conns.get(key);
    if (!pending) {
      pending = open(text);
      this.#conns.set(key, pending);
      pending.catch(() => this.#conns.delete(key));
    }
    const conn = await pending;
    return { uri: key || await conn.getURI(), conn };
  }

  /** Closes every connection; later requests are refused. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    this.#default = undefined;
    const all = [...this.#conns.values()];
    this.#conns.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  }
}
