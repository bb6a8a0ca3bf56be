/**
 * Encryption of stored secret values: AES-256-GCM through WebCrypto with a
 * host key of 32 random bytes kept in a 0600 file.
 *
 * A sealed value is `VKS1` + a 12-byte random nonce + the ciphertext and its
 * 16-byte tag. The secret's UUID is bound in as additional data, so a value
 * file copied over another secret's fails to open.
 *
 * @example
 * ```ts
 * const key = await loadHostKey("/etc/virtkit/secrets/host.key");
 * const sealed = await seal(key, uuid, new TextEncoder().encode("s3cret"));
 * const plain = await unseal(key, uuid, sealed, "/etc/virtkit/secrets/UUID.value");
 * ```
 * @module
 */
import { VirtError } from "../errors.ts";
import { ensureDir, syncDir } from "../state/mod.ts";

/** The file header of a sealed value, and its format version. */
const MAGIC = new TextEncoder().encode("VKS1");
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The host key in a form WebCrypto can use; never extractable. */
export type HostKey = CryptoKey;

/**
 * Read the host key at `path`, creating it (32 random bytes, mode 0600) when
 * missing. Creation is race-free between processes: the key is written to a
 * temporary file and hard-linked into place, so a key another process made
 * first is never replaced.
 *
 * @throws VirtError `system-error` when the file cannot be read or created,
 *   `internal-error` when it exists but does not hold exactly 32 bytes
 */
export async function loadHostKey(path: string): Promise<HostKey> {
  let raw = await readKey(path);
  if (!raw) {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    await ensureDir(dir, 0o700);
    const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    const fresh = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
    try {
      await Deno.writeFile(tmp, fresh, { createNew: true, mode: 0o600 });
      await Deno.chmod(tmp, 0o600);
      using f = await Deno.open(tmp, { read: true });
      await f.sync();
      try {
        await Deno.link(tmp, path);
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
    } catch (e) {
      throw new VirtError(
        "system-error",
        "secret",
        `cannot create the secret key '${path}': ${why(e)}`,
      );
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    await syncDir(dir);
    raw = await readKey(path);
    if (!raw) {
      throw new VirtError(
        "system-error",
        "secret",
        `the secret key '${path}' vanished while being created`,
      );
    }
  }
  if (raw.length !== KEY_BYTES) {
    throw new VirtError(
      "internal-error",
      "secret",
      `the secret key '${path}' holds ${raw.length} bytes, expected ${KEY_BYTES}`,
    );
  }
  return await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

/** Encrypt `value` for the secret `uuid`. */
export async function seal(key: HostKey, uuid: string, value: Uint8Array): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const body = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: aad(uuid) },
      key,
      new Uint8Array(value),
    ),
  );
  const out = new Uint8Array(MAGIC.length + NONCE_BYTES + body.length);
  out.set(MAGIC, 0);
  out.set(nonce, MAGIC.length);
  out.set(body, MAGIC.length + NONCE_BYTES);
  return out;
}

/**
 * Decrypt a value sealed by {@link seal} for the secret `uuid`.
 *
 * @param file the file it came from, for messages
 * @throws VirtError `internal-error` when the data is not a sealed value or
 *   does not open with this key and UUID
 */
export async function unseal(
  key: HostKey,
  uuid: string,
  sealed: Uint8Array,
  file: string,
): Promise<Uint8Array> {
  const head = MAGIC.length + NONCE_BYTES;
  if (sealed.length < head + TAG_BYTES || !MAGIC.every((b, i) => sealed[i] === b)) {
    throw new VirtError("internal-error", "secret", `'${file}' is not an encrypted secret value`);
  }
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: sealed.slice(MAGIC.length, head), additionalData: aad(uuid) },
        key,
        sealed.slice(head),
      ),
    );
  } catch {
    throw new VirtError(
      "internal-error",
      "secret",
      `cannot decrypt '${file}': it was sealed with another key or for another secret, or is damaged`,
    );
  }
}

function aad(uuid: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`virtkit-secret:${uuid}`);
}

async function readKey(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new VirtError(
      "system-error",
      "secret",
      `cannot read the secret key '${path}': ${why(e)}`,
    );
  }
}

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
