/**
 * The secret driver's store: secret definitions and their values for one
 * state location (`secret:///system`, `secret:///session`,
 * `secret:///embed?root=DIR`, or the secret half of any stateful connection).
 *
 * - A persistent secret is `CONFIG/UUID.xml` (its definition) and, once it
 *   has one, `CONFIG/UUID.value` (its value, encrypted with AES-256-GCM under
 *   the host key `CONFIG/host.key`). Every file is mode 0600, every folder
 *   0700.
 * - An ephemeral secret, definition and value, lives only in this process's
 *   memory and never touches the disk.
 * - A private secret's value is only handed out to drivers (`internal`),
 *   never through the public API.
 *
 * Each operation reads the definitions from disk under a lock shared with
 * other processes, so several processes using the same location agree.
 *
 * @example
 * ```ts
 * const store = openSecretStore({ mode: "embed", root: "/srv/vm" });
 * const def = await store.define("<secret ephemeral='no' private='yes'><usage type='ceph'><name>c</name></usage></secret>");
 * await store.setValue(def.uuid, new TextEncoder().encode("s3cret"));
 * await store.getValue(def.uuid, { internal: true }); // the bytes
 * await store.getValue(def.uuid); // throws: the secret is private
 * ```
 * @module
 */
import { VirtError } from "../errors.ts";
import {
  formatSecretXml,
  parseSecretXml,
  type SecretDef,
  type SecretUsageType,
} from "../conf/secret.ts";
import { parseUuid } from "../conf/ids.ts";
import {
  ObjectStore,
  type StateLocation,
  statePaths,
  withObjectLock,
  writeFileAtomic,
} from "../state/mod.ts";
import { type HostKey, loadHostKey, seal, unseal } from "./cipher.ts";

/** The largest secret value accepted, in bytes (1 MiB). */
export const MAX_SECRET_VALUE_BYTES = 1024 * 1024;

/** The driver name of the secret state folders (`/etc/virtkit/secrets`, `ROOT/etc/secrets`). */
export const SECRET_DRIVER = "secrets";

/** A secret as listed: its definition and whether it has a value. */
export interface SecretEntry {
  def: SecretDef;
  hasValue: boolean;
}

/** Options of {@link SecretStore.getValue}. */
export interface GetValueOptions {
  /** The caller is a driver (disk encryption, Ceph, iSCSI, TLS, vTPM): private secrets are allowed. */
  internal?: boolean;
}

/** Options of {@link SecretStore.define}. */
export interface DefineOptions {
  /** Reject unknown elements and attributes in the XML. */
  validate?: boolean;
}

interface MemorySecret {
  def: SecretDef;
  value?: Uint8Array;
}

/** One store per config folder, so every connection to a location sees the same ephemeral secrets. */
const stores = new Map<string, SecretStore>();

/**
 * The secret store of a state location, shared by every caller in this
 * process that asks for the same location.
 *
 * @throws VirtError `invalid-arg` for a bad embed root
 */
export function openSecretStore(location: StateLocation): SecretStore {
  const paths = statePaths(SECRET_DRIVER, location);
  let store = stores.get(paths.configDir);
  if (!store) {
    store = new SecretStore(new ObjectStore(paths, "secrets", { domain: "secret" }));
    stores.set(paths.configDir, store);
  }
  return store;
}

/** Secret definitions and values of one state location; get one with {@link openSecretStore}. */
export class SecretStore {
  readonly #files: ObjectStore;
  /** Ephemeral secrets by UUID. */
  readonly #memory = new Map<string, MemorySecret>();
  #key?: HostKey;

  /** @param files the object store of the `secrets` folders */
  constructor(files: ObjectStore) {
    this.#files = files;
  }

  /** The folder holding definitions, values and the host key. */
  get configDir(): string {
    return this.#files.configDir;
  }

  /**
   * Define a new secret or update the one with the same UUID.
   *
   * @returns the stored definition (with its UUID, generated when the XML had none)
   * @throws VirtError `xml-detail` for bad XML (e.g. a malformed UUID),
   *   `operation-invalid` when another secret already has the same usage or
   *   when a private secret would be made public
   */
  async define(xml: string, opts: DefineOptions = {}): Promise<SecretDef> {
    const def = parseSecretXml(xml, { validate: opts.validate });
    return await this.#locked(async () => {
      const all = await this.#loadAll();
      const old = all.get(def.uuid);
      if (def.usage) {
        for (const other of all.values()) {
          if (other.uuid !== def.uuid && sameUsage(other, def)) {
            throw new VirtError(
              "operation-invalid",
              "secret",
              `secret ${other.uuid} already uses ${
                usageText(def)
              }: a usage may belong to one secret only`,
            );
          }
        }
      }
      if (old) {
        if (usageKey(old) !== usageKey(def)) {
          throw new VirtError(
            "operation-invalid",
            "secret",
            `secret ${def.uuid} is defined for ${usageText(old)}; its usage cannot be changed to ${
              usageText(def)
            }`,
          );
        }
        if (old.private && !def.private) {
          throw new VirtError(
            "operation-invalid",
            "secret",
            `secret ${def.uuid} is private and cannot be made public`,
          );
        }
      }
      // The value only moves when the secret goes between memory and disk, or stays in memory.
      const value = old && (old.ephemeral || def.ephemeral)
        ? await this.#readValue(old)
        : undefined;
      if (def.ephemeral) {
        this.#memory.set(def.uuid, { def, value });
        if (old && !old.ephemeral) await this.#removeFiles(def.uuid);
      } else {
        if (old?.ephemeral && value) await this.#writeValue(def.uuid, value);
        await this.#files.write(def.uuid, formatSecretXml(def));
        this.#memory.delete(def.uuid);
      }
      return def;
    });
  }

  /**
   * Remove a secret and its value.
   *
   * @throws VirtError `no-secret` when there is none with this UUID
   */
  async undefine(uuid: string): Promise<void> {
    const id = checkUuid(uuid);
    await this.#locked(async () => {
      const def = await this.#find(id);
      if (def.ephemeral) this.#memory.delete(id);
      else await this.#removeFiles(id);
    });
  }

  /** Every secret, ephemeral ones included, sorted by UUID. */
  async list(): Promise<SecretEntry[]> {
    return await this.#locked(async () => {
      const all = await this.#loadAll();
      const out: SecretEntry[] = [];
      for (const def of [...all.values()].sort((a, b) => a.uuid.localeCompare(b.uuid))) {
        const hasValue = def.ephemeral
          ? this.#memory.get(def.uuid)?.value !== undefined
          : await exists(this.#valuePath(def.uuid));
        out.push({ def, hasValue });
      }
      return out;
    });
  }

  /**
   * The secret with this UUID (any case, with or without dashes).
   *
   * @throws VirtError `invalid-arg` for a malformed UUID, `no-secret` when none matches
   */
  async lookupByUUID(uuid: string): Promise<SecretDef> {
    const id = checkUuid(uuid);
    return await this.#locked(() => this.#find(id));
  }

  /**
   * The secret used for `type` and `id` (volume path, Ceph/TLS/vTPM name,
   * iSCSI target).
   *
   * @throws VirtError `no-secret` when none matches
   */
  async lookupByUsage(type: SecretUsageType, id: string): Promise<SecretDef> {
    return await this.#locked(async () => {
      for (const def of (await this.#loadAll()).values()) {
        if (def.usage?.type === type && def.usage.id === id) return def;
      }
      throw new VirtError("no-secret", "secret", `no secret with matching usage '${type}' '${id}'`);
    });
  }

  /** The definition XML of a secret. */
  async xml(uuid: string): Promise<string> {
    return formatSecretXml(await this.lookupByUUID(uuid));
  }

  /**
   * Set (or replace) a secret's value. A persistent secret's value is
   * encrypted before it is written; an ephemeral one's stays in memory.
   *
   * @throws VirtError `invalid-arg` for a value over {@link MAX_SECRET_VALUE_BYTES},
   *   `no-secret` when there is no such secret
   */
  async setValue(uuid: string, value: Uint8Array): Promise<void> {
    const id = checkUuid(uuid);
    if (value.length > MAX_SECRET_VALUE_BYTES) {
      throw new VirtError(
        "invalid-arg",
        "secret",
        `secret value is ${value.length} bytes, more than the ${MAX_SECRET_VALUE_BYTES} bytes (1 MiB) allowed`,
      );
    }
    await this.#locked(async () => {
      const def = await this.#find(id);
      if (def.ephemeral) this.#memory.get(id)!.value = value.slice();
      else await this.#writeValue(id, value);
    });
  }

  /**
   * A secret's value.
   *
   * @throws VirtError `operation-denied` for a private secret unless
   *   `internal`, `no-secret` when there is no such secret or it has no value
   */
  async getValue(uuid: string, opts: GetValueOptions = {}): Promise<Uint8Array> {
    const id = checkUuid(uuid);
    return await this.#locked(async () => {
      const def = await this.#find(id);
      if (def.private && !opts.internal) {
        throw new VirtError(
          "operation-denied",
          "secret",
          `secret ${id} is private: its value cannot be read`,
        );
      }
      const value = await this.#readValue(def);
      if (!value) throw new VirtError("no-secret", "secret", `secret ${id} does not have a value`);
      return value;
    });
  }

  /** Run `fn` holding the store-wide lock (in this process and across processes). */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withObjectLock(`${this.#files.statusDir}/secrets.lock`, fn);
  }

  async #find(uuid: string): Promise<SecretDef> {
    const def = (await this.#loadAll()).get(uuid);
    if (!def) throw new VirtError("no-secret", "secret", `no secret with matching uuid '${uuid}'`);
    return def;
  }

  /**
   * Every definition by UUID: the files on disk, then the ephemeral ones. A
   * file that does not parse or whose UUID does not match its name is not
   * one of ours and is skipped.
   */
  async #loadAll(): Promise<Map<string, SecretDef>> {
    const all = new Map<string, SecretDef>();
    for (const name of await this.#files.list()) {
      const xml = await this.#files.read(name);
      if (xml === undefined) continue;
      try {
        const def = parseSecretXml(xml);
        if (def.uuid === name && !def.ephemeral) all.set(name, def);
      } catch {
        // Not a secret definition we wrote; leave it alone.
      }
    }
    for (const [uuid, m] of this.#memory) all.set(uuid, m.def);
    return all;
  }

  #valuePath(uuid: string): string {
    return `${this.#files.configDir}/${uuid}.value`;
  }

  async #hostKey(): Promise<HostKey> {
    this.#key ??= await loadHostKey(`${this.#files.configDir}/host.key`);
    return this.#key;
  }

  async #writeValue(uuid: string, value: Uint8Array): Promise<void> {
    const sealed = await seal(await this.#hostKey(), uuid, value);
    await writeFileAtomic(this.#valuePath(uuid), sealed, { mode: 0o600, dirMode: 0o700 });
  }

  async #readValue(def: SecretDef): Promise<Uint8Array | undefined> {
    if (def.ephemeral) return this.#memory.get(def.uuid)?.value?.slice();
    const path = this.#valuePath(def.uuid);
    let sealed: Uint8Array;
    try {
      sealed = await Deno.readFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new VirtError(
        "system-error",
        "secret",
        `cannot read '${path}': ${(e as Error).message}`,
      );
    }
    return await unseal(await this.#hostKey(), def.uuid, sealed, path);
  }

  async #removeFiles(uuid: string): Promise<void> {
    try {
      await Deno.remove(this.#valuePath(uuid));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new VirtError(
          "system-error",
          "secret",
          `cannot remove '${this.#valuePath(uuid)}': ${(e as Error).message}`,
        );
      }
    }
    await this.#files.remove(uuid);
  }
}

/** The canonical form of a UUID argument, or an `invalid-arg` error. */
function checkUuid(uuid: string): string {
  const id = parseUuid(uuid);
  if (!id) {
    throw new VirtError(
      "invalid-arg",
      "secret",
      `malformed UUID '${uuid}': expected 32 hex digits`,
    );
  }
  return id;
}

function usageKey(def: SecretDef): string {
  return def.usage ? `${def.usage.type}\0${def.usage.id}` : "";
}

function sameUsage(a: SecretDef, b: SecretDef): boolean {
  return a.usage !== undefined && usageKey(a) === usageKey(b);
}

function usageText(def: SecretDef): string {
  return def.usage ? `${def.usage.type} '${def.usage.id}'` : "no usage";
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new VirtError(
      "system-error",
      "secret",
      `cannot look at '${path}': ${(e as Error).message}`,
    );
  }
}
