/**
 * Unix socket listeners created without a window in which others could
 * connect: the socket is bound inside a fresh private folder, given its
 * mode, then renamed into place. A stale socket left by a server that died
 * is replaced; one that still answers is not.
 * @module
 */
import { VirtError } from "../errors.ts";

/** A unix socket HTTP server and how to remove it. */
export interface UnixServer {
  server: Deno.HttpServer<Deno.UnixAddr>;
  /** Removes the socket file, if it is still the one this server created. */
  unlink(): Promise<void>;
}

function fail(path: string, why: string): never {
  throw new VirtError("system-error", "server", `cannot listen on unix:${path}: ${why}`);
}

async function clearStale(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!info.isSocket) fail(path, "the path exists and is not a socket");
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    fail(path, "another server is listening there");
  } catch (e) {
    if (e instanceof VirtError) throw e;
  }
  await Deno.remove(path);
}

/**
 * Serves `handler` on a unix socket at `path` with file mode `mode`; the
 * parent folder is created (mode 0755) when missing.
 *
 * @throws VirtError `system-error` when the path is taken or cannot be created
 */
export async function serveUnix(
  path: string,
  mode: number,
  handler: Deno.ServeHandler<Deno.UnixAddr>,
  onError: (e: unknown) => Response,
): Promise<UnixServer> {
  const slash = path.lastIndexOf("/");
  const parent = slash <= 0 ? "/" : path.slice(0, slash);
  await Deno.mkdir(parent, { recursive: true, mode: 0o755 });
  await clearStale(path);
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".virtkit-sock-" });
  const staging = `${tmp}/sock`;
  let server: Deno.HttpServer<Deno.UnixAddr> | undefined;
  try {
    server = Deno.serve({ path: staging, handler, onError, onListen: () => {} });
    await Deno.chmod(staging, mode);
    await Deno.rename(staging, path);
  } catch (e) {
    await server?.shutdown();
    if (e instanceof VirtError) throw e;
    fail(path, e instanceof Error ? e.message : String(e));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const ino = (await Deno.lstat(path)).ino;
  return {
    server,
    unlink: async () => {
      try {
        if ((await Deno.lstat(path)).ino === ino) await Deno.remove(path);
      } catch {
        // already gone
      }
    },
  };
}
