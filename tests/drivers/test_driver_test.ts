/**
 * The test driver: its default host, state changes as libvirt's test
 * driver makes them, persistent versus live definitions, and loading a
 * custom host file.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { DEFAULT_DOMAIN, DEFAULT_NETWORK } from "../../drivers/test/default-host.ts";
import {
  type Connection,
  open,
  parseDomainXml,
  parseNetworkXml,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_VCPU_MAXIMUM,
  VIR_DOMAIN_XML_INACTIVE,
  VirtError,
} from "../../mod.ts";

async function fails(f: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assertRejects(f, (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assertEquals(e.code, code);
    assertMatch(e.message, message);
    return true;
  });
}

async function withHost(uri: string, f: (c: Connection) => Promise<void>): Promise<void> {
  const c = await open(uri);
  try {
    await f(c);
  } finally {
    await c.close();
  }
}

const def = (name: string, extra = "", uuid = "") =>
  `<domain type='test'><name>${name}</name>${
    uuid ? `<uuid>${uuid}</uuid>` : ""
  }<memory>1048576</memory>` +
  `<currentMemory>524288</currentMemory><vcpu current='1'>4</vcpu><os><type>hvm</type></os>${extra}</domain>`;

Deno.test("default host: the stored definitions agree with their names and UUIDs", () => {
  const d = parseDomainXml(DEFAULT_DOMAIN.xml);
  assertEquals([d.name, d.uuid], [DEFAULT_DOMAIN.name, DEFAULT_DOMAIN.uuid]);
  const n = parseNetworkXml(DEFAULT_NETWORK.xml);
  assertEquals([n.name, n.uuid, n.bridge?.name], [
    DEFAULT_NETWORK.name,
    DEFAULT_NETWORK.uuid,
    DEFAULT_NETWORK.bridge,
  ]);
});

Deno.test("default host: the running domain test, the default network, node info", async () => {
  await withHost("test:///default", async (c) => {
    const t = await c.lookupByName("test");
    assertEquals(await t.state(), [VIR_DOMAIN_RUNNING, 0]);
    assertEquals(await t.OSType(), "linux");
    assertEquals(await t.securityLabel(), ["libvirt-test", true]);
    assertEquals((await t.memoryStats()).rss, 1048576);
    assertEquals(await c.getInfo(), {
      model: "i686",
      memory: 3145728,
      cpus: 16,
      mhz: 1400,
      nodes: 2,
      sockets: 2,
      cores: 2,
      threads: 2,
    });
    const net = await c.networkLookupByName("default");
    assertEquals(await net.bridgeName(), "virbr0");
    assertEquals(await net.summary(), {
      name: "default",
      uuid: DEFAULT_NETWORK.uuid,
      active: true,
      persistent: true,
      autostart: false,
    });
    assertEquals(await net.XMLDesc(), DEFAULT_NETWORK.xml);
  });
});

Deno.test("domains: guests without an arch get the test host's i686", async () => {
  await withHost("test:///default", async (c) => {
    const d = await c.defineXML(def("arch"));
    assertMatch(await d.XMLDesc(), /<type arch='i686'>hvm<\/type>/);
    const e = await c.defineXML(def("x86").replace("<type>hvm", "<type arch='x86_64'>hvm"));
    assertMatch(await e.XMLDesc(), /<type arch='x86_64'>hvm<\/type>/);
  });
});

Deno.test("domains: interfaces get free testnetN names, video adapters a model", async () => {
  await withHost("test:///default", async (c) => {
    const nets = "<interface type='network'><source network='default'/></interface>" +
      "<interface type='network'><source network='default'/><target dev='testnet0'/></interface>";
    const d = await c.defineXML(def("nics", `<devices>${nets}<video/></devices>`));
    const xml = await d.XMLDesc(VIR_DOMAIN_XML_INACTIVE);
    assertEquals([...xml.matchAll(/<target dev='(testnet\d)'\/>/g)].map((m) => m[1]), [
      "testnet1",
      "testnet0",
    ]);
    assertMatch(xml, /<model type='cirrus' vram='16384'/);
    const xen = await c.defineXML(
      def("pv", "<devices><video/></devices>").replace("<type>hvm", "<type>xen"),
    );
    assertMatch(
      await xen.XMLDesc(),
      /<type arch='i686'>xen<\/type>[\s\S]*<model type='xen' vram='4096'/,
    );
  });
});

Deno.test("domains: on_poweroff and on_reboot decide what shutdown and reboot do", async () => {
  await withHost("test:///default", async (c) => {
    const keep = await c.createXML(
      def("keep", "<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot>"),
    );
    await keep.shutdown();
    assertEquals(await keep.state(), [VIR_DOMAIN_RUNNING, 1]);
    await keep.reboot();
    // A transient domain that stops goes away.
    await fails(() => keep.state(), "no-domain", /no domain with matching uuid/);
    const t = await c.lookupByName("test");
    await t.reboot();
    assertEquals(await t.state(), [VIR_DOMAIN_RUNNING, 1]);
    await t.shutdown();
    assertEquals(await t.state(), [VIR_DOMAIN_SHUTOFF, 1]);
  });
});

Deno.test("domains: state errors", async () => {
  await withHost("test:///default", async (c) => {
    const uuid = "12345678-1234-1234-1234-123456789abc";
    const d = await c.defineXML(def("idle", "", uuid));
    await fails(() => d.destroy(), "operation-invalid", /domain is not running/);
    await fails(() => d.suspend(), "operation-invalid", /domain is not running/);
    await fails(() => d.resume(), "operation-invalid", /domain is not paused/);
    await fails(() => d.shutdown(), "operation-invalid", /domain is not running/);
    await fails(() => d.memoryStats(), "operation-invalid", /domain is not running/);
    await d.create();
    await fails(() => d.create(), "operation-invalid", /domain 'idle' is already running/);
    await fails(
      () => c.createXML(def("idle", "", uuid)),
      "operation-invalid",
      /domain 'idle' is already active/,
    );
    await fails(
      () => c.createXML(def("idle")),
      "operation-failed",
      /domain 'idle' already exists with uuid 12345678/,
    );
    await fails(
      () => d.shutdown(1),
      "argument-unsupported",
      /unsupported flags \(0x1\) for shutdown/,
    );
  });
});

Deno.test("domains: name and UUID clashes", async () => {
  await withHost("test:///default", async (c) => {
    await fails(
      () => c.defineXML(def("test")),
      "operation-failed",
      /domain 'test' already exists with uuid 6695eb01/,
    );
    await fails(
      () => c.defineXML(def("other", "", DEFAULT_DOMAIN.uuid)),
      "operation-failed",
      /domain 'test' is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f/,
    );
  });
});

Deno.test("domains: redefining a running domain changes only its persistent config", async () => {
  await withHost("test:///default", async (c) => {
    const uuid = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    const d = await c.defineXML(def("re", "", uuid));
    await d.create();
    await c.defineXML(def("re", "", uuid).replace("<vcpu current='1'>4</vcpu>", "<vcpu>3</vcpu>"));
    assertEquals(await d.vcpusFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM), 4);
    assertEquals(await d.vcpusFlags(VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM), 3);
    assertMatch(await d.XMLDesc(), /<vcpu placement='static' current='1'>4<\/vcpu>/);
    assertMatch(await d.XMLDesc(VIR_DOMAIN_XML_INACTIVE), /<vcpu placement='static'>3<\/vcpu>/);
    await d.destroy();
    assertEquals(await d.vcpusFlags(0), 3);
    await fails(
      () => d.vcpusFlags(VIR_DOMAIN_AFFECT_LIVE),
      "operation-invalid",
      /domain is not running/,
    );
  });
});

Deno.test("domains: undefining a running domain leaves it transient until it stops", async () => {
  await withHost("test:///default", async (c) => {
    const t = await c.lookupByName("test");
    await t.undefine();
    assertEquals(await t.isPersistent(), false);
    assertEquals(await t.isActive(), true);
    await fails(
      () => t.vcpusFlags(VIR_DOMAIN_AFFECT_CONFIG),
      "operation-invalid",
      /transient domains do not have any persistent config/,
    );
    await fails(() => t.undefine(), "operation-invalid", /cannot undefine a transient domain/);
    await fails(() => t.setAutostart(true), "operation-invalid", /transient/);
    await t.destroy();
    await fails(() => c.lookupByName("test"), "no-domain", /test/);
  });
});

Deno.test("domains: memory statistics follow the current memory and need a balloon", async () => {
  await withHost("test:///default", async (c) => {
    const b = await c.createXML(def("balloon", "<devices><memballoon model='virtio'/></devices>"));
    assertEquals(await b.memoryStatsList(), [
      ["actual", 524288],
      ["swap_in", 0],
      ["swap_out", 0],
      ["major_fault", 0],
      ["minor_fault", 0],
      ["unused", 262144],
      ["available", 524288],
      ["usable", 262144],
      ["last_update", 627319920],
      ["disk_caches", 65536],
      ["hugetlb_pgalloc", 0],
      ["hugetlb_pgfail", 0],
      ["rss", 262144],
    ]);
    const none = await c.createXML(def("noballoon"));
    assertEquals(await none.memoryStatsList(), []);
  });
});

Deno.test("domains: start paused", async () => {
  await withHost("test:///default", async (c) => {
    const d = await c.defineXML(def("p"));
    await d.create(1);
    assertEquals(await d.state(), [VIR_DOMAIN_PAUSED, 1]);
  });
});

Deno.test("domains: malformed XML is rejected with its line", async () => {
  await withHost("test:///default", async (c) => {
    await fails(
      () => c.defineXML("<domain type='test'><name>x</name>"),
      "xml-error",
      /line 1, column \d+: unclosed element <domain>/,
    );
  });
});

const HOST = `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>2</threads><active>6</active><mhz>3000</mhz><model>x86_64</model></cpu>
  <memory>4194304</memory>
  <domain type='test'><name>run</name><memory>65536</memory><os><type>hvm</type></os></domain>
  <domain type='test'><name>paused</name><memory>65536</memory><os><type>hvm</type></os><test:runstate>3</test:runstate></domain>
  <domain type='test'><name>off</name><memory>65536</memory><os><type>hvm</type></os><test:runstate>5</test:runstate><test:hasmanagedsave/></domain>
  <domain file='sub/tr.xml'/>
  <network><name>lan</name><bridge name='br0'/><forward mode='bridge'/></network>
</node>
`;
const TRANSIENT = `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <name>tr</name><memory>65536</memory><os><type>hvm</type></os><test:transient/>
</domain>
`;

async function hostDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-testhost-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

Deno.test("host file: node info, run states, transient and managed-save domains, networks", async () => {
  const dir = await hostDir({ "host.xml": HOST, "sub/tr.xml": TRANSIENT });
  try {
    await withHost(`test://${dir}/host.xml`, async (c) => {
      assertEquals(await c.getURI(), `test://${dir}/host.xml`);
      assertEquals(await c.getInfo(), {
        model: "x86_64",
        memory: 4194304,
        cpus: 6,
        mhz: 3000,
        nodes: 1,
        sockets: 1,
        cores: 4,
        threads: 2,
      });
      const summaries = await c.listAllDomainSummaries();
      assertEquals(
        summaries.map((d) => [d.name, d.id, d.state, d.persistent, d.managedSave]),
        [
          ["run", 1, VIR_DOMAIN_RUNNING, true, false],
          ["paused", 2, VIR_DOMAIN_PAUSED, true, false],
          ["off", -1, VIR_DOMAIN_SHUTOFF, true, true],
          ["tr", 3, VIR_DOMAIN_RUNNING, false, false],
        ],
      );
      const off = await c.lookupByName("off");
      await fails(() => off.undefine(), "operation-invalid", /managed save image/);
      await off.undefine(1);
      assertEquals(await c.networkLookupByName("lan").then((n) => n.bridgeName()), "br0");
      assertMatch(await c.getCapabilities(), /<cells num='0'>\n {6}<\/cells>/);
    });
    // Each host file connection has a host of its own.
    await withHost(`test://${dir}/host.xml`, async (c) => {
      assertEquals((await c.lookupByName("off")).name(), "off");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host file: errors name the file and the fault", async () => {
  const dir = await hostDir({
    "wrong.xml": "<host/>",
    "bad-state.xml":
      "<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><domain type='test'><name>a</name><memory>1</memory><os><type>hvm</type></os><test:runstate>9</test:runstate></domain></node>",
    "twice.xml":
      "<node><domain type='test'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain><domain type='test'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain></node>",
    "missing-ref.xml": "<node><domain file='nope.xml'/></node>",
  });
  try {
    await fails(
      () => open(`test://${dir}/absent.xml`),
      "system-error",
      /cannot read test host file '.*absent.xml': No such file or directory/,
    );
    await fails(
      () => open(`test://${dir}/wrong.xml`),
      "xml-error",
      /must have <node> as its root element, not <host>/,
    );
    await fails(() => open(`test://${dir}/bad-state.xml`), "xml-detail", /invalid runstate '9'/);
    await fails(
      () => open(`test://${dir}/twice.xml`),
      "operation-failed",
      /domain 'a' is defined twice/,
    );
    await fails(
      () => open(`test://${dir}/missing-ref.xml`),
      "system-error",
      /cannot read the domain file '.*nope.xml'/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
