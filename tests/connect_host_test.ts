/**
 * The connection API for secrets, node devices and host statistics
 * (`src/connect-host.ts`): libvirt-python's methods on the secret driver,
 * the test driver and a QEMU embed connection, their filters, and
 * `no-support` where a driver lacks a part.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import {
  open,
  VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE,
  VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE,
  VIR_CONNECT_LIST_SECRETS_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_PRIVATE,
  VIR_CONNECT_LIST_SECRETS_PRIVATE,
  VIR_SECRET_DEFINE_VALIDATE,
  VIR_SECRET_USAGE_TYPE_CEPH,
  VIR_SECRET_USAGE_TYPE_NONE,
  VIR_SECRET_USAGE_TYPE_VOLUME,
  VirtError,
} from "../mod.ts";
import { nodeDeviceCapFlag } from "../src/connect.ts";

function code(e: unknown): string {
  return e instanceof VirtError ? e.code : String(e);
}

Deno.test("secrets API: define, look up by UUID string, bytes and usage, filters, values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-secret-api-" });
  const conn = await open(`secret:///embed?root=${dir}`);
  try {
    const ceph = await conn.secretDefineXML(
      "<secret private='yes'><usage type='ceph'><name>client.admin</name></usage></secret>",
    );
    const vol = await conn.secretDefineXML(
      "<secret ephemeral='yes'><uuid>0123456789abcdef0123456789abcdef</uuid>" +
        "<usage type='volume'><volume>/var/lib/a.img</volume></usage></secret>",
    );
    const bare = await conn.secretDefineXML("<secret/>");
    assertEquals(vol.UUIDString(), "01234567-89ab-cdef-0123-456789abcdef");
    assertEquals([ceph.usageType(), ceph.usageID()], [VIR_SECRET_USAGE_TYPE_CEPH, "client.admin"]);
    assertEquals([bare.usageType(), bare.usageID()], [VIR_SECRET_USAGE_TYPE_NONE, undefined]);

    assertEquals(
      (await conn.secretLookupByUUIDString("0123456789ABCDEF0123456789ABCDEF")).UUIDString(),
      vol.UUIDString(),
    );
    assertEquals((await conn.secretLookupByUUID(vol.UUID())).UUIDString(), vol.UUIDString());
    assertEquals(
      (await conn.secretLookupByUsage(VIR_SECRET_USAGE_TYPE_VOLUME, "/var/lib/a.img")).UUIDString(),
      vol.UUIDString(),
    );
    await assertRejects(
      () => conn.secretLookupByUsage(VIR_SECRET_USAGE_TYPE_CEPH, "nobody"),
      (e: unknown) => code(e) === "no-secret",
    );
    await assertRejects(
      () => conn.secretLookupByUUIDString("not-a-uuid"),
      (e: unknown) => code(e) === "invalid-arg",
    );

    const uuids = async (flags: number) =>
      (await conn.listAllSecrets(flags)).map((s) => s.UUIDString()).sort();
    assertEquals((await uuids(0)).length, 3);
    assertEquals(await conn.numOfSecrets(), 3);
    assertEquals(await uuids(VIR_CONNECT_LIST_SECRETS_EPHEMERAL), [vol.UUIDString()]);
    assertEquals(await uuids(VIR_CONNECT_LIST_SECRETS_PRIVATE), [ceph.UUIDString()]);
    assertEquals(
      await uuids(VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL | VIR_CONNECT_LIST_SECRETS_NO_PRIVATE),
      [bare.UUIDString()],
    );

    await vol.setValue("eph");
    assertEquals(new TextDecoder().decode(await vol.value()), "eph");
    await ceph.setValue(new Uint8Array([1, 2, 3]));
    await assertRejects(() => ceph.value(), (e: unknown) => code(e) === "operation-denied");
    await assertRejects(
      () => conn.secretDefineXML("<secret><bogus/></secret>", VIR_SECRET_DEFINE_VALIDATE),
      (e: unknown) => code(e) === "xml-detail",
    );
    assert((await ceph.XMLDesc()).includes("<name>client.admin</name>"));
    await bare.undefine();
    assertEquals((await uuids(0)).length, 2);
    await assertRejects(() => conn.listAllDomains(), (e: unknown) => code(e) === "no-support");
  } finally {
    await conn.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("node devices API on the test driver: filters, handles, no-support", async () => {
  const conn = await open("test:///default");
  try {
    const names = async (flags: number) => (await conn.listAllDevices(flags)).map((d) => d.name());
    assertEquals(await names(0), ["computer", "scsi_host1", "scsi_host11", "scsi_host2"]);
    assertEquals(await names(VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE), await names(0));
    assertEquals(await names(VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE), []);
    assertEquals(await names(nodeDeviceCapFlag("vports")!), ["scsi_host1", "scsi_host2"]);
    assertEquals(await conn.listDevices("fc_host"), ["scsi_host1", "scsi_host11", "scsi_host2"]);
    const dev = await conn.nodeDeviceLookupByName("scsi_host11");
    assertEquals([dev.name(), dev.parent()], ["scsi_host11", "scsi_host1"]);
    assertEquals(await dev.listCaps(), ["scsi_host", "fc_host"]);
    await assertRejects(() => dev.dettach(), (e: unknown) => code(e) === "no-support");
    await assertRejects(() => dev.autostart(), (e: unknown) => code(e) === "no-support");
    await assertRejects(
      () => conn.nodeDeviceLookupByName("nosuch"),
      (e: unknown) => code(e) === "no-node-device",
    );
    assertEquals(Object.keys(await conn.getCPUStats()), ["user", "kernel", "idle", "iowait"]);
    await assertRejects(() => conn.getMemoryStats(), (e: unknown) => code(e) === "no-support");
    await assertRejects(
      () => conn.getDomainCapabilities(),
      (e: unknown) => code(e) === "no-support",
    );
    await assertRejects(() => conn.listAllSecrets(), (e: unknown) => code(e) === "no-support");
  } finally {
    await conn.close();
  }
});

Deno.test("host services in a QEMU connection: secrets shared with secret://, stats", async () => {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-services-api-" });
  const qemu = await open(`qemu:///embed?root=${dir}`);
  const sec = await open(`secret:///embed?root=${dir}`);
  try {
    const s = await sec.secretDefineXML(
      "<secret><usage type='tls'><name>t1</name></usage></secret>",
    );
    await s.setValue("v");
    const seen = await qemu.secretLookupByUUIDString(s.UUIDString());
    assertEquals(new TextDecoder().decode(await seen.value()), "v");
    const mem = await qemu.getMemoryStats();
    assertEquals(Object.keys(mem), ["total", "free", "buffers", "cached"]);
    assert(mem.total > mem.free && mem.free > 0);
    const cpu = await qemu.getCPUStats(0);
    assertEquals(Object.keys(cpu), ["kernel", "user", "idle", "iowait"]);
    const computer = await qemu.nodeDeviceLookupByName("computer");
    assertEquals([await computer.isActive(), await computer.isPersistent()], [true, true]);
  } finally {
    await qemu.close();
    await sec.close();
    await Deno.remove(dir, { recursive: true });
  }
});
