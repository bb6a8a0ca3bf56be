/**
 * TAP devices through `/dev/net/tun`, checked against `ip -j -d link show`.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { closeFd, createTap, deleteLink, getLink, linkIndex, openTap } from "../../src/sys/mod.ts";
import { cleanupLink, ipLink, SKIP, uniqueName } from "./helpers.ts";

Deno.test({
  name:
    "a persistent TAP is created with its owner and flags, outlives its descriptor and is deleted",
  ignore: SKIP,
  fn() {
    const name = uniqueName("t");
    try {
      assertEquals(createTap(name, { owner: 0, group: 0, vnetHdr: true }), name);
      const l = ipLink(name);
      assertEquals(l.linkinfo.info_kind, "tun");
      assertEquals(l.linkinfo.info_data.type, "tap");
      assertEquals(l.linkinfo.info_data.persist, true);
      assertEquals(l.linkinfo.info_data.pi, false);
      assertEquals(l.linkinfo.info_data.vnet_hdr, true);
      assertEquals(l.linkinfo.info_data.multi_queue, false);
      assertEquals(l.linkinfo.info_data.user, "root");
      assertEquals(l.linkinfo.info_data.group, "root");
      assertEquals(linkIndex(name), l.ifindex);
      const info = getLink(name);
      assertEquals([info.index, info.kind, info.mac, info.mtu], [
        l.ifindex,
        "tun",
        l.address,
        l.mtu,
      ]);
      deleteLink(name);
      assertEquals(ipLink(name), undefined);
    } finally {
      cleanupLink(name);
    }
  },
});

Deno.test({
  name: "a TAP without persistence lives as long as its descriptor",
  ignore: SKIP,
  fn() {
    const tap = openTap("vkt%d", { multiQueue: true });
    try {
      assert(/^vkt\d+$/.test(tap.name), tap.name);
      const l = ipLink(tap.name);
      assertEquals(l.linkinfo.info_data.persist, false);
      assertEquals(l.linkinfo.info_data.multi_queue, true);
    } finally {
      closeFd(tap.fd);
    }
    assertEquals(ipLink(tap.name), undefined);
  },
});

Deno.test({
  name: "creating a TAP that exists fails with EEXIST naming it",
  ignore: SKIP,
  fn() {
    const name = uniqueName("t");
    try {
      createTap(name);
      assertThrows(() => createTap(name), {
        name: "VirtError",
        code: "system-error",
        message: `cannot create tap '${name}': EEXIST (File exists)`,
      });
    } finally {
      cleanupLink(name);
    }
    assertThrows(() => createTap("bad/name"), /invalid interface name 'bad\/name'/);
    assertThrows(() => linkIndex(name), {
      message: `cannot find interface '${name}': ENODEV (No such device)`,
    });
  },
});
