/**
 * The LXC driver's entry point: opens connections for `lxc:///system` (also
 * `lxc:///`) and `lxc:///embed?root=DIR`, one {@link LxcHost} per state tree
 * in a process.
 * @module
 */
import type { Driver, DriverConnection } from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { stateLocation, statePaths } from "../../src/state/mod.ts";
import { type ConnectUri, formatUri, uriMode } from "../../src/uri.ts";
import { LxcConnection } from "./driver.ts";
import { LxcHost } from "./host.ts";

const hosts = new Map<string, LxcHost>();

/** The LXC driver, registered for the `lxc` URI scheme. */
export const driver: Driver = {
  name: "lxc",
  open(uri: ConnectUri): Promise<DriverConnection> {
    const u = uri.path === "/" ? { ...uri, path: "/system" } : uri;
    const mode = uriMode(u);
    if (mode !== "system" && mode !== "embed") {
      return Promise.reject(
        new VirtError(
          "no-connect",
          "lxc",
          `unexpected LXC URI path '${uri.path}', try lxc:///system or lxc:///embed?root=DIR`,
        ),
      );
    }
    if (Deno.build.os !== "linux" || Deno.uid() !== 0) {
      return Promise.reject(
        new VirtError("operation-denied", "lxc", "the LXC driver needs root on Linux"),
      );
    }
    const location = stateLocation(u);
    const key = statePaths("lxc", location).statusDir;
    let host = hosts.get(key);
    const fresh = !host;
    if (!host) hosts.set(key, host = new LxcHost(location));
    host.refs++;
    const h = host;
    const conn = new LxcConnection(formatUri(u), h, () => {
      if (--h.refs === 0) hosts.delete(key);
    });
    return fresh ? conn.autostart().then(() => conn) : Promise.resolve(conn);
  },
};
