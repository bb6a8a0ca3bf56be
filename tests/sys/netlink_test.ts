/**
 * Netlink encoding and decoding, name checks and errno naming: pure code,
 * no kernel involved.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import {
  attrStr,
  attrU32,
  errorCode,
  errorText,
  MessageBuilder,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  parseAttrs,
  parseMessages,
} from "../../src/sys/netlink.ts";
import { checkIfName, formatMac, parseMac } from "../../src/sys/names.ts";
import { errnoName } from "../../src/sys/errno.ts";
import { sysError } from "../../src/sys/libc.ts";
import { ipBytes, ipText, parseCidr } from "../../src/sys/inet.ts";

Deno.test("a built message has its length, type, flags, sequence and padded attributes", () => {
  const m = new MessageBuilder(16, 0x605, new Uint8Array(16));
  m.str(3, "br0");
  m.nest(18, () => m.str(1, "bridge"));
  const b = m.finish(42);
  const v = new DataView(b.buffer);
  // 16 header + 16 ifinfomsg + 8 ("br0\0" with header) + 4 nest + 12 ("bridge\0" padded)
  assertEquals(b.length, 56);
  assertEquals(v.getUint32(0, true), 56);
  assertEquals(v.getUint16(4, true), 16);
  assertEquals(v.getUint16(6, true), 0x605);
  assertEquals(v.getUint32(8, true), 42);
  assertEquals([v.getUint16(32, true), v.getUint16(34, true)], [8, 3]);
  assertEquals(new TextDecoder().decode(b.subarray(36, 39)), "br0");
  assertEquals([v.getUint16(40, true), v.getUint16(42, true)], [16, 18]);
  assertEquals([v.getUint16(44, true), v.getUint16(46, true)], [11, 1]);
});

Deno.test("messages and nested attributes parse back", () => {
  const a = new MessageBuilder(16, 0, new Uint8Array(16));
  a.str(3, "veth0").u32(4, 9000);
  a.nest(18, () => {
    a.str(1, "veth");
    a.nest(2, () => a.nest(1, () => a.raw(new Uint8Array(16)).str(3, "veth1")));
  });
  const b = new MessageBuilder(17, 0, new Uint8Array(16)).u16(7, 0xbeef);
  const x = a.finish(1), y = b.finish(2);
  const both = new Uint8Array(x.length + y.length);
  both.set(x);
  both.set(y, x.length);
  const msgs = parseMessages(both);
  assertEquals(msgs.map((m) => [m.type, m.seq]), [[16, 1], [17, 2]]);
  const attrs = parseAttrs(msgs[0].payload.subarray(16));
  assertEquals(attrStr(attrs, 3), "veth0");
  assertEquals(attrU32(attrs, 4), 9000);
  const info = parseAttrs(attrs.get(18)!);
  assertEquals(attrStr(info, 1), "veth");
  const peer = parseAttrs(parseAttrs(info.get(2)!).get(1)!.subarray(16));
  assertEquals(attrStr(peer, 3), "veth1");
  assertEquals(Array.from(parseAttrs(msgs[1].payload.subarray(16)).get(7)!), [0xef, 0xbe]);
  assertEquals(attrU32(attrs, 99), undefined);
});

Deno.test("an error message gives its errno and the kernel's extended-ack text", () => {
  // NLMSG_ERROR, capped, with TLVs: error -17, echoed header, NLMSGERR_ATTR_MSG.
  const body = new MessageBuilder(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, new Uint8Array(20));
  body.str(1, "Address already assigned");
  const bytes = body.finish(7);
  new DataView(bytes.buffer).setInt32(16, -17, true);
  const [msg] = parseMessages(bytes);
  assertEquals(errorCode(msg), 17);
  assertEquals(errorText(msg), "Address already assigned");
  const plain = new MessageBuilder(NLMSG_ERROR, 0, new Uint8Array(20)).finish(8);
  assertEquals(errorCode(parseMessages(plain)[0]), 0);
  assertEquals(errorText(parseMessages(plain)[0]), undefined);
});

Deno.test("errors name the errno and the object", () => {
  assertEquals(errnoName(17), "EEXIST");
  assertEquals(errnoName(95), "EOPNOTSUPP");
  assertEquals(errnoName(133), "EHWPOISON");
  assertEquals(errnoName(524), "errno 524");
  const e = sysError("create bridge", "br0", 17);
  assert(e instanceof VirtError);
  assertEquals(e.toJSON(), {
    code: "system-error",
    domain: "system",
    message: "cannot create bridge 'br0': EEXIST (File exists)",
  });
  assertEquals(
    sysError("add address 10.0.0.1/8 to", "x", 17, "ipv4: Address already assigned").message,
    "cannot add address 10.0.0.1/8 to 'x': EEXIST (File exists): ipv4: Address already assigned",
  );
});

Deno.test("interface names are checked before use", () => {
  for (const ok of ["br0", "a", "123456789012345", "vnet%d", "eth0.100"]) checkIfName(ok);
  const bad: [string, RegExp][] = [
    ["", /invalid interface name '': it is empty/],
    ["1234567890123456", /longer than 15 bytes/],
    ["a/b", /must not contain '\/', ':' or whitespace/],
    ["a b", /whitespace/],
    ["eth0:1", /':'/],
    ["..", /reserved/],
    ["tab\tx", /whitespace/],
  ];
  for (const [name, re] of bad) {
    assertThrows(
      () => checkIfName(name),
      (e: VirtError) => e.code === "invalid-arg" && re.test(e.message),
    );
  }
});

Deno.test("MAC addresses parse and format", () => {
  assertEquals(Array.from(parseMac("52:54:00:AB:cd:0f")), [0x52, 0x54, 0, 0xab, 0xcd, 0x0f]);
  assertEquals(formatMac(parseMac("52:54:00:AB:cd:0f")), "52:54:00:ab:cd:0f");
  for (const bad of ["52:54:00:ab:cd", "52-54-00-ab-cd-ef", "52:54:00:ab:cd:eg", ""]) {
    assertThrows(() => parseMac(bad), /invalid MAC address/);
  }
});

Deno.test("addresses with prefixes convert to and from bytes", () => {
  const v4 = parseCidr("192.0.2.10/24", "address");
  assertEquals(v4.prefix, 24);
  assertEquals(Array.from(ipBytes(v4.address)), [192, 0, 2, 10]);
  const v6 = parseCidr("2001:db8::1", "address");
  assertEquals(v6.prefix, 128);
  assertEquals(ipText("ipv6", ipBytes(v6.address)), "2001:db8::1");
  assertEquals(ipText("ipv4", new Uint8Array([10, 1, 2, 3])), "10.1.2.3");
  for (const bad of ["192.0.2.1/33", "2001:db8::1/129", "10.0.0.1/8/1", "nope", "10.0.0.1/x"]) {
    assertThrows(() => parseCidr(bad, "address"), /invalid address .*expected ADDRESS\[\/PREFIX\]/);
  }
});
