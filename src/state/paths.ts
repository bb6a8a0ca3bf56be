/**
 * Where a stateful driver keeps its objects on disk, for each kind of
 * connection:
 *
 * | mode | config | live status | cache |
 * | --- | --- | --- | --- |
 * | `system` | `/etc/virtkit/DRIVER` | `/run/virtkit/DRIVER` | `/var/cache/virtkit/DRIVER` |
 * | `session` | `$XDG_CONFIG_HOME/virtkit/DRIVER` | `$XDG_RUNTIME_DIR/virtkit/DRIVER` | `$XDG_CACHE_HOME/virtkit/DRIVER/cache` |
 * | `embed` | `ROOT/etc/DRIVER` | `ROOT/run/DRIVER` | `ROOT/cache/DRIVER` |
 *
 * Autostart links live in `CONFIG/autostart`. The functions here only compute
 * names; nothing is created until something is written.
 *
 * @example
 * ```ts
 * const p = statePaths("qemu", { mode: "embed", root: "/srv/vm" });
 * p.configDir; // "/srv/vm/etc/qemu"
 * p.statusDir; // "/srv/vm/run/qemu"
 * ```
 * @module
 */
import { VirtError } from "../errors.ts";
import { type ConnectUri, uriMode, uriParam } from "../uri.ts";

/** The three kinds of local connection that keep state on disk. */
export type StateMode = "system" | "session" | "embed";

/** Which state tree to use: the connection mode, and for `embed` its root. */
export interface StateLocation {
  /** `system` (`/etc`, `/run`), `session` (XDG folders) or `embed` (under `root`). */
  mode: StateMode;
  /** The embed root: an absolute path without `..`; required for `embed`, refused otherwise. */
  root?: string;
  /** Reads an environment variable (session mode); defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
}

/** The folders one driver uses, all absolute and normalised. */
export interface StatePaths {
  /** The driver name the folders belong to. */
  driver: string;
  /** Persistent definitions: `CONFIG/NAME.xml`. */
  configDir: string;
  /** Live status of running objects, lock files, pid files: `STATUS/NAME.xml`. */
  statusDir: string;
  /** Autostart links: `CONFIG/autostart/NAME.xml`, each pointing at the definition. */
  autostartDir: string;
  /** Data that may be thrown away and rebuilt (capabilities probes and the like). */
  cacheDir: string;
}

/** What a driver name must look like: lower case, starting with a letter, at most 32 characters. */
export const DRIVER_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The folders a driver keeps its state in.
 *
 * @param driver the driver name, e.g. `qemu`, `lxc`, `network`, `secret`
 * @param where the connection mode and, for `embed`, the root folder
 * @throws VirtError `invalid-arg` for a bad driver name or embed root
 */
export function statePaths(driver: string, where: StateLocation): StatePaths {
  if (!DRIVER_NAME_RE.test(driver)) {
    throw new VirtError(
      "invalid-arg",
      "conf",
      `invalid driver name '${driver}': expected a lower-case letter then up to 31 of [a-z0-9_-]`,
    );
  }
  if (where.mode !== "embed" && where.root !== undefined) {
    throw new VirtError(
      "invalid-arg",
      "conf",
      `a root folder is only allowed in embed mode, not in ${where.mode} mode`,
    );
  }
  switch (where.mode) {
    case "system":
      return build(
        driver,
        `/etc/virtkit/${driver}`,
        `/run/virtkit/${driver}`,
        `/var/cache/virtkit/${driver}`,
      );
    case "session":
      return sessionPaths(driver, where.env ?? ((n) => Deno.env.get(n)));
    case "embed": {
      if (where.root === undefined) {
        throw new VirtError("invalid-arg", "conf", "embed mode needs a root folder");
      }
      const root = normalise(where.root, "root folder");
      const base = root === "/" ? "" : root;
      return build(
        driver,
        `${base}/etc/${driver}`,
        `${base}/run/${driver}`,
        `${base}/cache/${driver}`,
      );
    }
    default:
      throw new VirtError(
        "invalid-arg",
        "conf",
        `unknown state mode '${where.mode as string}': expected one of system, session, embed`,
      );
  }
}

/**
 * The state location a local connection URI asks for: `/system`, `/session`
 * or `/embed?root=DIR`.
 *
 * @throws VirtError `invalid-arg` for a remote URI or any other path
 */
export function stateLocation(u: ConnectUri): StateLocation {
  const mode = uriMode(u);
  if (u.remote || mode === "custom") {
    throw new VirtError(
      "invalid-arg",
      "uri",
      `URI path '${u.path}' has no local state: expected /system, /session or /embed`,
    );
  }
  return mode === "embed" ? { mode, root: uriParam(u, "root") } : { mode };
}

function build(driver: string, configDir: string, statusDir: string, cacheDir: string): StatePaths {
  return { driver, configDir, statusDir, autostartDir: `${configDir}/autostart`, cacheDir };
}

/**
 * Session folders after the XDG base directory rules: a variable that is
 * unset, empty or not absolute is ignored. Without `XDG_RUNTIME_DIR` the
 * status goes under the cache home, as GLib's fallback does.
 */
function sessionPaths(driver: string, env: (name: string) => string | undefined): StatePaths {
  const xdg = (name: string): string | undefined => {
    const v = env(name);
    return v && v.startsWith("/") ? normalise(v, name) : undefined;
  };
  const home = (): string => {
    const h = xdg("HOME");
    if (h === undefined) {
      throw new VirtError(
        "system-error",
        "conf",
        "cannot find the session folders: HOME is not set to an absolute path",
      );
    }
    return h === "/" ? "" : h;
  };
  const configHome = xdg("XDG_CONFIG_HOME") ?? `${home()}/.config`;
  const cacheHome = xdg("XDG_CACHE_HOME") ?? `${home()}/.cache`;
  const runtime = xdg("XDG_RUNTIME_DIR");
  const statusDir = runtime !== undefined
    ? `${runtime}/virtkit/${driver}`
    : `${cacheHome}/virtkit/${driver}/run`;
  return build(
    driver,
    `${configHome}/virtkit/${driver}`,
    statusDir,
    `${cacheHome}/virtkit/${driver}/cache`,
  );
}

/**
 * An absolute path with `.` and empty components dropped; `..` and NUL
 * refused. `what` names the path in messages.
 */
function normalise(path: string, what: string): string {
  if (!path.startsWith("/")) {
    throw new VirtError("invalid-arg", "conf", `${what} '${path}' must be an absolute path`);
  }
  if (path.includes("\0")) {
    throw new VirtError("invalid-arg", "conf", `${what} must not contain a NUL character`);
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new VirtError(
      "invalid-arg",
      "conf",
      `${what} '${path}' must not contain '..' components`,
    );
  }
  return "/" + parts.join("/");
}
