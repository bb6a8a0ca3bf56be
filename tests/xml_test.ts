import { assert, assertEquals, assertThrows } from "./assert.ts";
import { VirtError } from "../src/errors.ts";
import { findUnused, parseXml, XmlReader, XmlWriter } from "../src/xml/mod.ts";

function rejects(xml: string, pattern: RegExp): void {
  assertThrows(() => parseXml(xml), (e: unknown) => e instanceof VirtError && pattern.test(e.message));
}

Deno.test("parseXml builds elements with attributes, text and positions", () => {
  const root = parseXml("<a x='1'>\n  <b y=\"2\">hi &amp; bye</b>\n</a>");
  assertEquals(root.name, "a");
  assertEquals(root.attrs, { x: "1" });
  const b = root.nodes.find((n) => typeof n !== "string");
  assert(b && typeof b !== "string");
  assertEquals(b.attrs, { y: "2" });
  assertEquals(b.nodes, ["hi & bye"]);
  assertEquals(b.line, 2);
});

Deno.test("attribute values normalise literal white space but keep character references", () => {
  const root = parseXml("<a v='x\ty\nz&#10;w'/>");
  assertEquals(root.attrs.v, "x y z\nw");
});

Deno.test("parseXml resolves namespaces", () => {
  const root = parseXml("<domain xmlns:q='urn:q'><q:arg value='1'/></domain>");
  const arg = root.nodes.find((n) => typeof n !== "string");
  assert(arg && typeof arg !== "string");
  assertEquals([arg.prefix, arg.local, arg.uri], ["q", "arg", "urn:q"]);
  assertEquals(root.nsDecls, { q: "urn:q" });
});

Deno.test("malformed XML is a VirtError with line and column", () => {
  rejects("<domain>\n  <name>x</nam>\n</domain>", /line 2, column \d+/);
  rejects("<a", /malformed XML/);
  rejects("", /malformed XML/);
  rejects("<a/><b/>", /malformed XML/);
});

Deno.test("DOCTYPE and entity declarations are refused (billion laughs)", () => {
  const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<domain>&lol3;</domain>`;
  rejects(bomb, /DOCTYPE declarations are not allowed/);
  rejects("<a>&ext;</a>", /undefined entity/);
});

Deno.test("a 20 MiB document is refused before parsing", () => {
  const big = "<domain>" + "x".repeat(20 * 1024 * 1024) + "</domain>";
  rejects(big, /too large/);
});

Deno.test("10,000 nested elements are refused", () => {
  const deep = "<a>".repeat(10000) + "</a>".repeat(10000);
  rejects(deep, /nested deeper than 256/);
});

Deno.test("XmlReader typed accessors report the element and line", () => {
  const r = new XmlReader(parseXml("<x>\n<c n='abc' e='no' u='0x1f'/></x>"), "domain");
  const c = r.child("c")!;
  assertEquals(c.yesNo("e"), false);
  assertEquals(c.uint("u", { hex: true }), 31);
  assertThrows(() => c.uint("n"), /invalid value 'abc' for attribute 'n'.*<c> at line 2/);
  assertThrows(() => c.enum("n", ["a", "b"]), /expected one of: a, b/);
  assertThrows(() => c.req("missing"), /missing attribute 'missing'/);
});

Deno.test("findUnused names the first element or attribute nobody read", () => {
  const root = parseXml("<a k='1' z='2'><b/><c/></a>");
  const r = new XmlReader(root, "domain");
  r.attr("k");
  r.child("b");
  assertEquals(findUnused(root), "unknown attribute 'z' on <a> at line 1");
  r.attr("z");
  assertEquals(findUnused(root), "unknown element <c> in <a> at line 1");
});

Deno.test("XmlWriter writes libvirt's layout and escaping", () => {
  const w = new XmlWriter();
  w.block("domain", [["type", "kvm"], ["id", undefined]], (w) => {
    w.text("name", "a'b<c>&\u0001");
    w.elem("empty", [["k", 1]], () => {});
    w.group("omitted", null, () => {});
    w.elem("parent", null, (w) => w.elem("child"));
  });
  assertEquals(
    w.toString(),
    "<domain type='kvm'>\n  <name>a&apos;b&lt;c&gt;&amp;</name>\n  <empty k='1'/>\n  <parent>\n    <child/>\n  </parent>\n</domain>\n",
  );
});
