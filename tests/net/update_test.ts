/**
 * `virNetworkUpdate` on a definition: DHCP hosts and ranges, DNS records,
 * and the refusals with libvirt's wording. Pure: nothing touches the host.
 */
import { assertEquals, assertThrows } from "../assert.ts";
import { formatNetworkXml, parseNetworkXml } from "../../src/conf/network/mod.ts";
import { applyNetworkUpdate, NETWORK_UPDATE_SECTIONS } from "../../src/net/update.ts";
import {
  VIR_NETWORK_SECTION_DNS_HOST,
  VIR_NETWORK_SECTION_IP_DHCP_HOST,
  VIR_NETWORK_SECTION_IP_DHCP_RANGE,
  VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
  VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
  VIR_NETWORK_UPDATE_COMMAND_DELETE,
  VIR_NETWORK_UPDATE_COMMAND_MODIFY,
} from "../../src/connect.ts";

const BASE = `<network>
  <name>up</name>
  <uuid>2d3c8f44-1e41-4b8f-9a51-6b1f0c9d2e10</uuid>
  <bridge name='virbr8'/>
  <ip address='192.168.80.1' prefix='24'>
    <dhcp>
      <range start='192.168.80.100' end='192.168.80.200'/>
      <host mac='52:54:00:00:80:01' name='one' ip='192.168.80.11'/>
    </dhcp>
  </ip>
</network>`;

const ADD = VIR_NETWORK_UPDATE_COMMAND_ADD_LAST;
const HOST = VIR_NETWORK_SECTION_IP_DHCP_HOST;

function hosts(xml: string): string[] {
  return [...xml.matchAll(/<host [^>]*\/>/g)].map((m) => m[0]);
}

Deno.test("update: DHCP hosts are added first or last, modified by MAC, deleted by full match", () => {
  const def = parseNetworkXml(BASE);
  applyNetworkUpdate(
    def,
    ADD,
    HOST,
    -1,
    "<host mac='52:54:00:00:80:02' name='two' ip='192.168.80.12'/>",
  );
  applyNetworkUpdate(
    def,
    VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST,
    HOST,
    0,
    "<host mac='52:54:00:00:80:00' ip='192.168.80.10'/>",
  );
  applyNetworkUpdate(
    def,
    VIR_NETWORK_UPDATE_COMMAND_MODIFY,
    HOST,
    -1,
    "<host mac='52:54:00:00:80:01' name='uno' ip='192.168.80.21'/>",
  );
  assertEquals(hosts(formatNetworkXml(def)), [
    "<host mac='52:54:00:00:80:00' ip='192.168.80.10'/>",
    "<host mac='52:54:00:00:80:01' name='uno' ip='192.168.80.21'/>",
    "<host mac='52:54:00:00:80:02' name='two' ip='192.168.80.12'/>",
  ]);
  applyNetworkUpdate(
    def,
    VIR_NETWORK_UPDATE_COMMAND_DELETE,
    HOST,
    -1,
    "<host mac='52:54:00:00:80:02' name='two' ip='192.168.80.12'/>",
  );
  assertEquals(hosts(formatNetworkXml(def)).length, 2);
});

Deno.test("update: refusals name what does not match and change nothing", () => {
  const def = parseNetworkXml(BASE);
  const before = formatNetworkXml(def);
  for (
    const [command, section, xml, re] of [
      [
        ADD,
        HOST,
        "<host mac='52:54:00:00:80:09' name='one' ip='192.168.80.19'/>",
        /there is an existing dhcp host entry in network 'up' that matches "<host mac='52:54:00:00:80:01' name='one' ip='192.168.80.11'\/>"/,
      ],
      [
        VIR_NETWORK_UPDATE_COMMAND_DELETE,
        HOST,
        "<host mac='52:54:00:00:80:01' ip='192.168.80.11'/>",
        /couldn't locate a matching dhcp host entry in network 'up'/,
      ],
      [
        VIR_NETWORK_UPDATE_COMMAND_MODIFY,
        HOST,
        "<host mac='52:54:00:00:80:09' ip='192.168.80.19'/>",
        /couldn't locate an existing dhcp host entry with "mac='52:54:00:00:80:09'"/,
      ],
      [
        ADD,
        HOST,
        "<range start='192.168.80.2' end='192.168.80.3'/>",
        /unexpected element <range>, expecting <host>/,
      ],
      [ADD, HOST, "<host mac='52:54:00:00:80:09' ip='nope'/>", /invalid address 'nope'/],
      [
        ADD,
        HOST,
        "<host mac='52:54:00:00:80:09' ip='192.168.80.9'/>".replace("ip=", "bad="),
        /missing attribute 'ip'/,
      ],
      [
        ADD,
        VIR_NETWORK_SECTION_IP_DHCP_RANGE,
        "<range start='192.168.80.100' end='192.168.80.200'/>",
        /existing dhcp range entry/,
      ],
      [
        ADD,
        VIR_NETWORK_SECTION_IP_DHCP_RANGE,
        "<range start='10.0.0.2' end='10.0.0.9'/>",
        /not entirely within network/,
      ],
      [
        VIR_NETWORK_UPDATE_COMMAND_MODIFY,
        VIR_NETWORK_SECTION_IP_DHCP_RANGE,
        "<range start='192.168.80.100' end='192.168.80.200'/>",
        /cannot be modified/,
      ],
      [
        ADD,
        HOST,
        "<host mac='52:54:00:00:80:09' ip='192.168.80.9'/>".replace("/>", ">"),
        /XML|expected|end/i,
      ],
      [
        ADD,
        NETWORK_UPDATE_SECTIONS.bridge,
        "<bridge name='x'/>",
        /updating the 'bridge' section of a network is not supported/,
      ],
      [0, HOST, "<host/>", /unrecognized network update command 0/],
    ] as const
  ) {
    assertThrows(() => applyNetworkUpdate(def, command, section, -1, xml), re);
  }
  assertThrows(
    () =>
      applyNetworkUpdate(def, ADD, HOST, 3, "<host mac='52:54:00:00:80:09' ip='192.168.80.9'/>"),
    /no <ip> element found at index 3 in network 'up'/,
  );
  assertEquals(formatNetworkXml(def), before);
});

Deno.test("update: DHCP ranges and DNS hosts are added and deleted", () => {
  const def = parseNetworkXml(BASE);
  applyNetworkUpdate(
    def,
    ADD,
    VIR_NETWORK_SECTION_IP_DHCP_RANGE,
    -1,
    "<range start='192.168.80.20' end='192.168.80.30'/>",
  );
  applyNetworkUpdate(
    def,
    VIR_NETWORK_UPDATE_COMMAND_DELETE,
    VIR_NETWORK_SECTION_IP_DHCP_RANGE,
    -1,
    "<range start='192.168.80.100' end='192.168.80.200'/>",
  );
  applyNetworkUpdate(
    def,
    ADD,
    VIR_NETWORK_SECTION_DNS_HOST,
    -1,
    "<host ip='192.168.80.5'><hostname>five</hostname></host>",
  );
  const xml = formatNetworkXml(def);
  assertEquals([...xml.matchAll(/<range [^>]*\/>/g)].map((m) => m[0]), [
    "<range start='192.168.80.20' end='192.168.80.30'/>",
  ]);
  assertEquals(/<dns>\s*<host ip='192.168.80.5'>\s*<hostname>five<\/hostname>/.test(xml), true);
  assertThrows(
    () =>
      applyNetworkUpdate(
        def,
        ADD,
        VIR_NETWORK_SECTION_DNS_HOST,
        -1,
        "<host ip='192.168.80.5'><hostname>v</hostname></host>",
      ),
    /already a matching DNS host record/,
  );
  applyNetworkUpdate(
    def,
    VIR_NETWORK_UPDATE_COMMAND_DELETE,
    VIR_NETWORK_SECTION_DNS_HOST,
    -1,
    "<host ip='192.168.80.5'><hostname>five</hostname></host>",
  );
  assertEquals(formatNetworkXml(def).includes("five"), false);
});
