/**
 * The on-disk store of one kind of object (domains, networks, secrets) for
 * one driver: persistent definitions, live status, autostart links and
 * per-object locks, laid out as libvirt does:
 *
 * - `CONFIG/NAME.xml`: the persistent definition (mode 0600);
 * - `CONFIG/autostart/NAME.xml`: a symlink to the definition when the object
 *   starts with the daemon;
 * - `STATUS/NAME.xml`: the live status of a running object (mode 0600);
 * - `STATUS/NAME.lock`: the lock file of {@link ObjectStore.withLock};
 * - other `STATUS/NAME.*` files (pid, log, sockets) named by {@link ObjectStore.statusFile}.
 *
 * A store created with `nested: true` puts all of this one level down, in
 * `CONFIG/KIND/` and `STATUS/KIND/`, for a driver that keeps a second kind
 * next to its main one. Every write is atomic ({@link writeFileAtomic}) and
 * missing folders are created with mode 0700.
 *
 * @example
 * ```ts
 * const store = new ObjectStore(statePaths("qemu", { mode: "embed", root: "/srv/vm" }), "domains");
 * await store.withLock("web", async () => {
 *   await store.write("web", xml);
 *   await store.setAutostart("web", true);
 * });
 * ```
 * @module
 */
import { type ErrorDomain, VirtError } from "../errors.ts";
import { ensureDir, syncDir, systemError, writeFileAtomic } from "./atomic.ts";
import { withObjectLock } from "./lock.ts";
import type { StatePaths } from "./paths.ts";

/** The longest object name accepted, in UTF-8 bytes (leaves room for suffixes within NAME_MAX). */
export const MAX_OBJECT_NAME_BYTES = 200;

/** What a kind must look like: lower case letters, digits and `-`. */
const KIND_RE = /^[a-z][a-z0-9-]{0,31}$/;

/** Suffixes {@link ObjectStore.statusFile} accepts: a letter then letters, digits, `.`, `_`, `-`. */
const SUFFIX_RE = /^[A-Za-z][A-Za-z0-9._-]{0,15}$/;

/** Options of an {@link ObjectStore}. */
export interface ObjectStoreOptions {
  /** Keep the objects in a `KIND/` subfolder of the config and status folders; default false. */
  nested?: boolean;
  /** The error domain of the errors the store raises; default `conf`. */
  domain?: ErrorDomain;
}

/**
 * Check an object name before it becomes part of a file name: not empty,
 * not `.` or `..`, no `/`, no NUL or other control character, at most
 * {@link MAX_OBJECT_NAME_BYTES} bytes.
 *
 * @param name the name to check
 * @param kind the kind, for the message (`domains` reads as "domain name")
 * @param domain the error domain
 * @throws VirtError `invalid-arg` naming the name and what is wrong with it
 */
export function checkObjectName(name: string, kind = "object", domain: ErrorDomain = "conf"): void {
  let why: string | undefined;
  if (name === "") why = "it is empty";
  else if (name === "." || name === "..") why = "'.' and '..' are not allowed";
  else if (name.includes("/")) why = "it must not contain '/'";
  else if (name.includes("\0")) why = "it must not contain a NUL character";
  // deno-lint-ignore no-control-regex
  else if (/[\x01-\x1f\x7f]/.test(name)) why = "it must not contain control characters";
  else if (new TextEncoder().encode(name).length > MAX_OBJECT_NAME_BYTES) {
    why = `it is longer than ${MAX_OBJECT_NAME_BYTES} bytes`;
  }
  if (why) {
    throw new VirtError(
      "invalid-arg",
      domain,
      `invalid ${singular(kind)} name '${shown(name)}': ${why}`,
    );
  }
}

/** The persistent definitions, live status and autostart links of one kind of object. */
export class ObjectStore {
  /** The kind of object, e.g. `domains`, `networks`. */
  readonly kind: string;
  /** Where definitions live. */
  readonly configDir: string;
  /** Where live status, lock and runtime files live. */
  readonly statusDir: string;
  /** Where autostart links live. */
  readonly autostartDir: string;
  /** The error domain of the errors raised. */
  readonly domain: ErrorDomain;

  /**
   * @param paths the driver's folders, from `statePaths`
   * @param kind the kind of object, e.g. `domains`; lower case, not `autostart`
   * @param options `nested` to use a `KIND/` subfolder, `domain` for errors
   * @throws VirtError `invalid-arg` for a bad kind
   */
  constructor(paths: StatePaths, kind: string, options: ObjectStoreOptions = {}) {
    this.domain = options.domain ?? "conf";
    if (!KIND_RE.test(kind) || kind === "autostart") {
      throw new VirtError(
        "invalid-arg",
        this.domain,
        `invalid object kind '${kind}': expected lower-case letters, digits and '-', not 'autostart'`,
      );
    }
    this.kind = kind;
    this.configDir = options.nested ? `${paths.configDir}/${kind}` : paths.configDir;
    this.statusDir = options.nested ? `${paths.statusDir}/${kind}` : paths.statusDir;
    this.autostartDir = `${this.configDir}/autostart`;
  }

  /** The definition file of `name`: `CONFIG/NAME.xml`. */
  configPath(name: string): string {
    this.check(name);
    return `${this.configDir}/${name}.xml`;
  }

  /** The live status file of `name`: `STATUS/NAME.xml`. */
  statusPath(name: string): string {
    return this.statusFile(name, "xml");
  }

  /** The autostart link of `name`: `CONFIG/autostart/NAME.xml`. */
  autostartPath(name: string): string {
    this.check(name);
    return `${this.autostartDir}/${name}.xml`;
  }

  /**
   * A runtime file of `name` in the status folder, `STATUS/NAME.SUFFIX`
   * (e.g. `pid`, `log`, `monitor.sock`). The suffixes `xml` and `lock` are
   * the store's own.
   *
   * @throws VirtError `invalid-arg` for a bad name or suffix
   */
  statusFile(name: string, suffix: string): string {
    this.check(name);
    if (!SUFFIX_RE.test(suffix)) {
      throw new VirtError(
        "invalid-arg",
        this.domain,
        `invalid status file suffix '${shown(suffix)}'`,
      );
    }
    return `${this.statusDir}/${name}.${suffix}`;
  }

  /** The names of all persistent definitions, sorted. */
  async list(): Promise<string[]> {
    return await this.names(this.configDir, (e) => e.isFile);
  }

  /** The definition of `name`, or undefined when it has none. */
  async read(name: string): Promise<string | undefined> {
    return await readIfExists(this.configPath(name));
  }

  /** Save the definition of `name`, replacing any earlier one atomically. */
  async write(name: string, xml: string): Promise<void> {
    await writeFileAtomic(this.configPath(name), xml, { mode: 0o600, dirMode: 0o700 });
  }

  /**
   * Delete the definition of `name` and its autostart link.
   *
   * @returns whether there was a definition to delete
   */
  async remove(name: string): Promise<boolean> {
    const existed = await removeIfExists(this.configPath(name), this.configDir);
    await this.setAutostart(name, false);
    return existed;
  }

  /** The names of all objects with a live status file, sorted: what a restarted daemon reconnects to. */
  async listStatus(): Promise<string[]> {
    return await this.names(this.statusDir, (e) => e.isFile);
  }

  /** The live status of `name`, or undefined when it is not running. */
  async readStatus(name: string): Promise<string | undefined> {
    return await readIfExists(this.statusPath(name));
  }

  /** Save the live status of `name` atomically. */
  async writeStatus(name: string, xml: string): Promise<void> {
    await writeFileAtomic(this.statusPath(name), xml, { mode: 0o600, dirMode: 0o700 });
  }

  /**
   * Delete the live status of `name`.
   *
   * @returns whether there was a status file
   */
  async removeStatus(name: string): Promise<boolean> {
    return await removeIfExists(this.statusPath(name), this.statusDir);
  }

  /**
   * Turn autostart on (a symlink `CONFIG/autostart/NAME.xml` pointing at the
   * definition, replaced atomically) or off (the link removed).
   *
   * @throws VirtError `operation-invalid` when turning it on for an object without a definition
   */
  async setAutostart(name: string, on: boolean): Promise<void> {
    const link = this.autostartPath(name);
    if (!on) {
      await removeIfExists(link, this.autostartDir);
      return;
    }
    const target = this.configPath(name);
    if (!(await exists(target))) {
      throw new VirtError(
        "operation-invalid",
        this.domain,
        `cannot set autostart for ${
          singular(this.kind)
        } '${name}': it has no persistent definition`,
      );
    }
    if (await linkTarget(link) === target) return;
    await ensureDir(this.autostartDir, 0o700);
    const tmp = `${this.autostartDir}/.${name}.xml.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await Deno.symlink(target, tmp);
      await Deno.rename(tmp, link);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw systemError(`cannot create autostart link '${link}'`, e);
    }
    await syncDir(this.autostartDir);
  }

  /** Whether `name` has an autostart link. */
  async autostart(name: string): Promise<boolean> {
    return await linkTarget(this.autostartPath(name)) !== undefined;
  }

  /** The names of all objects with an autostart link, sorted. */
  async autostartNames(): Promise<string[]> {
    return await this.names(this.autostartDir, (e) => e.isSymlink);
  }

  /**
   * Run `fn` holding the lock of `name`, shared with every other caller in
   * this process and in other processes (`STATUS/NAME.lock`). Not re-entrant.
   */
  async withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    return await withObjectLock(this.statusFile(name, "lock"), fn);
  }

  private check(name: string): void {
    checkObjectName(name, this.kind, this.domain);
  }

  /** Valid names of the `NAME.xml` entries of `dir` that pass `keep`, sorted; none when `dir` is missing. */
  private async names(dir: string, keep: (e: Deno.DirEntry) => boolean): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.name.endsWith(".xml") || !keep(e)) continue;
        const name = e.name.slice(0, -4);
        try {
          this.check(name);
          out.push(name);
        } catch {
          // A file we would never have written (e.g. ".xml"): not one of ours.
        }
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw systemError(`cannot list folder '${dir}'`, e);
    }
    return out.sort();
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw systemError(`cannot read '${path}'`, e);
  }
}

async function removeIfExists(path: string, dir: string): Promise<boolean> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw systemError(`cannot remove '${path}'`, e);
  }
  await syncDir(dir);
  return true;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw systemError(`cannot look at '${path}'`, e);
  }
}

/** Where the symlink at `path` points, or undefined when there is no symlink. */
async function linkTarget(path: string): Promise<string | undefined> {
  try {
    return (await Deno.lstat(path)).isSymlink ? await Deno.readLink(path) : undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw systemError(`cannot read link '${path}'`, e);
  }
}

/** "domains" reads as "domain" in messages. */
function singular(kind: string): string {
  return kind.endsWith("s") ? kind.slice(0, -1) : kind;
}

/** A name as shown in a message: control characters escaped, cut at 64 characters. */
function shown(name: string): string {
  const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  // deno-lint-ignore no-control-regex
  const safe = name.replace(/[\x00-\x1f\x7f]/g, hex);
  return safe.length > 64 ? `${safe.slice(0, 64)}...` : safe;
}
