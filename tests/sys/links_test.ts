/**
 * Links through rtnetlink (bridges, veth pairs, dummies, VLAN and macvlan
 * devices; state, MTU, MAC, master, name, namespace), each checked against
 * what `ip -j -d link show` reports.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";
import {
  createBridge,
  createDummy,
  createMacvlan,
  createTap,
  createVeth,
  createVlan,
  deleteLink,
  getLink,
  listLinks,
  moveToNetns,
  renameLink,
  setLinkDown,
  setLinkUp,
  setMac,
  setMaster,
  setMtu,
} from "../../src/sys/mod.ts";
import { cleanupLink, ip, ipJson, ipLink, SKIP, uniqueName, withTempNetns } from "./helpers.ts";

Deno.test({
  name: "a bridge is created with STP settings, brought up and down, and deleted",
  ignore: SKIP,
  fn() {
    const br = uniqueName("b");
    try {
      createBridge(br, { stp: true, forwardDelay: 2 });
      let l = ipLink(br);
      assertEquals(l.linkinfo.info_kind, "bridge");
      assertEquals(l.linkinfo.info_data.stp_state, 1);
      assertEquals(l.linkinfo.info_data.forward_delay, 200);
      assert(!l.flags.includes("UP"));
      assertEquals([getLink(br).operState, l.operstate], ["DOWN", "DOWN"]);
      setLinkUp(br);
      l = ipLink(br);
      assert(l.flags.includes("UP"));
      const info = getLink(br);
      assertEquals(info.up, true);
      assertEquals([info.index, info.name, info.kind, info.mtu, info.mac], [
        l.ifindex,
        br,
        "bridge",
        l.mtu,
        l.address,
      ]);
      setLinkDown(br);
      assert(!ipLink(br).flags.includes("UP"));
      deleteLink(br);
      assertEquals(ipLink(br), undefined);
    } finally {
      cleanupLink(br);
    }
  },
});

Deno.test({
  name:
    "creating a link that exists fails with EEXIST naming it; deleting a missing one with ENODEV",
  ignore: SKIP,
  fn() {
    const br = uniqueName("b");
    try {
      createBridge(br);
      assertThrows(() => createBridge(br), {
        name: "VirtError",
        code: "system-error",
        message: `cannot create bridge '${br}': EEXIST (File exists)`,
      });
      assertThrows(() => createVeth(br, uniqueName("q")), {
        message: `cannot create veth '${br}': EEXIST (File exists)`,
      });
      assertEquals(ipLink(br).linkinfo.info_kind, "bridge");
    } finally {
      cleanupLink(br);
    }
    assertThrows(() => deleteLink(br), {
      message: `cannot delete interface '${br}': ENODEV (No such device)`,
    });
    assertThrows(() => setMtu(br, 10), /invalid MTU 10/);
    assertThrows(() => setMac(br, "nope"), /invalid MAC address 'nope'/);
    assertThrows(() => createBridge("has space"), /invalid interface name 'has space'/);
  },
});

Deno.test({
  name: "MTU, MAC address and name changes show in ip -j link",
  ignore: SKIP,
  fn() {
    const br = uniqueName("b"), renamed = uniqueName("r");
    try {
      createBridge(br, { mtu: 1400, mac: "52:54:00:00:00:01" });
      let l = ipLink(br);
      assertEquals([l.linkinfo.info_kind, l.mtu, l.address], ["bridge", 1400, "52:54:00:00:00:01"]);
      setMtu(br, 9000);
      setMac(br, "52:54:00:AB:CD:EF");
      l = ipLink(br);
      assertEquals([l.mtu, l.address], [9000, "52:54:00:ab:cd:ef"]);
      renameLink(br, renamed);
      assertEquals(ipLink(br), undefined);
      assertEquals(ipLink(renamed).ifindex, l.ifindex);
    } finally {
      cleanupLink(br);
      cleanupLink(renamed);
    }
  },
});

Deno.test({
  name: "a TAP is enslaved to a bridge and released",
  ignore: SKIP,
  fn() {
    const br = uniqueName("b"), tap = uniqueName("t");
    try {
      createBridge(br);
      createTap(tap);
      setMaster(tap, br);
      const l = ipLink(tap);
      assertEquals(l.master, br);
      assertEquals(l.linkinfo.info_slave_kind, "bridge");
      assertEquals(getLink(tap).master, ipLink(br).ifindex);
      setMaster(tap, null);
      assertEquals(ipLink(tap).master, undefined);
      assertEquals(getLink(tap).master, undefined);
    } finally {
      cleanupLink(tap);
      cleanupLink(br);
    }
  },
});

Deno.test({
  name: "a veth pair is created and one end moved into a network namespace",
  ignore: SKIP,
  fn() {
    const a = uniqueName("a"), b = uniqueName("b");
    withTempNetns((ns) => {
      try {
        createVeth(a, b, { mtu: 1450 });
        const la = ipLink(a), lb = ipLink(b);
        assertEquals([la.linkinfo.info_kind, lb.linkinfo.info_kind], ["veth", "veth"]);
        assertEquals([la.mtu, lb.mtu], [1450, 1450]);
        assertEquals(la.link, b);
        moveToNetns(b, ns);
        assertEquals(ipLink(b), undefined);
        const inside = ipLink(b, ns);
        assertEquals(inside.linkinfo.info_kind, "veth");
        // Operations inside the namespace, through a socket opened there.
        setLinkUp(b, { netns: ns });
        setMtu(b, 1400, { netns: ns });
        const after = ipLink(b, ns);
        assert(after.flags.includes("UP"));
        assertEquals(after.mtu, 1400);
        const ours = listLinks({ netns: ns }).map((
          l,
        ) => [l.index, l.name, l.mtu, l.mac ?? null, l.up]);
        const theirs = ipJson("-n", ns, "link", "show").map((
          l,
        ) => [l.ifindex, l.ifname, l.mtu, l.address ?? null, l.flags.includes("UP")]);
        assertEquals(ours, theirs);
        assertEquals(getLink(b, { netns: ns }).index, after.ifindex);
        deleteLink(a);
        assertEquals(ipLink(b, ns), undefined);
      } finally {
        cleanupLink(a);
      }
    });
  },
});

Deno.test({
  name: "a veth pair is created with its peer directly in a namespace",
  ignore: SKIP,
  fn() {
    const a = uniqueName("a"), b = uniqueName("b");
    withTempNetns((ns) => {
      try {
        createVeth(a, b, { peerNetns: ns, peerMac: "52:54:00:12:34:56" });
        assertEquals(ipLink(b), undefined);
        const inside = ipLink(b, ns);
        assertEquals([inside.linkinfo.info_kind, inside.address], ["veth", "52:54:00:12:34:56"]);
        assert(ipLink(a));
        // A process id names the namespace that process lives in.
        const sleeper = new Deno.Command("ip", { args: ["netns", "exec", ns, "sleep", "30"] })
          .spawn();
        try {
          waitFor(() =>
            readLink(`/proc/${sleeper.pid}/ns/net`) === readLink(`/run/netns/${ns}`, true)
          );
          moveToNetns(a, sleeper.pid);
        } finally {
          sleeper.kill();
          sleeper.output();
        }
        assertEquals(ipLink(a), undefined);
        assertEquals(ipLink(a, ns).link, b);
      } finally {
        cleanupLink(a);
      }
    });
  },
});

/** The namespace identity of a path: its link text, or (for a bind-mounted file) `net:[INODE]`. */
function readLink(path: string, mounted = false): string {
  try {
    return mounted ? `net:[${Deno.statSync(path).ino}]` : Deno.readLinkSync(path);
  } catch {
    return "";
  }
}

/** Polls `cond` for up to five seconds. */
function waitFor(cond: () => boolean): void {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

Deno.test({
  name: "macvlan and macvtap devices are created on a parent link",
  ignore: SKIP,
  fn() {
    const parent = uniqueName("p"),
      peer = uniqueName("q"),
      mv = uniqueName("m"),
      mt = uniqueName("m");
    try {
      createVeth(parent, peer);
      createMacvlan(mv, parent, { mode: "bridge" });
      createMacvlan(mt, parent, { mode: "private", tap: true });
      const lm = ipLink(mv), lt = ipLink(mt);
      assertEquals([lm.linkinfo.info_kind, lm.linkinfo.info_data.mode, lm.link], [
        "macvlan",
        "bridge",
        parent,
      ]);
      assertEquals([lt.linkinfo.info_kind, lt.linkinfo.info_data.mode, lt.link], [
        "macvtap",
        "private",
        parent,
      ]);
      assertEquals(getLink(mv).parent, ipLink(parent).ifindex);
    } finally {
      for (const n of [mt, mv, parent]) cleanupLink(n);
    }
  },
});

/** Whether `ip link add ... type KIND` works here, or fails because the kernel lacks the kind. */
function kernelHas(kind: string, ...args: string[]): boolean {
  const name = uniqueName("k");
  try {
    ip("link", "add", ...args, "name", name, "type", kind, ...(kind === "vlan" ? ["id", "7"] : []));
    return true;
  } catch (e) {
    assertMatch(String(e), /Unknown device type/);
    return false;
  } finally {
    cleanupLink(name);
  }
}

Deno.test({
  name:
    "dummy and VLAN devices are created, or refused as ip is refused when the kernel lacks them",
  ignore: SKIP,
  fn() {
    const parent = uniqueName("p"),
      peer = uniqueName("q"),
      d = uniqueName("d"),
      vlan = uniqueName("v");
    try {
      createVeth(parent, peer);
      const unknown = (kind: string, name: string) => ({
        message:
          `cannot create ${kind} '${name}': EOPNOTSUPP (Operation not supported): Unknown device type`,
      });
      if (kernelHas("dummy")) {
        createDummy(d, { mtu: 1280 });
        assertEquals([ipLink(d).linkinfo.info_kind, ipLink(d).mtu], ["dummy", 1280]);
      } else {
        assertThrows(() => createDummy(d), unknown("dummy", d));
      }
      if (kernelHas("vlan", "link", parent)) {
        createVlan(vlan, parent, 42);
        const lv = ipLink(vlan);
        assertEquals([lv.linkinfo.info_kind, lv.linkinfo.info_data.id, lv.link], [
          "vlan",
          42,
          parent,
        ]);
        assertEquals(getLink(vlan).parent, ipLink(parent).ifindex);
      } else {
        assertThrows(() => createVlan(vlan, parent, 42), unknown("vlan", vlan));
      }
      assertThrows(() => createVlan(vlan, parent, 4095), /invalid VLAN id 4095/);
    } finally {
      for (const n of [vlan, d, parent]) cleanupLink(n);
    }
  },
});
