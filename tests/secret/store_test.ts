/**
 * The secret store in embed mode under a temp folder: define/undefine/lookup,
 * values encrypted at rest (neither the value nor its base64 anywhere under
 * the root), private values refused to callers, ephemeral secrets off disk,
 * and the refusals (malformed UUID, duplicate usage, oversized value).
 */
import { assert, assertEquals, assertRejectsVirtError } from "../assert.ts";
import { MAX_SECRET_VALUE_BYTES, openSecretStore, SecretStore } from "../../src/secret/mod.ts";
import { ObjectStore, statePaths } from "../../src/state/mod.ts";

const UUID_A = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
const UUID_B = "b3f1c6d2-5d1e-4a2b-9a3c-7e6f5d4c3b2a";

function secretXml(uuid: string, usage: string, flags = "ephemeral='no' private='no'"): string {
  return `<secret ${flags}><uuid>${uuid}</uuid><usage type='ceph'><name>${usage}</name></usage></secret>`;
}

async function withStore(fn: (store: SecretStore, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "virtkit-secret-" });
  try {
    await fn(openSecretStore({ mode: "embed", root }), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

Deno.test("secret store: define, list, look up, dump, undefine", () =>
  withStore(async (store, root) => {
    const def = await store.define(secretXml(UUID_A.toUpperCase(), "client.admin"));
    assertEquals(def.uuid, UUID_A);
    assertEquals(
      await store.xml(UUID_A),
      `<secret ephemeral='no' private='no'>\n  <uuid>${UUID_A}</uuid>\n  <usage type='ceph'>\n    <name>client.admin</name>\n  </usage>\n</secret>\n`,
    );
    assertEquals((await store.lookupByUsage("ceph", "client.admin")).uuid, UUID_A);
    assertEquals((await store.lookupByUUID(UUID_A.replaceAll("-", ""))).uuid, UUID_A);
    await store.define(secretXml(UUID_B, "client.other"));
    assertEquals((await store.list()).map((e) => [e.def.uuid, e.hasValue]), [[UUID_A, false], [
      UUID_B,
      false,
    ]]);
    assertEquals((await Deno.stat(`${root}/etc/secrets/${UUID_A}.xml`)).mode! & 0o777, 0o600);
    // Redefining the same UUID updates it.
    await store.define(
      `<secret ephemeral='no' private='no'><uuid>${UUID_A}</uuid><description>admin key</description><usage type='ceph'><name>client.admin</name></usage></secret>`,
    );
    assertEquals((await store.lookupByUUID(UUID_A)).description, "admin key");
    await store.undefine(UUID_A);
    await assertRejectsVirtError(store.lookupByUUID(UUID_A), "no-secret", /no secret with matching uuid/);
    await assertRejectsVirtError(
      store.lookupByUsage("ceph", "client.admin"),
      "no-secret",
      /no secret with matching usage 'ceph' 'client.admin'/,
    );
    await assertRejectsVirtError(store.undefine(UUID_A), "no-secret", new RegExp(UUID_A));
    assertEquals((await store.list()).map((e) => e.def.uuid), [UUID_B]);
  }));

Deno.test("secret store: a stored value is encrypted; neither it nor its base64 is on disk", () =>
  withStore(async (store, root) => {
    await store.define(secretXml(UUID_A, "client.admin"));
    const value = new TextEncoder().encode("correct horse battery staple 0123456789");
    await store.setValue(UUID_A, value);
    assertEquals(await store.getValue(UUID_A), value);
    assertEquals((await store.list())[0].hasValue, true);

    const b64 = new TextEncoder().encode(btoa(String.fromCharCode(...value)));
    const files = await filesUnder(root);
    assert(files.some((f) => f.endsWith(`${UUID_A}.value`)), `no value file among ${files}`);
    assert(files.some((f) => f.endsWith("host.key")), `no host key among ${files}`);
    for (const f of files) {
      const bytes = await Deno.readFile(f);
      assert(!contains(bytes, value), `the value is in ${f}`);
      assert(!contains(bytes, b64), `the base64 of the value is in ${f}`);
      assertEquals((await Deno.stat(f)).mode! & 0o777, 0o600, `${f} is not 0600`);
    }
    // A fresh store (another process) reads it back with the same host key.
    const again = new SecretStore(
      new ObjectStore(statePaths("secrets", { mode: "embed", root }), "secrets"),
    );
    assertEquals(await again.getValue(UUID_A), value);
  }));

Deno.test("secret store: a value sealed for one secret does not open as another", () =>
  withStore(async (store, root) => {
    await store.define(secretXml(UUID_A, "a"));
    await store.define(secretXml(UUID_B, "b"));
    await store.setValue(UUID_A, new TextEncoder().encode("alpha"));
    await Deno.copyFile(
      `${root}/etc/secrets/${UUID_A}.value`,
      `${root}/etc/secrets/${UUID_B}.value`,
    );
    await assertRejectsVirtError(store.getValue(UUID_B), "internal-error", /cannot decrypt/);
  }));

Deno.test("secret store: a private secret's value is refused unless asked internally", () =>
  withStore(async (store) => {
    await store.define(secretXml(UUID_A, "priv", "ephemeral='no' private='yes'"));
    await store.setValue(UUID_A, new Uint8Array([1, 2, 3]));
    await assertRejectsVirtError(store.getValue(UUID_A), "operation-denied", /private/);
    assertEquals(await store.getValue(UUID_A, { internal: true }), new Uint8Array([1, 2, 3]));
    await assertRejectsVirtError(
      store.define(secretXml(UUID_A, "priv", "ephemeral='no' private='no'")),
      "operation-invalid",
      /private and cannot be made public/,
    );
  }));

Deno.test("secret store: ephemeral secrets never touch the disk", () =>
  withStore(async (store, root) => {
    await store.define(secretXml(UUID_A, "eph", "ephemeral='yes' private='no'"));
    await store.setValue(UUID_A, new TextEncoder().encode("in memory only"));
    assertEquals(new TextDecoder().decode(await store.getValue(UUID_A)), "in memory only");
    assertEquals((await store.list()).map((e) => [e.def.uuid, e.hasValue]), [[UUID_A, true]]);
    const stored = (await filesUnder(root)).filter((f) => !f.endsWith(".lock"));
    assertEquals(stored, []);
    // The same location opened again in this process shares them.
    assertEquals(
      (await openSecretStore({ mode: "embed", root }).lookupByUUID(UUID_A)).ephemeral,
      true,
    );
    // Made persistent, the value moves to disk encrypted; made ephemeral again, it leaves.
    await store.define(secretXml(UUID_A, "eph", "ephemeral='no' private='no'"));
    assert(await Deno.stat(`${root}/etc/secrets/${UUID_A}.value`));
    await store.define(secretXml(UUID_A, "eph", "ephemeral='yes' private='no'"));
    assertEquals(
      (await filesUnder(root)).filter((f) => f.endsWith(".xml") || f.endsWith(".value")),
      [],
    );
    assertEquals(new TextDecoder().decode(await store.getValue(UUID_A)), "in memory only");
    await store.undefine(UUID_A);
    assertEquals(await store.list(), []);
  }));

Deno.test("secret store: a malformed UUID is refused, in XML and as an argument", () =>
  withStore(async (store) => {
    await assertRejectsVirtError(
      store.define("<secret><uuid>not-a-uuid</uuid></secret>"),
      "xml-detail",
      /malformed uuid 'not-a-uuid'/,
    );
    await assertRejectsVirtError(store.lookupByUUID("1234"), "invalid-arg", /malformed UUID '1234'/);
    await assertRejectsVirtError(
      store.setValue("zz", new Uint8Array(1)),
      "invalid-arg",
      /malformed UUID 'zz'/,
    );
  }));

Deno.test("secret store: a usage already taken is refused, naming the other secret", () =>
  withStore(async (store) => {
    await store.define(secretXml(UUID_A, "client.admin"));
    await assertRejectsVirtError(
      store.define(secretXml(UUID_B, "client.admin")),
      "operation-invalid",
      new RegExp(`secret ${UUID_A} already uses ceph 'client.admin'`),
    );
    // Ephemeral secrets take part too.
    await store.define(secretXml(UUID_B, "eph", "ephemeral='yes' private='no'"));
    await assertRejectsVirtError(
      store.define(secretXml("11111111-2222-3333-4444-555555555555", "eph")),
      "operation-invalid",
      new RegExp(`secret ${UUID_B} already uses`),
    );
    // Changing a secret's own usage is refused too.
    await assertRejectsVirtError(
      store.define(secretXml(UUID_A, "client.renamed")),
      "operation-invalid",
      /usage cannot be changed/,
    );
  }));

Deno.test("secret store: a value over 1 MiB is refused; exactly 1 MiB is accepted", () =>
  withStore(async (store) => {
    await store.define(secretXml(UUID_A, "big"));
    await assertRejectsVirtError(
      store.setValue(UUID_A, new Uint8Array(MAX_SECRET_VALUE_BYTES + 1)),
      "invalid-arg",
      /1048577 bytes, more than the 1048576 bytes \(1 MiB\) allowed/,
    );
    await store.setValue(UUID_A, new Uint8Array(MAX_SECRET_VALUE_BYTES).fill(7));
    assertEquals((await store.getValue(UUID_A)).length, MAX_SECRET_VALUE_BYTES);
  }));

Deno.test("secret store: a secret without a value says so", () =>
  withStore(async (store) => {
    await store.define(secretXml(UUID_A, "empty"));
    await assertRejectsVirtError(store.getValue(UUID_A), "no-secret", /does not have a value/);
  }));
