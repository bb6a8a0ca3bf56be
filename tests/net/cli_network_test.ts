/**
 * Network lifecycle through the Connection API and the CLI on the test
 * driver (in memory, no host changes): the API calls, and `net-*`
 * transcripts whose standard output and exit status must equal virsh's.
 */
import { assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import {
  open,
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
  VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  VIR_NETWORK_UPDATE_COMMAND_DELETE,
  VIR_NETWORK_XML_INACTIVE,
} from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const N1 = `<network>
  <name>n1</name>
  <uuid>93e3ef01-730f-4f57-9fd8-12ba6fa48f62</uuid>
  <bridge name='virbr9'/>
  <forward mode='nat'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.2' end='192.168.150.254'/>
      <host mac='52:54:00:00:00:01' name='a' ip='192.168.150.10'/>
    </dhcp>
  </ip>
</network>
`;

Deno.test("test driver: network lifecycle through the Connection API", async () => {
  const conn = await open("test:///default");
  try {
    const net = await conn.networkDefineXML(N1);
    assertEquals(await net.isActive(), false);
    await net.create();
    assertEquals(await net.isActive(), true);
    await assertRejects(net.create(), /Network 'n1' is already running/);
    await net.setAutostart(true);
    assertEquals(await net.autostart(), true);
    await net.update(
      VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
      VIR_NETWORK_SECTION_IP_DHCP_HOST,
      -1,
      "<host mac='52:54:00:00:00:02' name='b' ip='192.168.150.11'/>",
      VIR_NETWORK_UPDATE_AFFECT_LIVE,
    );
    assertMatch(await net.XMLDesc(), /name='b'/);
    // As libvirt's test driver, no XML flags, so no separate persistent XML.
    await assertRejects(net.XMLDesc(VIR_NETWORK_XML_INACTIVE), /unsupported flags \(0x1\)/);
    await net.update(
      VIR_NETWORK_UPDATE_COMMAND_DELETE,
      VIR_NETWORK_SECTION_IP_DHCP_HOST,
      -1,
      "<host mac='52:54:00:00:00:01' name='a' ip='192.168.150.10'/>",
      VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG,
    );
    assertEquals((await net.XMLDesc()).includes("name='a'"), false);
    await assertRejects(net.DHCPLeases(), (e: unknown) => {
      assertEquals((e as VirtError).code, "no-support");
      assertEquals(
        (e as VirtError).message,
        "this function is not supported by the connection driver: virNetworkGetDHCPLeases",
      );
      return true;
    });
    await assertRejects(net.undefine(), /Network 'n1' is still running/);
    await net.destroy();
    // As in libvirt's test driver, the definition it ran with stays, 'b' included.
    assertMatch(await net.XMLDesc(), /name='b'/);
    await net.undefine();
    await assertRejects(conn.networkLookupByName("n1"), /no network with matching name 'n1'/);

    const t = await conn.networkCreateXML(N1);
    assertEquals(await t.isPersistent(), false);
    // libvirt's test driver marks even a transient network.
    await t.setAutostart(true);
    assertEquals(await t.autostart(), true);
    await t.destroy();
    assertEquals((await conn.listAllNetworks()).map((n) => n.name()), ["default"]);
  } finally {
    await conn.close();
  }
});

const ignore = skipUnless(
  hasCommand("virsh"),
  "virsh is not installed (apt-get install libvirt-clients)",
);

async function run(cmd: string, args: string[], cwd: string) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  return { stdout: new TextDecoder().decode(out.stdout), code: out.code };
}

async function compare(line: string) {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-net-compat-" });
  try {
    await Deno.writeTextFile(`${dir}/n1.xml`, N1);
    const [theirs, ours] = await Promise.all([
      run("virsh", ["-c", "test:///default", line], dir),
      run(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "-c", "test:///default", line], dir),
    ]);
    assertEquals(ours.stdout, theirs.stdout, `stdout of '${line}'`);
    assertEquals(ours.code, theirs.code, `exit status of '${line}'`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const HOST_B = `"<host mac='52:54:00:00:00:02' name='b' ip='192.168.150.11'/>"`;
const TRANSCRIPTS = [
  "net-define n1.xml; net-list --all; net-start n1; net-start n1; net-autostart n1; net-list --autostart; net-autostart n1 --disable; net-info n1",
  `net-define n1.xml; net-start n1; net-update n1 add ip-dhcp-host ${HOST_B} --live --config; net-dumpxml n1; net-update n1 delete ip-dhcp-host ${HOST_B}; net-dumpxml --inactive n1`,
  `net-define n1.xml; net-update n1 add-first ip-dhcp-host ${HOST_B}; net-dumpxml n1; net-update n1 add ip-dhcp-host ${HOST_B} --config; net-update n1 frob ip-dhcp-host ${HOST_B}`,
  "net-define n1.xml; net-dhcp-leases n1; net-destroy n1; net-destroy n1; net-undefine n1; net-undefine n1",
  "net-create n1.xml; net-list; net-undefine n1; net-autostart n1; net-destroy n1; net-list --all",
  "net-define n1.xml; net-define n1.xml; net-start 93e3ef01-730f-4f57-9fd8-12ba6fa48f62; net-destroy 93e3ef01-730f-4f57-9fd8-12ba6fa48f62; net-list --all",
];
for (const line of TRANSCRIPTS) {
  Deno.test({ name: `virsh compat: ${line.slice(0, 90)}`, ignore }, async () => {
    await compare(line);
  });
}
