/**
 * The rest of the API through the remote driver: network lifecycle, node
 * devices, secrets, host statistics and the optional domain calls answer
 * through `+http://` exactly as through the local connection, results and
 * errors alike.
 */
import { assert, assertEquals } from "../assert.ts";
import { type Connection, open } from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { startTestServer } from "./helpers.ts";

/** A call's result, or its error as `code: message`, for comparing two connections. */
async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    const v = await f();
    return v instanceof Uint8Array ? [...v] : v;
  } catch (e) {
    return e instanceof VirtError ? `${e.code}: ${e.message}` : `other: ${e}`;
  }
}

const NET = `<network>
  <name>extra</name>
  <uuid>e0e0e0e0-0000-4000-8000-00000000000e</uuid>
  <bridge name='virbr9'/>
  <ip address='10.77.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.0.10' end='10.77.0.20'/>
    </dhcp>
  </ip>
</network>
`;

/** The same sequence of calls, each a value or an error. */
async function session(conn: Connection): Promise<unknown[]> {
  const out: unknown[] = [];
  const net = await conn.networkDefineXML(NET);
  out.push(await outcome(() => net.isActive()));
  out.push(await outcome(() => net.create()));
  out.push(await outcome(() => net.create()));
  out.push(await outcome(() => net.setAutostart(true)));
  out.push(await outcome(() => net.autostart()));
  out.push(await outcome(() => net.DHCPLeases()));
  out.push(
    await outcome(() => net.update(4, 4, -1, "<host mac='52:54:00:00:00:07' ip='10.77.0.7'/>", 0)),
  );
  out.push(await outcome(() => net.XMLDesc()));
  out.push(await outcome(() => net.destroy()));
  out.push(await outcome(() => net.undefine()));
  out.push(await outcome(() => conn.networkLookupByName("extra")));
  out.push(await outcome(async () => (await conn.listAllDevices()).map((d) => d.name())));
  out.push(
    await outcome(async () => await (await conn.nodeDeviceLookupByName("computer")).XMLDesc()),
  );
  out.push(
    await outcome(async () => await (await conn.nodeDeviceLookupByName("computer")).listCaps()),
  );
  out.push(
    await outcome(async () => await (await conn.nodeDeviceLookupByName("nosuch")).XMLDesc()),
  );
  out.push(
    await outcome(async () => await (await conn.nodeDeviceLookupByName("computer")).dettach()),
  );
  out.push(await outcome(() => conn.getCPUStats()));
  out.push(await outcome(() => conn.getMemoryStats()));
  out.push(await outcome(() => conn.getDomainCapabilities()));
  out.push(await outcome(() => conn.listAllSecrets()));
  const dom = await conn.lookupByName("test");
  out.push(await outcome(() => dom.reset()));
  out.push(await outcome(() => dom.qemuMonitorCommand("info status", true)));
  out.push(await outcome(() => dom.screenshot()));
  out.push(await outcome(() => dom.blockStatsFlags("vda")));
  out.push(await outcome(() => dom.interfaceStats("vnet0")));
  out.push(await outcome(() => dom.stats()));
  out.push(await outcome(() => conn.domainXMLToNative("qemu-argv", "<domain/>")));
  return out;
}

Deno.test("networks, node devices, host statistics and optional calls match the local connection", async () => {
  const local = await open("test:///default");
  let expected: unknown[];
  try {
    expected = await session(local);
  } finally {
    await local.close();
  }
  const t = await startTestServer();
  const conn = await open(`test+http://127.0.0.1:${t.port}/default?tokenfile=${t.tokenFile}`);
  try {
    const got = await session(conn);
    assertEquals(got, expected);
    // The sequence really ran: a started network, devices, errors in the driver's words.
    assertEquals(expected[1], undefined);
    assert(String(expected[2]).startsWith("operation-invalid"), String(expected[2]));
    assert((expected[11] as string[]).includes("computer"));
    assert(String(expected[14]).startsWith("no-node-device"));
  } finally {
    await conn.close();
    await t.close();
  }
});

Deno.test("secrets through the name parameter: define, value, lookups, undefine", async () => {
  const root = await Deno.makeTempDir({ prefix: "virtkit-remote-secret-" });
  const t = await startTestServer();
  const conn = await open(
    `secret+http://127.0.0.1:${t.port}/embed?tokenfile=${t.tokenFile}&name=secret:///embed?root=${root}`,
  );
  try {
    const s = await conn.secretDefineXML(
      "<secret ephemeral='no' private='no'><uuid>5ec5ec5e-0000-4000-8000-000000000001</uuid>" +
        "<usage type='volume'><volume>/var/lib/images/a b.img</volume></usage></secret>",
    );
    assertEquals([s.usageType(), s.usageID()], [1, "/var/lib/images/a b.img"]);
    await s.setValue(new Uint8Array([0, 1, 2, 250, 255]));
    assertEquals([...await s.value()], [0, 1, 2, 250, 255]);
    const byUsage = await conn.secretLookupByUsage(1, "/var/lib/images/a b.img");
    assertEquals(byUsage.UUIDString(), "5ec5ec5e-0000-4000-8000-000000000001");
    assertEquals((await conn.listAllSecrets()).length, 1);
    assert((await s.XMLDesc()).includes("<volume>/var/lib/images/a b.img</volume>"));
    await s.undefine();
    const err = await outcome(() =>
      conn.secretLookupByUUIDString("5ec5ec5e-0000-4000-8000-000000000001")
    );
    assert(String(err).startsWith("no-secret: "), String(err));
  } finally {
    await conn.close();
    await t.close();
    await Deno.remove(root, { recursive: true });
  }
});
