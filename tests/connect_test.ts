/**
 * The Connection API over the test driver: opening by URI and the driver
 * registry, lookups, list filters, the domain lifecycle through handles,
 * and lifecycle events.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import {
  type Connection,
  type Driver,
  open,
  registerDriver,
  registeredDrivers,
  VIR_CONNECT_LIST_DOMAINS_ACTIVE,
  VIR_CONNECT_LIST_DOMAINS_INACTIVE,
  VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
  VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
  VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
  VIR_CONNECT_LIST_NETWORKS_INACTIVE,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_XML_INACTIVE,
  VirtError,
} from "../mod.ts";

const VM = (name: string, uuid = "") =>
  `<domain type='test'><name>${name}</name>${
    uuid ? `<uuid>${uuid}</uuid>` : ""
  }<memory>524288</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>`;

async function fails(f: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assertRejects(f, (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assertEquals(e.code, code);
    assertMatch(e.message, message);
    return true;
  });
}

/** Opens test:///default and closes it after `f`, so each test starts from the default host. */
async function withDefault(f: (c: Connection) => Promise<void>): Promise<void> {
  const c = await open("test:///default");
  try {
    await f(c);
  } finally {
    await c.close();
  }
}

Deno.test("open: unknown driver, remote URI and bad URI are named", async () => {
  await fails(
    () => open("bogus:///x"),
    "no-connect",
    /unknown driver 'bogus' in URI 'bogus:\/\/\/x'; available drivers: ([a-z]+, )*test\b/,
  );
  await fails(
    () => open("test+ssh://host/default"),
    "no-connect",
    /remote connections .* not available/,
  );
  await fails(() => open("test:///default?x=1"), "invalid-arg", /unknown parameter 'x'/);
  await fails(
    () => open("test:///"),
    "invalid-arg",
    /needs a path: test:\/\/\/default or test:\/\/\/PATH/,
  );
});

Deno.test("open: VIRTKIT_DEFAULT_URI is used without a URI", async () => {
  const saved = Deno.env.get("VIRTKIT_DEFAULT_URI");
  Deno.env.set("VIRTKIT_DEFAULT_URI", "test:///default");
  try {
    const c = await open();
    assertEquals(await c.getURI(), "test:///default");
    await c.close();
  } finally {
    if (saved === undefined) Deno.env.delete("VIRTKIT_DEFAULT_URI");
    else Deno.env.set("VIRTKIT_DEFAULT_URI", saved);
  }
});

Deno.test("registry: a driver plugs in by scheme and is loaded on first use", async () => {
  let loads = 0;
  const fake: Driver = {
    name: "fake",
    open: (uri) => {
      throw new VirtError("no-support", "test", `fake driver opened ${uri.path}`);
    },
  };
  registerDriver("fake", () => {
    loads++;
    return Promise.resolve(fake);
  });
  assert(registeredDrivers().includes("fake"));
  assertEquals(loads, 0);
  await fails(() => open("fake:///here"), "no-support", /fake driver opened \/here/);
  assertEquals(loads, 1);
});

Deno.test("connection: host information", async () => {
  await withDefault(async (c) => {
    assertEquals(await c.getType(), "TEST");
    assertEquals(await c.getVersion(), 2);
    assertEquals(await c.getHostname(), Deno.hostname());
    assertEquals((await c.getInfo()).cpus, 16);
    assertEquals(await c.getSecurityModel(), ["testSecurity", ""]);
    assertMatch(await c.getCapabilities(), /<cells num='2'>/);
    assert(await c.isAlive());
  });
});

Deno.test("connection: lookups by name, UUID and id", async () => {
  await withDefault(async (c) => {
    const byName = await c.lookupByName("test");
    assertEquals([byName.name(), byName.ID(), byName.UUIDString()], [
      "test",
      1,
      "6695eb01-f6a4-8304-79aa-97f2502e193f",
    ]);
    assertEquals((await c.lookupByUUIDString("6695EB01F6A4830479AA97F2502E193F")).name(), "test");
    assertEquals((await c.lookupByID(1)).name(), "test");
    await fails(
      () => c.lookupByName("nosuch"),
      "no-domain",
      /no domain with matching name 'nosuch'/,
    );
    await fails(() => c.lookupByID(7), "no-domain", /no domain with matching id 7/);
    await fails(() => c.lookupByUUIDString("zz"), "invalid-arg", /invalid UUID 'zz'/);
    assertEquals(
      (await c.networkLookupByName("default")).UUIDString(),
      "dd8fe884-6c02-601e-7551-cca97df1c5df",
    );
    await fails(
      () => c.networkLookupByName("x"),
      "no-network",
      /no network with matching name 'x'/,
    );
  });
});

Deno.test("connection: the lifecycle through a handle", async () => {
  await withDefault(async (c) => {
    const d = await c.defineXML(VM("vm1", "11111111-2222-3333-4444-555555555555"));
    assertEquals(d.ID(), -1);
    assertEquals(await d.state(), [VIR_DOMAIN_SHUTOFF, 0]);
    assert(await d.isPersistent());
    await d.create();
    assertEquals(d.ID(), 2);
    assertEquals(await d.state(), [VIR_DOMAIN_RUNNING, 1]);
    await d.suspend();
    assertEquals(await d.state(), [VIR_DOMAIN_PAUSED, 1]);
    await d.resume();
    assertEquals(await d.state(), [VIR_DOMAIN_RUNNING, 5]);
    const info = await d.info();
    assertEquals([info.state, info.maxMem, info.memory, info.nrVirtCpu], [
      VIR_DOMAIN_RUNNING,
      524288,
      524288,
      2,
    ]);
    await d.setAutostart(true);
    assert(await d.autostart());
    await d.destroy();
    assertEquals(d.ID(), -1);
    assertEquals(await d.state(), [VIR_DOMAIN_SHUTOFF, 2]);
    await d.undefine();
    await fails(() => d.state(), "no-domain", /no domain with matching uuid/);
  });
});

Deno.test("connection: list filters", async () => {
  await withDefault(async (c) => {
    await c.defineXML(VM("off"));
    await c.createXML(VM("temp"), VIR_DOMAIN_START_PAUSED);
    const names = async (flags: number) =>
      (await c.listAllDomains(flags)).map((d) => d.name()).sort();
    assertEquals(await names(0), ["off", "temp", "test"]);
    assertEquals(await names(VIR_CONNECT_LIST_DOMAINS_ACTIVE), ["temp", "test"]);
    assertEquals(await names(VIR_CONNECT_LIST_DOMAINS_INACTIVE), ["off"]);
    assertEquals(await names(VIR_CONNECT_LIST_DOMAINS_TRANSIENT), ["temp"]);
    assertEquals(
      await names(VIR_CONNECT_LIST_DOMAINS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      ["test"],
    );
    assertEquals(await names(VIR_CONNECT_LIST_DOMAINS_SHUTOFF), ["off"]);
    assertEquals((await c.lookupByName("temp")).ID() > 0, true);
    assertEquals((await (await c.lookupByName("temp")).state())[0], VIR_DOMAIN_PAUSED);
    assertEquals((await c.listAllNetworks(VIR_CONNECT_LIST_NETWORKS_INACTIVE)).length, 0);
    assertEquals((await c.listAllNetworks()).map((n) => n.name()), ["default"]);
  });
});

Deno.test("connection: test:///default is shared within a process until the last close", async () => {
  const a = await open("test:///default");
  const b = await open("test:///default");
  await a.defineXML(VM("shared"));
  assertEquals((await b.lookupByName("shared")).name(), "shared");
  await a.close();
  assertEquals((await b.lookupByName("shared")).name(), "shared");
  await b.close();
  const c = await open("test:///default");
  await fails(() => c.lookupByName("shared"), "no-domain", /shared/);
  await c.close();
  await fails(() => c.lookupByName("test"), "invalid-conn", /the connection is closed/);
  await fails(() => c.getURI(), "invalid-conn", /the connection is closed/);
});

Deno.test("connection: XMLDesc with and without INACTIVE", async () => {
  await withDefault(async (c) => {
    const d = await c.lookupByName("test");
    assertMatch(await d.XMLDesc(), /^<domain type='test' id='1'>/);
    assertMatch(await d.XMLDesc(VIR_DOMAIN_XML_INACTIVE), /^<domain type='test'>/);
  });
});

Deno.test("events: lifecycle events arrive in order through the async iterator", async () => {
  await withDefault(async (c) => {
    const events = c.domainEvents();
    const d = await c.defineXML(VM("ev"));
    await d.create();
    await d.suspend();
    await d.resume();
    await d.shutdown();
    await d.undefine();
    const seen: string[] = [];
    for await (const e of events) {
      assertEquals(e.domain.name(), "ev");
      seen.push(`${e.type}/${e.reason}`);
      if (e.type === "undefined") break;
    }
    assertEquals(seen, [
      "defined/added",
      "started/booted",
      "suspended/paused",
      "resumed/unpaused",
      "stopped/shutdown",
      "undefined/removed",
    ]);
    // Leaving the loop unsubscribed: later events are not queued anywhere.
    assertEquals((await events.next()).done, true);
  });
});

Deno.test("events: another connection to the same host sees them", async () => {
  const a = await open("test:///default");
  const b = await open("test:///default");
  const events = b.domainEvents();
  await a.defineXML(VM("other"));
  const first = await events.next();
  assertEquals([first.value?.event, first.value?.detail, first.value?.domain.name()], [
    VIR_DOMAIN_EVENT_DEFINED,
    0,
    "other",
  ]);
  await (await a.lookupByName("other")).create();
  assertEquals((await events.next()).value?.event, VIR_DOMAIN_EVENT_STARTED);
  await events.return?.();
  await a.close();
  await b.close();
});
