/**
 * LXC containers on a NAT network of the embedded network driver: the
 * host end of the veth pair joins the network's bridge, the guest end
 * becomes the container's `eth0` with its address and default route, and
 * `destroy` takes the pair away.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { skipUnless } from "../skip.ts";
import { open } from "../../src/connect.ts";
import { readSysctl, uniqueName as uniqueLink, uniqueSubnet } from "../net/helpers.ts";
import {
  BUSYBOX,
  cgroupDirs,
  containerXml,
  linkExists,
  LXC_READY,
  LXC_WHY,
  makeWork,
  processesOf,
  removeWork,
  uniqueName,
  waitFor,
} from "./lxc_fixtures.ts";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

Deno.test({
  name: "lxc: a container gets an address on a NAT network and its veth goes away with it",
  ignore: skipUnless(
    LXC_READY && Deno.statSync("/usr/sbin/nft").isFile,
    `${LXC_WHY}, and nftables`,
  ),
  async fn() {
    const work = await makeWork();
    const name = uniqueName();
    const netName = uniqueName("vkn");
    const bridge = uniqueLink("vkb");
    const subnet = uniqueSubnet();
    const forward = readSysctl(IP_FORWARD);
    const conn = await open(work.uri);
    try {
      const net = await conn.networkCreateXMLFlags(`<network>
  <name>${netName}</name>
  <forward mode='nat'/>
  <bridge name='${bridge}' stp='off'/>
  <ip address='${subnet}.1' prefix='24'/>
</network>`);
      const dom = await conn.createXML(containerXml(name, work.rootfs, {
        devices: `    <interface type='network'>
      <source network='${netName}'/>
      <ip address='${subnet}.10' prefix='24'/>
      <route address='0.0.0.0' gateway='${subnet}.1'/>
    </interface>`,
      }));
      const out = `${work.rootfs}/tmp/net.txt`;
      const status = await dom.lxcEnterNamespace([
        "/bin/sh",
        "-c",
        `(ip -4 addr show eth0; ip route; ping -c 1 -W 3 ${subnet}.1 && echo PING-OK) > /tmp/net.txt 2>&1`,
      ]);
      const text = await Deno.readTextFile(out);
      assertEquals(status, 0, text);
      assertMatch(text, new RegExp(`inet ${subnet.replaceAll(".", "\\.")}\\.10/24`));
      assertMatch(text, new RegExp(`default via ${subnet.replaceAll(".", "\\.")}\\.1 dev eth0`));
      assertMatch(text, /PING-OK/);

      const hostEnds = [...Deno.readDirSync(`/sys/class/net/${bridge}/brif`)].map((e) => e.name);
      assertEquals(hostEnds.length, 1);
      const hostEnd = hostEnds[0];
      const ping = await new Deno.Command(BUSYBOX!, {
        args: ["ping", "-c", "1", "-W", "3", `${subnet}.10`],
        stdout: "null",
      })
        .output();
      assertEquals(ping.code, 0, "the host cannot reach the container");

      await dom.destroy();
      await waitFor("the container's processes to end", () => processesOf(name).length === 0);
      assertEquals(cgroupDirs(name), []);
      assert(!linkExists(hostEnd), `the veth ${hostEnd} is left`);
      await net.destroy();
      assert(!linkExists(bridge));
    } finally {
      await conn.close();
      await removeWork(work, [name]);
      for (const n of [bridge]) {
        if (linkExists(n)) await new Deno.Command("ip", { args: ["link", "del", n] }).output();
      }
      Deno.writeTextFileSync(IP_FORWARD, `${forward}\n`);
    }
  },
});
