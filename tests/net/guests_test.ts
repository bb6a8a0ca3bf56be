/**
 * Integration: two TCG test guests on a NAT network. Each gets a TAP device
 * from `prepareInterface` on the network's bridge and boots through the
 * QEMU building blocks (`buildQemuArgv`, `QmpClient`). Both get leases from
 * the network's dnsmasq (guest B its static host entry), both leases show
 * in `networkDHCPLeases`, and guest A pings guest B. Everything (QEMU,
 * TAPs, the network) is gone afterwards.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { buildQemuArgv } from "../../drivers/qemu/argv.ts";
import { probeQemuCaps } from "../../drivers/qemu/caps.ts";
import { QmpClient } from "../../drivers/qemu/qmp.ts";
import { DHCP_MARKER, ensureTestGuest, PING_MARKER } from "../../fixtures/guest/build.ts";
import { NetworkDriver } from "../../src/net/driver.ts";
import { prepareInterface, releaseInterface } from "../../src/net/interfaces.ts";
import { linkNames, readSysctl, SKIP_HOST, uniqueName, uniqueSubnet } from "./helpers.ts";
import {
  type QemuChild,
  quitQemu,
  skipUnlessTestGuest,
  spawnQemu,
  TEST_KERNEL,
} from "../drivers/qemu_guest.ts";

const QEMU = "/usr/bin/qemu-system-x86_64";
const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";
const ignore = SKIP_HOST || skipUnlessTestGuest();

/** One running guest. */
interface Guest extends QemuChild {
  qmp?: QmpClient;
  serial: string;
}

function guestXml(
  name: string,
  initrd: string,
  cmdline: string,
  serial: string,
  net: string,
  mac: string,
) {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${TEST_KERNEL?.path}</kernel>
    <initrd>${initrd}</initrd>
    <cmdline>${cmdline}</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <serial type='file'><source path='${serial}'/></serial>
    <interface type='network'>
      <mac address='${mac}'/>
      <source network='${net}'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>`;
}

async function waitFor(path: string, re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    try {
      text = await Deno.readTextFile(path);
    } catch { /* not yet */ }
    const m = re.exec(text);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ${re} in ${path} within ${timeoutMs} ms; got:\n${text.slice(-2000)}`);
}

Deno.test({
  name: "guests: two TCG guests on a NAT network get leases and reach each other",
  ignore,
  async fn() {
    const initrd = await ensureTestGuest();
    const dir = await Deno.makeTempDir({ prefix: "vk-net-guests-" });
    const forward = readSysctl(IP_FORWARD);
    const drv = new NetworkDriver({ mode: "embed", root: `${dir}/root` });
    const bridge = uniqueName("br");
    const s = uniqueSubnet();
    const macA = "52:54:00:7c:00:01";
    const macB = "52:54:00:7c:00:02";
    const taps: string[] = [];
    const guests: Guest[] = [];
    let uuid: string | undefined;
    try {
      const caps = await probeQemuCaps(QEMU, { cacheDir: `${dir}/caps` });
      uuid = (await drv.createNetwork(
        `<network>
  <name>guestnet</name>
  <forward mode='nat'/>
  <bridge name='${bridge}'/>
  <ip address='${s}.1' prefix='24'>
    <dhcp>
      <range start='${s}.100' end='${s}.150'/>
      <host mac='${macB}' name='guestb' ip='${s}.50'/>
    </dhcp>
  </ip>
</network>`,
        0,
      )).uuid;
      for (
        const [name, mac, extra] of [
          ["vk-guest-a", macA, ` virtkit.ping=${s}.50`],
          ["vk-guest-b", macB, ""],
        ]
      ) {
        const serial = `${dir}/${name}.log`;
        const def = parseDomainXml(
          guestXml(
            name,
            initrd,
            `console=ttyS0 quiet virtkit.dhcp=1${extra}`,
            serial,
            "guestnet",
            mac,
          ),
        );
        const tap = await prepareInterface(def.devices.interfaces[0], {
          domainName: name,
          index: 0,
          networks: drv,
        });
        taps.push(tap.ifname);
        assertEquals(tap.bridge, bridge);
        assertMatch(tap.ifname, /^vnet\d+$/);
        const monitor = `${dir}/${name}.qmp`;
        const cmd = buildQemuArgv(def, {
          caps,
          paths: { monitor, home: dir },
          interfaces: [{ ifname: tap.ifname }],
        });
        const g: Guest = { ...spawnQemu(cmd, false), serial };
        guests.push(g);
        g.qmp = await QmpClient.connect(monitor, { timeoutMs: 10_000, signal: g.gone });
        await g.qmp.execute("cont");
      }
      const [a, b] = guests;
      const re = new RegExp(`${DHCP_MARKER} (\\S+)`);
      const addrB = (await waitFor(b.serial, re))[1];
      const addrA = (await waitFor(a.serial, re))[1];
      assertEquals(addrB, `${s}.50`);
      assertMatch(addrA, new RegExp(`^${s.replaceAll(".", "\\.")}\\.(1[0-4]\\d|150)$`));
      const leases = await drv.networkDHCPLeases(uuid, undefined, 0);
      assertEquals(
        leases.map((l) => [l.mac, l.ipaddr, l.prefix]).sort(),
        [[macA, addrA, 24], [macB, addrB, 24]],
      );
      assertEquals(leases.find((l) => l.mac === macB)?.hostname, "guestb");
      await waitFor(a.serial, new RegExp(`${PING_MARKER} ${s.replaceAll(".", "\\.")}\\.50`));
    } finally {
      for (const g of guests) await quitQemu(g, g.qmp);
      for (const t of taps) await releaseInterface({ ifname: t });
      if (uuid) await drv.destroyNetwork(uuid).catch(() => {});
      Deno.writeTextFileSync(IP_FORWARD, `${forward}\n`);
      await Deno.remove(dir, { recursive: true });
    }
    const left = linkNames();
    for (const name of [bridge, ...taps]) assert(!left.includes(name), `${name} left behind`);
  },
});
