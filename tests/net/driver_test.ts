/**
 * The network driver on disk and on the host: define, list, XML, autostart,
 * undefine and update; the refusals (overlapping subnets, a bridge name in
 * use, an invalid CIDR, a DHCP range outside its subnet) that must leave the
 * host exactly as it was; and the rollback of a start that fails half-way.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertRejectsVirtError } from "../assert.ts";
import { NetworkDriver, networkDriverFor } from "../../src/net/driver.ts";
import { firewallTable } from "../../src/net/nat.ts";
import { VirtError } from "../../src/errors.ts";
import {
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
  VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  VIR_NETWORK_XML_INACTIVE,
} from "../../src/connect.ts";
import {
  cleanupLink,
  dnsmasqPids,
  ip,
  linkNames,
  nftTables,
  readSysctl,
  SKIP_HOST,
  uniqueName,
  uniqueSubnet,
} from "./helpers.ts";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

function netXml(name: string, bridge: string, body: string, forward = "<forward mode='nat'/>") {
  return `<network><name>${name}</name>${forward}<bridge name='${bridge}'/>${body}</network>`;
}

/** Everything a start may change on the host, to compare before and after. */
function hostState(root: string) {
  return { links: linkNames(), tables: nftTables(), dnsmasq: dnsmasqPids(root) };
}

async function withDriver(fn: (drv: NetworkDriver, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "vk-net-drv-" });
  const forward = readSysctl(IP_FORWARD);
  const drv = new NetworkDriver({ mode: "embed", root });
  try {
    await fn(drv, root);
  } finally {
    for (const n of await drv.listNetworks().catch(() => [])) {
      if (n.active) await drv.destroyNetwork(n.uuid).catch(() => {});
    }
    Deno.writeTextFileSync(IP_FORWARD, `${forward}\n`);
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("network driver: define, list, XML, autostart, update config, undefine", async () => {
  const root = await Deno.makeTempDir({ prefix: "vk-net-def-" });
  try {
    const drv = new NetworkDriver({ mode: "embed", root });
    const bridge = uniqueName("br");
    const ref = await drv.defineNetwork(
      netXml(
        "def1",
        bridge,
        "<ip address='10.201.7.1' prefix='24'><dhcp><range start='10.201.7.10' end='10.201.7.20'/></dhcp></ip>",
      ),
      0,
    );
    assertEquals(await drv.listNetworks(), [
      { name: "def1", uuid: ref.uuid, active: false, persistent: true, autostart: false },
    ]);
    // The definition was given a MAC for its bridge, as libvirt does.
    const xml = await drv.networkXML(ref.uuid, 0);
    assertMatch(xml, /<mac address='52:54:00:[0-9a-f:]{8}'\/>/);
    assertEquals(await drv.networkBridgeName(ref.uuid), bridge);
    assert((await Deno.readTextFile(`${root}/etc/network/def1.xml`)).includes(ref.uuid));
    // A second driver on the same root (another connection) sees the same network.
    assertEquals(
      (await networkDriverFor({ mode: "embed", root }).lookupNetwork({ name: "def1" })).uuid,
      ref.uuid,
    );

    await drv.networkSetAutostart(ref.uuid, true);
    assertEquals((await drv.networkSummary(ref.uuid)).autostart, true);
    assert(Deno.lstatSync(`${root}/etc/network/autostart/def1.xml`).isSymlink);

    await drv.updateNetwork(
      ref.uuid,
      VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
      VIR_NETWORK_SECTION_IP_DHCP_HOST,
      -1,
      "<host mac='52:54:00:00:00:05' name='five' ip='10.201.7.5'/>",
      0,
    );
    assertMatch(
      await drv.networkXML(ref.uuid, VIR_NETWORK_XML_INACTIVE),
      /<host mac='52:54:00:00:00:05' name='five' ip='10.201.7.5'\/>/,
    );
    await assertRejectsVirtError(
      drv.updateNetwork(
        ref.uuid,
        VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
        VIR_NETWORK_SECTION_IP_DHCP_HOST,
        -1,
        "<host mac='52:54:00:00:00:06' ip='10.201.7.6'/>",
        VIR_NETWORK_UPDATE_AFFECT_LIVE,
      ),
      "operation-invalid",
      /network 'def1' is not active/,
    );
    // The same name needs the same UUID, and a UUID belongs to one name.
    await assertRejectsVirtError(
      drv.defineNetwork(netXml("def1", bridge, "<ip address='10.201.8.1' prefix='24'/>"), 0),
      "operation-failed",
      new RegExp(`network 'def1' already exists with uuid ${ref.uuid}`),
    );
    await assertRejectsVirtError(
      drv.defineNetwork(`<network><name>other</name><uuid>${ref.uuid}</uuid></network>`, 0),
      "operation-failed",
      /network 'def1' is already defined with uuid/,
    );
    // Redefining keeps the bridge MAC and the autostart link.
    const mac = /<mac address='([^']+)'/.exec(xml)![1];
    await drv.defineNetwork(
      `<network><name>def1</name><uuid>${ref.uuid}</uuid><bridge name='${bridge}'/><ip address='10.201.8.1' prefix='24'/></network>`,
      0,
    );
    assertMatch(
      await drv.networkXML(ref.uuid, 0),
      new RegExp(`<mac address='${mac}'/>[^]*10\\.201\\.8\\.1`),
    );
    assertEquals((await drv.networkSummary(ref.uuid)).autostart, true);
    await drv.undefineNetwork(ref.uuid);
    assertEquals(await drv.listNetworks(), []);
    await assertRejectsVirtError(
      drv.lookupNetwork({ name: "def1" }),
      "no-network",
      /no network with matching name 'def1'/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("network driver: a bridge name is assigned from virbr%d when none is given", async () => {
  const root = await Deno.makeTempDir({ prefix: "vk-net-br-" });
  try {
    const drv = new NetworkDriver({ mode: "embed", root });
    const a = await drv.defineNetwork("<network><name>a</name><bridge name='vkt%d'/></network>", 0);
    const b = await drv.defineNetwork("<network><name>b</name><bridge name='vkt%d'/></network>", 0);
    const na = await drv.networkBridgeName(a.uuid);
    const nb = await drv.networkBridgeName(b.uuid);
    assertMatch(na, /^vkt\d+$/);
    assertMatch(nb, /^vkt\d+$/);
    assert(na !== nb);
    const c = await drv.defineNetwork("<network><name>c</name></network>", 0);
    assertMatch(await drv.networkBridgeName(c.uuid), /^virbr\d+$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "network driver: refusals change nothing on the host",
  ignore: SKIP_HOST,
  async fn() {
    await withDriver(async (drv, root) => {
      const s = uniqueSubnet();
      const brA = uniqueName("br");
      const a = await drv.defineNetwork(netXml("a", brA, `<ip address='${s}.1' prefix='24'/>`), 0);
      await drv.startNetwork(a.uuid);
      const before = hostState(root);
      const configs = [...Deno.readDirSync(`${root}/etc/network`)].map((e) => e.name).sort();

      // Overlapping subnets: a /16 around the running /24, refused at start.
      const wide = s.split(".").slice(0, 2).join(".");
      const b = await drv.defineNetwork(
        netXml("b", uniqueName("br"), `<ip address='${wide}.255.1' prefix='16'/>`),
        0,
      );
      await assertRejectsVirtError(
        drv.startNetwork(b.uuid),
        "operation-invalid",
        /overlaps subnet .* of active network 'a'/,
      );
      assertEquals(hostState(root), before);
      await drv.undefineNetwork(b.uuid);

      // A bridge name another network uses: refused at define.
      await assertRejectsVirtError(
        drv.defineNetwork(netXml("c", brA, "<ip address='10.202.0.1' prefix='24'/>"), 0),
        "operation-failed",
        new RegExp(`bridge name '${brA}' already in use by network 'a'`),
      );
      // A bridge name a host device has: refused at start.
      const taken = uniqueName("tk");
      ip("link", "add", taken, "type", "bridge");
      try {
        const d = await drv.defineNetwork(
          netXml("d", taken, "<ip address='10.203.0.1' prefix='24'/>"),
          0,
        );
        const withDummy = hostState(root);
        await assertRejectsVirtError(
          drv.startNetwork(d.uuid),
          "operation-invalid",
          /already in use by a device on the host/,
        );
        assertEquals(hostState(root), withDummy);
        await drv.undefineNetwork(d.uuid);
        // A subnet the host already routes (here through that bridge): refused at start.
        ip("addr", "add", "10.199.77.1/24", "dev", taken);
        ip("link", "set", taken, "up");
        const e = await drv.defineNetwork(
          netXml("e", uniqueName("br"), "<ip address='10.199.77.254' prefix='24'/>"),
          0,
        );
        const withRoute = hostState(root);
        await assertRejectsVirtError(
          drv.startNetwork(e.uuid),
          "operation-invalid",
          new RegExp(`host route 10\\.199\\.77\\.0/24 on interface '${taken}'`),
        );
        assertEquals(hostState(root), withRoute);
        await drv.undefineNetwork(e.uuid);
      } finally {
        cleanupLink(taken);
      }

      // An invalid CIDR and a DHCP range outside its subnet: refused at define.
      for (
        const [body, re] of [
          ["<ip address='10.205.0.300' prefix='24'/>", /invalid network address '10\.205\.0\.300'/],
          ["<ip address='10.205.0.1' prefix='33'/>", /invalid IPv4 prefix '33'/],
          [
            "<ip address='10.205.0.1' netmask='255.0.255.0'/>",
            /netmask '255\.0\.255\.0' is not contiguous/,
          ],
          [
            "<ip address='10.205.0.1' prefix='24'><dhcp><range start='10.205.1.10' end='10.205.1.20'/></dhcp></ip>",
            /range 10\.205\.1\.10 - 10\.205\.1\.20 is not entirely within network 10\.205\.0\.1\/24/,
          ],
        ] as const
      ) {
        await assertRejects(
          drv.defineNetwork(netXml("f", uniqueName("br"), body), 0),
          (e: unknown) => {
            assert(e instanceof VirtError);
            assertMatch(e.message, re);
            return true;
          },
        );
        await assertRejects(drv.createNetwork(netXml("f", uniqueName("br"), body), 0));
      }
      assertEquals(hostState(root), before);
      assertEquals([...Deno.readDirSync(`${root}/etc/network`)].map((e) => e.name).sort(), configs);
    });
  },
});

Deno.test({
  name: "network driver: a start failing half-way (dnsmasq refuses an option) is rolled back",
  ignore: SKIP_HOST,
  async fn() {
    await withDriver(async (drv, root) => {
      const s = uniqueSubnet();
      const bridge = uniqueName("br");
      const before = hostState(root);
      const xml = `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>broken</name>
  <forward mode='nat'/>
  <bridge name='${bridge}'/>
  <ip address='${s}.1' prefix='24'><dhcp><range start='${s}.10' end='${s}.20'/></dhcp></ip>
  <dnsmasq:options><dnsmasq:option value='no-such-dnsmasq-option=1'/></dnsmasq:options>
</network>`;
      const ref = await drv.defineNetwork(xml, 0);
      await assertRejectsVirtError(
        drv.startNetwork(ref.uuid),
        "operation-failed",
        /dnsmasq for network 'broken' failed to start .*bad option/,
      );
      assertEquals(hostState(root), before);
      assert(!nftTables().includes(`inet ${firewallTable(bridge)}`));
      assertEquals((await drv.networkSummary(ref.uuid)).active, false);
      assertEquals(await drv.listNetworks().then((l) => l.map((n) => n.active)), [false]);
      // The transient variant leaves no network behind either.
      await drv.undefineNetwork(ref.uuid);
      await assertRejects(drv.createNetwork(xml, 0));
      assertEquals(await drv.listNetworks(), []);
      assertEquals(hostState(root), before);
    });
  },
});

Deno.test({
  name:
    "network driver: live update of a DHCP host reaches dnsmasq's hosts file; create/undefine/destroy",
  ignore: SKIP_HOST,
  async fn() {
    await withDriver(async (drv, root) => {
      const s = uniqueSubnet();
      const bridge = uniqueName("br");
      const ref = await drv.createNetwork(
        netXml(
          "live",
          bridge,
          `<ip address='${s}.1' prefix='24'><dhcp><range start='${s}.10' end='${s}.20'/></dhcp></ip>`,
          "",
        ),
        0,
      );
      assertEquals(await drv.networkSummary(ref.uuid), {
        name: "live",
        uuid: ref.uuid,
        active: true,
        persistent: false,
        autostart: false,
      });
      const pids = dnsmasqPids(root);
      assertEquals(pids.length, 1);
      await assertRejectsVirtError(drv.networkSetAutostart(ref.uuid, true), "operation-invalid", /transient/);
      await drv.updateNetwork(
        ref.uuid,
        VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
        VIR_NETWORK_SECTION_IP_DHCP_HOST,
        -1,
        `<host mac='52:54:00:00:00:07' name='seven' ip='${s}.7'/>`,
        VIR_NETWORK_UPDATE_AFFECT_LIVE,
      );
      assertEquals(
        await Deno.readTextFile(`${root}/run/network/dnsmasq/live.hostsfile`),
        `52:54:00:00:00:07,${s}.7,seven\n`,
      );
      // Reloaded with SIGHUP, not restarted.
      assertEquals(dnsmasqPids(root), pids);
      await assertRejectsVirtError(
        drv.updateNetwork(
          ref.uuid,
          VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
          VIR_NETWORK_SECTION_IP_DHCP_HOST,
          -1,
          `<host mac='52:54:00:00:00:07' ip='${s}.8'/>`,
          VIR_NETWORK_UPDATE_AFFECT_CONFIG,
        ),
        "operation-invalid",
        /cannot change persistent config of a transient network/,
      );
      // An isolated network: forwarding between guests only.
      const rules = new Deno.Command("nft", {
        args: ["list", "table", "inet", firewallTable(bridge)],
        stdout: "piped",
      }).outputSync();
      const text = new TextDecoder().decode(rules.stdout);
      assertMatch(text, /iifname "[^"]+" oifname "[^"]+" accept/);
      assert(!text.includes("masquerade"));
      await drv.destroyNetwork(ref.uuid);
      assertEquals(await drv.listNetworks(), []);
      assertEquals(dnsmasqPids(root), []);
      assert(!linkNames().includes(bridge));
    });
  },
});

Deno.test({
  name: "network driver: autostartNetworks starts the marked networks that are not running",
  ignore: SKIP_HOST,
  async fn() {
    await withDriver(async (drv) => {
      const on = await drv.defineNetwork(netXml("on", uniqueName("br"), "", ""), 0);
      await drv.defineNetwork(netXml("off", uniqueName("br"), "", ""), 0);
      await drv.networkSetAutostart(on.uuid, true);
      assertEquals(await drv.autostartNetworks(), ["on"]);
      assertEquals((await drv.listNetworks()).map((n) => [n.name, n.active]), [
        ["off", false],
        ["on", true],
      ]);
      assertEquals(await drv.autostartNetworks(), []);
    });
  },
});
