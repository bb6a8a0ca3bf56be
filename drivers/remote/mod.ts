/**
 * The remote driver: connections through a virtkit server (`virtkit
 * serve`) over HTTP. URIs with a transport or a host come here:
 * `test+http://127.0.0.1:16509/default`, `qemu+https://host/system`,
 * `qemu+unix:///system?socket=/run/virtkit/virtkit-sock`. The bearer token
 * comes from `?tokenfile=PATH` or `VIRTKIT_TOKEN`.
 *
 * @example
 * ```ts
 * import { open } from "../../mod.ts";
 * const conn = await open("test+http://127.0.0.1:16509/default?tokenfile=/etc/virtkit/token");
 * ```
 * @module
 */
import type { Driver, DriverConnection } from "../../src/connect.ts";
import { type ConnectUri, formatUri } from "../../src/uri.ts";
import { RemoteConnection } from "./connection.ts";
import { endpointFor, HttpTransport } from "./transport.ts";

/** What `GET /v1/connection` answers. */
interface ConnectionInfo {
  uri: string;
  type: string;
}

async function open(uri: ConnectUri): Promise<DriverConnection> {
  const http = new HttpTransport(await endpointFor(uri));
  try {
    const info = await http.json<ConnectionInfo>("GET", "/v1/connection");
    return new RemoteConnection(formatUri(uri), info.type, http);
  } catch (e) {
    http.close();
    throw e;
  }
}

/** The remote driver, registered for URIs with a transport or a host. */
export const driver: Driver = { name: "remote", open };
